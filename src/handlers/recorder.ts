// Log-phase recorder without the shim, run once per finished request by
//   js_set $ipng_stats_record ipng_stats_recorder.record;
//   access_log /dev/null ipng_stats_record if=$ipng_stats_record;
// (nginx/ipng-stats-log-fallback.conf; the bundle exports it too, as
// ipng.record). It always returns '' so that access_log writes nothing.
//
// This is the hot path of the no-shim mode. njs clones a VM for every
// request, and the clone costs more the more top-level bindings and
// objects the imported module holds (docs/performance.md measures it), so
// this file is the whole of dist/ipng-stats-recorder.js and keeps its top
// level to a handful of functions: no key-kind table (the kind characters
// are those of ipng/keys.ts KIND, spelled out), no settings tables,
// no zone wrapper object. Per request: 7 variable reads and the status,
// one freeSpace(), 5 incr (7 with an upstream).
//
// Bad setting values are reported by the tick and the scrape (once each);
// here a bad value silently counts with the default, as they say.
//
// Keys: ipng/keys.ts (KIND), as ipng/observation.ts builds them.
import { parseBucketBounds, sourceTagProblem } from '../config/setting-rules';
import { canonicalAddress } from '../exposition/address';
import { scrapeServed } from '../platform/request-scope';
import { upstreamTimeMs } from '../model/timings';
import { MARGIN_PAGES, PAGE } from '../store/counter-zone-margin';

/** ipng/keys.ts KEY_SEPARATOR */
const S = '\x1f';

export default function record(r: NginxHTTPRequest): string {
  if (scrapeServed) return '';
  const dict = ngx.shared.ipng_stats as NgxSharedDict<number> | undefined;
  if (dict === undefined) {
    refuseZone(dict);
    return '';
  }
  const vars = r.variables;

  const bucketsText = vars.ipng_stats_buckets;
  let bounds: number[] | null = null;
  if (bucketsText !== undefined && bucketsText !== '') {
    const parsed = parseBucketBounds(bucketsText);
    if (parsed.ok) bounds = parsed.value;
  }
  let source = 'direct';
  const sourceText = vars.ipng_stats_default_source;
  if (sourceText !== undefined && sourceText !== '') {
    // Printable ASCII, so its key form (pipeline/wire-field.ts
    // escapeText) only escapes a backslash.
    if (sourceTagProblem(sourceText) === null) source = sourceText.split('\\').join('\\x5c');
  }
  let vip = vars.server_addr || '';
  if (vip.indexOf(':') !== -1) vip = canonicalAddress(vip) || vip;

  // Inline arithmetic rather than builtins: in njs a call of parseInt,
  // parseFloat or Math.* costs ~2,000-4,500 instructions (valgrind), more
  // than the arithmetic. nginx writes these variables as plain decimals, so
  // unary plus reads them as parseFloat/parseInt would (model/timings.ts).
  const pair = source + S + vip;
  const code = S + r.status;
  const seconds = +(vars.request_time || 0);
  const scaled = seconds === seconds && seconds > 0 ? seconds * 1000 + 0.5 : 0;
  const requestMs = scaled - (scaled % 1); // Math.round, for positive numbers
  const requestsKey = 'q' + pair + code;
  const bytesInKey = 'i' + pair + code;
  const bytesOutKey = 'o' + pair + code;
  let bytesIn = +(vars.request_length || 0);
  if (bytesIn !== bytesIn) bytesIn = 0;
  let bytesOut = +(vars.bytes_sent || 0);
  if (bytesOut !== bytesOut) bytesOut = 0;
  const durationKey = 'd' + pair + S + bucketLabel(requestMs, bounds);
  const upstreamText = vars.upstream_response_time;
  const upstreamMs =
    upstreamText === undefined || upstreamText === '' || upstreamText === '-' ? null : upstreamTimeMs(upstreamText);
  const upstreamKey = upstreamMs === null ? '' : 'u' + pair + S + bucketLabel(upstreamMs, bounds);

  // The common case, a zone with room for every write of this request
  // beyond the margin (store/counter-zone.ts: each write may take one free page):
  // plain incr calls in one try. The sums are added even when 0, so that a
  // request creates the same keys whatever its timing (a full zone drops a
  // predictable number). `done` says how far it got if an allocation
  // failed after all (other workers took the pages since freeSpace()).
  const writes = upstreamMs === null ? 5 : 7;
  const freeBytes = dict.freeSpace();
  let freePages = (freeBytes - (freeBytes % PAGE)) / PAGE;
  let done = 0;
  if (freePages >= MARGIN_PAGES + writes) {
    try {
      dict.incr(requestsKey, 1);
      done = 1;
      dict.incr(bytesInKey, bytesIn);
      done = 2;
      dict.incr(bytesOutKey, bytesOut);
      done = 3;
      dict.incr(durationKey, 1);
      done = 4;
      dict.incr('D' + pair, requestMs);
      done = 5;
      if (upstreamMs !== null) {
        dict.incr(upstreamKey, 1);
        done = 6;
        dict.incr('U' + pair, upstreamMs);
      }
      return '';
    } catch (e) {
      // A type=string zone refuses incr: it needs the shim (checked here,
      // off the hot path, since a property read costs too).
      if (isStringZone(dict)) {
        refuseZone(dict);
        return '';
      }
      countDrop(dict);
      done++;
      freePages = freePagesOf(dict);
    }
  }
  // Near full, store/counter-zone.ts's rule key by key: one page less per write,
  // read again when that says full; then keys that exist keep counting and
  // a new one is dropped without trying to allocate it (which would log
  // [crit] in nginx).
  const keys = [requestsKey, bytesInKey, bytesOutKey, durationKey, 'D' + pair, upstreamKey, 'U' + pair];
  const deltas = [1, bytesIn, bytesOut, 1, requestMs, 1, upstreamMs === null ? 0 : upstreamMs];
  for (let i = done; i < writes; i++) {
    if (freePages <= MARGIN_PAGES) freePages = freePagesOf(dict);
    if (freePages > MARGIN_PAGES) {
      freePages--;
    } else if (dict.get(keys[i]) === undefined) {
      countDrop(dict);
      continue;
    }
    try {
      dict.incr(keys[i], deltas[i]);
    } catch (e) {
      if (isStringZone(dict)) {
        refuseZone(dict);
        return '';
      }
      countDrop(dict);
    }
  }
  return '';
}


/** Whole free pages (without Math.floor: see above). */
function freePagesOf(dict: NgxSharedDict<number>): number {
  const bytes = dict.freeSpace();
  return (bytes - (bytes % PAGE)) / PAGE;
}

function countDrop(dict: NgxSharedDict<number>): void {
  try {
    dict.incr('Z', 1);
  } catch (e) {
    // reserved by the first tick and scrape; before those there is no room
  }
}

/**
 * model/bucketing.ts bucketLabel; null bounds are the default ones
 * (config/settings.ts DEFAULT_BUCKETS_MS), compared without an array.
 */
function bucketLabel(ms: number, bounds: number[] | null): string {
  if (bounds === null) {
    if (ms <= 1) return '1';
    if (ms <= 5) return '5';
    if (ms <= 10) return '10';
    if (ms <= 25) return '25';
    if (ms <= 50) return '50';
    if (ms <= 100) return '100';
    if (ms <= 250) return '250';
    if (ms <= 500) return '500';
    if (ms <= 1000) return '1000';
    if (ms <= 2500) return '2500';
    if (ms <= 5000) return '5000';
    if (ms <= 10000) return '10000';
    return 'inf';
  }
  for (let i = 0; i < bounds.length; i++) {
    if (ms <= bounds[i]) return String(bounds[i]);
  }
  return 'inf';
}

/** `type` is in njs since 0.8.0; njs-types does not declare it. */
function isStringZone(dict: NgxSharedDict<number>): boolean {
  return (dict as unknown as { type?: string }).type === 'string';
}

/** No zone, or a type=string one, which needs the shim's single writer. */
function refuseZone(dict: NgxSharedDict<number> | undefined): void {
  if (dict === undefined) {
    throw new Error(
      'ipng-stats: no shared dict zone "ipng_stats"; add "js_shared_dict_zone zone=ipng_stats:16m ' +
        'type=number;" to the http block',
    );
  }
  // The "said once" mark of store/report-once.ts (ipng/keys.ts reportedKey).
  try {
    if (!(dict as unknown as NgxSharedDict<string>).add('!zone' + S + 'record-without-shim', '1')) return;
  } catch (e) {
    return;
  }
  ngx.log(
    ngx.ERR,
    'ipng-stats: js_shared_dict_zone zone=ipng_stats is type=string, which needs the ' +
      'native shim; without the shim declare it type=number: nothing is counted until then ' +
      '(reported once)',
  );
}
