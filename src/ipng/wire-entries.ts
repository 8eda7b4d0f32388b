// Reads what the shim counted ($ipng_stats_writer_deltas, drained by the
// tick). With the shim loaded, requests are aggregated per worker in C, so
// no njs code runs per request; this is the njs half of that flush. The
// wire format is docs/wire-format.md: one record a line, fields separated
// by 0x1f, every field escaped (pipeline/wire-field.ts); key fields stay escaped
// here, as the zone keys hold them. The records:
//   w                              this worker holds the writer lease
//   b  bounds (ms, space separated) for the histograms that follow
//   r  subsystem zone nkeys key.. counters histogram..
//                                  one entry of a subsystem's table
//   x  n                           observations the shim had to drop
// The ipng subsystem writes two shapes: "ipng" entries keyed by (tag, vip,
// status) with the counters "requests bytes_in bytes_out", and
// "ipng_time" entries keyed by (tag, vip) with the requests and the
// histograms duration and upstream ("sum_ms n0 .. nK", empty when it saw
// nothing). The text may hold several blocks (the handoff of other or
// exited workers, then this worker's own), so one pair or code can recur.
import { KEY_SEPARATOR } from './keys';
import { vipLabel } from './vip';
import { isEscapedField } from '../pipeline/wire-field';

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

/**
 * A count or a sum on the wire (decimal digits), or -1. Number() and no
 * per-character check: this runs for every number of every entry.
 */
function wireNumber(text: string): number {
  const n = Number(text);
  return text === '' || !(n >= 0) ? -1 : n;
}

/**
 * Reads an "r" line's histogram field ("" or "SUM N0 .. NK") into into[];
 * false when malformed. "" reads as nothing (length 0).
 */
function readHistogramField(field: string, bounds: string[], into: number[]): boolean {
  into.length = 0;
  if (field === '') return true;
  const parts = field.split(' ');
  if (parts.length !== bounds.length + 2) return false;
  for (let i = 0; i < parts.length; i++) {
    const n = wireNumber(parts[i]);
    if (n < 0) return false;
    into.push(n);
  }
  return true;
}

/**
 * Adds a histogram read by readHistogramField to the pair's histogram of
 * this block (a pair recurs only in another block, the handoff of another
 * worker, which has a "b" line of its own).
 */
function addHistogram(list: HistogramDelta[], numbers: number[], bounds: string[]): void {
  if (numbers.length === 0) return;
  let h = list.length > 0 ? list[list.length - 1] : null;
  if (h === null || h.bounds !== bounds) {
    h = { bounds, counts: [], sumMs: 0 };
    for (let i = 0; i <= bounds.length; i++) h.counts.push(0);
    list.push(h);
  }
  h.sumMs += numbers[0];
  for (let i = 1; i < numbers.length; i++) h.counts[i - 1] += numbers[i];
}

/*
 * An "r" line (docs/wire-format.md): r, SUBSYSTEM, ZONE, NKEYS, the keys,
 * COUNTERS, one field per histogram. This release reads the ipng
 * subsystem's two shapes, both in zone "": "ipng", keys (tag, vip,
 * status) and counters (requests, bytes in, bytes out); "ipng_time", keys
 * (tag, vip), one counter (the requests again) and the histograms
 * (duration, upstream). A line of any other subsystem or shape is not
 * understood.
 */
const IPNG_FIELDS = 4 + 3 + 1;
const IPNG_TIME_FIELDS = 4 + 2 + 1 + 2;

// The two histograms of the line being read, both checked before either is added.
const durationNumbers: number[] = [];
const upstreamNumbers: number[] = [];

type PairOf = (tag: string, serverAddr: string) => PairDelta;

function readRecord(f: string[], bounds: string[] | null, pairOf: PairOf): boolean {
  if (f[2] !== '') return false;
  if (f[1] === 'ipng') return readIpngRecord(f, pairOf);
  if (f[1] === 'ipng_time') return readIpngTimeRecord(f, bounds, pairOf);
  return false;
}

function readIpngRecord(f: string[], pairOf: PairOf): boolean {
  if (f.length !== IPNG_FIELDS || f[3] !== '3') return false;
  if (!isEscapedField(f[4]) || !isEscapedField(f[5]) || !DECIMAL.test(f[6])) return false;
  const counters = f[7].split(' ');
  if (counters.length !== 3) return false;
  const requests = wireNumber(counters[0]);
  const bytesIn = wireNumber(counters[1]);
  const bytesOut = wireNumber(counters[2]);
  if (requests < 0 || bytesIn < 0 || bytesOut < 0) return false;
  pairOf(f[4], f[5]).codes.push({ code: f[6], requests, bytesIn, bytesOut });
  return true;
}

function readIpngTimeRecord(f: string[], bounds: string[] | null, pairOf: PairOf): boolean {
  if (f.length !== IPNG_TIME_FIELDS || f[3] !== '2' || bounds === null) return false;
  if (!isEscapedField(f[4]) || !isEscapedField(f[5]) || wireNumber(f[6]) < 0) return false;
  if (!readHistogramField(f[7], bounds, durationNumbers) || !readHistogramField(f[8], bounds, upstreamNumbers)) return false;
  const p = pairOf(f[4], f[5]);
  addHistogram(p.duration, durationNumbers, bounds);
  addHistogram(p.upstream, upstreamNumbers, bounds);
  return true;
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
      case 'r':
        ok = readRecord(f, bounds, pair);
        break;
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
