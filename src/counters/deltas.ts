// Reads what the shim counted ($ipng_stats_writer_deltas, drained by the
// tick). With the shim loaded, requests are aggregated per worker in C, so
// no njs code runs per request; this is the njs half of that flush. The
// wire format is docs/wire-format.md: one record a line, fields separated
// by 0x1f, every field escaped (wire-field.ts); key fields stay escaped
// here, as the zone keys hold them. The records:
//   w                              this worker holds the writer lease
//   b  bounds (ms, space separated) for the histograms that follow
//   r  subsystem zone nkeys key.. counters histogram..
//                                  one entry of a subsystem's table
//   x  n                           observations the shim had to drop
// The ipng subsystem's entries are keyed by (tag, vip, status) and hold
// the counters "requests bytes_in bytes_out" and the histograms duration
// and upstream ("sum_ms n0 .. nK", empty when it saw nothing). The text
// may hold several blocks (the handoff of other or exited workers, then
// this worker's own), so one pair or code can recur.
import { KEY_SEPARATOR } from './keys';
import { vipLabel } from './vip';
import { isEscapedField } from './wire-field';

/** One block's histogram for one pair; counts per bucket, +Inf last. */
export interface HistogramDelta {
  /** bound labels in ms, as the shim wrote them */
  bounds: string[];
  counts: number[];
  sumMs: number;
}

export interface CodeDelta {
  code: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface PairDelta {
  /** escaped (docs/wire-format.md) */
  sourceTag: string;
  /** canonical, escaped */
  vip: string;
  codes: CodeDelta[];
  duration: HistogramDelta[];
  upstream: HistogramDelta[];
}

export interface ParsedDeltas {
  /** the text began with the writer line */
  writer: boolean;
  /** in order of first appearance */
  pairs: PairDelta[];
  /** observations lost before they reached the zone (shim table or handoff full) */
  dropped: number;
  /** lines that do not follow the format (a shim/bundle version mismatch) */
  malformed: number;
}

function parseBounds(text: string): string[] | null {
  const parts = text.split(' ');
  for (let i = 0; i < parts.length; i++) {
    if (!/^\d+$/.test(parts[i])) return null;
  }
  return parts;
}

const DECIMAL = /^\d+$/;

/** "N N N": a vector of decimal numbers, or null. */
function parseNumbers(field: string): number[] | null {
  const parts = field.split(' ');
  const numbers: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (!DECIMAL.test(parts[i])) return null;
    numbers.push(Number(parts[i]));
  }
  return numbers;
}

/** "" (saw nothing) or "SUM N0 .. NK"; undefined when malformed. */
function parseHistogram(field: string, bounds: string[]): HistogramDelta | null | undefined {
  if (field === '') return null;
  const numbers = parseNumbers(field);
  if (numbers === null || numbers.length !== bounds.length + 2) return undefined;
  return { bounds, counts: numbers.slice(1), sumMs: numbers[0] };
}

/** One "r" line: an entry of some subsystem's table. */
export interface WireRecord {
  subsystem: string;
  /** escaped */
  zone: string;
  /** escaped */
  keys: string[];
  counters: number[];
  /** null: the histogram saw nothing */
  histograms: (HistogramDelta | null)[];
}

function parseRecord(f: string[], bounds: string[] | null): WireRecord | null {
  if (f.length < 5 || !DECIMAL.test(f[3]) || !isEscapedField(f[2])) return null;
  const nkeys = Number(f[3]);
  if (f.length < 5 + nkeys) return null;
  const keys = f.slice(4, 4 + nkeys);
  for (let i = 0; i < keys.length; i++) if (!isEscapedField(keys[i])) return null;
  const counters = parseNumbers(f[4 + nkeys]);
  if (counters === null) return null;
  const histograms: (HistogramDelta | null)[] = [];
  for (let i = 5 + nkeys; i < f.length; i++) {
    if (bounds === null) return null;
    const h = parseHistogram(f[i], bounds);
    if (h === undefined) return null;
    histograms.push(h);
  }
  return { subsystem: f[1], zone: f[2], keys, counters, histograms };
}

/** The ipng subsystem's entry shape: (tag, vip, status), 3 counters, 2 histograms. */
const IPNG = { name: 'ipng', keys: 3, counters: 3, histograms: 2 };

function isIpngRecord(r: WireRecord): boolean {
  return (
    r.subsystem === IPNG.name &&
    r.zone === '' &&
    r.keys.length === IPNG.keys &&
    r.counters.length === IPNG.counters &&
    r.histograms.length === IPNG.histograms
  );
}

/**
 * Adds h to the pair's last histogram when that one has the same bounds
 * (the same block's "b" line), else appends it: a pair's statuses are
 * separate entries on the wire, one histogram per pair and block here.
 */
function addHistogram(list: HistogramDelta[], h: HistogramDelta): void {
  const last = list.length > 0 ? list[list.length - 1] : null;
  if (last === null || last.bounds !== h.bounds) {
    list.push(h);
    return;
  }
  for (let i = 0; i < h.counts.length; i++) last.counts[i] += h.counts[i];
  last.sumMs += h.sumMs;
}

export function parseDeltas(text: string): ParsedDeltas {
  const parsed: ParsedDeltas = { writer: false, pairs: [], dropped: 0, malformed: 0 };
  if (!text) return parsed;
  const byPair: Record<string, PairDelta> = Object.create(null);
  function pair(tag: string, serverAddr: string): PairDelta {
    const vip = vipLabel(serverAddr);
    const id = tag + KEY_SEPARATOR + vip;
    let p = byPair[id];
    if (p === undefined) {
      p = { sourceTag: tag, vip, codes: [], duration: [], upstream: [] };
      byPair[id] = p;
      parsed.pairs.push(p);
    }
    return p;
  }
  const lines = text.split('\n');
  let bounds: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    if (line === 'w') {
      if (i === 0) parsed.writer = true;
      else parsed.malformed++;
      continue;
    }
    const f = line.split(KEY_SEPARATOR);
    let ok = false;
    switch (f[0]) {
      case 'b':
        bounds = f.length === 2 ? parseBounds(f[1]) : null;
        ok = bounds !== null;
        break;
      case 'r': {
        const r = parseRecord(f, bounds);
        if (r !== null && isIpngRecord(r)) {
          const p = pair(r.keys[0], r.keys[1]);
          p.codes.push({ code: r.keys[2], requests: r.counters[0], bytesIn: r.counters[1], bytesOut: r.counters[2] });
          if (r.histograms[0] !== null) addHistogram(p.duration, r.histograms[0]);
          if (r.histograms[1] !== null) addHistogram(p.upstream, r.histograms[1]);
          ok = true;
        }
        break;
      }
      case 'x':
        if (f.length === 2 && DECIMAL.test(f[1])) {
          parsed.dropped += Number(f[1]);
          ok = true;
        }
        break;
    }
    if (!ok) parsed.malformed++;
  }
  return parsed;
}
