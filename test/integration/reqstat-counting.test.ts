// reqstat counting through a real nginx (2 workers): Tengine's columns per
// (zone, key), read from the drain ($ipng_stats_writer_deltas, the reqstat
// lines of docs/wire-format.md) by a tick of the test's own. Bytes and
// times are checked against the access log of the same run.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, httpRequest } from '../harness/http';
import { US, reqstatOnly, plumbing, drained, accessLogOf, sums, line } from './reqstat-support';

describe('reqstat columns', () => {
  test('status classes and detail columns: 200 206 299 302 304 403 404 416 418 499 500 502 503 504 508 600 and 9xx', async ({ nginx }) => {
    const codes = [200, 206, 299, 302, 304, 403, 404, 416, 418, 499, 500, 502, 503, 504, 508, 600, 999];
    const n = await nginx(reqstatOnly(`
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status server;
        ${codes.map((c) => `location = /s/${c} { return ${c} "x"; }`).join('\n        ')}
    }`));
    for (const c of codes) await httpGet(n.url(`/s/${c}`));
    const lines = await drained(n, codes.length);
    const log = await accessLogOf(n, codes.length);
    expect(log.map((l) => l.status)).toEqual(codes);
    expect([...lines.keys()]).toEqual([`server${US}127.0.0.1,127.0.0.1:${n.port}`]);
    expect(lines.get(`server${US}127.0.0.1,127.0.0.1:${n.port}`)).toEqual(line({
      ...sums(log),
      conn_total: codes.length, req_total: codes.length,
      http_2xx: 3, http_3xx: 2, http_4xx: 5, http_5xx: 5, http_other_status: 2,
      http_200: 1, http_206: 1, http_302: 1, http_304: 1, http_403: 1, http_404: 1, http_416: 1, http_499: 1,
      http_500: 1, http_502: 1, http_503: 1, http_504: 1, http_508: 1,
      // 299, 418 and the two outside 200-599
      http_other_detail_status: 4,
    }));
  });
});
