// The tick handler (src/handlers/tick.ts) in Node against a fake `ngx`
// (fake-ngx.ts), in both zone layouts: exact zone contents after flushes
// with given deltas at given times. The same handler runs in nginx in
// test/integration/ (stats-*.test.ts, shim-*.test.ts); here the inputs and
// the clock are exact.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import tick from '../../../src/handlers/tick';
import { flushIsDue } from '../../../src/pipeline/flush-pacing';
import type { FlushContext, SubsystemSink } from '../../../src/pipeline/sink';
import { SINKS } from '../../../src/pipeline/sinks';
import type { WireBatch } from '../../../src/pipeline/wire-reader';
import { FakeNgx, fakePeriodicSession, installFakeNgx, removeFakeNgx } from './fake-ngx';
import { isCountsOnlyRecord } from '../../../src/ipng/pair-record';
import { IDLE_RENDERS_PER_FLUSH } from '../../../src/store/record-store';

const US = '\x1f';
const RS = '\x1e';
const GS = '\x1d';
const line = (...f: Array<string | number>) => f.join(US) + '\n';
const T0 = 1_000_000;
const SETTINGS = { ipng_stats_zone: 'ipng_stats', ipng_stats_buckets: '1 5', ipng_stats_flush_interval: '1s' };
const PAIR = 'Pmg1' + US + '192.0.2.10';

/** A record as docs/zone-layout.md specifies it: `v3`, the lengths, the sections. */
function record(sections: string[]): string {
  return 'v3 ' + sections.map((s) => s.length).join(' ') + RS + sections.join('');
}

/** A record as bundles before format versions wrote it. */
function unversionedRecord(sections: string[]): string {
  return sections.map((s) => s.length).join(' ') + RS + sections.join('');
}

/** The EWMA after `requests` in `elapsedMs` from `prev` (docs/zone-layout.md, spec). */
function ewma(prev: number, requests: number, elapsedMs: number, windowS: number): number {
  return prev + (1 - Math.exp(-elapsedMs / (windowS * 1000))) * ((requests * 1000) / elapsedMs - prev);
}

/**
 * The pair's count sections after firstDeltas and the second flush of
 * the tests below (200: 5 requests, 404: 1; durations 2, 2 and 1 in the
 * 1, 5 and +Inf buckets, 19 ms), and the fragments rendered from them.
 */
const COUNTS_AFTER_SECOND = ['1,5;2,2,1;19', '1,5;0,0,0;0', '200 5 320 940 404 1 80 0'];
const FRAGMENTS_AFTER_SECOND = [
  '200"} 5' + GS + '404"} 1',
  '200"} 320' + GS + '404"} 80',
  '200"} 940' + GS + '404"} 0',
  '"200":{"requests":5,"bytes_in":320,"bytes_out":940},"404":{"requests":1,"bytes_in":80,"bytes_out":0}',
  '0.001"} 2' + GS + '0.005"} 4' + GS + '+Inf"} 5',
  '0.019 5',
  '0.001"} 0' + GS + '0.005"} 0' + GS + '+Inf"} 0',
  '0 0',
  '{"buckets":{"1":2,"5":4,"+Inf":5},"sum_ms":19,"count":5}',
  '{"buckets":{"1":0,"5":0,"+Inf":0},"sum_ms":0,"count":0}',
];

let ngx: FakeNgx;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ngx = installFakeNgx();
});
afterEach(() => {
  removeFakeNgx();
  vi.useRealTimers();
});

function tickAs(worker: number, atMs: number, variables: Record<string, string>, drained: Record<string, string[]> = {}): void {
  ngx.worker_id = worker;
  vi.setSystemTime(atMs);
  tick(fakePeriodicSession({ ...SETTINGS, ...variables }, drained));
}

describe('tick, record layout (type=string zone, the shim)', () => {
  const firstDeltas =
    'w\n' +
    line('b', '1 5') +
    line('r', 'ipng_time', '', 2, 'mg1', '192.0.2.10', 3, '12 2 0 1', '') +
    line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 200, '3 300 900') +
    line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 404, '1 80 0');

  // the first rate update records the base and its time
  const recordAfterFirst = record([
    '0 0 0 4 4 ' + T0,
    '1,5;2,0,1;12',
    '1,5;0,0,0;0',
    '200 3 300 900 404 1 80 0',
    '200"} 3' + GS + '404"} 1',
    '200"} 300' + GS + '404"} 80',
    '200"} 900' + GS + '404"} 0',
    '"200":{"requests":3,"bytes_in":300,"bytes_out":900},"404":{"requests":1,"bytes_in":80,"bytes_out":0}',
    '0.001"} 2' + GS + '0.005"} 2' + GS + '+Inf"} 3',
    '0.012 3',
    '0.001"} 0' + GS + '0.005"} 0' + GS + '+Inf"} 0',
    '0 0',
    '{"buckets":{"1":2,"5":2,"+Inf":3},"sum_ms":12,"count":3}',
    '{"buckets":{"1":0,"5":0,"+Inf":0},"sum_ms":0,"count":0}',
  ]);

  it('the lease holder writes the pair record, its own per-worker records and the zone-wide ones', () => {
    const zone = ngx.zone('ipng_stats', 'string');
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: [firstDeltas] });
    expect(zone.contents()).toEqual({
      // flush duration: this flush took 0 ms (the clock stands still)
      F0: '1,5;1,0,0;0',
      [PAIR]: recordAfterFirst,
      S0: '',
      // the first rate update only records the base
      T: String(T0),
      W: '0',
      Z0: '0',
      f0: '1',
      l0: String(T0),
    });
    expect(ngx.logs).toEqual([]);
  });

  it('a flush a second later adds the new counts and moves the rates by the requests since the last one', () => {
    const zone = ngx.zone('ipng_stats', 'string');
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: [firstDeltas] });
    // Not due yet 100 ms later: nothing is read or written.
    const before = zone.contents();
    tickAs(0, T0 + 100, {}, { ipng_stats_writer_deltas: ['w\n' + line('b', '1 5') + line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 200, '9 9 9')] });
    expect(zone.contents()).toEqual(before);

    tickAs(0, T0 + 1000, {}, {
      ipng_stats_writer_deltas: ['w\n' + line('b', '1 5') + line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 200, '2 20 40') + line('r', 'ipng_time', '', 2, 'mg1', '192.0.2.10', 2, '7 0 2 0', '')],
    });
    const rates = [1, 10, 60].map((w) => String(ewma(0, 2, 1000, w)));
    expect(zone.contents()).toEqual({
      F0: '1,5;2,0,0;0',
      [PAIR]: record([
        rates.join(' ') + ' 6 6 ' + (T0 + 1000),
        ...COUNTS_AFTER_SECOND,
        ...FRAGMENTS_AFTER_SECOND,
      ]),
      S0: '',
      T: String(T0 + 1000),
      W: '0',
      Z0: '0',
      f0: '2',
      l0: String(T0 + 1000),
    });
  });

  it('the usual path ("m" lines) stores a changed pair counts-only; its next idle flush renders it, and later ones leave it', () => {
    const zone = ngx.zone('ipng_stats', 'string');
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: [firstDeltas] });
    tickAs(0, T0 + 1000, {}, {
      ipng_stats_writer_deltas: ['w\n' + line('b', '1 5') + line('m', 'ipng', '', 3, 3, 'mg1', '192.0.2.10', '200 2 20 40') +
        line('r', 'ipng_time', '', 2, 'mg1', '192.0.2.10', 2, '7 0 2 0', '')],
    });
    const rates = [1, 10, 60].map((w) => ewma(0, 2, 1000, w));
    expect(zone.contents()[PAIR]).toBe(record([
      rates.join(' ') + ' 6 6 ' + (T0 + 1000),
      ...COUNTS_AFTER_SECOND,
    ]));

    // idle: rendered, its rates still as of T0 + 1000 (a scrape decays them)
    tickAs(0, T0 + 2000, {}, { ipng_stats_writer_deltas: ['w\n'] });
    expect(zone.contents()[PAIR]).toBe(record([
      rates.join(' ') + ' 6 6 ' + (T0 + 1000),
      ...COUNTS_AFTER_SECOND,
      ...FRAGMENTS_AFTER_SECOND,
    ]));
    const rendered = zone.contents()[PAIR];
    tickAs(0, T0 + 3000, {}, { ipng_stats_writer_deltas: ['w\n'] });
    expect(zone.contents()[PAIR]).toBe(rendered);
    expect(zone.contents().T).toBe(String(T0 + 3000));
  });

  it('an idle flush renders at most IDLE_RENDERS_PER_FLUSH counts-only records; the next renders the rest', () => {
    const zone = ngx.zone('ipng_stats', 'string');
    const pairs = IDLE_RENDERS_PER_FLUSH + 3;
    const vip = (i: number) => '192.0.2.' + (i + 1);
    const deltas = (status: number) => {
      let text = 'w\n' + line('b', '1 5');
      for (let i = 0; i < pairs; i++) text += line('m', 'ipng', '', 3, 3, 'mg1', vip(i), status + ' 1 10 20');
      return text;
    };
    const countsOnly = () => Object.keys(zone.contents())
      .filter((k) => k.charAt(0) === 'P' && isCountsOnlyRecord(String(zone.contents()[k]))).length;
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: [deltas(200)] }); // new records: written rendered
    expect(countsOnly()).toBe(0);
    tickAs(0, T0 + 1000, {}, { ipng_stats_writer_deltas: [deltas(200)] }); // every pair changed
    expect(countsOnly()).toBe(pairs);
    tickAs(0, T0 + 2000, {}, { ipng_stats_writer_deltas: ['w\n'] });
    expect(countsOnly()).toBe(3);
    tickAs(0, T0 + 3000, {}, { ipng_stats_writer_deltas: ['w\n'] });
    expect(countsOnly()).toBe(0);
  });

  it('a worker without the lease writes only its own records', () => {
    const zone = ngx.zone('ipng_stats', 'string');
    tickAs(1, T0, {}, { ipng_stats_writer_deltas: [''] });
    expect(zone.contents()).toEqual({
      F1: '1,5;1,0,0;0',
      S1: '',
      T: '0',
      W: '0',
      Z1: '0',
      f1: '1',
      l1: String(T0),
    });
  });

  it('re-renders an idle record written by an older bundle version, and leaves current ones alone', () => {
    const zone = ngx.zone('ipng_stats', 'string');
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: [firstDeltas] });
    // The same counts as an older bundle stored them: no version, its own
    // rendering (le and _sum in milliseconds).
    const old = unversionedRecord([
      '0 0 0 4 4',
      '1,5;2,0,1;12',
      '1,5;0,0,0;0',
      '200 3 300 900 404 1 80 0',
      '200"} 3' + GS + '404"} 1',
      '200"} 300' + GS + '404"} 80',
      '200"} 900' + GS + '404"} 0',
      '"200":{"requests":3},"404":{"requests":1}',
      '1"} 2' + GS + '5"} 2' + GS + '+Inf"} 3',
      '12 3',
      '1"} 0' + GS + '5"} 0' + GS + '+Inf"} 0',
      '0 0',
      '{"buckets":{"1":2,"5":2,"+Inf":3},"sum_ms":12,"count":3}',
      '{"buckets":{"1":0,"5":0,"+Inf":0},"sum_ms":0,"count":0}',
    ]);
    const OLD_PAIR = 'Pmg2' + US + '192.0.2.11';
    zone.set(OLD_PAIR, old);
    tickAs(0, T0 + 1000, {}, { ipng_stats_writer_deltas: ['w\n'] });
    const contents = zone.contents();
    expect(contents[OLD_PAIR]).toBe(recordAfterFirst);
    expect(contents[PAIR]).toBe(recordAfterFirst);
  });

  it('logs once per flush how many delta lines it did not understand', () => {
    ngx.zone('ipng_stats', 'string');
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: ['w\n' + line('?', 'what') + line('c', 'short')] });
    expect(ngx.logs).toEqual([
      {
        level: ngx.ERR,
        message:
          'ipng-stats: 2 lines of $ipng_stats_writer_deltas not understood (is the shim from the same release as the bundle?)',
      },
    ]);
  });
});

describe('tick, counter layout (type=number zone, the njs recorder)', () => {
  /** What the recorder added for 3 requests (200, 200, 404) to one (source, vip). */
  function recorded(zone: ReturnType<FakeNgx['zone']>, scale = 1): void {
    const pair = 'mg1' + US + '192.0.2.10';
    zone.incr('q' + pair + US + '200', 2 * scale);
    zone.incr('i' + pair + US + '200', 200 * scale);
    zone.incr('o' + pair + US + '200', 600 * scale);
    zone.incr('q' + pair + US + '404', 1 * scale);
    zone.incr('i' + pair + US + '404', 80 * scale);
    zone.incr('o' + pair + US + '404', 0);
    zone.incr('d' + pair + US + '1', 2 * scale);
    zone.incr('d' + pair + US + 'inf', 1 * scale);
    zone.incr('D' + pair, 12 * scale);
  }
  const pair = 'mg1' + US + '192.0.2.10';
  const recorderKeys = (scale: number) => ({
    ['D' + pair]: 12 * scale,
    ['d' + pair + US + '1']: 2 * scale,
    ['d' + pair + US + 'inf']: 1 * scale,
    ['i' + pair + US + '200']: 200 * scale,
    ['i' + pair + US + '404']: 80 * scale,
    ['o' + pair + US + '200']: 600 * scale,
    ['o' + pair + US + '404']: 0,
    ['q' + pair + US + '200']: 2 * scale,
    ['q' + pair + US + '404']: 1 * scale,
  });

  it('worker 0 reserves its keys, counts its flush, and records the rate bases at the first update', () => {
    const zone = ngx.zone('ipng_stats', 'number');
    recorded(zone);
    tickAs(0, T0, {});
    expect(zone.contents()).toEqual({
      ...recorderKeys(1),
      // flush duration histogram of worker 0: 0 ms, in the first bucket
      ['F0' + US + '1']: 1,
      ['F0' + US + '5']: 0,
      ['F0' + US + 'inf']: 0,
      G0: 0,
      T: T0,
      W: 0,
      Z: 0,
      f0: 1,
      l0: T0,
      // the request total of the pair at this update
      ['t' + pair]: 3,
    });
  });

  it('worker 0 moves the rates a second later by the requests since', () => {
    const zone = ngx.zone('ipng_stats', 'number');
    recorded(zone);
    tickAs(0, T0, {});
    recorded(zone);
    tickAs(0, T0 + 1000, {});
    const contents = zone.contents();
    expect(contents).toMatchObject(recorderKeys(2));
    expect(contents['t' + pair]).toBe(6);
    expect(contents['r' + pair + US + '1']).toBe(ewma(0, 3, 1000, 1));
    expect(contents['r' + pair + US + '10']).toBe(ewma(0, 3, 1000, 10));
    expect(contents['r' + pair + US + '60']).toBe(ewma(0, 3, 1000, 60));
    expect(contents.T).toBe(T0 + 1000);
    expect(contents.f0).toBe(2);
    expect(contents['F0' + US + '1']).toBe(2);
    expect(Object.keys(contents)).toHaveLength(Object.keys(recorderKeys(2)).length + 13);
  });

  it('another worker counts its own flush and leaves the rates to worker 0', () => {
    const zone = ngx.zone('ipng_stats', 'number');
    recorded(zone);
    tickAs(1, T0, {});
    expect(zone.contents()).toEqual({
      ...recorderKeys(1),
      ['F1' + US + '1']: 1,
      ['F1' + US + '5']: 0,
      ['F1' + US + 'inf']: 0,
      G1: 0,
      W: 0,
      Z: 0,
      f1: 1,
      l1: T0,
    });
  });

  it('worker 0 warns once about keys a full zone dropped since the last warning', () => {
    const zone = ngx.zone('ipng_stats', 'number');
    tickAs(0, T0, {});
    zone.incr('Z', 5);
    tickAs(0, T0 + 1000, {});
    tickAs(0, T0 + 2000, {});
    expect(zone.get('W')).toBe(5);
    expect(ngx.logs).toEqual([
      {
        level: ngx.WARN,
        message:
          'ipng-stats: shared dict zone "ipng_stats" is full: 5 new counters dropped since the last warning (5 in total); ' +
          'existing counters keep counting; enlarge js_shared_dict_zone zone=ipng_stats and reload',
      },
    ]);
  });
});

describe('tick, no ipng zone (only another subsystem, as a reqstat- or SSL-status-only configuration has)', () => {
  // A stand-in for such a subsystem's sink (none exists in this release):
  // it keeps its last flush in a zone of its own and records what it got.
  const batches: WireBatch[] = [];
  function otherSubsystem(s: NginxPeriodicSession): SubsystemSink | null {
    const dict = ngx.shared.other_zone;
    if (dict === undefined) return null;
    return {
      name: 'other',
      reads: ['other'],
      flushDue(ctx: FlushContext): boolean {
        const last = dict.get('l' + ctx.worker) as string | undefined;
        return flushIsDue(last === undefined ? undefined : Number(last), ctx.nowMs, ctx.intervalMs);
      },
      flush(batch: WireBatch, ctx: FlushContext): void {
        void s;
        dict.set('l' + ctx.worker, String(ctx.nowMs));
        batches.push(batch);
      },
    };
  }
  beforeEach(() => {
    SINKS.push(otherSubsystem);
    batches.length = 0;
  });
  afterEach(() => {
    SINKS.pop();
  });

  it('drains once per flush interval, paced by that subsystem\'s zone, and hands it the batch', () => {
    ngx.zone('other_zone', 'string');
    const drained = [
      'w\n' + line('r', 'other', 'z1', 1, 'example.org', '3 4'),
      'w\n' + line('r', 'other', 'z1', 1, 'example.org', '1 0') + line('r', 'ipng', '', 3, 't', '127.0.0.1', 200, '1 0 0'),
    ];
    tickAs(0, T0, {}, { ipng_stats_writer_deltas: drained });
    tickAs(0, T0 + 100, {}, { ipng_stats_writer_deltas: drained }); // not due: the drain is not read
    tickAs(0, T0 + 1000, {}, { ipng_stats_writer_deltas: drained });
    expect(batches).toEqual([
      { writer: true, entries: [{ subsystem: 'other', zone: 'z1', keys: ['example.org'], counters: [3, 4], histograms: [] }], groups: [], dropped: 0, notUnderstood: 0, other: [] },
      {
        writer: true,
        entries: [
          { subsystem: 'other', zone: 'z1', keys: ['example.org'], counters: [1, 0], histograms: [] },
          { subsystem: 'ipng', zone: '', keys: ['t', '127.0.0.1', '200'], counters: [1, 0, 0], histograms: [] },
        ],
        groups: [],
        dropped: 0,
        notUnderstood: 0,
        other: [],
      },
    ]);
    expect(ngx.shared.other_zone.contents()).toEqual({ l0: String(T0 + 1000) });
    // ipng's line has no sink in this configuration
    expect(ngx.logs).toEqual([
      {
        level: ngx.ERR,
        message: 'ipng-stats: 1 lines of $ipng_stats_writer_deltas not understood (is the shim from the same release as the bundle?)',
      },
    ]);
  });

  it('with no zone of any subsystem, says what to declare', () => {
    expect(() => tickAs(0, T0, {})).toThrow(
      'ipng-stats: the tick found no zone to flush into; declare one, e.g. "ipng_stats_zone ipng_stats:4m;" ' +
        '(with the shim) or "js_shared_dict_zone zone=ipng_stats:16m type=number;" (without it) in the http block',
    );
  });
});
