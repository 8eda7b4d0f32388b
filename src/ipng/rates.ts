// Exponentially weighted moving averages of the request rate. The rate
// tick feeds in how many requests a (source, vip) got since the previous
// update and how long ago that was; irregular tick spacing is handled by
// decaying with the real elapsed time.

export const RATE_WINDOWS_S = [1, 10, 60];

/** Below this a rate is shown (and stored) as 0, so idle series stop being rewritten. */
const NEGLIGIBLE_RATE = 1e-6;

/** One EWMA step: `prev` moves towards the observed rate by 1 - e^(-dt/window). */
export function decayedRate(prev: number, requests: number, elapsedMs: number, windowS: number): number {
  if (elapsedMs <= 0) return prev;
  const observed = (requests * 1000) / elapsedMs;
  const weight = 1 - Math.exp(-elapsedMs / (windowS * 1000));
  const next = prev + weight * (observed - prev);
  return next < NEGLIGIBLE_RATE ? 0 : next;
}
