// Which histogram bucket an observation falls in, and how bucket keys
// written under an older bucket configuration are read under the current
// one.
/** Bucket keys and texts name their upper bound in ms, or this for +Inf. */
export const INF_LABEL = 'inf';

/** The index of the bucket holding `ms`: the first bound >= ms, else boundsMs.length (+Inf). */
export function bucketIndex(ms: number, boundsMs: number[]): number {
  for (let i = 0; i < boundsMs.length; i++) {
    if (ms <= boundsMs[i]) return i;
  }
  return boundsMs.length;
}

/** The key label of the bucket holding `ms`: the first bound >= ms, else +Inf. */
export function bucketLabel(ms: number, boundsMs: number[]): string {
  const index = bucketIndex(ms, boundsMs);
  return index < boundsMs.length ? String(boundsMs[index]) : INF_LABEL;
}

/**
 * Index into `counts` (length bounds + 1) for a bucket key label. A label
 * from an older configuration (a bound that is not configured now) goes to
 * the smallest current bound above it: every observation it counted is <=
 * that bound, so cumulative counts stay true statements and the count and
 * sum stay exact. Returns -1 for a label that is not a bucket label.
 */
export function bucketIndexForLabel(label: string, boundsMs: number[]): number {
  if (label === INF_LABEL) return boundsMs.length;
  if (!/^\d+$/.test(label)) return -1;
  const bound = parseInt(label, 10);
  for (let i = 0; i < boundsMs.length; i++) {
    if (bound <= boundsMs[i]) return i;
  }
  return boundsMs.length;
}
