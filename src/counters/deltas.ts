// Reads the shim's per-worker deltas ($ipng_stats_deltas and
// $ipng_stats_writer_deltas, drained by the tick). With the shim loaded,
// requests are aggregated per worker in C, so no njs code runs per
// request; this is the njs half of that flush. The wire format is
// docs/wire-format.md: one record a line, fields separated by 0x1f, every
// field escaped (wire-field.ts); tags and vips stay escaped here, as the
// zone keys hold them. The records:
//   w                              this worker holds the writer lease
//                                  ($ipng_stats_writer_deltas only)
//   b  bounds (ms, space separated) for the bucket indexes that follow
//   c  tag vip status requests bytes_in bytes_out
//   d  tag vip sum_ms n0 .. nK     request duration, K = number of bounds
//   u  tag vip sum_ms n0 .. nK     upstream response time
//   x  n                           observations the shim had to drop
// The text may hold several blocks (the handoff of other or exited
// workers, then this worker's own), so one pair or code can recur.
import { codeKey, INF_LABEL, KEY_SEPARATOR, KIND, pairBucketKey, pairKey } from './keys';
import { Increments } from './observation';
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

export interface DeltaBatch extends Increments {
  dropped: number;
  malformed: number;
}

function parseBounds(text: string): string[] | null {
  const parts = text.split(' ');
  for (let i = 0; i < parts.length; i++) {
    if (!/^\d+$/.test(parts[i])) return null;
  }
  return parts;
}

function parseHistogram(f: string[], bounds: string[]): HistogramDelta | null {
  if (f.length !== 5 + bounds.length) return null;
  const counts: number[] = [];
  for (let i = 0; i <= bounds.length; i++) counts.push(Number(f[4 + i]));
  return { bounds, counts, sumMs: Number(f[3]) };
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
      case 'c':
        if (f.length === 7 && isEscapedField(f[1]) && isEscapedField(f[2])) {
          pair(f[1], f[2]).codes.push({ code: f[3], requests: Number(f[4]), bytesIn: Number(f[5]), bytesOut: Number(f[6]) });
          ok = true;
        }
        break;
      case 'd':
      case 'u': {
        const named = isEscapedField(f[1]) && isEscapedField(f[2]);
        const h = bounds === null || !named ? null : parseHistogram(f, bounds);
        if (h !== null) {
          const p = pair(f[1], f[2]);
          (f[0] === 'd' ? p.duration : p.upstream).push(h);
          ok = true;
        }
        break;
      }
      case 'x':
        if (f.length === 2 && /^\d+$/.test(f[1])) {
          parsed.dropped += Number(f[1]);
          ok = true;
        }
        break;
    }
    if (!ok) parsed.malformed++;
  }
  return parsed;
}

function push(batch: DeltaBatch, key: string, delta: number): void {
  if (delta === 0) return;
  batch.keys.push(key);
  batch.deltas.push(delta);
}

function pushHistograms(batch: DeltaBatch, p: PairDelta, hs: HistogramDelta[], bucketKind: string, sumKind: string): void {
  for (let h = 0; h < hs.length; h++) {
    push(batch, pairKey(sumKind, p.sourceTag, p.vip), hs[h].sumMs);
    for (let i = 0; i < hs[h].counts.length; i++) {
      const label = i < hs[h].bounds.length ? hs[h].bounds[i] : INF_LABEL;
      push(batch, pairBucketKey(bucketKind, p.sourceTag, p.vip, label), hs[h].counts[i]);
    }
  }
}

/** The counter layout's increments (one `incr` per changed key). */
export function incrementsFromDeltas(text: string): DeltaBatch {
  const parsed = parseDeltas(text);
  const batch: DeltaBatch = { keys: [], deltas: [], dropped: parsed.dropped, malformed: parsed.malformed };
  for (let i = 0; i < parsed.pairs.length; i++) {
    const p = parsed.pairs[i];
    for (let c = 0; c < p.codes.length; c++) {
      const row = p.codes[c];
      push(batch, codeKey(KIND.requests, p.sourceTag, p.vip, row.code), row.requests);
      push(batch, codeKey(KIND.bytesIn, p.sourceTag, p.vip, row.code), row.bytesIn);
      push(batch, codeKey(KIND.bytesOut, p.sourceTag, p.vip, row.code), row.bytesOut);
    }
    pushHistograms(batch, p, p.duration, KIND.durationBucket, KIND.durationSum);
    pushHistograms(batch, p, p.upstream, KIND.upstreamBucket, KIND.upstreamSum);
  }
  return batch;
}
