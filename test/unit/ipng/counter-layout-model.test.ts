import { describe, expect, it } from 'vitest';
import { buildCounterLayoutModel } from '../../../src/ipng/counter-layout-model';

const S = '\x1f';
const BOUNDS = [1, 5, 10];

describe('the stats model from a zone snapshot', () => {
  it('reads every kind of key', () => {
    const model = buildCounterLayoutModel(
      {
        capacityBytes: 4194304,
        freeBytes: 4000000,
        entries: [
          ['qmg1' + S + '192.0.2.10' + S + '200', 7],
          ['img1' + S + '192.0.2.10' + S + '200', 700],
          ['omg1' + S + '192.0.2.10' + S + '200', 1400],
          ['qmg1' + S + '192.0.2.10' + S + '404', 1],
          ['dmg1' + S + '192.0.2.10' + S + '1', 6],
          ['dmg1' + S + '192.0.2.10' + S + 'inf', 2],
          ['Dmg1' + S + '192.0.2.10', 40],
          ['umg1' + S + '192.0.2.10' + S + '10', 3],
          ['Umg1' + S + '192.0.2.10', 21],
          ['rmg1' + S + '192.0.2.10' + S + '1', 1.5],
          ['rmg1' + S + '192.0.2.10' + S + '10', 2.5],
          ['rmg1' + S + '192.0.2.10' + S + '60', 3.5],
          ['tmg1' + S + '192.0.2.10', 8],
          ['Z', 4],
          ['W', 4],
          ['T', 123456],
          ['f0', 9],
          ['F0' + S + '1', 9],
          ['G0', 2],
          ['l0', 99999],
          ['S5', 1],
          ['s', 3],
          ['!ipng_stats_buckets' + S + '10 5', 1],
          ['foreign key', 77],
        ],
      },
      BOUNDS,
    );
    expect(model).toEqual({
      series: [
        {
          sourceTag: 'mg1',
          vip: '192.0.2.10',
          rate1s: 1.5,
          rate10s: 2.5,
          rate60s: 3.5,
          codes: [
            { code: '200', requests: 7, bytesIn: 700, bytesOut: 1400 },
            { code: '404', requests: 1, bytesIn: 0, bytesOut: 0 },
          ],
          requestDuration: { boundsMs: BOUNDS, counts: [6, 0, 0, 2], sumMs: 40 },
          upstreamResponse: { boundsMs: BOUNDS, counts: [0, 0, 3, 0], sumMs: 21 },
        },
      ],
      meta: {
        zoneBytesUsed: 194304,
        zoneBytesTotal: 4194304,
        zoneFullEvents: 4,
        flushes: { '0': 9 },
        flushDuration: { '0': { boundsMs: BOUNDS, counts: [9, 0, 0, 0], sumMs: 2 } },
        scrapeDuration: { boundsMs: BOUNDS, counts: [0, 1, 0, 0], sumMs: 3 },
      },
    });
  });

  it('folds buckets of an older bucket configuration into the next current bound', () => {
    const model = buildCounterLayoutModel(
      {
        capacityBytes: 1,
        freeBytes: 1,
        entries: [
          ['da' + S + 'v' + S + '2', 1],
          ['da' + S + 'v' + S + '5', 1],
          ['da' + S + 'v' + S + '25', 1],
          ['da' + S + 'v' + S + '10', 1],
        ],
      },
      BOUNDS,
    );
    expect(model.series[0].requestDuration.counts).toEqual([0, 2, 1, 1]);
  });

  it('orders series by source, then vip, then code, as text (UTF-16 code units)', () => {
    const entries: Array<[string, number]> = [];
    const keys = [
      ['b', '10.0.0.2', '404'],
      ['ab', '10.0.0.1', '200'],
      ['a', '2001:db8::1', '200'],
      ['a', '10.0.0.10', '500'],
      ['a', '10.0.0.10', '1000'],
      ['a', '10.0.0.10', '99'],
      ['a', '10.0.0.9', '200'],
      ['a', '10.0.0.10', '200'],
      ['B', '10.0.0.1', '200'],
    ];
    for (const [source, vip, code] of keys) entries.push(['q' + source + S + vip + S + code, 1]);
    // a pair with only a histogram sum still has its place in the order
    entries.push(['Daa' + S + '10.0.0.1', 5]);
    const model = buildCounterLayoutModel({ capacityBytes: 1, freeBytes: 1, entries }, BOUNDS);
    expect(model.series.map((s) => [s.sourceTag, s.vip, s.codes.map((c) => c.code).join(' ')])).toEqual([
      ['B', '10.0.0.1', '200'],
      ['a', '10.0.0.10', '1000 200 500 99'],
      ['a', '10.0.0.9', '200'],
      ['a', '2001:db8::1', '200'],
      ['aa', '10.0.0.1', ''],
      ['ab', '10.0.0.1', '200'],
      ['b', '10.0.0.2', '404'],
    ]);
  });

  it('ignores per-series keys without exactly their fields, and creates no series for them', () => {
    const model = buildCounterLayoutModel(
      {
        capacityBytes: 1,
        freeBytes: 1,
        entries: [
          ['q', 1],
          ['qa' + S + 'v', 1],
          ['qa' + S + 'v' + S + '200' + S + 'x', 1],
          ['da' + S + 'v', 1],
          ['D', 1],
          ['Da' + S + 'v' + S + '1', 1],
          ['r', 1],
          ['ta' + S + 'v', 1],
          ['q' + S + S, 4],
        ],
      },
      BOUNDS,
    );
    expect(model.series.map((s) => [s.sourceTag, s.vip, s.codes])).toEqual([
      ['', '', [{ code: '', requests: 4, bytesIn: 0, bytesOut: 0 }]],
    ]);
  });
});
