// The product's metric families in Prometheus text exposition format 0.0.4,
// each written through the one family writer (prometheus-text.ts).
import { formatMillisecondsAsSeconds, formatRate } from './decimal';
import { RENDERED_ENTRY_SEPARATOR, sameBounds } from '../model/stats-model';
import type { CodeStats, Histogram, RenderedHistogramParts, StatsModel, VipStats } from '../model/stats-model';
import type { FamilyHeader } from './prometheus-text';
import { escapeLabelValue, formatValue, hasTemplateMark, labelPair, labelValueEnd, PrometheusText } from './prometheus-text';
import { orderedWorkerIds } from '../model/series-order';

export type { FamilyHeader, Labels, MetricFamily, MetricType, Sample } from './prometheus-text';
export { escapeHelp, escapeLabelValue, formatFamily, formatValue } from './prometheus-text';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

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
      suffix = labelValueEnd(codes[c].code);
      suffixes[codes[c].code] = suffix;
    }
    const value = codes[c][field];
    tails.push(value - value === 0 ? suffix + value : suffix + formatValue(value));
  }
  return tails;
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

/**
 * The scrape's text, `trailer` (more families, e.g. the SSL zones')
 * after it. With `template`, the text as a template for the shim's
 * $ipng_stats_lines (PrometheusText headMarks), or null when a label
 * or the trailer holds a template mark (then render the text).
 */
export function renderPrometheus(model: StatsModel, trailer?: string): string;
export function renderPrometheus(model: StatsModel, trailer: string, template: true): string | null;
export function renderPrometheus(model: StatsModel, trailer = '', template = false): string | null {
  const series = model.series;
  // `source_tag="...",vip="..."`, escaped once per series and reused by
  // every family; the series are sorted by source, so its label is
  // escaped once per source.
  const vipLabels: string[] = [];
  let sourceTag = '';
  let sourceLabel = '';
  for (let i = 0; i < series.length; i++) {
    if (i === 0 || series[i].sourceTag !== sourceTag) {
      sourceTag = series[i].sourceTag;
      sourceLabel = labelPair('source_tag', sourceTag) + ',vip="';
    }
    vipLabels[i] = sourceLabel + escapeLabelValue(series[i].vip) + '"';
    if (template && hasTemplateMark(vipLabels[i])) return null;
  }
  if (template && hasTemplateMark(trailer)) return null;
  // `200"} `, the end of a per-code line's labels: the same few status
  // codes recur under every VIP, so each is escaped once per scrape.
  const codeSuffixes: Record<string, string> = Object.create(null);
  const text = new PrometheusText(template);
  const bucketBounds = new BucketBoundsText();

  text.joinedLines(REQUESTS, vipLabels, 'code', codeTails(series, codeSuffixes, 'requests'));
  text.joinedLines(BYTES_IN, vipLabels, 'code', codeTails(series, codeSuffixes, 'bytesIn'));
  text.joinedLines(BYTES_OUT, vipLabels, 'code', codeTails(series, codeSuffixes, 'bytesOut'));

  const durations: RenderedHistogramParts[] = [];
  const upstreams: RenderedHistogramParts[] = [];
  for (let i = 0; i < series.length; i++) {
    const rendered = series[i].renderedHistograms;
    durations[i] = rendered !== undefined ? rendered.requestDuration : renderHistogram(series[i].requestDuration, bucketBounds);
    upstreams[i] = rendered !== undefined ? rendered.upstreamResponse : renderHistogram(series[i].upstreamResponse, bucketBounds);
  }
  text.histograms(REQUEST_DURATION, vipLabels, durations);
  text.histograms(UPSTREAM_RESPONSE, vipLabels, upstreams);

  const rates1s: string[] = [];
  const rates10s: string[] = [];
  const rates60s: string[] = [];
  for (let i = 0; i < series.length; i++) {
    rates1s[i] = formatRate(series[i].rate1s);
    rates10s[i] = formatRate(series[i].rate10s);
    rates60s[i] = formatRate(series[i].rate60s);
  }
  text.samples(RATE_1S, vipLabels, rates1s);
  text.samples(RATE_10S, vipLabels, rates10s);
  text.samples(RATE_60S, vipLabels, rates60s);

  const meta = model.meta;
  text.samples(ZONE_BYTES_USED, [''], [formatValue(meta.zoneBytesUsed)]);
  text.samples(ZONE_BYTES_TOTAL, [''], [formatValue(meta.zoneBytesTotal)]);
  text.samples(ZONE_FULL_EVENTS, [''], [formatValue(meta.zoneFullEvents)]);

  const flushWorkers = orderedWorkerIds(Object.keys(meta.flushes));
  const flushLabels: string[] = [];
  const flushCounts: string[] = [];
  for (let i = 0; i < flushWorkers.length; i++) {
    flushLabels.push(labelPair('worker', flushWorkers[i]));
    flushCounts.push(formatValue(meta.flushes[flushWorkers[i]]));
  }
  text.samples(FLUSHES, flushLabels, flushCounts);
  const durationWorkers = orderedWorkerIds(Object.keys(meta.flushDuration));
  const durationLabels: string[] = [];
  const flushDurations: RenderedHistogramParts[] = [];
  for (let i = 0; i < durationWorkers.length; i++) {
    durationLabels.push(labelPair('worker', durationWorkers[i]));
    flushDurations.push(renderHistogram(meta.flushDuration[durationWorkers[i]], bucketBounds));
  }
  text.histograms(FLUSH_DURATION, durationLabels, flushDurations);
  text.histograms(SCRAPE_DURATION, [''], [renderHistogram(meta.scrapeDuration, bucketBounds)]);
  if (trailer !== '') text.raw(trailer);

  return text.text();
}

/**
 * Each series' line tails of a per-code counter family: the text the
 * record layout stores (RenderedCodes, joined by
 * RENDERED_ENTRY_SEPARATOR), or made here (PrometheusText joinedLines
 * takes either).
 */
function codeTails(series: VipStats[], codeSuffixes: Record<string, string>, field: 'requests' | 'bytesIn' | 'bytesOut'): Array<string | string[]> {
  const tails: Array<string | string[]> = [];
  const at = field === 'requests' ? 1 : field === 'bytesIn' ? 2 : 3;
  for (let i = 0; i < series.length; i++) {
    const rendered = series[i].rendered;
    const section = series[i].codesSection;
    tails[i] =
      rendered !== undefined
        ? rendered[field]
        : section !== undefined
          ? sectionLineTails(section, at, codeSuffixes)
          : codeLineTails(series[i].codes, field, codeSuffixes);
  }
  return tails;
}

/**
 * The line tails of one counter of a counts-only record's codes section
 * (VipStats.codesSection; `at` 1, 2 or 3: requests, bytes in, bytes out),
 * the counts already decimal text: the text codeLineTails makes of the
 * same counts.
 */
function sectionLineTails(section: string[], at: number, suffixes: Record<string, string>): string[] {
  const tails: string[] = new Array(section.length / 4);
  for (let i = 0, c = 0; i < section.length; i += 4, c++) {
    const code = section[i];
    let suffix = suffixes[code];
    if (suffix === undefined) {
      suffix = labelValueEnd(code);
      suffixes[code] = suffix;
    }
    tails[c] = suffix + section[i + at];
  }
  return tails;
}

/**
 * One histogram series as text, short of its names and labels: each
 * `_bucket` line's tail from `le="` on (`0.005"} 3`, +Inf last,
 * RENDERED_ENTRY_SEPARATOR between), and the `_sum` and `_count` values.
 * The model's per-bucket counts are summed into the cumulative counts the
 * format requires; a counts array shorter than boundsMs + 1 (a model bug)
 * reads as zeros rather than breaking a scrape. The record layout stores
 * these (pair-fragments.ts); the scrape computes them otherwise.
 */
const INF_LINE_TAIL = labelValueEnd('+Inf');

export function renderHistogram(histogram: Histogram, bounds: BucketBoundsText = new BucketBoundsText()): RenderedHistogramParts {
  const leSuffixes = bounds.suffixes(histogram.boundsMs);
  const counts = histogram.counts;
  const lineTails: string[] = [];
  let cumulative = 0;
  for (let b = 0; b < leSuffixes.length; b++) {
    cumulative += counts[b] || 0;
    // formatValue inline for a finite number: a call of String() costs
    // more in njs than the rest of the line
    lineTails.push(cumulative - cumulative === 0 ? leSuffixes[b] + cumulative : leSuffixes[b] + formatValue(cumulative));
  }
  for (let b = leSuffixes.length; b < counts.length; b++) cumulative += counts[b] || 0;
  const total = cumulative - cumulative === 0 ? '' + cumulative : formatValue(cumulative);
  lineTails.push(INF_LINE_TAIL + total);
  return {
    bucketTails: lineTails.join(RENDERED_ENTRY_SEPARATOR),
    sum: formatMillisecondsAsSeconds(histogram.sumMs),
    count: total,
  };
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
      for (let i = 0; i < boundsMs.length; i++) texts.push(labelValueEnd(formatMillisecondsAsSeconds(boundsMs[i])));
      this.texts = texts;
    }
    // the same array next time is one comparison (a bounds list is never changed once made)
    this.boundsMs = boundsMs;
    return this.texts;
  }
}

