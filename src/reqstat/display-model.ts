// What a show request renders: the shown zones, each with its keys read
// from its dict in one items() call, newest key first (Tengine's order:
// its show walks a queue that takes each new node at the head; a
// recycled key keeps the place of the key it replaced).
import { fieldLabel } from '../pipeline/wire-field';
import { countersText, decodeKeyEntry, ID_SEPARATOR, KEY_PREFIX, resized, seqOf } from './key-entry';
import type { ReqstatZone } from './zone-config';
import { counterCount } from './zone-config';
import type { ZoneMeta, ZoneSnapshot } from './zone-store';

export interface ShownZone {
  zone: ReqstatZone;
  /** the keys as the wire and the dict hold them (escaped, cut), newest first */
  keys: string[];
  /** keys[i]'s whole key's identity when it was cut, else '' (two cut keys may share keys[i]) */
  ids: string[];
  /** keys[i]'s counters: exact decimals separated by commas, as many as the zone has */
  counters: string[];
  meta: ZoneMeta;
  capacityBytes: number;
  freeBytes: number;
}

/**
 * The snapshot's keys newest first: SEQ values are the display slots
 * 0..nextSeq-1 (a recycled key reuses one), so they are placed by slot
 * rather than sorted, which in njs costs a comparator call per step.
 * Parallel arrays of strings, no object per key: a show of 10,000 keys
 * has a budget of 5 us a key.
 */
export function shownZone(zone: ReqstatZone, snapshot: ZoneSnapshot): ShownZone {
  const count = counterCount(zone);
  const items = snapshot.items;
  const nextSeq = snapshot.meta.nextSeq;
  // Every key has the zone's counters unless a reload changed its
  // indicators since the last flush: then each key is checked.
  const exact = snapshot.meta.counters === count;
  // Filled in order first: njs keeps a dense array fast, a sparse one not.
  const bySeq: number[] = [];
  for (let s = 0; s < nextSeq; s++) bySeq.push(-1);
  const late: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const seq = seqOf(items[i][1]);
    if (seq >= 0 && seq < nextSeq && bySeq[seq] === -1) bySeq[seq] = i;
    // A slot the bookkeeping does not know, or a second key in one (a zone
    // written by another release): shown after the others.
    else late.push(i);
  }
  const shown: ShownZone = { zone, keys: [], ids: [], counters: [], meta: snapshot.meta, capacityBytes: snapshot.capacityBytes, freeBytes: snapshot.freeBytes };
  for (let s = nextSeq - 1; s >= 0; s--) {
    const i = bySeq[s];
    if (i >= 0) pushKey(shown, items[i], count, exact);
  }
  for (let j = 0; j < late.length; j++) pushKey(shown, items[late[j]], count, exact);
  return shown;
}

function pushKey(shown: ShownZone, item: [string, string], count: number, exact: boolean): void {
  let counters: string;
  if (exact) {
    counters = countersText(item[1]);
  } else {
    const entry = decodeKeyEntry(item[1]);
    if (entry === null) return;
    counters = resized(entry.counters, count).join(',');
  }
  const storeKey = item[0];
  const separator = storeKey.indexOf(ID_SEPARATOR);
  if (separator < 0) {
    shown.keys.push(storeKey.substring(KEY_PREFIX.length));
    shown.ids.push('');
  } else {
    shown.keys.push(storeKey.substring(KEY_PREFIX.length, separator));
    shown.ids.push(storeKey.substring(separator + 1));
  }
  shown.counters.push(counters);
}

/**
 * A key as text for a line-oriented reader: its bytes as UTF-8, a byte
 * that is not UTF-8 and every control character as "\xHH"
 * (docs/wire-format.md), so that a key never breaks a line.
 */
export function keyText(key: string): string {
  // An escaped field without a backslash is printable ASCII as it is.
  if (key.indexOf('\\') < 0) return key;
  const label = fieldLabel(key);
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(label)) return label;
  // eslint-disable-next-line no-control-regex
  return label.replace(/[\x00-\x1f\x7f]/g, (c) => '\\x' + (c.charCodeAt(0) < 16 ? '0' : '') + c.charCodeAt(0).toString(16));
}
