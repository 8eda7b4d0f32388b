// Reads what the shim counted, for every subsystem: the value of
// $ipng_stats_writer_deltas, drained once per flush by the tick
// (handlers/tick.ts), in the one wire format of docs/wire-format.md: one
// record a line, fields separated by 0x1f, every field escaped
// (wire-field.ts). The records:
//   w                              this worker holds the writer lease
//   b  bounds (ms, space separated) for the histograms that follow
//   r  subsystem zone nkeys key.. counters histogram..
//                                  one entry of a subsystem's table
//   m  subsystem zone nkeys ncounters key.. members
//                                  the entries of a grouped shape that
//                                  share all keys but the last, in one line
//   x  n                           observations the shim had to drop
// This reader checks the framing only; each subsystem's sink checks its
// own shapes (number of keys, counters, histograms) and counts a wrong
// one as not understood. Keys and zones stay escaped, as zone keys hold
// them. The text may hold several blocks (the handoff of other or exited
// workers, then this worker's own), so an entry can recur.

import { isEscapedField } from './wire-field';

/** One histogram of an "r" line: sum in ms, and counts per bucket (not cumulative), +Inf last. */
export interface WireHistogram {
  /**
   * The block's bound labels in ms, as the shim wrote them; one array per
   * "b" line, so the entries of one block share it (a reader may compare
   * it by identity).
   */
  bounds: string[];
  sumMs: number;
  counts: number[];
}

/** One "r" line. */
export interface WireEntry {
  /** the shape's name, e.g. "ipng", "ipng_time", "reqstat" */
  subsystem: string;
  /** escaped, as on the wire ("" for ipng) */
  zone: string;
  /** escaped fields, as on the wire (decode with wire-field.ts) */
  keys: string[];
  /** per-flush deltas (always < 2^53) */
  counters: number[];
  /** one per histogram field; null when the shim wrote it empty (it saw nothing); read-only (shared when empty) */
  histograms: (WireHistogram | null)[];
}

/**
 * One "m" line: the entries of a grouped shape (no histograms) that share
 * every key but the last. Its members are left as the text the shim wrote,
 * for the shape's sink to read in one pass: "LAST C0 C1 .. LAST C0 C1 ..",
 * space separated, each member's last key escaped (a space too) and
 * followed by the shape's counters, the members in the order of their last
 * keys.
 */
export interface WireGroup {
  subsystem: string;
  /** escaped, as on the wire */
  zone: string;
  /** the shape's number of keys (the members carry the last) */
  nkeys: number;
  /** the shape's number of counters: each member is its last key and these */
  ncounters: number;
  /** the nkeys - 1 keys the members share, escaped */
  keys: string[];
  /** the members' text, unread */
  members: string;
}

export interface WireBatch {
  /** the text began with the writer line */
  writer: boolean;
  /** every "r" line, in order */
  entries: WireEntry[];
  /** every "m" line, in order */
  groups: WireGroup[];
  /** observations lost before they reached njs (shim table or handoff full) */
  dropped: number;
  /** lines that do not follow docs/wire-format.md (a shim/bundle version mismatch) */
  notUnderstood: number;
  /**
   * Lines of other record types, split into fields (still escaped), for
   * extensions of the format; this reader does not judge them.
   */
  other: string[][];
}

const FIELD_SEPARATOR = '\x1f';
const DECIMAL = /^\d+$/;
const SUBSYSTEM = /^[a-z][a-z0-9_]*$/;
/** Printable ASCII but the backslash, and the field separator. */
const PLAIN_LINE = /^[\x1f\x20-\x5b\x5d-\x7e]*$/;
/** The same, and the line end: a whole text of plain lines. */
const PLAIN_TEXT = /^[\x0a\x1f\x20-\x5b\x5d-\x7e]*$/;
/** No histogram fields (shared: the batch is read, never changed). */
const NO_HISTOGRAMS: (WireHistogram | null)[] = [];

// Per flush the same few subsystem names and key counts recur on
// thousands of lines; a regular expression test costs more in njs than
// the rest of a line's checks, so each distinct text is tested once.
let subsystemChecked: Record<string, boolean> = Object.create(null);
let nkeysRead: Record<string, number> = Object.create(null);

function isSubsystem(name: string): boolean {
  const known = subsystemChecked[name];
  if (known !== undefined) return known;
  const ok = SUBSYSTEM.test(name);
  subsystemChecked[name] = ok;
  return ok;
}

/** NKEYS as a number, or -1. */
function keyCount(text: string): number {
  const known = nkeysRead[text];
  if (known !== undefined) return known;
  const n = DECIMAL.test(text) ? Number(text) : -1;
  nkeysRead[text] = n;
  return n;
}

function parseBounds(text: string): string[] | null {
  const parts = text.split(' ');
  for (let i = 0; i < parts.length; i++) {
    if (!DECIMAL.test(parts[i])) return null;
  }
  return parts;
}

/**
 * A count or a sum on the wire (decimal digits), or -1. No per-character
 * check: this runs for every number of every entry.
 */
function wireNumber(text: string): number {
  // unary plus is Number() without a call, which costs more in njs than the conversion
  const n = +text;
  return text === '' || !(n >= 0) ? -1 : n;
}

/**
 * The COUNTERS field, or null when it is not decimal numbers separated by
 * single spaces. The numbers take the place of their texts in split()'s
 * array: a flush reads ~12,000 entries, and every array njs makes costs
 * memory until the tick ends.
 */
function readCounters(field: string): number[] | null {
  const parts = field.split(' ') as Array<string | number>;
  for (let i = 0; i < parts.length; i++) {
    // wireNumber, inline: a call costs more in njs than the check
    const text = parts[i] as string;
    const n = +text;
    if (text === '' || !(n >= 0)) return null;
    parts[i] = n;
  }
  return parts as number[];
}

/** A histogram field, "" or "SUM N0 .. NK" in the block's bounds; undefined when malformed. */
function readHistogram(field: string, bounds: string[] | null): WireHistogram | null | undefined {
  if (field === '') return null;
  if (bounds === null) return undefined;
  const parts = field.split(' ');
  if (parts.length !== bounds.length + 2) return undefined;
  const sumMs = wireNumber(parts[0]);
  if (sumMs < 0) return undefined;
  const counts: number[] = [];
  for (let i = 1; i < parts.length; i++) {
    const n = wireNumber(parts[i]);
    if (n < 0) return undefined;
    counts.push(n);
  }
  return { bounds, sumMs, counts };
}

/**
 * An "r" line's fields, or null when its framing is wrong. plain: the
 * whole line is printable ASCII without a backslash, so every field is in
 * the escaped form already (one test of the line instead of one loop over
 * every field's characters, which costs more in njs).
 */
function readEntry(f: string[], plain: boolean, bounds: string[] | null): WireEntry | null {
  if (f.length < 5 || !(subsystemChecked[f[1]] === true || isSubsystem(f[1])) || !(plain || isEscapedField(f[2]))) {
    return null;
  }
  const known = nkeysRead[f[3]];
  const nkeys = known !== undefined ? known : keyCount(f[3]);
  const countersAt = 4 + nkeys;
  if (nkeys < 0 || f.length <= countersAt) return null;
  if (!plain) {
    for (let i = 4; i < countersAt; i++) {
      if (!isEscapedField(f[i])) return null;
    }
  }
  const counters = readCounters(f[countersAt]);
  if (counters === null) return null;
  let histograms = NO_HISTOGRAMS;
  if (f.length > countersAt + 1) {
    histograms = [];
    for (let i = countersAt + 1; i < f.length; i++) {
      const h = readHistogram(f[i], bounds);
      if (h === undefined) return null;
      histograms.push(h);
    }
  }
  const subsystem = f[1];
  const zone = f[2];
  // The line's own array becomes the keys (one array less per entry, as above).
  for (let i = 0; i < nkeys; i++) f[i] = f[4 + i];
  f.length = nkeys;
  return { subsystem, zone, keys: f, counters, histograms };
}

/** An "m" line's fields, or null when its framing is wrong (as readEntry). */
function readGroup(f: string[], plain: boolean): WireGroup | null {
  if (f.length < 6 || !(subsystemChecked[f[1]] === true || isSubsystem(f[1]))) return null;
  const nkeys = keyCount(f[3]);
  const ncounters = keyCount(f[4]);
  if (nkeys < 1 || ncounters < 1 || f.length !== 5 + nkeys) return null;
  if (!plain) {
    for (let i = 5; i < f.length; i++) {
      if (!isEscapedField(f[i])) return null;
    }
    if (!isEscapedField(f[2])) return null;
  }
  return { subsystem: f[1], zone: f[2], nkeys, ncounters, keys: f.slice(5, 4 + nkeys), members: f[4 + nkeys] };
}

export function readWire(text: string): WireBatch {
  const batch: WireBatch = { writer: false, entries: [], groups: [], dropped: 0, notUnderstood: 0, other: [] };
  if (!text) return batch;
  subsystemChecked = Object.create(null);
  nkeysRead = Object.create(null);
  // Usually no field holds a byte to escape: then one test of the whole
  // text stands for a test of every line.
  const allPlain = PLAIN_TEXT.test(text);
  const lines = text.split('\n');
  let bounds: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    if (line === 'w') {
      if (i === 0) batch.writer = true;
      else batch.notUnderstood++;
      continue;
    }
    const f = line.split(FIELD_SEPARATOR);
    switch (f[0]) {
      case 'b':
        bounds = f.length === 2 ? parseBounds(f[1]) : null;
        if (bounds === null) batch.notUnderstood++;
        break;
      case 'r': {
        const entry = readEntry(f, allPlain || PLAIN_LINE.test(line), bounds);
        if (entry === null) batch.notUnderstood++;
        else batch.entries.push(entry);
        break;
      }
      case 'm': {
        const group = readGroup(f, allPlain || PLAIN_LINE.test(line));
        if (group === null) batch.notUnderstood++;
        else batch.groups.push(group);
        break;
      }
      case 'x':
        if (f.length === 2 && DECIMAL.test(f[1])) batch.dropped += Number(f[1]);
        else batch.notUnderstood++;
        break;
      default:
        // A record type of one letter is an extension's; anything else is not this format.
        if (f[0].length === 1 && f[0] >= 'a' && f[0] <= 'z') batch.other.push(f);
        else batch.notUnderstood++;
    }
  }
  return batch;
}
