// Reads what the shim counted, for every subsystem: the value of
// $ipng_stats_writer_deltas, drained once per flush by the tick
// (handlers/tick.ts), in the one wire format of docs/wire-format.md: one
// record a line, fields separated by 0x1f, every field escaped
// (wire-field.ts). The records:
//   w                              this worker holds the writer lease
//   b  bounds (ms, space separated) for the histograms that follow
//   r  subsystem zone nkeys key.. counters histogram..
//                                  one entry of a subsystem's table
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
  /** one per histogram field; null when the shim wrote it empty (it saw nothing) */
  histograms: (WireHistogram | null)[];
}

export interface WireBatch {
  /** the text began with the writer line */
  writer: boolean;
  /** every "r" line, in order */
  entries: WireEntry[];
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

function parseBounds(text: string): string[] | null {
  const parts = text.split(' ');
  for (let i = 0; i < parts.length; i++) {
    if (!DECIMAL.test(parts[i])) return null;
  }
  return parts;
}

/**
 * A count or a sum on the wire (decimal digits), or -1. Number() and no
 * per-character check: this runs for every number of every entry.
 */
function wireNumber(text: string): number {
  const n = Number(text);
  return text === '' || !(n >= 0) ? -1 : n;
}

/** The COUNTERS field, or null when it is not decimal numbers separated by single spaces. */
function readCounters(field: string): number[] | null {
  const parts = field.split(' ');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const n = wireNumber(parts[i]);
    if (n < 0) return null;
    out.push(n);
  }
  return out;
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

/** An "r" line's fields, or null when its framing is wrong. */
function readEntry(f: string[], bounds: string[] | null): WireEntry | null {
  if (f.length < 5 || !SUBSYSTEM.test(f[1]) || !isEscapedField(f[2]) || !DECIMAL.test(f[3])) return null;
  const nkeys = Number(f[3]);
  const countersAt = 4 + nkeys;
  if (f.length <= countersAt) return null;
  const keys: string[] = [];
  for (let i = 4; i < countersAt; i++) {
    if (!isEscapedField(f[i])) return null;
    keys.push(f[i]);
  }
  const counters = readCounters(f[countersAt]);
  if (counters === null) return null;
  const histograms: (WireHistogram | null)[] = [];
  for (let i = countersAt + 1; i < f.length; i++) {
    const h = readHistogram(f[i], bounds);
    if (h === undefined) return null;
    histograms.push(h);
  }
  return { subsystem: f[1], zone: f[2], keys, counters, histograms };
}

export function readWire(text: string): WireBatch {
  const batch: WireBatch = { writer: false, entries: [], dropped: 0, notUnderstood: 0, other: [] };
  if (!text) return batch;
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
        const entry = readEntry(f, bounds);
        if (entry === null) batch.notUnderstood++;
        else batch.entries.push(entry);
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
