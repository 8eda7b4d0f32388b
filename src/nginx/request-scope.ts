// State that lives exactly as long as one request: njs clones a fresh VM
// for each request, and all of that request's handlers (js_content, then
// js_set in the log phase) run in the same clone. So a module variable is
// per-request, free to read, and invisible to every other request.

let servedScrape = false;

export function markScrapeRequest(): void {
  servedScrape = true;
}

/** true when this request was answered by the scrape handler (spec: never counted). */
export function isScrapeRequest(): boolean {
  return servedScrape;
}
