// State that lives exactly as long as one request: njs clones a fresh VM
// for each request, and all of that request's handlers (js_content, then
// js_set in the log phase) run in the same clone. So a module variable is
// per-request, free to read, and invisible to every other request.

/** true when this request was answered by the scrape handler (spec: never counted). */
export let scrapeServed = false;

/** Marks this request as the scrape's own, in this module. */
export function skipThisRequest(): void {
  scrapeServed = true;
}

/**
 * The recorder module of the no-shim mode (dist/ipng-stats-recorder.js),
 * when nginx/ipng-stats-log-fallback.conf imported it where this request
 * runs: it has a module variable of its own, set through this name.
 */
declare const ipng_stats_recorder: { skipThisRequest(): void } | undefined;

/**
 * Marks this request as the scrape's own: the njs recorder (without the
 * shim) skips it through the module variable, the log spool (without the
 * shim) through $ipng_stats_count, the access_log's if=, and the shim's
 * log-phase hook through $ipng_stats_skip, which exists only when the
 * shim is loaded. Returns whether the shim is loaded.
 */
export function markScrapeRequest(r: NginxHTTPRequest): boolean {
  scrapeServed = true;
  if (typeof ipng_stats_recorder !== 'undefined' && ipng_stats_recorder !== undefined) {
    ipng_stats_recorder.skipThisRequest();
  }
  if (r.variables.ipng_stats_count !== undefined) r.variables.ipng_stats_count = '0';
  if (r.variables.ipng_stats_skip === undefined) return false;
  r.variables.ipng_stats_skip = '1';
  return true;
}
