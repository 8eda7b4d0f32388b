// Answers a js_content handler's request.

export function respond(r: NginxHTTPRequest, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const names = Object.keys(headers);
  for (let i = 0; i < names.length; i++) r.headersOut[names[i]] = headers[names[i]];
  r.return(status, body);
}

const READ_METHODS = 'GET, HEAD';

/**
 * Every display location (scrape, status page, req_status_show,
 * ssl_status) only reads: anything but GET and HEAD gets one and the same
 * 405. Returns whether it answered.
 */
export function refusedUnlessRead(r: NginxHTTPRequest, method: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  respond(r, 405, { Allow: READ_METHODS, 'Content-Type': 'text/plain; charset=utf-8' },
    'method ' + method + ' not allowed: use ' + READ_METHODS + '\n');
  return true;
}
