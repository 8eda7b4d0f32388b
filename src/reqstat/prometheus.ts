// The show's Prometheus text (Accept: text/plain; version=0.0.4, or
// ?format=prometheus), through the generic family writer. Families are
// chosen so that rate() and ratios work (docs/reqstat.md):
//   - every Tengine total is a counter, `_total`, with {zone, key};
//   - the status classes are one family with a `class` label (2xx .. 5xx,
//     other), so sum by (class) / ignoring(class) works, and they add up
//     to nginx_reqstat_requests_total; the detail columns likewise one
//     family with a `code` label ("other" for http_other_detail_status);
//   - times are in seconds (rt and ups_rt are whole milliseconds, written
//     exactly), so rate(time) / rate(requests) is the mean in seconds;
//   - indicators are one family with an `indicator` label;
//   - keys shown alike (two long keys cut to the same text, or a cut key
//     and a key exactly as long as the key length) are one series, their
//     counts summed: a series is named by its labels, and the cut text is
//     the key a user can read (the text lines and JSON show them apart).
import { fieldLabel } from '../pipeline/wire-field';
import { labelPair, labelValueEnd, PrometheusText } from '../exposition/prometheus-text';
import type { FamilyHeader } from '../exposition/prometheus-text';
import type { ShownZone } from './display-model';
import { BUILTIN_COUNT, FIELD } from './fields';
import { addDigits } from './exact-decimal';

export const REQSTAT_PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface SimpleFamily extends FamilyHeader {
  position: number;
  seconds?: boolean;
}

const SIMPLE: SimpleFamily[] = [
  { name: 'nginx_reqstat_bytes_in_total', type: 'counter', position: FIELD.bytesIn, help: 'Bytes received from clients: the sum of $request_length (Tengine: bytes_in).' },
  { name: 'nginx_reqstat_bytes_out_total', type: 'counter', position: FIELD.bytesOut, help: 'Bytes sent to clients: the sum of $bytes_sent (Tengine: bytes_out).' },
  { name: 'nginx_reqstat_connections_total', type: 'counter', position: FIELD.connTotal, help: 'Connections whose first request had this key (Tengine: conn_total).' },
  { name: 'nginx_reqstat_requests_total', type: 'counter', position: FIELD.reqTotal, help: 'Requests (Tengine: req_total).' },
  { name: 'nginx_reqstat_request_time_seconds_total', type: 'counter', position: FIELD.rt, seconds: true, help: 'Sum of the requests\' times, in seconds (Tengine: rt, in ms).' },
  { name: 'nginx_reqstat_upstream_requests_total', type: 'counter', position: FIELD.upsReq, help: 'Requests that reached an upstream (Tengine: ups_req).' },
  { name: 'nginx_reqstat_upstream_response_time_seconds_total', type: 'counter', position: FIELD.upsRt, seconds: true, help: 'Sum of the upstream response times over all tries, in seconds (Tengine: ups_rt, in ms).' },
  { name: 'nginx_reqstat_upstream_tries_total', type: 'counter', position: FIELD.upsTries, help: 'Upstream tries (Tengine: ups_tries).' },
];

const CLASSES: FamilyHeader = { name: 'nginx_reqstat_responses_total', type: 'counter', help: 'Requests by status class (Tengine: http_2xx .. http_5xx, http_other_status); they add up to nginx_reqstat_requests_total.' };
const CLASS_TAILS = ['2xx', '3xx', '4xx', '5xx', 'other'];
const CODES: FamilyHeader = { name: 'nginx_reqstat_responses_by_code_total', type: 'counter', help: 'Requests by status code, for the codes Tengine has a column for; "other" is http_other_detail_status. They add up to nginx_reqstat_requests_total.' };
const CODE_TAILS = ['200', '206', '302', '304', '403', '404', '416', '499', '500', '502', '503', '504', '508', 'other'];
const UPSTREAM_CLASSES: FamilyHeader = { name: 'nginx_reqstat_upstream_responses_total', type: 'counter', help: 'Requests whose last upstream try answered 4xx or 5xx (Tengine: http_ups_4xx, http_ups_5xx).' };
const INDICATORS: FamilyHeader = { name: 'nginx_reqstat_indicator_total', type: 'counter', help: 'Sum of a req_status_zone_add_indicator variable.' };

const ZONE_KEYS: FamilyHeader = { name: 'nginx_reqstat_zone_keys', type: 'gauge', help: 'Keys stored in the zone.' };
const ZONE_SIZE: FamilyHeader = { name: 'nginx_reqstat_zone_size_bytes', type: 'gauge', help: 'Size of the zone.' };
const ZONE_FREE: FamilyHeader = { name: 'nginx_reqstat_zone_free_bytes', type: 'gauge', help: 'Free whole pages of the zone, in bytes.' };
const ZONE_RECYCLED: FamilyHeader = { name: 'nginx_reqstat_zone_recycled_keys_total', type: 'counter', help: 'New keys that took the place of a key visited less often than the recycle threshold.' };
const ZONE_DROPPED_KEYS: FamilyHeader = { name: 'nginx_reqstat_zone_dropped_keys_total', type: 'counter', help: 'New keys not stored: the zone was full and no key was idle enough to recycle.' };
const ZONE_DROPPED_REQUESTS: FamilyHeader = { name: 'nginx_reqstat_zone_dropped_requests_total', type: 'counter', help: 'Requests not counted in the zone: those of dropped keys, and those a worker\'s table dropped.' };

/** Whole milliseconds (exact decimal text) as seconds, exactly: "1500" -> "1.5". */
export function millisecondsTextAsSeconds(ms: string): string {
  let digits = ms;
  while (digits.length < 4) digits = '0' + digits;
  const whole = digits.substring(0, digits.length - 3);
  let fraction = digits.substring(digits.length - 3);
  while (fraction.length > 0 && fraction.charAt(fraction.length - 1) === '0') fraction = fraction.substring(0, fraction.length - 1);
  return fraction === '' ? whole : whole + '.' + fraction;
}

export function renderReqstatPrometheus(zones: ShownZone[]): string {
  const labels: string[] = [];
  const counters: string[][] = [];
  const indicatorNames: string[][] = [];
  for (let z = 0; z < zones.length; z++) {
    const zoneLabel = labelPair('zone', fieldLabel(zones[z].zone.name)) + ',';
    const names: string[] = [];
    for (let i = 0; i < zones[z].zone.indicators.length; i++) names.push(labelValueEnd(fieldLabel(zones[z].zone.indicators[i])));
    const keys = zones[z].keys;
    // A zone with a cut key may show a key twice (two cut keys, or a cut
    // key and a key exactly LEN long): its series are found by key.
    const seriesAt: Record<string, number> | null = zones[z].ids.join('') === '' ? null : Object.create(null);
    for (let i = 0; i < keys.length; i++) {
      const values = zones[z].counters[i].split(',');
      if (seriesAt !== null) {
        const at = seriesAt[keys[i]];
        if (at !== undefined) {
          addInto(counters[at], values);
          continue;
        }
        seriesAt[keys[i]] = counters.length;
      }
      labels.push(zoneLabel + labelPair('key', fieldLabel(keys[i])));
      counters.push(values);
      indicatorNames.push(names);
    }
  }

  const text = new PrometheusText();
  for (let f = 0; f < SIMPLE.length; f++) {
    const family = SIMPLE[f];
    const values: string[] = [];
    for (let i = 0; i < counters.length; i++) {
      const v = counters[i][family.position];
      values.push(family.seconds ? millisecondsTextAsSeconds(v) : v);
    }
    text.samples(family, labels, values);
  }
  text.lines(CLASSES, labels, 'class', tails(counters, CLASS_TAILS, FIELD.http2xx));
  text.lines(CODES, labels, 'code', tails(counters, CODE_TAILS, FIELD.firstDetail));
  text.lines(UPSTREAM_CLASSES, labels, 'class', tails(counters, ['4xx', '5xx'], FIELD.httpUps4xx));
  const indicatorTails: string[][] = [];
  for (let i = 0; i < counters.length; i++) {
    const row: string[] = [];
    for (let k = 0; k < indicatorNames[i].length; k++) row.push(indicatorNames[i][k] + counters[i][BUILTIN_COUNT + k]);
    indicatorTails.push(row);
  }
  text.lines(INDICATORS, labels, 'indicator', indicatorTails);

  const zoneLabels: string[] = [];
  const keyCounts: string[] = [];
  const sizes: string[] = [];
  const frees: string[] = [];
  const recycled: string[] = [];
  const droppedKeys: string[] = [];
  const droppedRequests: string[] = [];
  for (let z = 0; z < zones.length; z++) {
    zoneLabels.push(labelPair('zone', fieldLabel(zones[z].zone.name)));
    keyCounts.push(String(zones[z].keys.length));
    sizes.push(String(zones[z].capacityBytes));
    frees.push(String(zones[z].freeBytes));
    recycled.push(String(zones[z].meta.recycledKeys));
    droppedKeys.push(String(zones[z].meta.droppedKeys));
    droppedRequests.push(String(zones[z].meta.droppedRequests));
  }
  text.samples(ZONE_KEYS, zoneLabels, keyCounts);
  text.samples(ZONE_SIZE, zoneLabels, sizes);
  text.samples(ZONE_FREE, zoneLabels, frees);
  text.samples(ZONE_RECYCLED, zoneLabels, recycled);
  text.samples(ZONE_DROPPED_KEYS, zoneLabels, droppedKeys);
  text.samples(ZONE_DROPPED_REQUESTS, zoneLabels, droppedRequests);
  return text.text();
}

/** sum[c] += values[c], as exact decimals. */
function addInto(sum: string[], values: string[]): void {
  for (let c = 0; c < sum.length && c < values.length; c++) sum[c] = addDigits(sum[c], values[c]);
}

/** Per key, the tails `NAME"} VALUE` of `names.length` columns starting at `first`. */
function tails(counters: string[][], names: string[], first: number): string[][] {
  const ends: string[] = [];
  for (let n = 0; n < names.length; n++) ends.push(labelValueEnd(names[n]));
  const out: string[][] = [];
  for (let i = 0; i < counters.length; i++) {
    const row: string[] = [];
    for (let n = 0; n < ends.length; n++) row.push(ends[n] + counters[i][first + n]);
    out.push(row);
  }
  return out;
}
