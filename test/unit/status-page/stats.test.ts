// The status page's arithmetic (status-page/stats.ts), on documents of the
// JSON schema: rates between reads, status classes, n/a when a counter
// goes down, quantiles from cumulative buckets as histogram_quantile
// computes them, flush health from the Prometheus text.
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../src/exposition/json';
import { renderPrometheus } from '../../../src/exposition/prometheus';
import {
  flushHealth,
  formatByteRate,
  formatMs,
  formatRate,
  formatRatio,
  parseFlushCounters,
  quantileMs,
  readStats,
  RowTracker,
  type RowCounters,
  type StatsJson,
} from '../../../status-page/stats';
import { sampleModel } from '../exposition/fixture';

/** A schema-1 document with one (source, vip) row. */
function doc(codes: Record<string, number>, buckets: Record<string, number> = { '1': 0, '10': 0, '+Inf': 0 }): StatsJson {
  const codeJson: StatsJson['by_source'][string]['vips'][string]['codes'] = {};
  for (const [code, n] of Object.entries(codes)) codeJson[code] = { requests: n, bytes_in: n * 100, bytes_out: n * 1000 };
  const count = buckets['+Inf'];
  return {
    schema: 1,
    by_source: {
      mg1: {
        vips: {
          '192.0.2.10': {
            rate_1s: 0, rate_10s: 0, rate_60s: 0, codes: codeJson,
            request_duration_ms: { buckets, sum_ms: 0, count },
            upstream_response_ms: { buckets: { '+Inf': 0 }, sum_ms: 0, count: 0 },
          },
        },
      },
    },
    meta: { zone_bytes_used: 1, zone_bytes_total: 2, zone_full_events: 0 },
  };
}

function counters(bounds: number[], cumulative: number[]): RowCounters {
  return { requests: 0, classes: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, bytesIn: 0, bytesOut: 0, bounds, cumulative };
}

describe('readStats', () => {
  it('reads every (source, vip) of the renderer\'s JSON with summed codes and classes', () => {
    const read = readStats(JSON.parse(renderJson(sampleModel())) as StatsJson, 1000);
    const rows = [...read.rows.values()].map((r) => [r.sourceTag, r.vip, r.counters.requests, r.counters.classes]);
    expect(rows.length).toBeGreaterThan(1);
    const first = [...read.rows.values()][0];
    expect(first.counters.bounds[first.counters.bounds.length - 1]).toBe(Infinity);
    expect(first.counters.cumulative[first.counters.cumulative.length - 1]).toBe(
      JSON.parse(renderJson(sampleModel())).by_source[first.sourceTag].vips[first.vip].request_duration_ms.count);
  });

  it('classes by the first digit of three-digit codes', () => {
    const read = readStats(doc({ '200': 5, '204': 1, '301': 2, '404': 3, '503': 4, '499': 1 }), 0);
    expect([...read.rows.values()][0].counters).toMatchObject({
      requests: 16, classes: { '2xx': 6, '3xx': 2, '4xx': 4, '5xx': 4 }, bytesIn: 1600, bytesOut: 16000,
    });
  });
});

describe('quantileMs (as histogram_quantile)', () => {
  const bounds = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, Infinity];
  it('interpolates linearly within the bucket that holds the rank', () => {
    const after = counters(bounds, [10, 10, 40, 40, 40, 40, 4040, 4120, 4120, 4120, 4124, 4124, 4124]);
    const before = counters(bounds, bounds.map(() => 0));
    // rank 2062 of 4124 lies in (100, 250], which holds requests 41..4040
    expect(quantileMs(0.5, before, after)).toBeCloseTo(100 + (250 - 100) * ((2062 - 40) / 4000), 9);
    expect(quantileMs(0.001, before, after)).toBeCloseTo(4.124 / 10, 9);
  });

  it('uses the difference between two reads; null without requests; the top finite bound for +Inf', () => {
    const before = counters([1, 10, Infinity], [5, 5, 5]);
    expect(quantileMs(0.5, before, counters([1, 10, Infinity], [5, 5, 5]))).toBeNull();
    expect(quantileMs(0.5, before, counters([1, 10, Infinity], [5, 9, 9]))).toBeCloseTo(1 + 9 * (2 / 4), 9);
    expect(quantileMs(0.99, before, counters([1, 10, Infinity], [5, 5, 8]))).toBe(10);
  });
});

describe('RowTracker', () => {
  it('first read: no rates; next reads: per-second rates, ratio and quantiles over the window', () => {
    const t = new RowTracker();
    const [first] = t.update(readStats(doc({ '200': 10 }, { '1': 10, '10': 10, '+Inf': 10 }), 0));
    expect(first).toMatchObject({ haveRates: false, reset: false, requestsPerSec: null, errorRatio: null, sparkline: [] });

    const [second] = t.update(readStats(doc({ '200': 16, '503': 2 }, { '1': 14, '10': 18, '+Inf': 18 }), 2000));
    expect(second).toMatchObject({
      haveRates: true, reset: false, requestsPerSec: 4, classPerSec: { '2xx': 3, '3xx': 0, '4xx': 0, '5xx': 1 },
      bytesInPerSec: 400, bytesOutPerSec: 4000, errorRatio: 0.25, sparkline: [4],
    });
    // 8 new requests: 4 at most 1 ms, 4 in (1, 10]: the median is 1 ms.
    expect(second.p50Ms).toBe(1);
    expect(second.p99Ms).toBeCloseTo(1 + 9 * ((7.92 - 4) / 4), 9);
  });

  it('a counter that went down gives n/a (null) for that read, then rates again', () => {
    const t = new RowTracker();
    t.update(readStats(doc({ '200': 20 }), 0));
    t.update(readStats(doc({ '200': 30 }), 1000));
    const [reset] = t.update(readStats(doc({ '200': 1 }), 2000));
    expect(reset).toMatchObject({ haveRates: true, reset: true, requestsPerSec: null, classPerSec: null, errorRatio: null, p50Ms: null, sparkline: [10, null] });
    const [after] = t.update(readStats(doc({ '200': 3 }), 3000));
    expect(after).toMatchObject({ reset: false, requestsPerSec: 2, sparkline: [10, null, 2] });
  });

  it('a row that vanished (fresh zone) and came back lower is a reset too', () => {
    const t = new RowTracker();
    t.update(readStats(doc({ '200': 20 }), 0));
    t.update(readStats(doc({ '200': 25 }), 1000));
    expect(t.update({ at: 2000, rows: new Map() })).toEqual([]);
    const [back] = t.update(readStats(doc({ '200': 1 }), 3000));
    expect(back).toMatchObject({ reset: true, requestsPerSec: null });
  });

  it('a row that first appears after the first read counts from zero', () => {
    const t = new RowTracker();
    t.update({ at: 0, rows: new Map() });
    const [fresh] = t.update(readStats(doc({ '200': 3 }), 500));
    expect(fresh).toMatchObject({ haveRates: true, reset: false, requestsPerSec: 6 });
  });
});

describe('flush health', () => {
  it('reads the flush and scrape families of the renderer\'s text', () => {
    const parsed = parseFlushCounters(renderPrometheus(sampleModel()));
    expect(Object.keys(parsed.workers).length).toBeGreaterThan(0);
    for (const w of Object.values(parsed.workers)) expect(w.flushes).toBeGreaterThan(0);
  });

  it('per worker: flushes/s, mean duration, stalled when the count did not grow', () => {
    const text = (f0: number, f1: number, sum0: string) => [
      `nginx_ipng_flushes_total{worker="0"} ${f0}`,
      `nginx_ipng_flushes_total{worker="1"} ${f1}`,
      `nginx_ipng_flush_duration_seconds_sum{worker="0"} ${sum0}`,
      `nginx_ipng_flush_duration_seconds_count{worker="0"} ${f0}`,
      'nginx_ipng_scrape_duration_seconds_sum 0.5',
      'nginx_ipng_scrape_duration_seconds_count 10',
      '',
    ].join('\n');
    const before = { at: 0, counters: parseFlushCounters(text(100, 50, '0.1')) };
    const after = { at: 5000, counters: parseFlushCounters(text(150, 50, '0.125')) };
    expect(flushHealth(null, after).workers.map((w) => w.advancing)).toEqual([null, null]);
    const health = flushHealth(before, after);
    expect(health.workers[0].meanMs).toBeCloseTo(0.5, 9);
    expect(health.workers.map((w) => ({ ...w, meanMs: w.meanMs === null ? null : Number(w.meanMs.toFixed(9)) }))).toEqual([
      { worker: '0', flushes: 150, perSec: 10, meanMs: 0.5, advancing: true },
      { worker: '1', flushes: 50, perSec: 0, meanMs: null, advancing: false },
    ]);
    expect(health.scrapeMeanMs).toBeNull();
  });
});

describe('display texts', () => {
  it('formats rates, bytes, durations and ratios', () => {
    expect([formatRate(null), formatRate(0), formatRate(2.25), formatRate(12345.6)]).toEqual(['n/a', '0/s', '2.3/s', '12,346/s']);
    expect([formatByteRate(null), formatByteRate(512), formatByteRate(1536), formatByteRate(50 * 1048576)])
      .toEqual(['n/a', '512 B/s', '1.5 KiB/s', '50 MiB/s']);
    expect([formatMs(null), formatMs(0.5), formatMs(12.34), formatMs(250), formatMs(2500), formatMs(10000)])
      .toEqual(['–', '0.50 ms', '12.3 ms', '250 ms', '2.50 s', '10 s']);
    expect([formatRatio(null), formatRatio(0), formatRatio(0.0005), formatRatio(0.0123), formatRatio(0.5)])
      .toEqual(['–', '0%', '0.050%', '1.23%', '50.0%']);
  });
});
