// One reqstat key as its zone stores it (docs/reqstat.md, "Storage"): the
// dict key is KEY_PREFIX + the key in its escaped wire form; the value is
// decimal text:
//
//   SEQ LAST_VISIT_MS EXCESS N C0,C1,...,CN-1
//
// SEQ orders the display (newest first; a recycled key takes the slot of
// the key it replaces, as in Tengine), LAST_VISIT_MS and EXCESS are the
// recycling state (recycling.ts), N the number of counters and C0.. the
// counters in the order of fields.ts, as exact decimals
// (exact-decimal.ts). The counters are stored as a show line writes them,
// comma-separated at the end of the value, so that the show copies them
// behind the key as they are: per-key work in njs costs microseconds, and
// a show of 10,000 keys must take less than 50 ms.
import { addDecimal } from './exact-decimal';

/** Prefix of a key's dict entry; the zone's own bookkeeping starts with META_PREFIX. */
export const KEY_PREFIX = 'k';
export const META_PREFIX = 'm';

export interface KeyEntry {
  seq: number;
  lastVisitMs: number;
  excess: number;
  /** exact decimal text */
  counters: string[];
}

/** The entry in a value, or null when the value is not one. */
export function decodeKeyEntry(text: string): KeyEntry | null {
  const parts = text.split(' ');
  if (parts.length !== 5) return null;
  const seq = Number(parts[0]);
  const lastVisitMs = Number(parts[1]);
  const excess = Number(parts[2]);
  if (!(seq >= 0) || !(lastVisitMs >= 0) || !(excess >= 0)) return null;
  return { seq, lastVisitMs, excess, counters: parts[4].split(',') };
}

export function encodeKeyEntry(entry: KeyEntry): string {
  return entry.seq + ' ' + entry.lastVisitMs + ' ' + entry.excess + ' ' + entry.counters.length + ' ' + entry.counters.join(',');
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

/**
 * A value's counters as a show line writes them (comma-separated), when
 * it holds `count` of them; else null (a key stored before a reload
 * changed the zone's indicators: decode it instead).
 */
export function countersText(text: string, count: number): string | null {
  const a = text.indexOf(' ');
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
  const c = b < 0 ? -1 : text.indexOf(' ', b + 1);
  const d = c < 0 ? -1 : text.indexOf(' ', c + 1);
  if (d < 0 || Number(text.substring(c + 1, d)) !== count) return null;
  return text.substring(d + 1);
}

/** The display order of a stored value (its SEQ), without splitting it. */
export function seqOf(text: string): number {
  const space = text.indexOf(' ');
  return space < 0 ? -1 : Number(text.substring(0, space));
}
