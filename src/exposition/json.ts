// JSON schema 1 (the spec's "JSON output shape"), compact, one line:
//
//   {"schema":1,"by_source":{TAG:{"vips":{VIP:{"rate_1s","rate_10s",
//    "rate_60s","codes":{CODE:{"requests","bytes_in","bytes_out"}},
//    "request_duration_ms":{"buckets":{"1":n,...,"+Inf":n},"sum_ms","count"},
//    "upstream_response_ms":{...}}}}},
//    "meta":{"zone_bytes_used","zone_bytes_total","zone_full_events"}
//    [,"ssl":{"zones":{...}}]}
//
// "ssl" (the SSL status zones, src/ssl/scrape-part.ts) is an additive,
// optional member of schema 1: present only when the configuration has
// SSL zones, so that every document of a configuration without them is
// what it was.
//
// Histogram buckets are cumulative, as in the spec's example (10, 40, 120,
// ..., 4124, "+Inf" = count) and in the Prometheus output: bucket "N"
// counts the requests that took at most N ms. Keys are bounds in
// milliseconds, increasing, "+Inf" last. Sources, VIPs and codes are in
// the same sorted order as the Prometheus text.
//
// The text is assembled by hand rather than with JSON.stringify on an
// object: object key order would put integer-like keys ("200", a source
// tag "1") first whatever the insertion order, and building the object
// would double the work of a large scrape. Keys and strings still go
// through JSON.stringify for escaping.
import { formatRate, formatScaledInteger } from './decimal';
import { sameBounds } from '../model/stats-model';
import type { CodeStats, Histogram, StatsModel } from '../model/stats-model';

export const JSON_CONTENT_TYPE = 'application/json';
export const JSON_SCHEMA_VERSION = 1;

/**
 * `members`: more top-level members after "meta", each with its leading
 * comma (the main scrape's optional "ssl").
 */
export function renderJson(model: StatsModel, members = ''): string {
  const series = model.series;
  // The same few status codes recur under every VIP: quote each once.
  const codeHeads: Record<string, string> = Object.create(null);
  const out: string[] = ['{"schema":' + JSON_SCHEMA_VERSION + ',"by_source":{'];
  for (let i = 0; i < series.length; i++) {
    const stats = series[i];
    const firstOfSource = i === 0 || series[i - 1].sourceTag !== stats.sourceTag;
    if (firstOfSource) out.push((i === 0 ? '' : '}},') + JSON.stringify(stats.sourceTag) + ':{"vips":{');
    else out.push(',');
    out.push(
      JSON.stringify(stats.vip) +
        ':{"rate_1s":' + rate(stats.rate1s) +
        ',"rate_10s":' + rate(stats.rate10s) +
        ',"rate_60s":' + rate(stats.rate60s) +
        ',"codes":{',
    );
    out.push(
      stats.rendered !== undefined
        ? stats.rendered.json
        : stats.codesSection !== undefined
          ? jsonSectionMembers(stats.codesSection, codeHeads)
          : jsonCodeMembers(stats.codes, codeHeads),
    );
    const h = stats.renderedHistograms;
    out.push(
      '},"request_duration_ms":' + (h !== undefined ? h.requestDurationJson : jsonHistogram(stats.requestDuration)) +
        ',"upstream_response_ms":' + (h !== undefined ? h.upstreamResponseJson : jsonHistogram(stats.upstreamResponse)) + '}',
    );
  }
  if (series.length > 0) out.push('}}');
  const meta = model.meta;
  out.push(
    '},"meta":{"zone_bytes_used":' + count(meta.zoneBytesUsed) +
      ',"zone_bytes_total":' + count(meta.zoneBytesTotal) +
      ',"zone_full_events":' + count(meta.zoneFullEvents) + '}' + members + '}',
  );
  return out.join('');
}

/**
 * The members of a (source, vip)'s "codes" object, comma separated:
 * `"200":{"requests":..,"bytes_in":..,"bytes_out":..}`. The record layout
 * stores them (see RenderedCodes). `heads` caches `"200":{"requests":`
 * per code text for the caller: the same few codes recur under every VIP.
 */
/** The start of a code's member, up to its requests: `"200":{"requests":`. */
export function jsonCodeHead(code: string): string {
  return JSON.stringify(code) + ':{"requests":';
}

/**
 * The members of a counts-only record's codes section (VipStats
 * codesSection), the counts already decimal text: the text
 * jsonCodeMembers makes of the same counts.
 */
function jsonSectionMembers(section: string[], heads: Record<string, string>): string {
  const texts: string[] = new Array(section.length / 4);
  for (let i = 0, c = 0; i < section.length; i += 4, c++) {
    const code = section[i];
    let head = heads[code];
    if (head === undefined) {
      head = jsonCodeHead(code);
      heads[code] = head;
    }
    texts[c] = head + section[i + 1] + ',"bytes_in":' + section[i + 2] + ',"bytes_out":' + section[i + 3] + '}';
  }
  return texts.join(',');
}

export function jsonCodeMembers(codes: CodeStats[], heads: Record<string, string>): string {
  const texts: string[] = [];
  for (let c = 0; c < codes.length; c++) {
    const row = codes[c];
    let head = heads[row.code];
    if (head === undefined) {
      head = jsonCodeHead(row.code);
      heads[row.code] = head;
    }
    const requests = row.requests;
    const bytesIn = row.bytesIn;
    const bytesOut = row.bytesOut;
    // count() inline for the common case (three finite numbers): the
    // calls would cost as much as the text.
    texts.push(
      requests - requests === 0 && bytesIn - bytesIn === 0 && bytesOut - bytesOut === 0
        ? head + requests + ',"bytes_in":' + bytesIn + ',"bytes_out":' + bytesOut + '}'
        : head + count(requests) + ',"bytes_in":' + count(bytesIn) + ',"bytes_out":' + count(bytesOut) + '}',
    );
  }
  return texts.join(',');
}

// JSON has no NaN or Infinity; a counter that is not finite is a bug
// upstream of the renderer, and null keeps the document parseable (the
// JSON Schema then reports it).
function count(value: number): string {
  return isFinite(value) ? String(value) : 'null';
}

function rate(value: number): string {
  return isFinite(value) ? formatRate(value) : 'null';
}

function milliseconds(value: number): string {
  // a whole number without builtin calls (x % 1 === 0 only for finite integers)
  if (value % 1 === 0) return '' + value;
  if (!isFinite(value)) return 'null';
  return value === Math.floor(value) ? String(value) : formatScaledInteger(Math.round(value * 1000), 3);
}

// The bucket keys of the last bounds list rendered (`"5":`): a flush
// renders hundreds of histograms over one list, and each key costs
// builtin calls (isFinite, Math.floor, String), which cost more in njs than
// the rest of a bucket.
let keyBounds: number[] = [];
let keyTexts: string[] = [];

function bucketKeys(boundsMs: number[]): string[] {
  // a bounds list is never changed once made: the same array, the same keys
  if (boundsMs !== keyBounds && !sameBounds(boundsMs, keyBounds)) {
    const texts: string[] = [];
    for (let b = 0; b < boundsMs.length; b++) texts.push('"' + milliseconds(boundsMs[b]) + '":');
    keyTexts = texts;
  }
  keyBounds = boundsMs;
  return keyTexts;
}

/** A histogram's JSON object; the record layout stores these (pair-fragments.ts). */
export function jsonHistogram(h: Histogram): string {
  const keys = bucketKeys(h.boundsMs);
  const parts: string[] = [];
  let cumulative = 0;
  for (let b = 0; b < keys.length; b++) {
    cumulative += h.counts[b] || 0;
    // count() inline for a finite number, as in jsonCodeMembers
    parts.push(cumulative - cumulative === 0 ? keys[b] + cumulative : keys[b] + count(cumulative));
  }
  for (let b = keys.length; b < h.counts.length; b++) cumulative += h.counts[b] || 0;
  const total = cumulative - cumulative === 0 ? '' + cumulative : count(cumulative);
  parts.push('"+Inf":' + total);
  return '{"buckets":{' + parts.join(',') + '},"sum_ms":' + milliseconds(h.sumMs) + ',"count":' + total + '}';
}
