// Answers a js_content handler's request.

export function respond(r: NginxHTTPRequest, status: number, headers: Record<string, string>, body: string): void {
  const names = Object.keys(headers);
  for (let i = 0; i < names.length; i++) r.headersOut[names[i]] = headers[names[i]];
  r.return(status, body);
}
