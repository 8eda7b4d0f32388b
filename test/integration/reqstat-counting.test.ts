// reqstat counting through a real nginx (2 workers): Tengine's columns per
// (zone, key), read from the drain ($ipng_stats_writer_deltas, the reqstat
// lines of docs/wire-format.md) by a tick of the test's own. Bytes and
// times are checked against the access log of the same run.
import { connect } from 'node:http2';
import { Agent, request } from 'node:http';
import { describe, expect } from 'vitest';
import { test, freePort } from '../harness/nginx';
import { httpGet, sendConcurrently } from '../harness/http';
import { US, reqstatOnly, plumbing, drained, accessLogOf, sums, line } from './reqstat-support';

/** A GET on a keepalive agent: resolves when the body is read (the socket stays open). */
function keepAliveGet(agent: Agent, url: string, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET that the client closes after `ms`, before the answer. */
function abortAfter(url: string, host: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { Host: host } });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => { req.destroy(); resolve(); }, ms);
  });
}

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

describe('reqstat upstream columns', () => {
  test('tries, times, last-try class: 200, 404, 503, a failed try then a backup, a client abort (499)', async ({ nginx }) => {
    const closed = await freePort();
    const n = await nginx(reqstatOnly(`
    req_status_zone ups "$host" 1m;
    upstream ok { server 127.0.0.1:{{PORT1}}; }
    upstream retry { server 127.0.0.1:${closed}; server 127.0.0.1:{{PORT1}} backup; }
    ${plumbing('PORT2')}
    server {
        listen 127.0.0.1:{{PORT1}};
        access_log off;
        location = /ok { return 200 "ok"; }
        location = /nf { return 404; }
        location = /err { return 503; }
        location = /slow { js_content t.slow; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        req_status ups;
        location = /retry { proxy_pass http://retry/ok; }
        location / { proxy_pass http://ok; }
    }`, 2, 3));
    await httpGet(n.url('/ok'), { Host: 'ok' });
    await httpGet(n.url('/nf'), { Host: 'nf' });
    await httpGet(n.url('/err'), { Host: 'err' });
    await httpGet(n.url('/retry'), { Host: 'retry' });
    await abortAfter(n.url('/slow'), 'abort', 300);
    const log = await accessLogOf(n, 5);
    const lines = await drained(n, 5);
    const of = (host: string) => log.filter((l) => l.host === host);
    expect(of('abort').map((l) => l.status)).toEqual([499]);
    expect(of('retry')[0].upstreamMs).toHaveLength(2);
    const common = { conn_total: 1, req_total: 1, ups_req: 1 };
    expect(Object.fromEntries(lines)).toEqual({
      [`ups${US}ok`]: line({ ...sums(of('ok')), ...common, ups_tries: 1, http_2xx: 1, http_200: 1 }),
      [`ups${US}nf`]: line({ ...sums(of('nf')), ...common, ups_tries: 1, http_4xx: 1, http_404: 1, http_ups_4xx: 1 }),
      [`ups${US}err`]: line({ ...sums(of('err')), ...common, ups_tries: 1, http_5xx: 1, http_503: 1, http_ups_5xx: 1 }),
      [`ups${US}retry`]: line({ ...sums(of('retry')), ...common, ups_tries: 2, http_2xx: 1, http_200: 1 }),
      [`ups${US}abort`]: line({ ...sums(of('abort')), ...common, ups_tries: 1, http_4xx: 1, http_499: 1 }),
    });
  });
});

describe('conn_total', () => {
  test('HTTP/1.1 keepalive: only under the key of a connection\'s first request', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone hosts "$host" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status hosts;
        location / { return 200 "x"; }
    }`));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (const host of ['a', 'b', 'c']) await keepAliveGet(agent, n.url('/'), host);
    agent.destroy();
    await httpGet(n.url('/'), { Host: 'b' });
    const log = await accessLogOf(n, 4);
    const lines = await drained(n, 4);
    const of = (host: string) => log.filter((l) => l.host === host);
    const ok = { http_2xx: 1, http_200: 1 };
    expect(Object.fromEntries(lines)).toEqual({
      [`hosts${US}a`]: line({ ...sums(of('a')), ...ok, conn_total: 1, req_total: 1 }),
      [`hosts${US}b`]: line({ ...sums(of('b')), http_2xx: 2, http_200: 2, conn_total: 1, req_total: 2 }),
      [`hosts${US}c`]: line({ ...sums(of('c')), ...ok, conn_total: 0, req_total: 1 }),
    });
  });

  test('HTTP/2: once per connection, under its first stream\'s key', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone uris "$uri" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        http2 on;
        req_status uris;
        location / { return 200 "x"; }
    }`));
    // one connection, three streams, one after the other
    const session = connect(`http://127.0.0.1:${n.port}`);
    for (const path of ['/a', '/b', '/c']) {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': path });
        let code = 0;
        stream.on('response', (h) => { code = Number(h[':status']); });
        stream.on('error', reject);
        stream.resume();
        stream.on('end', () => resolve(code));
      });
      expect(status).toBe(200);
    }
    session.close();
    const lines = await drained(n, 3);
    expect([...lines.keys()].sort()).toEqual([`uris${US}/a`, `uris${US}/b`, `uris${US}/c`]);
    expect([...lines].map(([k, l]) => [k, l.conn_total, l.req_total]).sort()).toEqual([
      [`uris${US}/a`, 1, 1], [`uris${US}/b`, 0, 1], [`uris${US}/c`, 0, 1],
    ]);
  });
});

describe('the key', () => {
  test('cut at the zone\'s key length: 4, and 152 by default, across the whole key', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone four "$host" 1m;
    req_status_zone_key_length four 4;
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status four server;
        location / { return 200 "x"; }
    }`));
    const long = 'h'.repeat(150);
    for (const host of ['abcdef', 'abcxyz', 'ab', long]) await httpGet(n.url('/'), { Host: host });
    const lines = await drained(n, 8);
    const keys = [...lines].map(([k, l]) => `${k} ${l.req_total}`).sort();
    expect(keys).toEqual([
      `four${US}ab 1`,
      `four${US}abcd 1`,
      `four${US}abcx 1`,
      `four${US}hhhh 1`,
      `server${US}ab,127.0.0.1:${n.port} 1`,
      `server${US}abcdef,127.0.0.1:${n.port} 1`,
      `server${US}abcxyz,127.0.0.1:${n.port} 1`,
      // 150 + 2 bytes: the address and port are cut off
      `server${US}${long},1 1`,
    ].sort());
  });

  test('an internal redirect (error_page) counts in the first location\'s zones, under its key; a server-level 302 too', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone first "$uri" 1m;
    req_status_zone second "$uri" 1m;
    req_status_zone srv "$uri" 1m;
    ${plumbing('PORT2')}
    server {
        listen 127.0.0.1:{{PORT}};
        location = /first { req_status first; error_page 404 = /second; return 404; }
        location = /second { req_status second; return 200 "second"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        req_status srv;
        return 302 /elsewhere;
    }`, 2, 3));
    expect((await httpGet(n.url('/first'))).body).toBe('second');
    expect((await httpGet(`http://127.0.0.1:${n.ports[1]}/moved`)).status).toBe(302);
    const log = await accessLogOf(n, 2);
    const lines = await drained(n, 2);
    expect(Object.fromEntries(lines)).toEqual({
      [`first${US}/first`]: line({ ...sums([log[0]]), conn_total: 1, req_total: 1, http_2xx: 1, http_200: 1 }),
      [`srv${US}/moved`]: line({ ...sums([log[1]]), conn_total: 1, req_total: 1, http_3xx: 1, http_302: 1 }),
    });
  });

  test('subrequests (SSI) count only with log_subrequest on', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone uris "$uri" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status uris;
        default_type text/html;
        location = /page { ssi on; return 200 '<!--# include virtual="/sub" --><!--# include virtual="/logged" -->'; }
        location = /sub { return 200 "s"; }
        location = /logged { log_subrequest on; return 200 "l"; }
    }`));
    expect((await httpGet(n.url('/page'))).body).toBe('sl');
    const lines = await drained(n, 2);
    expect([...lines].map(([k, l]) => [k, l.conn_total, l.req_total, l.http_200]).sort()).toEqual([
      [`uris${US}/logged`, 0, 1, 1], [`uris${US}/page`, 1, 1, 1],
    ]);
  });

  test('req_status_lazy on takes the key at the log phase ($upstream_status), off at the rewrite phase', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone st "u$upstream_status" 1m;
    ${plumbing('PORT2')}
    server {
        listen 127.0.0.1:{{PORT1}};
        access_log off;
        location / { return 200 "ok"; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        req_status st;
        location = /lazy { req_status_lazy on; proxy_pass http://127.0.0.1:{{PORT1}}/; }
        location = /eager { proxy_pass http://127.0.0.1:{{PORT1}}/; }
    }`, 2, 3));
    await httpGet(n.url('/lazy'));
    await httpGet(n.url('/eager'));
    const lines = await drained(n, 2);
    expect([...lines].map(([k, l]) => [k, l.req_total, l.ups_req]).sort()).toEqual([
      [`st${US}u`, 1, 1], [`st${US}u200`, 1, 1],
    ]);
  });

  test('an empty key is counted under the empty kv', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone q "$arg_k" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status q;
        location / { return 200 "x"; }
    }`));
    await httpGet(n.url('/'));
    await httpGet(n.url('/?k=v'));
    const lines = await drained(n, 2);
    expect([...lines].map(([k, l]) => [k, l.req_total]).sort()).toEqual([[`q${US}`, 1], [`q${US}v`, 1]]);
  });
});

describe('indicators', () => {
  test('parsed as Tengine parses them: trailing digits, a dot dropped, else not counted', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone ind "$host" 1m;
    req_status_zone_add_indicator ind $ind $two;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status ind;
        location / { set $ind $arg_v; set $two 2; return 200 "x"; }
    }`));
    // 34 + 15 + 7 + 5 + 12; "5.", "x", "", "1.2.3" are not counted
    const values = ['0.034', '1.5', 'a,7', '-5', '12', '5.', 'x', '', '1.2.3'];
    for (const v of values) await httpGet(n.url(`/?v=${v}`));
    const log = await accessLogOf(n, values.length);
    const lines = await drained(n, values.length, { ind: ['ind', 'two'] });
    expect(Object.fromEntries(lines)).toEqual({
      [`ind${US}127.0.0.1`]: line({
        ...sums(log), conn_total: 9, req_total: 9, http_2xx: 9, http_200: 9, ind: 73, two: 18,
      }, ['ind', 'two']),
    });
  });
});

describe('exact counts over 2 workers', () => {
  test('400 requests, 8 at a time, over 2 workers and 3 zones: exactly 400 in each', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone a "$host" 1m;
    req_status_zone b "$uri" 1m;
    req_status_zone c "$host,$server_addr:$server_port" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status a b c;
        location / { return 200 "x"; }
    }`));
    await sendConcurrently(400, 8, (i) => httpGet(n.url(`/p${i % 4}`), { Host: `h${i % 5}` }));
    const lines = await drained(n, 1200);
    const perZone = (z: string) => [...lines].filter(([k]) => k.startsWith(`${z}${US}`)).reduce((a, [, l]) => a + l.req_total, 0);
    expect([perZone('a'), perZone('b'), perZone('c')]).toEqual([400, 400, 400]);
    expect([...lines.keys()].filter((k) => k.startsWith(`b${US}`)).sort()).toEqual([0, 1, 2, 3].map((i) => `b${US}/p${i}`));
  });
});
