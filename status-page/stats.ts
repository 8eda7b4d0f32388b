// What the status page computes from successive reads of the JSON
// endpoint (schema 1) and of the flush families of the Prometheus text:
// per (source_tag, vip) rates, status classes, 5xx ratio, quantiles from
// the cumulative buckets, and flush health. Pure (no DOM), so Node's unit
// tests run it too.

export interface CodeJson {
  requests: number;
  bytes_in: number;
  bytes_out: number;
}

export interface HistogramJson {
  /** cumulative counts by upper bound in ms, "+Inf" last */
  buckets: Record<string, number>;
  sum_ms: number;
  count: number;
}

export interface VipJson {
  rate_1s: number;
  rate_10s: number;
  rate_60s: number;
  codes: Record<string, CodeJson>;
  request_duration_ms: HistogramJson;
  upstream_response_ms: HistogramJson;
}

export interface StatsJson {
  schema: number;
  by_source: Record<string, { vips: Record<string, VipJson> }>;
  meta: { zone_bytes_used: number; zone_bytes_total: number; zone_full_events: number };
}

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** One (source_tag, vip)'s counters at one read. */
export interface RowCounters {
  requests: number;
  classes: Record<StatusClass, number>;
  bytesIn: number;
  bytesOut: number;
  /** bucket upper bounds in ms, increasing; Infinity last */
  bounds: number[];
  /** cumulative counts, one per bound */
  cumulative: number[];
}

export interface Read {
  /** milliseconds (the page's clock) */
  at: number;
  rows: Map<string, { sourceTag: string; vip: string; counters: RowCounters }>;
}

export function rowKey(sourceTag: string, vip: string): string {
  return JSON.stringify([sourceTag, vip]);
}

export function readStats(doc: StatsJson, at: number): Read {
  const rows: Read['rows'] = new Map();
  for (const sourceTag of Object.keys(doc.by_source)) {
    const vips = doc.by_source[sourceTag].vips;
    for (const vip of Object.keys(vips)) {
      rows.set(rowKey(sourceTag, vip), { sourceTag, vip, counters: rowCounters(vips[vip]) });
    }
  }
  return { at, rows };
}

function rowCounters(v: VipJson): RowCounters {
  const classes: Record<StatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  let requests = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (const code of Object.keys(v.codes)) {
    const c = v.codes[code];
    requests += c.requests;
    bytesIn += c.bytes_in;
    bytesOut += c.bytes_out;
    const cls = `${code.charAt(0)}xx`;
    if (code.length === 3 && cls in classes) classes[cls as StatusClass] += c.requests;
  }
  const bounds: number[] = [];
  const cumulative: number[] = [];
  for (const bound of Object.keys(v.request_duration_ms.buckets)) {
    bounds.push(bound === '+Inf' ? Infinity : Number(bound));
    cumulative.push(v.request_duration_ms.buckets[bound]);
  }
  return { requests, classes, bytesIn, bytesOut, bounds, cumulative };
}

/** true when any counter is lower than before: nginx restarted or the zone was reset. */
export function wentDown(before: RowCounters, after: RowCounters): boolean {
  if (after.requests < before.requests || after.bytesIn < before.bytesIn || after.bytesOut < before.bytesOut) return true;
  for (const cls of STATUS_CLASSES) if (after.classes[cls] < before.classes[cls]) return true;
  if (after.cumulative.length !== before.cumulative.length) return true;
  for (let i = 0; i < after.cumulative.length; i++) if (after.cumulative[i] < before.cumulative[i]) return true;
  return false;
}

const ZERO_COUNTERS = (like: RowCounters): RowCounters => ({
  requests: 0,
  classes: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  bytesIn: 0,
  bytesOut: 0,
  bounds: like.bounds,
  cumulative: like.cumulative.map(() => 0),
});

/**
 * The q-quantile (0..1) in ms of the requests between two reads, from the
 * cumulative buckets, interpolated linearly inside the bucket as
 * Prometheus's histogram_quantile does. null when no request fell in
 * between; the largest finite bound when the rank lies in +Inf.
 */
export function quantileMs(q: number, before: RowCounters, after: RowCounters): number | null {
  const n = after.cumulative.length;
  if (n === 0) return null;
  const total = after.cumulative[n - 1] - (before.cumulative[n - 1] ?? 0);
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < n; i++) {
    const count = after.cumulative[i] - (before.cumulative[i] ?? 0);
    const bound = after.bounds[i];
    if (count >= rank) {
      if (bound === Infinity) return i > 0 ? after.bounds[i - 1] : null;
      if (count === lowerCount) return bound;
      return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / (count - lowerCount));
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return null;
}

/** A row as the page shows it. Rates are null ("n/a") when a counter went down. */
export interface RowView {
  key: string;
  sourceTag: string;
  vip: string;
  counters: RowCounters;
  /** false on the first read of the page: rates are not known yet */
  haveRates: boolean;
  /** a counter went down since the previous read */
  reset: boolean;
  requestsPerSec: number | null;
  classPerSec: Record<StatusClass, number> | null;
  /** 5xx over all requests in the rate window; null without requests */
  errorRatio: number | null;
  bytesInPerSec: number | null;
  bytesOutPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** requests/s of the last reads, oldest first; null where n/a */
  sparkline: Array<number | null>;
}

export const SPARKLINE_POINTS = 60;
/** how far back the quantiles look (reads), for steadier numbers than one second gives */
export const QUANTILE_WINDOW_READS = 10;

interface RowHistory {
  /** the reads since the last reset, oldest first, at most QUANTILE_WINDOW_READS + 1 */
  reads: Array<{ at: number; counters: RowCounters }>;
  sparkline: Array<number | null>;
}

/** Keeps the recent reads of every row and turns each new read into RowViews. */
export class RowTracker {
  private history = new Map<string, RowHistory>();
  private lastAt: number | null = null;

  update(read: Read): RowView[] {
    const views: RowView[] = [];
    const firstRead = this.lastAt === null;
    for (const [key, row] of read.rows) {
      let h = this.history.get(key);
      if (h === undefined) {
        h = { reads: [], sparkline: [] };
        // A row that appears after the first read started from zero since
        // the previous read.
        if (!firstRead) h.reads.push({ at: this.lastAt as number, counters: ZERO_COUNTERS(row.counters) });
        this.history.set(key, h);
      }
      const previous = h.reads.length > 0 ? h.reads[h.reads.length - 1] : undefined;
      const reset = previous !== undefined && wentDown(previous.counters, row.counters);
      if (reset) h.reads = [];
      const view = this.view(key, row.sourceTag, row.vip, row.counters, read.at, reset ? undefined : previous, reset ? undefined : h.reads[0]);
      view.reset = reset;
      view.haveRates = previous !== undefined;
      h.reads.push({ at: read.at, counters: row.counters });
      if (h.reads.length > QUANTILE_WINDOW_READS + 1) h.reads.shift();
      if (previous !== undefined) {
        h.sparkline.push(view.requestsPerSec);
        if (h.sparkline.length > SPARKLINE_POINTS) h.sparkline.shift();
      }
      view.sparkline = h.sparkline.slice();
      views.push(view);
    }
    // A row that vanished (a fresh zone) keeps its history: when it comes
    // back with lower counts, that is a counter that went down.
    this.lastAt = read.at;
    return views;
  }

  /** Forget everything (the filters changed: the rows are other rows). */
  clear(): void {
    this.history.clear();
    this.lastAt = null;
  }

  private view(
    key: string,
    sourceTag: string,
    vip: string,
    now: RowCounters,
    at: number,
    previous: { at: number; counters: RowCounters } | undefined,
    oldest: { at: number; counters: RowCounters } | undefined,
  ): RowView {
    const view: RowView = {
      key, sourceTag, vip, counters: now, haveRates: false, reset: false,
      requestsPerSec: null, classPerSec: null, errorRatio: null, bytesInPerSec: null, bytesOutPerSec: null,
      p50Ms: null, p99Ms: null, sparkline: [],
    };
    if (previous !== undefined && at > previous.at) {
      const seconds = (at - previous.at) / 1000;
      const before = previous.counters;
      view.requestsPerSec = (now.requests - before.requests) / seconds;
      const perSec: Record<StatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
      for (const cls of STATUS_CLASSES) perSec[cls] = (now.classes[cls] - before.classes[cls]) / seconds;
      view.classPerSec = perSec;
      view.bytesInPerSec = (now.bytesIn - before.bytesIn) / seconds;
      view.bytesOutPerSec = (now.bytesOut - before.bytesOut) / seconds;
    }
    if (oldest !== undefined) {
      const requests = now.requests - oldest.counters.requests;
      view.errorRatio = requests > 0 ? (now.classes['5xx'] - oldest.counters.classes['5xx']) / requests : null;
      view.p50Ms = quantileMs(0.5, oldest.counters, now);
      view.p99Ms = quantileMs(0.99, oldest.counters, now);
    }
    return view;
  }
}

// ---------------------------------------------------------------------------
// Flush health, from the flush and scrape families of the Prometheus text
// (the JSON schema has no such members).

export interface FlushCounters {
  /** per worker id: flushes, and the flush-duration sum (s) and count */
  workers: Record<string, { flushes: number; durationSum: number; durationCount: number }>;
  scrapeSum: number;
  scrapeCount: number;
}

const SAMPLE = /^(nginx_ipng_(?:flushes_total|flush_duration_seconds_sum|flush_duration_seconds_count|scrape_duration_seconds_sum|scrape_duration_seconds_count))(?:\{worker="([^"]*)"\})? (\S+)$/;

export function parseFlushCounters(text: string): FlushCounters {
  const out: FlushCounters = { workers: {}, scrapeSum: 0, scrapeCount: 0 };
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (m === null) continue;
    const value = Number(m[3]);
    if (m[1] === 'nginx_ipng_scrape_duration_seconds_sum') out.scrapeSum = value;
    else if (m[1] === 'nginx_ipng_scrape_duration_seconds_count') out.scrapeCount = value;
    else if (m[2] !== undefined) {
      const w = out.workers[m[2]] ?? (out.workers[m[2]] = { flushes: 0, durationSum: 0, durationCount: 0 });
      if (m[1] === 'nginx_ipng_flushes_total') w.flushes = value;
      else if (m[1] === 'nginx_ipng_flush_duration_seconds_sum') w.durationSum = value;
      else w.durationCount = value;
    }
  }
  return out;
}

export interface WorkerHealth {
  worker: string;
  flushes: number;
  /** flushes per second over the window; null on the first read or after a reset */
  perSec: number | null;
  /** mean flush duration over the window, ms; null without flushes in it */
  meanMs: number | null;
  /** true when the count grew within the window */
  advancing: boolean | null;
}

export interface FlushHealth {
  workers: WorkerHealth[];
  /** mean scrape handler time over the window, ms */
  scrapeMeanMs: number | null;
}

/** Flush health between an older and a newer read (null: first read). */
export function flushHealth(
  before: { at: number; counters: FlushCounters } | null,
  after: { at: number; counters: FlushCounters },
): FlushHealth {
  const workers: WorkerHealth[] = [];
  const ids = Object.keys(after.counters.workers).sort((a, b) => Number(a) - Number(b));
  for (const id of ids) {
    const now = after.counters.workers[id];
    const then = before?.counters.workers[id];
    const health: WorkerHealth = { worker: id, flushes: now.flushes, perSec: null, meanMs: null, advancing: null };
    if (before !== null && then !== undefined && now.flushes >= then.flushes && after.at > before.at) {
      const flushes = now.flushes - then.flushes;
      health.perSec = flushes / ((after.at - before.at) / 1000);
      health.advancing = flushes > 0;
      const count = now.durationCount - then.durationCount;
      health.meanMs = count > 0 ? ((now.durationSum - then.durationSum) * 1000) / count : null;
    }
    workers.push(health);
  }
  let scrapeMeanMs: number | null = null;
  if (before !== null) {
    const count = after.counters.scrapeCount - before.counters.scrapeCount;
    if (count > 0) scrapeMeanMs = ((after.counters.scrapeSum - before.counters.scrapeSum) * 1000) / count;
  }
  return { workers, scrapeMeanMs };
}

// ---------------------------------------------------------------------------
// Display texts.

export const NOT_AVAILABLE = 'n/a';
export const NO_VALUE = '–';

export function formatRate(perSec: number | null, suffix = '/s'): string {
  if (perSec === null) return NOT_AVAILABLE;
  if (perSec === 0) return '0' + suffix;
  if (perSec < 10) return perSec.toFixed(1) + suffix;
  return Math.round(perSec).toLocaleString('en-US') + suffix;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? String(Math.round(value)) : value.toFixed(value < 10 ? 1 : 0)) + ' ' + BYTE_UNITS[unit];
}

export function formatByteRate(perSec: number | null): string {
  return perSec === null ? NOT_AVAILABLE : formatBytes(perSec) + '/s';
}

export function formatMs(ms: number | null): string {
  if (ms === null) return NO_VALUE;
  if (ms >= 1000) return (ms / 1000).toFixed(ms >= 10000 ? 0 : 2) + ' s';
  if (ms >= 100) return Math.round(ms) + ' ms';
  if (ms >= 10) return ms.toFixed(1) + ' ms';
  return ms.toFixed(2) + ' ms';
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return NO_VALUE;
  if (ratio === 0) return '0%';
  const percent = ratio * 100;
  return (percent < 0.1 ? percent.toFixed(3) : percent < 10 ? percent.toFixed(2) : percent.toFixed(1)) + '%';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
