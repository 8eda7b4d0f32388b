// Tengine's show lines, readable by tsar: per key `kv,FIELD,FIELD,...\n`,
// the fields picked by req_status_show_field (all by default: the 29
// built-ins, then the zone's indicators), plain unsigned integers; the
// zones one after another with no separator, each newest key first.
// Differences from Tengine (docs/reqstat.md): no 512-byte cut of a line,
// and keys whose conn_total is 0 are shown too.
import type { ShownZone } from './display-model';
import { keyText } from './display-model';
import type { Columns } from './zone-config';

export const TENGINE_CONTENT_TYPE = 'text/plain';

/** One zone's lines; `columns` from parseShowFields / allColumns. */
export function renderTengineZone(shown: ShownZone, columns: Columns, allFields: boolean): string {
  const out: string[] = [];
  const keys = shown.keys;
  const all = shown.counters;
  const positions = columns.positions;
  for (let i = 0; i < keys.length; i++) {
    if (allFields) {
      out.push(keyText(keys[i]) + ',' + all[i]);
      continue;
    }
    const counters = all[i].split(',');
    let line = keyText(keys[i]);
    for (let c = 0; c < positions.length; c++) line += ',' + (positions[c] < 0 ? '0' : counters[positions[c]]);
    out.push(line);
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
