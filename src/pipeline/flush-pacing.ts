// The flush's pacing. js_periodic's interval is fixed at configuration
// time (100 ms in nginx/ipng-stats-tick.conf; the flush interval where the
// shim arranges the tick), so it is only the base period: each worker
// flushes when its own last flush, which a subsystem keeps in its own
// zone, is one flush interval old. $ipng_stats_flush_interval is thus the one source of truth
// for the cadence (docs/configuration.md), whichever subsystems run.

/** The js_periodic interval of nginx/ipng-stats-tick.conf; the pacing's slack is half of it. */
export const BASE_TICK_MS = 100;

/**
 * Whether a worker's flush is due; half a base period of slack, so a 1s
 * interval flushes every 1s and not every 1.1s. lastMs undefined: never
 * flushed.
 */
export function flushIsDue(lastMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return lastMs === undefined || !(nowMs - lastMs < intervalMs - BASE_TICK_MS / 2);
}
