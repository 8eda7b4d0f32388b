import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/counters/zone-model';

const S = '\x1f';
const BOUNDS = [1, 5, 10];

describe('the stats model from a zone snapshot', () => {
  it('reads every kind of key', () => {
    const model = buildModel(
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
      bySource: {
        mg1: {
          '192.0.2.10': {
            rate1s: 1.5,
            rate10s: 2.5,
            rate60s: 3.5,
            codes: {
              '200': { requests: 7, bytesIn: 700, bytesOut: 1400 },
              '404': { requests: 1, bytesIn: 0, bytesOut: 0 },
            },
            requestDuration: { boundsMs: BOUNDS, counts: [6, 0, 0, 2], sumMs: 40 },
            upstreamResponse: { boundsMs: BOUNDS, counts: [0, 0, 3, 0], sumMs: 21 },
          },
        },
      },
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
    const model = buildModel(
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
    expect(model.bySource.a.v.requestDuration.counts).toEqual([0, 2, 1, 1]);
  });
});
