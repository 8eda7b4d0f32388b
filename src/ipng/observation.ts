// What one finished request adds to the zone: the log spool's lines
// (ipng/spool-lines.ts) are added through it, and the njs recorder
// (src/handlers/recorder.ts) writes the same keys, spelled out inline
// because it runs per request.
import { bucketLabel } from '../model/bucketing';
import { codeKey, KIND, pairBucketKey, pairKey } from './keys';

/** A finished request, already in counter units. */
export interface Observation {
  sourceTag: string;
  /** canonical text */
  vip: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  requestTimeMs: number;
  /** summed over attempts; null when no upstream was reached */
  upstreamTimeMs: number | null;
}

/**
 * The (key, delta) pairs one request adds: 5 keys, 7 with an upstream.
 * Parallel arrays rather than pair objects: this runs once per request.
 */
export interface Increments {
  keys: string[];
  deltas: number[];
}

export function incrementsFor(o: Observation, boundsMs: number[]): Increments {
  const keys = [
    codeKey(KIND.requests, o.sourceTag, o.vip, o.status),
    codeKey(KIND.bytesIn, o.sourceTag, o.vip, o.status),
    codeKey(KIND.bytesOut, o.sourceTag, o.vip, o.status),
    pairBucketKey(KIND.durationBucket, o.sourceTag, o.vip, bucketLabel(o.requestTimeMs, boundsMs)),
    pairKey(KIND.durationSum, o.sourceTag, o.vip),
  ];
  const deltas = [1, o.bytesIn, o.bytesOut, 1, o.requestTimeMs];
  if (o.upstreamTimeMs !== null) {
    keys.push(pairBucketKey(KIND.upstreamBucket, o.sourceTag, o.vip, bucketLabel(o.upstreamTimeMs, boundsMs)));
    deltas.push(1);
    keys.push(pairKey(KIND.upstreamSum, o.sourceTag, o.vip));
    deltas.push(o.upstreamTimeMs);
  }
  return { keys, deltas };
}
