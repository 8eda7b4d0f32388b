// State that lives exactly as long as one request: njs clones a fresh VM
// for each request, and all of that request's handlers (js_content, then
// js_set in the log phase) run in the same clone. So a module variable is
// per-request, free to read, and invisible to every other request.

let servedScrape = false;

/**
 * Marks this request as the scrape's own: the njs recorder (without the
 * shim) skips it through the module variable, the shim's log-phase hook
 * through $ipng_stats_skip, which exists only when the shim is loaded.
 * Returns whether the shim is loaded.
 */
export function markScrapeRequest(r: NginxHTTPRequest): boolean {
  servedScrape = true;
  if (r.variables.ipng_stats_skip === undefined) return false;
  r.variables.ipng_stats_skip = '1';
  return true;
}

/** true when this request was answered by the scrape handler (spec: never counted). */
export function isScrapeRequest(): boolean {
  return servedScrape;
}
