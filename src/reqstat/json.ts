// The show's JSON (Accept: application/json), schema
// schema/ipng-reqstat-v1.schema.json:
//
//   {"version":1,"zones":[{"name","key_length","recycle":{"times","seconds"},
//     "size_bytes","free_bytes","keys_recycled","keys_dropped","requests_dropped",
//     "fields":[...names...],"keys":[{"kv":KEY,"values":[n,...]}, ...]}]}
//
// A key cut to the key length has "key_id" too: the identity of the whole
// key (16 hex digits), so that two long keys sharing their cut text, two
// entries with the same "kv", can be told apart.
// values[i] is fields[i]: every built-in field, then the zone's indicators
// (req_status_show_field picks the text lines' columns only). Numbers are
// written as the exact decimals the zone holds, so totals above 2^53 keep
// every digit in the text (a reader parsing them into doubles may not).
// Keys are in the text lines' order, newest first.
import { fieldLabel } from '../pipeline/wire-field';
import type { ShownZone } from './display-model';
import { allColumns } from './zone-config';

export const REQSTAT_JSON_CONTENT_TYPE = 'application/json';
export const REQSTAT_JSON_VERSION = 1;

export function renderReqstatJson(zones: ShownZone[]): string {
  const out: string[] = ['{"version":' + REQSTAT_JSON_VERSION + ',"zones":['];
  for (let z = 0; z < zones.length; z++) {
    const shown = zones[z];
    const zone = shown.zone;
    const names = allColumns(zone).names;
    const labels: string[] = [];
    for (let i = 0; i < names.length; i++) labels.push(JSON.stringify(fieldLabel(names[i])));
    out.push(
      (z === 0 ? '' : ',') + '{"name":' + JSON.stringify(fieldLabel(zone.name)) +
        ',"key_length":' + zone.keyLength +
        ',"recycle":{"times":' + zone.recycleTimes + ',"seconds":' + zone.recycleSeconds + '}' +
        ',"size_bytes":' + shown.capacityBytes +
        ',"free_bytes":' + shown.freeBytes +
        ',"keys_recycled":' + shown.meta.recycledKeys +
        ',"keys_dropped":' + shown.meta.droppedKeys +
        ',"requests_dropped":' + shown.meta.droppedRequests +
        ',"fields":[' + labels.join(',') + '],"keys":[',
    );
    const keys = shown.keys;
    const lines: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const id = shown.ids[i] === '' ? '' : ',"key_id":"' + shown.ids[i] + '"';
      lines.push('{"kv":' + jsonKey(keys[i]) + id + ',"values":[' + shown.counters[i] + ']}');
    }
    out.push(lines.join(','), ']}');
  }
  out.push(']}');
  return out.join('');
}

/**
 * A key as a JSON string. An escaped field without a backslash or a quote
 * is printable ASCII that JSON takes as it is: most keys, quoted without
 * a JSON.stringify call each.
 */
function jsonKey(key: string): string {
  if (key.indexOf('\\') < 0 && key.indexOf('"') < 0) return '"' + key + '"';
  return JSON.stringify(fieldLabel(key));
}
