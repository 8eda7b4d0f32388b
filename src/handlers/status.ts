// js_content handler of the live status page's location: one HTML page,
// its script inline, that reads the JSON endpoint every second. It only
// serves the page: the numbers come from the scrape location, so nothing
// here runs per counted request. The page finds the JSON endpoint through
// $ipng_stats_status_json (a js_var; default "metrics", relative to the
// page's own URL, so /status reads /metrics).
import { STATUS_PAGE_HEAD, STATUS_PAGE_SCRIPT_SHA256, STATUS_PAGE_TAIL } from 'ipng-status-page';
import { markScrapeRequest } from '../platform/request-scope';

export const DEFAULT_STATUS_JSON_URL = 'metrics';

// Only the inline script and same-origin reads: the page loads nothing
// else, and a JSON URL on another origin is refused by the browser.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'sha256-" + STATUS_PAGE_SCRIPT_SHA256 + "'; style-src 'unsafe-inline'; " +
  "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export default function status(r: NginxHTTPRequest): void {
  // Like the scrape, the page's own requests are not counted.
  markScrapeRequest(r);
  if (r.method !== 'GET' && r.method !== 'HEAD') {
    r.headersOut['Allow'] = 'GET, HEAD';
    r.headersOut['Content-Type'] = 'text/plain; charset=utf-8';
    r.return(405, 'method ' + r.method + ' not allowed: use GET, HEAD\n');
    return;
  }
  const configured = r.variables.ipng_stats_status_json;
  const jsonUrl = configured === undefined || configured === '' ? DEFAULT_STATUS_JSON_URL : configured;
  r.headersOut['Content-Type'] = 'text/html; charset=utf-8';
  r.headersOut['Cache-Control'] = 'no-store';
  r.headersOut['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  r.return(200, STATUS_PAGE_HEAD + escapeAttribute(jsonUrl) + STATUS_PAGE_TAIL);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
