// A plain HTTP/1.1 client for tests: one new connection per request
// (`Connection: close`), resolved only when nginx has closed it.
//
// nginx runs the log phase (where a request is counted) after it has sent
// the response and before it closes the connection, so waiting for the
// server's close is what makes "the request was counted" true when a
// request resolves. node:http cannot wait for it: on a `Connection: close`
// response it closes its own socket as soon as the body is complete, so a
// scrape sent next could reach the other worker before this request was
// logged (seen once in CI: a count one short). Hence a raw socket that
// reads until the server's end of stream, and a small response parser.
//
// One case still resolves before the log phase: when nginx closes
// lingeringly (it did not read a request body, e.g. a 405 to a POST), it
// shuts its side down first and logs once the client's side ends. Tests
// that count such requests must poll.
import { connect, type Socket } from 'node:net';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const TIMEOUT_MS = 10000;

export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const method = opts.method ?? 'GET';
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || 80);
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body, 'utf8');
  const given = new Set(Object.keys(opts.headers ?? {}).map((name) => name.toLowerCase()));
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`];
  if (!given.has('host')) lines.push(`Host: ${target.host}`);
  for (const [name, value] of Object.entries(opts.headers ?? {})) lines.push(`${name}: ${value}`);
  if (!given.has('connection')) lines.push('Connection: close');
  if (body !== undefined && !given.has('content-length')) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port, localAddress: opts.localAddress });
    const chunks: Buffer[] = [];
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`timeout: ${url}`)));
    // write, not end: nginx takes a client's half-close for an abort (499
    // on a proxied request).
    socket.on('connect', () => socket.write(body === undefined ? head : Buffer.concat([head, body])));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks), method === 'HEAD'));
      } catch (e) {
        reject(new Error(`${url}: ${(e as Error).message}`));
      }
    });
  });
}

export function httpGet(url: string, headers?: Record<string, string>): Promise<HttpResponse> {
  return httpRequest(url, { headers });
}

/** One complete HTTP/1.x response, as read up to the server's close. */
export function parseResponse(raw: Buffer, headRequest: boolean): HttpResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) throw new Error(`incomplete response head (${raw.length} bytes)`);
  const [statusLine, ...fieldLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (status === null) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string | string[] | undefined> = {};
  for (const line of fieldLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    // As node:http joins repeated fields, except set-cookie.
    if (name === 'set-cookie') headers[name] = [...((before as string[] | undefined) ?? []), value];
    else headers[name] = before === undefined ? value : `${before}, ${value}`;
  }
  const code = Number(status[1]);
  let payload = raw.subarray(headEnd + 4);
  if (headRequest || code === 204 || code === 304) payload = Buffer.alloc(0);
  else if (/\bchunked\b/i.test(String(headers['transfer-encoding'] ?? ''))) payload = unchunk(payload);
  else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (payload.length < length) throw new Error(`body cut short: ${payload.length} of ${length} bytes`);
    payload = payload.subarray(0, length);
  }
  return { status: code, headers, body: payload.toString('utf8') };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) throw new Error('chunked body cut short');
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (start + size > data.length) throw new Error('chunk cut short');
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** Runs `count` requests with at most `concurrency` in flight. */
export async function sendConcurrently(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<HttpResponse>,
): Promise<HttpResponse[]> {
  const results: HttpResponse[] = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await send(i);
    }
  });
  await Promise.all(lanes);
  return results;
}
