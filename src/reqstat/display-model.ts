// What a show request renders: the shown zones, each with its keys read
// from its dict in one items() call, newest key first (Tengine's order:
// its show walks a queue that takes each new node at the head; a
// recycled key keeps the place of the key it replaced).
import { fieldLabel } from '../pipeline/wire-field';
import { countersStart, KEY_PREFIX, seqOf } from './key-entry';
import type { ReqstatZone } from './zone-config';
import { counterCount } from './zone-config';
import type { ZoneMeta, ZoneSnapshot } from './zone-store';

export interface ShownKey {
  /** the key as the wire and the dict hold it (escaped) */
  key: string;
  /** the key's counters, exact decimal text, as many as the zone has */
  counters: string[];
}

export interface ShownZone {
  zone: ReqstatZone;
  keys: ShownKey[];
  meta: ZoneMeta;
  capacityBytes: number;
  freeBytes: number;
}

/**
 * The snapshot's keys newest first: SEQ values are the display slots
 * 0..nextSeq-1 (a recycled key reuses one), so they are placed by slot
 * rather than sorted, which in njs costs a comparator call per step.
 */
export function shownZone(zone: ReqstatZone, snapshot: ZoneSnapshot): ShownZone {
  const count = counterCount(zone);
  const slots: Array<Array<[string, string]> | undefined> = [];
  const late: Array<[string, string]> = [];
  const items = snapshot.items;
  for (let i = 0; i < items.length; i++) {
    const seq = seqOf(items[i][1]);
    if (seq >= 0 && seq < snapshot.meta.nextSeq && seq === Math.floor(seq)) {
      const slot = slots[seq];
      if (slot === undefined) slots[seq] = [items[i]];
      else slot.push(items[i]);
    } else {
      // A slot the bookkeeping does not know (a zone written by another
      // release): shown after the others.
      late.push(items[i]);
    }
  }
  const keys: ShownKey[] = [];
  for (let s = slots.length - 1; s >= 0; s--) {
    const slot = slots[s];
    if (slot === undefined) continue;
    for (let j = 0; j < slot.length; j++) pushKey(keys, slot[j], count);
  }
  for (let j = 0; j < late.length; j++) pushKey(keys, late[j], count);
  return { zone, keys, meta: snapshot.meta, capacityBytes: snapshot.capacityBytes, freeBytes: snapshot.freeBytes };
}

function pushKey(keys: ShownKey[], item: [string, string], count: number): void {
  const start = countersStart(item[1]);
  if (start < 0) return;
  const counters = item[1].substring(start).split(' ');
  while (counters.length < count) counters.push('0');
  if (counters.length > count) counters.length = count;
  keys.push({ key: item[0].substring(KEY_PREFIX.length), counters });
}

/**
 * A key as text for a line-oriented reader: its bytes as UTF-8, a byte
 * that is not UTF-8 and every control character as "\xHH"
 * (docs/wire-format.md), so that a key never breaks a line.
 */
export function keyText(key: string): string {
  const label = fieldLabel(key);
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(label)) return label;
  // eslint-disable-next-line no-control-regex
  return label.replace(/[\x00-\x1f\x7f]/g, (c) => '\\x' + (c.charCodeAt(0) < 16 ? '0' : '') + c.charCodeAt(0).toString(16));
}
