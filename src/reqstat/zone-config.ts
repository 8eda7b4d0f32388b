// The reqstat configuration as the shim hands it to njs (docs/shim.md),
// read from text so that it is pure and unit-tested:
//
//   $ipng_reqstat_zones       one line per req_status_zone, declaration order:
//                             NAME␟KEY_LENGTH␟RECYCLE_TIMES␟RECYCLE_SECONDS␟SIZE_BYTES␟IND1␟IND2…\n
//   $ipng_reqstat_show        the zones a req_status_show location shows, ␟-separated
//   $ipng_reqstat_show_fields req_status_show_field's fields (names or $indicator), ␟-separated; '' = all
//
// Every field is escaped as on the wire (docs/wire-format.md); names are
// kept escaped, as the dict names and wire zones use them, and decoded
// only to be shown.
import { BUILTIN_COUNT, BUILTIN_FIELDS } from './fields';

const SEPARATOR = '\x1f';

export interface ReqstatZone {
  /** escaped, as in the wire's ZONE field */
  name: string;
  keyLength: number;
  recycleTimes: number;
  recycleSeconds: number;
  sizeBytes: number;
  /** indicator variable names, without `$`, escaped */
  indicators: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DECIMAL = /^[0-9]+$/;

function positive(text: string, what: string, zone: string, allowZero: boolean): Parsed<number> {
  const n = Number(text);
  if (!DECIMAL.test(text) || !(n <= 9007199254740991) || (!allowZero && n === 0)) {
    return { ok: false, reason: 'zone "' + zone + '": bad ' + what + ' "' + text + '"' };
  }
  return { ok: true, value: n };
}

/** $ipng_reqstat_zones; undefined or '' (no reqstat zones) gives none. */
export function parseZones(text: string | undefined): Parsed<ReqstatZone[]> {
  const zones: ReqstatZone[] = [];
  if (text === undefined || text === '') return { ok: true, value: zones };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const f = lines[i].split(SEPARATOR);
    if (f.length < 5 || f[0] === '') return { ok: false, reason: 'line ' + (i + 1) + ' of $ipng_reqstat_zones has ' + f.length + ' fields, not at least 5' };
    const name = f[0];
    const keyLength = positive(f[1], 'key length', name, false);
    if (!keyLength.ok) return keyLength;
    const times = positive(f[2], 'recycle times', name, true);
    if (!times.ok) return times;
    const seconds = positive(f[3], 'recycle seconds', name, false);
    if (!seconds.ok) return seconds;
    const size = positive(f[4], 'size', name, false);
    if (!size.ok) return size;
    zones.push({
      name,
      keyLength: keyLength.value,
      recycleTimes: times.value,
      recycleSeconds: seconds.value,
      sizeBytes: size.value,
      indicators: f.slice(5),
    });
  }
  return { ok: true, value: zones };
}

/** $ipng_reqstat_show: the zones to show, in order. */
export function parseShowZones(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  return text.split(SEPARATOR);
}

/**
 * A zone's columns as req_status_show_field picks them: positions among
 * its counters (built-ins first, then indicators), and their names.
 * `kv` is always first and not listed. An indicator not in this zone
 * (show_field names the indicators of all zones together, as Tengine's
 * does) shows 0.
 */
export interface Columns {
  names: string[];
  /** position in the zone's counters, or -1: always 0 */
  positions: number[];
}

/** Every field of a zone: the built-ins, then its indicators. */
export function allColumns(zone: ReqstatZone): Columns {
  const names = BUILTIN_FIELDS.slice();
  const positions: number[] = [];
  for (let i = 0; i < BUILTIN_COUNT; i++) positions.push(i);
  for (let i = 0; i < zone.indicators.length; i++) {
    names.push(zone.indicators[i]);
    positions.push(BUILTIN_COUNT + i);
  }
  return { names, positions };
}

/** $ipng_reqstat_show_fields for one zone; '' gives every field. */
export function parseShowFields(text: string | undefined, zone: ReqstatZone): Parsed<Columns> {
  if (text === undefined || text === '') return { ok: true, value: allColumns(zone) };
  const fields = text.split(SEPARATOR);
  const names: string[] = [];
  const positions: number[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (field.charAt(0) === '$') {
      const indicator = field.substring(1);
      const at = zone.indicators.indexOf(indicator);
      names.push(indicator);
      positions.push(at < 0 ? -1 : BUILTIN_COUNT + at);
      continue;
    }
    const at = BUILTIN_FIELDS.indexOf(field);
    if (at < 0) return { ok: false, reason: 'unknown req_status_show_field "' + field + '"' };
    names.push(field);
    positions.push(at);
  }
  return { ok: true, value: { names, positions } };
}

/** The zone of this name (escaped, as on the wire), or null. */
export function findZone(zones: ReqstatZone[], name: string): ReqstatZone | null {
  for (let i = 0; i < zones.length; i++) if (zones[i].name === name) return zones[i];
  return null;
}

/** The number of counters a zone's keys hold: the built-ins and its indicators. */
export function counterCount(zone: ReqstatZone): number {
  return BUILTIN_COUNT + zone.indicators.length;
}

/** The njs dict of a reqstat zone (pipeline contract, section 3). */
export function dictName(zoneName: string): string {
  return 'reqstat_' + zoneName;
}

// Tengine's node: an rbtree node's head (32 bytes), then its counters,
// queues and recycling state (456 bytes), then KEY_LENGTH bytes of key,
// in a slab slot of the next power of two ("an item is 640B" at 152:
// a 1024-byte slot, four to a page).
const TENGINE_NODE_BYTES = 488;
const PAGE = 4096;
/** nginx's slab pool head, slot and statistics tables (64-bit) */
const SLAB_HEAD_BYTES = 704;
/** a page and its ngx_slab_page_t */
const PAGE_WITH_HEAD = PAGE + 24;
/** what a zone holds besides its keys: its own bookkeeping (Tengine: shctx and log_ctx) */
const BOOKKEEPING_PAGES = 2;

/**
 * How many keys a zone of this size holds: as many as Tengine's zone of
 * the same size and key length (a 1 MB zone at 152: 1,008), so that
 * recycling starts where it starts in Tengine. The store also stops
 * creating keys when the dict's free pages run low (zone-store.ts), which
 * only very long escaped keys or very large counters reach first.
 */
export function keyCapacity(sizeBytes: number, keyLength: number): number {
  const pages = Math.floor((sizeBytes - SLAB_HEAD_BYTES) / PAGE_WITH_HEAD) - BOOKKEEPING_PAGES;
  let slot = 8;
  while (slot < TENGINE_NODE_BYTES + keyLength) slot *= 2;
  const keys = slot <= PAGE ? pages * (PAGE / slot) : Math.floor(pages / (slot / PAGE));
  return keys > 0 ? keys : 0;
}
