// Tengine's recycling rule (ngx_http_reqstat_rbtree_lookup): every key
// keeps a leaky bucket of visits, EXCESS in thousandths of a visit. A
// visit adds 1000; the bucket drains at the zone's threshold,
// RECYCLE_TIMES per RECYCLE_SECONDS (Tengine's integer rate:
// times * 1000 / seconds thousandths per second). A key whose bucket has
// drained below zero visits less often than the threshold and may give
// its place to a new key when the zone is full.
//
// Two differences from Tengine, both so that busy keys keep counting
// (docs/reqstat.md): the bucket never drains below 0 when it is visited
// (Tengine's can: a key idle for a day then stays recyclable for hours
// however busy it gets), and a flush's visits to a key arrive at once,
// n requests adding n * 1000 at the flush (the shim counts per worker and
// njs stores once per flush interval).

/** Tengine's integer rate: thousandths of a visit that drain per second. */
export function drainPerSecond(times: number, seconds: number): number {
  return Math.floor((times * 1000) / seconds);
}

/** What the bucket holds at nowMs, before a visit; below 0: recyclable. */
export function drained(excess: number, lastVisitMs: number, nowMs: number, perSecond: number): number {
  const elapsed = nowMs > lastVisitMs ? nowMs - lastVisitMs : lastVisitMs - nowMs;
  return excess - Math.floor((elapsed * perSecond) / 1000);
}

/** The bucket after `visits` visits at nowMs. */
export function visited(excess: number, lastVisitMs: number, nowMs: number, perSecond: number, visits: number): number {
  const left = drained(excess, lastVisitMs, nowMs, perSecond);
  return (left > 0 ? left : 0) + 1000 * visits;
}

export interface RecycleCandidate {
  storeKey: string;
  seq: number;
  lastVisitMs: number;
}

/**
 * The keys that may be recycled at nowMs, least recently visited first
 * (ties: the older display slot first). `entries` are [store key,
 * SEQ, LAST_VISIT_MS, EXCESS] of every key.
 */
export function recycleOrder(
  entries: Array<[string, number, number, number]>, nowMs: number, perSecond: number,
): RecycleCandidate[] {
  const out: RecycleCandidate[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (drained(e[3], e[2], nowMs, perSecond) < 0) out.push({ storeKey: e[0], seq: e[1], lastVisitMs: e[2] });
  }
  out.sort((a, b) => (a.lastVisitMs !== b.lastVisitMs ? a.lastVisitMs - b.lastVisitMs : a.seq - b.seq));
  return out;
}
