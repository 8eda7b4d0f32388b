// One reqstat key as its zone stores it (docs/reqstat.md, "Storage"): the
// dict key is KEY_PREFIX + the key in its escaped wire form, and for a key
// cut to the zone's key length, ID_SEPARATOR + the identity of the whole
// key (the wire's second key field), so that two long keys sharing their
// first LEN bytes are two entries; the value is decimal text:
//
//   SEQ LAST_VISIT_MS EXCESS|C0,C1,...
//
// SEQ orders the display (newest first; a recycled key takes the slot of
// the key it replaces, as in Tengine), LAST_VISIT_MS and EXCESS are the
// recycling state (recycling.ts), C0.. the counters in the order of
// fields.ts, as exact decimals (exact-decimal.ts), as many as the zone's
// bookkeeping says (zone-store.ts ZoneMeta.counters). The counters are
// stored as a show line writes them, comma-separated after the one "|",
// so that the show reads SEQ with one parseInt and copies the counters
// behind the key as they are: per-key work in njs costs microseconds, and
// a show of 10,000 keys must take less than 50 ms.
import { addDecimal } from './exact-decimal';

/** Prefix of a key's dict entry; the zone's own bookkeeping starts with META_PREFIX. */
export const KEY_PREFIX = 'k';
export const META_PREFIX = 'm';
/** Between a cut key and its identity: 0x1f is escaped on the wire, so no key holds it. */
export const ID_SEPARATOR = '\x1f';

/** The dict key of a key and its identity ('' for a key that was not cut). */
export function storeKeyOf(key: string, id: string): string {
  return id === '' ? KEY_PREFIX + key : KEY_PREFIX + key + ID_SEPARATOR + id;
}

export interface KeyEntry {
  seq: number;
  lastVisitMs: number;
  excess: number;
  /** exact decimal text */
  counters: string[];
}

const COUNTERS_MARK = '|';

/** The entry in a value, or null when the value is not one. */
export function decodeKeyEntry(text: string): KeyEntry | null {
  const bar = text.indexOf(COUNTERS_MARK);
  if (bar < 0) return null;
  const head = text.substring(0, bar).split(' ');
  if (head.length !== 3) return null;
  const seq = Number(head[0]);
  const lastVisitMs = Number(head[1]);
  const excess = Number(head[2]);
  if (!(seq >= 0) || !(lastVisitMs >= 0) || !(excess >= 0)) return null;
  return { seq, lastVisitMs, excess, counters: text.substring(bar + 1).split(',') };
}

export function encodeKeyEntry(entry: KeyEntry): string {
  return entry.seq + ' ' + entry.lastVisitMs + ' ' + entry.excess + COUNTERS_MARK + entry.counters.join(',');
}

/** A value's SEQ (its display slot): one parseInt, no split. */
export function seqOf(text: string): number {
  return parseInt(text, 10);
}

/** A value's counters as a show line writes them (comma-separated). */
export function countersText(text: string): string {
  return text.substring(text.indexOf(COUNTERS_MARK) + 1);
}

/** Counters cut or padded with zeros to `count`. */
export function resized(counters: string[], count: number): string[] {
  const out = counters.slice(0, count);
  while (out.length < count) out.push('0');
  return out;
}

/** A new entry's counters: the deltas of its first flush. */
export function countersOf(deltas: number[], count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(i < deltas.length ? String(deltas[i]) : '0');
  return out;
}

/**
 * Adds a flush's deltas. A stored entry with fewer counters than the zone
 * now has (an indicator added by a reload that kept the zone) gains zeros;
 * one with more loses the surplus.
 */
export function addCounters(counters: string[], deltas: number[], count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = i < counters.length ? counters[i] : '0';
    out.push(i < deltas.length ? addDecimal(base, deltas[i]) : base);
  }
  return out;
}
