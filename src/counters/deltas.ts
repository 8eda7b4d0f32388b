// Turns the shim's per-worker deltas ($ipng_stats_deltas, drained by the
// tick) into zone increments. With the shim loaded, requests are
// aggregated per worker in C, so no njs code runs per request; this is the
// njs half of that flush. Format (docs/architecture.md), one record a
// line, fields separated by 0x1f:
//   b  bounds (ms, space separated) for the bucket indexes that follow
//   c  tag vip status requests bytes_in bytes_out
//   d  tag vip sum_ms n0 .. nK     request duration, K = number of bounds
//   u  tag vip sum_ms n0 .. nK     upstream response time
//   x  n                           observations the shim had to drop
import { codeKey, INF_LABEL, KEY_SEPARATOR, KIND, pairBucketKey, pairKey } from './keys';
import { Increments } from './observation';
import { vipLabel } from './vip';

export interface DeltaBatch extends Increments {
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

function push(batch: DeltaBatch, key: string, delta: number): void {
  if (delta === 0) return;
  batch.keys.push(key);
  batch.deltas.push(delta);
}

function addHistogram(
  batch: DeltaBatch,
  f: string[],
  bounds: string[],
  bucketKind: string,
  sumKind: string,
): boolean {
  if (f.length !== 5 + bounds.length) return false;
  const vip = vipLabel(f[2]);
  push(batch, pairKey(sumKind, f[1], vip), Number(f[3]));
  for (let i = 0; i <= bounds.length; i++) {
    const label = i < bounds.length ? bounds[i] : INF_LABEL;
    push(batch, pairBucketKey(bucketKind, f[1], vip, label), Number(f[4 + i]));
  }
  return true;
}

export function incrementsFromDeltas(text: string): DeltaBatch {
  const batch: DeltaBatch = { keys: [], deltas: [], dropped: 0, malformed: 0 };
  if (!text) return batch;
  const lines = text.split('\n');
  let bounds: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const f = line.split(KEY_SEPARATOR);
    let ok = false;
    switch (f[0]) {
      case 'b':
        bounds = f.length === 2 ? parseBounds(f[1]) : null;
        ok = bounds !== null;
        break;
      case 'c':
        if (f.length === 7) {
          const vip = vipLabel(f[2]);
          push(batch, codeKey(KIND.requests, f[1], vip, f[3]), Number(f[4]));
          push(batch, codeKey(KIND.bytesIn, f[1], vip, f[3]), Number(f[5]));
          push(batch, codeKey(KIND.bytesOut, f[1], vip, f[3]), Number(f[6]));
          ok = true;
        }
        break;
      case 'd':
        ok = bounds !== null && addHistogram(batch, f, bounds, KIND.durationBucket, KIND.durationSum);
        break;
      case 'u':
        ok = bounds !== null && addHistogram(batch, f, bounds, KIND.upstreamBucket, KIND.upstreamSum);
        break;
      case 'x':
        if (f.length === 2 && /^\d+$/.test(f[1])) {
          batch.dropped += Number(f[1]);
          ok = true;
        }
        break;
    }
    if (!ok) batch.malformed++;
  }
  return batch;
}
