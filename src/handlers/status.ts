// js_content handler of the live status page's location: one HTML page,
// its script inline, that reads the JSON endpoint every second. It only
// serves the page: the numbers come from the scrape location, so nothing
// here runs per counted request. The page finds the JSON endpoint through
// $ipng_stats_status_json (a js_var; default "metrics", relative to the
// page's own URL, so /status reads /metrics).
import { STATUS_PAGE_HEAD, STATUS_PAGE_SCRIPT_SHA256, STATUS_PAGE_TAIL } from 'ipng-status-page';
import { markScrapeRequest } from '../platform/request-scope';
import { refusedUnlessRead, respond } from '../platform/respond';
import { readRequest } from '../platform/request';
import { readStatusJsonUrl } from '../platform/settings';

export const DEFAULT_STATUS_JSON_URL = 'metrics';

// Only the inline script and same-origin reads: the page loads nothing
// else, and a JSON URL on another origin is refused by the browser.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'sha256-" + STATUS_PAGE_SCRIPT_SHA256 + "'; style-src 'unsafe-inline'; " +
  "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export default function status(r: NginxHTTPRequest): void {
  // Like the scrape, the page's own requests are not counted.
  markScrapeRequest(r);
  const method = readRequest(r).method;
  if (refusedUnlessRead(r, method)) return;
  const configured = readStatusJsonUrl(r);
  const jsonUrl = configured === undefined || configured === '' ? DEFAULT_STATUS_JSON_URL : configured;
  respond(r, 200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  }, STATUS_PAGE_HEAD + escapeAttribute(jsonUrl) + STATUS_PAGE_TAIL);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
