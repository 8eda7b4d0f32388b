// nginx timing variables ($request_time, $upstream_response_time) are
// seconds with millisecond resolution, as text; counters use integer ms.

/** "0.123" -> 123; 0 for text that is not a number (never NaN in a counter). */
export function secondsTextToMs(text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = parseFloat(text);
  return seconds === seconds && seconds > 0 ? Math.round(seconds * 1000) : 0;
}

/**
 * $upstream_response_time: one time per upstream attempt, ", " between
 * servers of one upstream and " : " between upstreams of internal
 * redirects, "-" for an attempt without a response time. Returns the sum
 * in ms, or null when no upstream attempt has a time (no upstream reached).
 */
export function upstreamTimeMs(text: string | undefined): number | null {
  if (text === undefined || text === '' || text === '-') return null;
  if (text.indexOf(',') === -1 && text.indexOf(':') === -1) {
    const seconds = parseFloat(text);
    return seconds === seconds ? secondsTextToMs(text) : null;
  }
  const attempts = text.split(/[,:]/);
  let total = 0;
  let timed = false;
  for (let i = 0; i < attempts.length; i++) {
    const seconds = parseFloat(attempts[i]);
    if (seconds !== seconds) continue; // "-" or blank
    timed = true;
    total += secondsTextToMs(attempts[i]);
  }
  return timed ? total : null;
}
