// The record layout (a type=string zone written by the shim's lease
// holder): the pair record's text, the writer's arithmetic, and the scrape
// model. The strongest check is the last one: the same counts stored in
// either layout render to byte-identical Prometheus text and JSON.
import { describe, expect, it } from 'vitest';
import { readIpngWire } from '../../harness/ipng-wire';
import { decodeHistogram, encodeHistogram, observeInText } from '../../../src/ipng/histogram-text';
import { pairRecordKey, RECORD_KIND } from '../../../src/ipng/keys';
import {
  applyPairDelta,
  decodePairRecord,
  encodePairRecord,
  joinRecordSections,
  recordSections,
  recordWithUpdatedRates,
} from '../../../src/ipng/pair-record';
import { buildRecordLayoutModel } from '../../../src/ipng/record-layout-model';
import { buildCounterLayoutModel } from '../../../src/ipng/counter-layout-model';
import { renderJson } from '../../../src/exposition/json';
import { renderPrometheus } from '../../../src/exposition/prometheus';
import { renderPairFragments } from '../../../src/exposition/pair-fragments';

const US = '\x1f';
const BOUNDS = [1, 5, 10];
const line = (...f: Array<string | number>) => f.join(US) + '\n';
/** The ipng entries of docs/wire-format.md: per (tag, vip, status) counters; per (tag, vip) histograms ("sum n0 .. nK", or "" when it saw nothing). */
const entry = (tag: string, vip: string, code: number, counters: number[]) => line('r', 'ipng', '', 3, tag, vip, code, counters.join(' '));
const times = (tag: string, vip: string, duration: string, upstream = '') =>
  line('r', 'ipng_time', '', 2, tag, vip, duration.split(' ').slice(1).reduce((a, b) => a + Number(b), 0), duration, upstream);

function deltasFor(text: string) {
  const parsed = readIpngWire('w\n' + text);
  expect(parsed.writer).toBe(true);
  expect(parsed.malformed).toBe(0);
  return parsed.pairs;
}

describe('histogram texts', () => {
  it('round-trips in the same bounds', () => {
    const h = { boundsMs: BOUNDS, counts: [3, 0, 2, 1], sumMs: 118 };
    expect(encodeHistogram(h)).toBe('1,5,10;3,0,2,1;118');
    expect(decodeHistogram('1,5,10;3,0,2,1;118', BOUNDS)).toEqual(h);
  });

  it('re-buckets a record written under other bounds, keeping count and sum', () => {
    // 2 -> 5, 7 -> 10, 20 -> +Inf, +Inf -> +Inf
    expect(decodeHistogram('2,7,20;4,1,2,5;900', BOUNDS)).toEqual({ boundsMs: BOUNDS, counts: [0, 4, 1, 7], sumMs: 900 });
  });

  it('reads an absent or damaged record as empty', () => {
    const empty = { boundsMs: BOUNDS, counts: [0, 0, 0, 0], sumMs: 0 };
    expect(decodeHistogram(undefined, BOUNDS)).toEqual(empty);
    expect(decodeHistogram('', BOUNDS)).toEqual(empty);
    expect(decodeHistogram('1,5;1,2;3', BOUNDS)).toEqual(empty);
  });

  it('observes one value', () => {
    expect(observeInText(undefined, BOUNDS, 7)).toBe('1,5,10;0,0,1,0;7');
    expect(observeInText('1,5,10;0,0,1,0;7', BOUNDS, 11)).toBe('1,5,10;0,0,1,1;18');
  });
});

describe('pair records', () => {
  const first =
    line('b', '1 5 10') +
    entry('mg1', '192.0.2.10', 404, [1, 80, 0]) +
    entry('mg1', '192.0.2.10', 200, [3, 300, 900]) +
    times('mg1', '192.0.2.10', '12 2 0 0 1', '7 0 1 0 0');

  it('adds deltas to an absent record and renders every form', () => {
    const p = decodePairRecord(undefined, BOUNDS);
    expect(applyPairDelta(p, deltasFor(first)[0], true)).toBe(0);
    expect(recordSections(encodePairRecord(p, renderPairFragments))).toEqual([
      '0 0 0 0 4 0',
      '1,5,10;2,0,0,1;12',
      '1,5,10;0,1,0,0;7',
      '200 3 300 900 404 1 80 0',
      '200"} 3\x1d404"} 1',
      '200"} 300\x1d404"} 80',
      '200"} 900\x1d404"} 0',
      '"200":{"requests":3,"bytes_in":300,"bytes_out":900},"404":{"requests":1,"bytes_in":80,"bytes_out":0}',
      // histograms as the scrape writes them: le in seconds, cumulative
      '0.001"} 2\x1d0.005"} 2\x1d0.01"} 2\x1d+Inf"} 3',
      '0.012 3',
      '0.001"} 0\x1d0.005"} 1\x1d0.01"} 1\x1d+Inf"} 1',
      '0.007 1',
      '{"buckets":{"1":2,"5":2,"10":2,"+Inf":3},"sum_ms":12,"count":3}',
      '{"buckets":{"1":0,"5":1,"10":1,"+Inf":1},"sum_ms":7,"count":1}',
    ]);
  });

  it('adds again, summing codes that recur across blocks', () => {
    const p = decodePairRecord(undefined, BOUNDS);
    applyPairDelta(p, deltasFor(first)[0], true);
    const again = decodePairRecord(encodePairRecord(p, renderPairFragments), BOUNDS);
    const second =
      line('b', '1 5 10') + entry('mg1', '192.0.2.10', 200, [1, 10, 20]) +
      line('b', '1 5 10') + entry('mg1', '192.0.2.10', 200, [2, 20, 40]) + entry('mg1', '192.0.2.10', 301, [1, 1, 1]);
    expect(applyPairDelta(again, deltasFor(second)[0], true)).toBe(0);
    expect(again.codes).toEqual([
      { code: '200', requests: 6, bytesIn: 330, bytesOut: 960 },
      { code: '301', requests: 1, bytesIn: 1, bytesOut: 1 },
      { code: '404', requests: 1, bytesIn: 80, bytesOut: 0 },
    ]);
    expect(again.rate.total).toBe(8);
  });

  it('drops new codes but keeps counting existing ones when the zone is full', () => {
    const p = decodePairRecord(undefined, BOUNDS);
    applyPairDelta(p, deltasFor(first)[0], true);
    const more = line('b', '1 5 10') + entry('mg1', '192.0.2.10', 200, [5, 5, 5]) + entry('mg1', '192.0.2.10', 503, [2, 2, 2]);
    expect(applyPairDelta(p, deltasFor(more)[0], false)).toBe(2);
    expect(p.codes.map((c) => [c.code, c.requests])).toEqual([['200', 8], ['404', 1]]);
    expect(p.rate.total).toBe(9);
  });

  it('reads a record by the lengths in its header, and refuses a damaged one', () => {
    const text = joinRecordSections(['a', '', 'bc\x1edef', 'g']);
    expect(text).toBe('1 0 6 1\x1eabc\x1edefg');
    expect(recordSections(text)).toEqual(['a', '', 'bc\x1edef', 'g']);
    expect(recordSections(text + 'x')).toEqual([]);
    expect(recordSections(text.slice(0, -1))).toEqual([]);
    expect(recordSections('no header')).toEqual([]);
    expect(decodePairRecord('1 2\x1ex', BOUNDS).codes).toEqual([]);
  });

  it('moves the rates of a pair with new requests, and leaves an idle pair alone (its rates decay when read)', () => {
    const ewma = (prev: number, requests: number, ms: number, windowS: number) =>
      prev + (1 - Math.exp(-ms / (windowS * 1000))) * ((requests * 1000) / ms - prev);
    const p = decodePairRecord(undefined, BOUNDS);
    applyPairDelta(p, deltasFor(first)[0], true);
    const text = encodePairRecord(p, renderPairFragments);
    // the zone's first update (at 1 s): only the base and the time are recorded
    const based = recordWithUpdatedRates(text, 1000, 0) as string;
    expect(recordSections(based)[0]).toBe('0 0 0 4 4 1000');
    expect(recordWithUpdatedRates(based, 2000, 1000)).toBeNull();
    // 4 more requests in 1 s: rate_1s moves by 1 - e^-1 of the way to 4/s
    const q = decodePairRecord(based, BOUNDS);
    q.rate.total += 4;
    const moved = recordWithUpdatedRates(encodePairRecord(q, renderPairFragments), 2000, 1000) as string;
    const f = recordSections(moved)[0].split(' ').map(Number);
    expect(f[0]).toBeCloseTo(4 * (1 - Math.exp(-1)), 12);
    expect(f[1]).toBeCloseTo(4 * (1 - Math.exp(-0.1)), 12);
    expect(f[2]).toBeCloseTo(4 * (1 - Math.exp(-1 / 60)), 12);
    expect(f.slice(3)).toEqual([8, 8, 2000]);
    expect(recordSections(moved).slice(1)).toEqual(recordSections(encodePairRecord(q, renderPairFragments)).slice(1));
    // idle at the zone's updates at 3 s and 4 s (not rewritten: the reader
    // decays), then 3 more requests by 5 s: the same as three steps
    expect(recordWithUpdatedRates(moved, 3000, 2000)).toBeNull();
    const r = decodePairRecord(moved, BOUNDS);
    r.rate.total += 3;
    const later = recordWithUpdatedRates(encodePairRecord(r, renderPairFragments), 5000, 4000) as string;
    const g = recordSections(later)[0].split(' ').map(Number);
    [1, 10, 60].forEach((windowS, w) => {
      expect(g[w]).toBeCloseTo(ewma(ewma(ewma(f[w], 0, 1000, windowS), 0, 1000, windowS), 3, 1000, windowS), 12);
    });
    expect(g.slice(3)).toEqual([11, 11, 5000]);
  });
});

describe('the scrape model of a record zone', () => {
  // The same counts in both layouts.
  const S = US;
  const counterEntries: Array<[string, number]> = [
    ['qmg1' + S + '192.0.2.10' + S + '200', 7],
    ['img1' + S + '192.0.2.10' + S + '200', 700],
    ['omg1' + S + '192.0.2.10' + S + '200', 1400],
    ['qmg1' + S + '192.0.2.10' + S + '404', 1],
    ['img1' + S + '192.0.2.10' + S + '404', 90],
    ['omg1' + S + '192.0.2.10' + S + '404', 0],
    ['qa"b\\x5c' + S + '2001:db8::1' + S + '200', 2],
    ['ia"b\\x5c' + S + '2001:db8::1' + S + '200', 20],
    ['oa"b\\x5c' + S + '2001:db8::1' + S + '200', 40],
    ['dmg1' + S + '192.0.2.10' + S + '1', 6],
    ['dmg1' + S + '192.0.2.10' + S + 'inf', 2],
    ['Dmg1' + S + '192.0.2.10', 40],
    ['umg1' + S + '192.0.2.10' + S + '10', 3],
    ['Umg1' + S + '192.0.2.10', 21],
    ['da"b\\x5c' + S + '2001:db8::1' + S + '5', 2],
    ['Da"b\\x5c' + S + '2001:db8::1', 7],
    ['rmg1' + S + '192.0.2.10' + S + '1', 1.5],
    ['rmg1' + S + '192.0.2.10' + S + '10', 2.5],
    ['rmg1' + S + '192.0.2.10' + S + '60', 0.125],
    ['Z', 4],
    ['f0', 9],
    ['F0' + S + '1', 9],
    ['G0', 2],
    ['f1', 3],
    ['F1' + S + '10', 3],
    ['G1', 21],
    ['S5', 1],
    ['S1', 2],
    ['s', 5],
  ];
  // The same counts as the writer stores them: the pair records are made
  // by the writer's own functions from shim deltas.
  function record(text: string, rates: string): string {
    const p = decodePairRecord(undefined, BOUNDS);
    applyPairDelta(p, deltasFor(line('b', '1 5 10') + text)[0], true);
    const f = rates.split(' ').map(Number);
    p.rate = { rates: f.slice(0, 3), base: f[3], total: f[4], at: f[5] ?? 0 };
    return encodePairRecord(p, renderPairFragments);
  }
  const mg1 = record(
    entry('mg1', '192.0.2.10', 404, [1, 90, 0]) + entry('mg1', '192.0.2.10', 200, [7, 700, 1400]) + times('mg1', '192.0.2.10', '40 6 0 0 2', '21 0 0 3 0'),
    '1.5 2.5 0.125 8 8',
  );
  const weird = record(entry('a"b\\x5c', '2001:db8::1', 200, [2, 20, 40]) + times('a"b\\x5c', '2001:db8::1', '7 0 2 0 0'), '0 0 0 2 2');
  const recordEntries: Array<[string, string]> = [
    [pairRecordKey('mg1', '192.0.2.10'), mg1],
    [pairRecordKey('a"b\\x5c', '2001:db8::1'), weird],
    [RECORD_KIND.zoneFullEvents + '0', '3'],
    [RECORD_KIND.zoneFullEvents + '1', '1'],
    [RECORD_KIND.flushes + '0', '9'],
    [RECORD_KIND.flushDuration + '0', '1,5,10;9,0,0,0;2'],
    [RECORD_KIND.flushes + '1', '3'],
    [RECORD_KIND.flushDuration + '1', '1,5,10;0,0,3,0;21'],
    [RECORD_KIND.scrapeDuration + '0', '1,5,10;2,0,0,0;2'],
    [RECORD_KIND.scrapeDuration + '1', '1,5,10;0,1,0,0;3'],
    [RECORD_KIND.flushedAt + '0', '99999'],
    [RECORD_KIND.rateUpdatedAt, '123456'],
    [RECORD_KIND.zoneFullWarned, '4'],
    ['!ipng_stats_buckets' + S + '10 5', '1'],
    ['foreign', 'text'],
  ];
  const space = { capacityBytes: 4194304, freeBytes: 4000000 };

  it('renders byte-identical Prometheus text and JSON to the counter layout', () => {
    const fromCounters = buildCounterLayoutModel({ ...space, entries: counterEntries }, BOUNDS);
    const fromRecords = buildRecordLayoutModel({ ...space, entries: recordEntries }, BOUNDS);
    expect(fromRecords.meta).toEqual(fromCounters.meta);
    const prometheus = renderPrometheus(fromRecords);
    expect(prometheus).toBe(renderPrometheus(fromCounters));
    expect(prometheus).toContain('nginx_ipng_requests_total{source_tag="a\\"b\\\\",vip="2001:db8::1",code="200"} 2\n');
    expect(prometheus).toContain('nginx_ipng_zone_full_events_total 4\n');
    expect(renderJson(fromRecords)).toBe(renderJson(fromCounters));
  });

  it('shows a pair\'s rates as of the zone\'s last rate update, decayed from the pair\'s own', () => {
    // mg1's rates as of 1 s before the zone's last update (T, 123456)
    const stale = record(
      entry('mg1', '192.0.2.10', 200, [7, 700, 1400]) + times('mg1', '192.0.2.10', '40 6 0 0 2'),
      '1.5 2.5 0.125 7 7 122456',
    );
    const model = buildRecordLayoutModel(
      { ...space, entries: [[pairRecordKey('mg1', '192.0.2.10'), stale], [RECORD_KIND.rateUpdatedAt, '123456']] }, BOUNDS,
    );
    const decayed = (r: number, windowS: number) => r + (1 - Math.exp(-1000 / (windowS * 1000))) * (0 - r);
    expect(model.series[0].rate1s).toBe(decayed(1.5, 1));
    expect(model.series[0].rate10s).toBe(decayed(2.5, 10));
    expect(model.series[0].rate60s).toBe(decayed(0.125, 60));
    expect(renderPrometheus(model)).toContain('nginx_ipng_rate_1s{source_tag="mg1",vip="192.0.2.10"} 0.552\n');
    // as of the same time: shown as stored
    const now = buildRecordLayoutModel(
      { ...space, entries: [[pairRecordKey('mg1', '192.0.2.10'), stale], [RECORD_KIND.rateUpdatedAt, '122456']] }, BOUNDS,
    );
    expect([now.series[0].rate1s, now.series[0].rate10s, now.series[0].rate60s]).toEqual([1.5, 2.5, 0.125]);
  });

  it('re-buckets and renders at scrape time a record written under other bounds', () => {
    // mg1's histograms written under 1,5,10 and read under 5,10: the
    // 1 ms bucket folds into 5 ms, count and sum unchanged.
    const model = buildRecordLayoutModel({ ...space, entries: [recordEntries[0]] }, [5, 10]);
    expect(model.series[0].renderedHistograms).toBeUndefined();
    expect(model.series[0].requestDuration).toEqual({ boundsMs: [5, 10], counts: [6, 0, 2], sumMs: 40 });
    const text = renderPrometheus(model);
    expect(text).toContain('nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.005"} 6\n');
    expect(text).toContain('nginx_ipng_request_duration_seconds_count{source_tag="mg1",vip="192.0.2.10"} 8\n');
    expect(text).toContain('nginx_ipng_requests_total{source_tag="mg1",vip="192.0.2.10",code="404"} 1\n');
  });

});
