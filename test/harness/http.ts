// A plain HTTP client for tests: one new connection per request, resolved
// only once nginx has closed it. nginx runs the log phase before it closes
// the connection, so when a request resolves it has been counted.
import { request } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false, localAddress: opts.localAddress },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => {
          const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          if (res.socket.destroyed) done();
          else res.socket.once('close', done);
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`timeout: ${url}`)));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export function httpGet(url: string, headers?: Record<string, string>): Promise<HttpResponse> {
  return httpRequest(url, { headers });
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
