// Prometheus text exposition format 0.0.4.
import { formatMillisecondsAsSeconds, formatRate } from './decimal';
import { RENDERED_ENTRY_SEPARATOR, sameBounds } from './model';
import type { CodeStats, Histogram, RenderedHistogramParts, StatsModel, VipStats } from './model';
import { orderedWorkerIds } from './series-order';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Sample[];
}

export function escapeLabelValue(value: string): string {
  // Almost no value needs escaping, and in njs three indexOf calls cost a
  // tenth of three regex replacements: that is most of a large scrape.
  if (value.indexOf('\\') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value !== value) return 'NaN';
  return String(value);
}

/**
 * The end of each code's line of a per-code counter family, from its
 * `code` label on: `200"} 17`. The renderer puts the (source, vip) head in
 * front; the record layout stores them (see RenderedCodes). `suffixes`
 * caches `200"} ` per code text for the caller: the same few codes recur
 * under every VIP.
 */
export function codeLineTails(
  codes: CodeStats[],
  field: 'requests' | 'bytesIn' | 'bytesOut',
  suffixes: Record<string, string>,
): string[] {
  const tails: string[] = [];
  for (let c = 0; c < codes.length; c++) {
    // Inline: two calls per line would cost as much as the line.
    let suffix = suffixes[codes[c].code];
    if (suffix === undefined) {
      suffix = escapeLabelValue(codes[c].code) + '"} ';
      suffixes[codes[c].code] = suffix;
    }
    const value = codes[c][field];
    tails.push(value - value === 0 ? suffix + value : suffix + formatValue(value));
  }
  return tails;
}

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) {
    parts.push(names[i] + '="' + escapeLabelValue(labels[names[i]]) + '"');
  }
  return '{' + parts.join(',') + '}';
}

export function formatFamily(family: MetricFamily): string {
  let text = '# HELP ' + family.name + ' ' + escapeHelp(family.help) + '\n';
  text += '# TYPE ' + family.name + ' ' + family.type + '\n';
  for (let i = 0; i < family.samples.length; i++) {
    const sample = family.samples[i];
    text += family.name + formatLabels(sample.labels) + ' ' + formatValue(sample.value) + '\n';
  }
  return text;
}

// ---------------------------------------------------------------------------
// The scrape body: every family of the spec's metric table.
//
// Layout (the one prom-client and the Go client write): families in the
// order of the spec's table, each with one `# HELP` and one `# TYPE` line,
// also when it has no samples (an idle server still documents its metric
// set; the text format allows a family without samples). Series sorted by
// source_tag, vip, code (see series-order.ts); labels in the table's order
// with `le` last. A histogram series is its cumulative `_bucket` lines in
// increasing `le`, `+Inf` last, then `_sum`, then `_count`. `le` and `_sum`
// are in seconds, written exactly from the model's milliseconds.

interface FamilyHeader {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
}

const REQUESTS: FamilyHeader = { name: 'nginx_ipng_requests_total', help: 'Request count per (source, vip, status_code).', type: 'counter' };
const BYTES_IN: FamilyHeader = { name: 'nginx_ipng_bytes_in_total', help: 'Request bytes received (request line + headers + body).', type: 'counter' };
const BYTES_OUT: FamilyHeader = { name: 'nginx_ipng_bytes_out_total', help: 'Response bytes sent (status line + headers + body).', type: 'counter' };
const REQUEST_DURATION: FamilyHeader = { name: 'nginx_ipng_request_duration_seconds', help: 'Request duration histogram.', type: 'histogram' };
const UPSTREAM_RESPONSE: FamilyHeader = { name: 'nginx_ipng_upstream_response_seconds', help: 'Upstream response time histogram.', type: 'histogram' };
const RATE_1S: FamilyHeader = { name: 'nginx_ipng_rate_1s', help: 'EWMA requests/sec, 1-second decay.', type: 'gauge' };
const RATE_10S: FamilyHeader = { name: 'nginx_ipng_rate_10s', help: 'EWMA requests/sec, 10-second decay.', type: 'gauge' };
const RATE_60S: FamilyHeader = { name: 'nginx_ipng_rate_60s', help: 'EWMA requests/sec, 60-second decay.', type: 'gauge' };
const ZONE_BYTES_USED: FamilyHeader = { name: 'nginx_ipng_zone_bytes_used', help: 'Shared-memory zone bytes currently allocated.', type: 'gauge' };
const ZONE_BYTES_TOTAL: FamilyHeader = { name: 'nginx_ipng_zone_bytes_total', help: 'Shared-memory zone capacity in bytes.', type: 'gauge' };
const ZONE_FULL_EVENTS: FamilyHeader = { name: 'nginx_ipng_zone_full_events_total', help: 'Number of key insertions dropped because the zone was full.', type: 'counter' };
const FLUSHES: FamilyHeader = { name: 'nginx_ipng_flushes_total', help: 'Number of per-worker flush ticks executed.', type: 'counter' };
const FLUSH_DURATION: FamilyHeader = { name: 'nginx_ipng_flush_duration_seconds', help: 'Histogram of flush durations.', type: 'histogram' };
const SCRAPE_DURATION: FamilyHeader = { name: 'nginx_ipng_scrape_duration_seconds', help: 'Histogram of scrape handler runtimes.', type: 'histogram' };

/** Every family name renderPrometheus writes, in output order. */
export const METRIC_FAMILY_NAMES: string[] = [
  REQUESTS, BYTES_IN, BYTES_OUT, REQUEST_DURATION, UPSTREAM_RESPONSE, RATE_1S, RATE_10S, RATE_60S,
  ZONE_BYTES_USED, ZONE_BYTES_TOTAL, ZONE_FULL_EVENTS, FLUSHES, FLUSH_DURATION, SCRAPE_DURATION,
].map((family) => family.name);

export function renderPrometheus(model: StatsModel): string {
  const series = model.series;
  // `source_tag="...",vip="..."`, escaped once per series and reused by
  // every family.
  const vipLabels: string[] = [];
  for (let i = 0; i < series.length; i++) {
    vipLabels.push('source_tag="' + escapeLabelValue(series[i].sourceTag) + '",vip="' + escapeLabelValue(series[i].vip) + '"');
  }
  // `200"} `, the end of a per-code line's labels: the same few status
  // codes recur under every VIP, so each is escaped once per scrape.
  const codeSuffixes: Record<string, string> = Object.create(null);
  const out: string[] = [];
  const bucketBounds = new BucketBoundsText();

  writeCodeCounter(out, REQUESTS, series, vipLabels, codeSuffixes, 'requests');
  writeCodeCounter(out, BYTES_IN, series, vipLabels, codeSuffixes, 'bytesIn');
  writeCodeCounter(out, BYTES_OUT, series, vipLabels, codeSuffixes, 'bytesOut');

  writeHeader(out, REQUEST_DURATION);
  for (let i = 0; i < series.length; i++) {
    const rendered = series[i].renderedHistograms;
    writeHistogram(out, REQUEST_DURATION.name, vipLabels[i],
      rendered !== undefined ? rendered.requestDuration : renderHistogram(series[i].requestDuration, bucketBounds));
  }
  writeHeader(out, UPSTREAM_RESPONSE);
  for (let i = 0; i < series.length; i++) {
    const rendered = series[i].renderedHistograms;
    writeHistogram(out, UPSTREAM_RESPONSE.name, vipLabels[i],
      rendered !== undefined ? rendered.upstreamResponse : renderHistogram(series[i].upstreamResponse, bucketBounds));
  }

  writeRate(out, RATE_1S, series, vipLabels, 'rate1s');
  writeRate(out, RATE_10S, series, vipLabels, 'rate10s');
  writeRate(out, RATE_60S, series, vipLabels, 'rate60s');

  const meta = model.meta;
  writeHeader(out, ZONE_BYTES_USED);
  out.push(ZONE_BYTES_USED.name + ' ' + formatValue(meta.zoneBytesUsed));
  writeHeader(out, ZONE_BYTES_TOTAL);
  out.push(ZONE_BYTES_TOTAL.name + ' ' + formatValue(meta.zoneBytesTotal));
  writeHeader(out, ZONE_FULL_EVENTS);
  out.push(ZONE_FULL_EVENTS.name + ' ' + formatValue(meta.zoneFullEvents));

  const flushWorkers = orderedWorkerIds(Object.keys(meta.flushes));
  writeHeader(out, FLUSHES);
  for (let i = 0; i < flushWorkers.length; i++) {
    out.push(FLUSHES.name + '{worker="' + escapeLabelValue(flushWorkers[i]) + '"} ' + formatValue(meta.flushes[flushWorkers[i]]));
  }
  const durationWorkers = orderedWorkerIds(Object.keys(meta.flushDuration));
  writeHeader(out, FLUSH_DURATION);
  for (let i = 0; i < durationWorkers.length; i++) {
    const labels = 'worker="' + escapeLabelValue(durationWorkers[i]) + '"';
    writeHistogram(out, FLUSH_DURATION.name, labels, renderHistogram(meta.flushDuration[durationWorkers[i]], bucketBounds));
  }
  writeHeader(out, SCRAPE_DURATION);
  writeHistogram(out, SCRAPE_DURATION.name, '', renderHistogram(meta.scrapeDuration, bucketBounds));

  out.push('');
  return out.join('\n');
}

function writeHeader(out: string[], family: FamilyHeader): void {
  out.push('# HELP ' + family.name + ' ' + escapeHelp(family.help));
  out.push('# TYPE ' + family.name + ' ' + family.type);
}

/**
 * A per-code counter family. Its lines are most of a large scrape (three
 * per (source, vip, code)), so each line costs one concatenation: the
 * lines of one (source, vip) differ only after `code="`, and that common
 * head is put between them by a native join.
 */
function writeCodeCounter(
  out: string[],
  family: FamilyHeader,
  series: VipStats[],
  vipLabels: string[],
  codeSuffixes: Record<string, string>,
  field: 'requests' | 'bytesIn' | 'bytesOut',
): void {
  writeHeader(out, family);
  for (let i = 0; i < series.length; i++) {
    const rendered = series[i].rendered;
    const tails =
      rendered === undefined
        ? codeLineTails(series[i].codes, field, codeSuffixes)
        : rendered[field] === ''
          ? []
          : rendered[field].split(RENDERED_ENTRY_SEPARATOR);
    if (tails.length === 0) continue;
    const head = family.name + '{' + vipLabels[i] + ',code="';
    out.push(head + tails.join('\n' + head));
  }
}

function writeRate(
  out: string[],
  family: FamilyHeader,
  series: VipStats[],
  vipLabels: string[],
  field: 'rate1s' | 'rate10s' | 'rate60s',
): void {
  writeHeader(out, family);
  for (let i = 0; i < series.length; i++) {
    out.push(family.name + '{' + vipLabels[i] + '} ' + formatRate(series[i][field]));
  }
}

/**
 * One histogram series as text, short of its names and labels: each
 * `_bucket` line's tail from `le="` on (`0.005"} 3`, +Inf last,
 * RENDERED_ENTRY_SEPARATOR between), and the `_sum` and `_count` values.
 * The model's per-bucket counts are summed into the cumulative counts the
 * format requires; a counts array shorter than boundsMs + 1 (a model bug)
 * reads as zeros rather than breaking a scrape. The record layout stores
 * these (pair-record.ts); the scrape computes them otherwise.
 */
export function renderHistogram(histogram: Histogram, bounds: BucketBoundsText = new BucketBoundsText()): RenderedHistogramParts {
  const leSuffixes = bounds.suffixes(histogram.boundsMs);
  const counts = histogram.counts;
  const lineTails: string[] = [];
  let cumulative = 0;
  for (let b = 0; b < leSuffixes.length; b++) {
    cumulative += counts[b] || 0;
    lineTails.push(leSuffixes[b] + formatValue(cumulative));
  }
  for (let b = leSuffixes.length; b < counts.length; b++) cumulative += counts[b] || 0;
  lineTails.push('+Inf"} ' + formatValue(cumulative));
  return {
    bucketTails: lineTails.join(RENDERED_ENTRY_SEPARATOR),
    sum: formatMillisecondsAsSeconds(histogram.sumMs),
    count: formatValue(cumulative),
  };
}

/**
 * One histogram series. `labels` is the already escaped label text without
 * braces ('' for none). Its `_bucket` lines share their head up to `le="`,
 * joined natively as in writeCodeCounter.
 */
function writeHistogram(out: string[], name: string, labels: string, histogram: RenderedHistogramParts): void {
  const bucketHead = name + '_bucket{' + (labels === '' ? '' : labels + ',') + 'le="';
  out.push(bucketHead + histogram.bucketTails.split(RENDERED_ENTRY_SEPARATOR).join('\n' + bucketHead));
  const braced = labels === '' ? '' : '{' + labels + '}';
  out.push(name + '_sum' + braced + ' ' + histogram.sum);
  out.push(name + '_count' + braced + ' ' + histogram.count);
}

/**
 * `0.005"} `: the end of a `_bucket` line's labels for each bucket bound,
 * `le` in seconds. Every histogram of a scrape normally shares one bounds
 * list, so the texts are computed once and reused while the bounds stay
 * the same.
 */
export class BucketBoundsText {
  private boundsMs: number[] = [];
  private texts: string[] = [];

  suffixes(boundsMs: number[]): string[] {
    if (!sameBounds(boundsMs, this.boundsMs)) {
      const texts: string[] = [];
      for (let i = 0; i < boundsMs.length; i++) texts.push(formatMillisecondsAsSeconds(boundsMs[i]) + '"} ');
      this.boundsMs = boundsMs;
      this.texts = texts;
    }
    return this.texts;
  }
}

