// reqstat counting through a real nginx (2 workers): Tengine's columns per
// (zone, key), read from the drain ($ipng_stats_writer_deltas, the reqstat
// lines of docs/wire-format.md) by a tick of the test's own. Bytes and
// times are checked against the access log of the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { Agent, request } from 'node:http';
import { describe, expect } from 'vitest';
import { test, freePort } from '../harness/nginx';
import type { NginxInstance, NginxOptions } from '../harness/nginx';
import { startNginx, sleep } from '../../scripts/nginx-process.mjs';
import { httpGet, sendConcurrently } from '../harness/http';
import { US, reqstatOnly, plumbing, hostsZone, drained, accessLogOf, sums, line, jsDir, mainLines, seenText, keyIdentity, reqstatLines } from './reqstat-support';

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

/** `count` calls of `send`, one after the other. */
async function sequentially(count: number, send: () => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i++) await send();
}

/** Bytes sent as they are; resolves with the reply once nginx closes. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (d) => { reply += d; });
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
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
    expect(log.map((l) => l.status).sort((a, b) => a - b)).toEqual(codes);
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
    const n = await nginx(hostsZone());
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
  test('cut at the zone\'s key length: 4, and 152 by default, across the whole key; long keys that share the cut text stay apart', async ({ nginx }) => {
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
    for (const host of ['abcdef', 'abcxyz', 'ab', long, 'abcd', 'abcdef']) await httpGet(n.url('/'), { Host: host });
    const lines = await drained(n, 12);
    const id = keyIdentity;
    const keys = [...lines].map(([k, l]) => `${k} ${l.req_total}`).sort();
    expect(keys).toEqual([
      `four${US}ab 1`,
      // exactly 4 bytes: not cut, no identity
      `four${US}abcd 1`,
      `four${US}abcd${US}${id('abcdef')} 2`,
      `four${US}abcx${US}${id('abcxyz')} 1`,
      `four${US}hhhh${US}${id(long)} 1`,
      `server${US}ab,127.0.0.1:${n.port} 1`,
      `server${US}abcd,127.0.0.1:${n.port} 1`,
      `server${US}abcdef,127.0.0.1:${n.port} 2`,
      `server${US}abcxyz,127.0.0.1:${n.port} 1`,
      // 150 + 2 bytes: the address and port are cut off
      `server${US}${long},1${US}${id(`${long},127.0.0.1:${n.port}`)} 1`,
    ].sort());
  });

  test('kept per connection ("$host,$server_addr:$server_port"): keepalive requests with another Host get their own key; another port its own', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    req_status_zone_key_length server 24;
    ${plumbing('PORT2')}
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT1}};
        req_status server;
        location / { return 200 "x"; }
    }`, 2, 3));
    const long = 'l'.repeat(20);
    const hosts = ['a', 'b', 'a', long, 'a', long + 'x', long];
    for (const port of [n.port, n.ports[1]]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (const host of hosts) await keepAliveGet(agent, `http://127.0.0.1:${port}/`, host);
      agent.destroy();
    }
    const lines = await drained(n, 2 * hosts.length);
    const keys = [...lines].map(([k, l]) => `${k} ${l.req_total} ${l.conn_total}`).sort();
    const expected: string[] = [];
    for (const port of [n.port, n.ports[1]]) {
      const whole = (host: string): string => `${host},127.0.0.1:${port}`;
      expected.push(
        `server${US}${whole('a')} 3 1`,
        `server${US}${whole('b')} 1 0`,
        `server${US}${whole(long).substring(0, 24)}${US}${keyIdentity(whole(long))} 2 0`,
        `server${US}${whole(long + 'x').substring(0, 24)}${US}${keyIdentity(whole(long + 'x'))} 1 0`,
      );
    }
    expect(keys).toEqual(expected.sort());
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
      [`first${US}/first`]: line({ ...sums(log.filter((l) => l.status === 200)), conn_total: 1, req_total: 1, http_2xx: 1, http_200: 1 }),
      [`srv${US}/moved`]: line({ ...sums(log.filter((l) => l.status === 302)), conn_total: 1, req_total: 1, http_3xx: 1, http_302: 1 }),
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

  test('a 400 (invalid Host) never reaches the rewrite phase: counted at the log phase, under the empty host', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status server;
        location / { return 200 "x"; }
    }`));
    const reply = await rawRequest(n.port, 'GET / HTTP/1.1\r\nHost: bad/host\r\nConnection: close\r\n\r\n');
    expect(reply.startsWith('HTTP/1.1 400 ')).toBe(true);
    const log = await accessLogOf(n, 1);
    const lines = await drained(n, 1);
    expect(Object.fromEntries(lines)).toEqual({
      [`server${US},127.0.0.1:${n.port}`]: line({ ...sums(log), conn_total: 1, req_total: 1, http_4xx: 1, http_other_detail_status: 1 }),
    });
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

describe('where a request\'s zones and key are taken', () => {
  // With req_status at http level only, no bypass and a key no request can
  // change, the shim takes zones and key at the log phase (no rewrite-phase
  // handler); at server level, at the rewrite phase of the first location.
  // The same traffic must give the same lines either way.
  for (const level of ['http', 'server']) test(`req_status at ${level} level: keepalive Hosts, an error_page redirect, a rewrite ... last, a 400`, async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    ${level === 'http' ? 'req_status server;' : ''}
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        ${level === 'server' ? 'req_status server;' : ''}
        location / { return 200 "x"; }
        location = /gone { error_page 404 = /found; return 404; }
        location = /found { return 200 "found"; }
        location = /old { rewrite ^ /new last; }
        location = /new { return 200 "new"; }
    }`));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const host of ['a', 'a', 'b']) await keepAliveGet(agent, n.url('/'), host);
    } finally {
      agent.destroy();
    }
    expect((await httpGet(n.url('/gone'), { Host: 'c' })).body).toBe('found');
    expect((await httpGet(n.url('/old'), { Host: 'd' })).body).toBe('new');
    const reply = await rawRequest(n.port, 'GET / HTTP/1.1\r\nHost: bad/host\r\nConnection: close\r\n\r\n');
    expect(reply.startsWith('HTTP/1.1 400 ')).toBe(true);
    // the plumbing's own requests count too at http level: only this port's keys
    const ours = (text: string) => [...reqstatLines(text)].filter(([k]) => k.endsWith(`:${n.port}`))
      .map(([k, l]) => `${k} ${l.req_total} ${l.conn_total} ${l.http_2xx} ${l.http_4xx}`).sort();
    let lines: string[] = [];
    for (let i = 0; i < 100; i++) {
      lines = ours(await seenText(n));
      if (lines.reduce((a, l) => a + Number(l.split(' ')[1]), 0) >= 6) break;
      await sleep(100);
    }
    const key = (host: string) => `server${US}${host},127.0.0.1:${n.port}`;
    expect(lines).toEqual([
      `${key('')} 1 1 0 1`,
      `${key('a')} 2 1 2 0`,
      `${key('b')} 1 0 1 0`,
      `${key('c')} 1 1 1 0`,
      `${key('d')} 1 1 1 0`,
    ]);
  });
});

describe('a key of one variable (read without the script engine)', () => {
  test('"${uri}", "$http_user_agent" (unset: the empty kv; long: cut, with its identity) and a variable of "set"', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone braced "\${uri}" 1m;
    req_status_zone agent "$http_user_agent" 1m;
    req_status_zone_key_length agent 8;
    req_status_zone fromset "$k" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        set $k "k-$arg_n";
        req_status braced agent fromset;
        location / { return 200 "x"; }
    }`));
    const long = 'a-very-long-agent';
    await httpGet(n.url('/a'));
    await httpGet(n.url('/b?n=1'), { 'User-Agent': 'short' });
    await httpGet(n.url('/a?n=1'), { 'User-Agent': long });
    const lines = await drained(n, 9);
    expect([...lines].map(([k, l]) => `${k} ${l.req_total}`).sort()).toEqual([
      `agent${US} 1`,
      `agent${US}${long.substring(0, 8)}${US}${keyIdentity(long)} 1`,
      `agent${US}short 1`,
      `braced${US}/a 2`,
      `braced${US}/b 1`,
      `fromset${US}k- 1`,
      `fromset${US}k-1 2`,
    ].sort());
  });
});

describe('req_status_bypass', () => {
  test('a request whose bypass value is neither empty nor "0" counts in no zone (reqstat.t\'s server-level set)', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status server;
        req_status_bypass $bypass;
        set $bypass 0;
        if ($uri = '/BYPASS') {
            set $bypass 1;
        }
        location / { return 200 "x"; }
    }`));
    await httpGet(n.url('/B4'), { Host: 'www.test_app_a.com' });
    for (let i = 0; i < 3; i++) await httpGet(n.url('/BYPASS'), { Host: 'www.test_app_a.com' });
    await httpGet(n.url('/B4'), { Host: 'www.test_app_a.com' });
    const log = await accessLogOf(n, 5);
    const lines = await drained(n, 2);
    expect(Object.fromEntries(lines)).toEqual({
      [`server${US}www.test_app_a.com,127.0.0.1:${n.port}`]: line({
        ...sums(log.filter((l) => l.uri === '/B4')), conn_total: 2, req_total: 2, http_2xx: 2, http_200: 2,
      }),
    });
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

describe('indicators read from the request', () => {
  test('$request_length, $bytes_sent, $body_bytes_sent: the sums of what the access log prints', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    req_status_zone ind "$host" 1m;
    req_status_zone_add_indicator ind $request_length $bytes_sent $body_bytes_sent;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status ind;
        location / { return 200 "xyz"; }
        location /empty { return 204; }
    }`));
    const paths = ['/', '/a-longer-path?with=args', '/empty', '/' + 'p'.repeat(300)];
    for (const path of paths) await httpGet(n.url(path));
    const log = await accessLogOf(n, paths.length);
    const names = ['request_length', 'bytes_sent', 'body_bytes_sent'];
    const lines = await drained(n, paths.length, { ind: names });
    const totals = sums(log);
    expect(Object.fromEntries(lines)).toEqual({
      [`ind${US}127.0.0.1`]: line({
        ...totals, conn_total: 4, req_total: 4, http_2xx: 4, http_200: 3, http_other_detail_status: 1,
        request_length: totals.bytes_in, bytes_sent: totals.bytes_out, body_bytes_sent: 3 * 3,
      }, names),
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

describe('next to ipng', () => {
  test('req_status_* without an ipng counter zone: no ipng lines (ipng_stats on by default); with one: both', async ({ nginx }) => {
    const http = (ipngZone: string) => `
    js_path ${jsDir()};
    js_import t from t.js;
    js_shared_dict_zone zone=t:4m;
    access_log off;
    ${ipngZone}
    req_status_zone hosts "$host" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status hosts;
        location / { return 200 "x"; }
    }`;
    for (const [zone, ipng] of [['', false], ['ipng_stats_zone ipng:1m;', true]] as const) {
      const n = await nginx({ workers: 2, ports: 2, product: false, tick: false, flushInterval: null, main: mainLines(), http: http(zone) });
      await httpGet(n.url('/'), { Host: 'h' });
      const lines = await drained(n, 1);
      expect([...lines].map(([k, l]) => [k, l.req_total])).toEqual([[`hosts${US}h`, 1]]);
      const text = await seenText(n);
      // with the zone, ipng counts the request and the /seen polls
      // (ipng's per-status counters come as one m line per (tag, vip))
      expect(text.split('\n').some((l) => l.startsWith(`m${US}ipng${US}`))).toBe(ipng);
      await n.stop();
    }
  });
});

describe('the per-worker table', () => {
  /**
   * One worker and no tick, a 32k zone (128 keys) keyed by `key` on the
   * first port, and the test's own drain on the second: the test drains
   * itself, so it knows when.
   */
  async function smallZone(nginx: (opts: NginxOptions) => Promise<NginxInstance>, key: string) {
    const n = await nginx({
      workers: 1, ports: 2, product: false, tick: false, flushInterval: null, main: mainLines(),
      http: `
    js_path ${jsDir()};
    js_import t from t.js;
    access_log off;
    req_status_zone small ${key} 32k;
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /drain { js_content t.drain; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        req_status small;
        location / { return 200 "x"; }
    }`,
    });
    return { n, drain: async () => (await httpGet(`http://127.0.0.1:${n.ports[1]}/drain`)).body };
  }

  test('bounded per zone (one key per 256 bytes of zone), the rest counted as dropped; keys idle for a drain are forgotten', async ({ nginx }) => {
    const { n, drain } = await smallZone(nginx, '"$host"');
    const keysOf = (text: string) => text.split('\n').filter((l) => l.startsWith(`r${US}reqstat${US}`)).map((l) => l.split(US)[4]);
    await sendConcurrently(200, 4, (i) => httpGet(n.url('/'), { Host: `k${i}` }));
    const first = await drain();
    // 32768 / 256 = 128 keys; the other 72 requests are dropped, as the
    // zone's ("d"), not as the table's "x" (which ipng reads as its own)
    expect(keysOf(first)).toHaveLength(128);
    expect(first.split('\n').filter((l) => /^[dx]\x1f/.test(l))).toEqual([`d${US}reqstat${US}small${US}72`]);
    // the 128 keys are kept through one drain (empty), forgotten at the next
    expect(await drain()).toBe('');
    await httpGet(n.url('/'), { Host: 'new' });
    expect(keysOf(await drain())).toEqual(['new']);
  });

  test('each zone counts the requests it dropped ("d"): a request that two full zones drop is one in each, none in "x"', async ({ nginx }) => {
    const n = await nginx({
      workers: 1, ports: 2, product: false, tick: false, flushInterval: null, main: mainLines(),
      http: `
    js_path ${jsDir()};
    js_import t from t.js;
    access_log off;
    req_status_zone a "$host" 32k;
    req_status_zone b "$host,$server_port" 32k;
    req_status_zone c "$host" 64k;
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /drain { js_content t.drain; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        req_status a b c;
        location / { return 200 "x"; }
    }`,
    });
    await sendConcurrently(200, 4, (i) => httpGet(n.url('/'), { Host: `k${i}` }));
    const text = (await httpGet(`http://127.0.0.1:${n.ports[1]}/drain`)).body;
    const keysIn = (zone: string) => text.split('\n').filter((l) => l.startsWith(`r${US}reqstat${US}${zone}${US}`)).length;
    // a and b hold 128 keys each (32768 / 256), c all 200; the other 72
    // requests are dropped in a and in b: 72 dropped requests of each
    expect([keysIn('a'), keysIn('b'), keysIn('c')]).toEqual([128, 128, 200]);
    expect(text.split('\n').filter((l) => /^[dx]\x1f/.test(l)).sort())
      .toEqual([`d${US}reqstat${US}a${US}72`, `d${US}reqstat${US}b${US}72`]);
  });

  test('a connection\'s kept key keeps its entry: exact across the drain that forgets it, and after the zone bound dropped it', async ({ nginx }) => {
    const { n, drain } = await smallZone(nginx, '"$host,$server_addr:$server_port"');
    const counts = (text: string) => [...reqstatLines(text)].map(([k, l]) => `${k} ${l.req_total} ${l.conn_total}`).sort();
    const dropped = (text: string) => text.split('\n').filter((l) => /^[dx]\x1f/.test(l));
    const key = (host: string) => `small${US}${host},127.0.0.1:${n.port}`;
    // one keepalive connection throughout: conn_total 1 only in its first drain
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const kept = (count: number) => sequentially(count, () => keepAliveGet(agent, n.url('/'), 'kept'));
    try {
      await kept(3);
      expect(counts(await drain())).toEqual([`${key('kept')} 3 1`]);
      // idle for a whole drain: the entry is freed; the connection's next
      // requests must find a new one, not add to the freed one
      expect(await drain()).toBe('');
      await kept(2);
      expect(counts(await drain())).toEqual([`${key('kept')} 2 0`]);
      // other keys forgotten while this one stays busy: still one entry
      await sendConcurrently(20, 4, (i) => httpGet(n.url('/'), { Host: `other${i}` }));
      await kept(1);
      expect(counts(await drain())).toHaveLength(21);
      await kept(1);
      expect(counts(await drain())).toEqual([`${key('kept')} 1 0`]);
      await kept(1);
      expect(counts(await drain())).toEqual([`${key('kept')} 1 0`]);
      // the zone's bound (32768 / 256 = 128 keys) fills after an idle drain
      // of the kept key: its request is dropped, and counted once there is room
      expect(await drain()).toBe('');
      await sendConcurrently(128, 4, (i) => httpGet(n.url('/'), { Host: `fill${i}` }));
      await kept(2);
      const full = await drain();
      expect(counts(full)).toHaveLength(128);
      expect(counts(full).some((l) => l.startsWith(key('kept')))).toBe(false);
      expect(dropped(full)).toEqual([`d${US}reqstat${US}small${US}2`]);
      expect(await drain()).toBe('');
      await kept(2);
      expect(counts(await drain())).toEqual([`${key('kept')} 2 0`]);
    } finally {
      agent.destroy();
    }
  });
});

describe('under load', () => {
  test('TLS: counted as plain HTTP is, conn_total once per TLS connection', async ({ nginx }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ipng-reqstat-tls-'));
    try {
      const made = spawnSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ]);
      expect(made.status, String(made.stderr)).toBe(0);
      const n = await nginx(reqstatOnly(`
    req_status_zone hosts "$host,$server_port" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        ssl_certificate ${join(dir, 'cert.pem')};
        ssl_certificate_key ${join(dir, 'key.pem')};
        req_status hosts;
        location / { return 200 "x"; }
    }`));
      const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = httpsRequest(`https://127.0.0.1:${n.port}/`, { agent, headers: { Host: 'secure' } }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', reject);
          req.end();
        });
      }
      agent.destroy();
      const log = await accessLogOf(n, 3);
      const lines = await drained(n, 3);
      expect(Object.fromEntries(lines)).toEqual({
        [`hosts${US}secure,${n.port}`]: line({ ...sums(log), conn_total: 1, req_total: 3, http_2xx: 3, http_200: 3 }),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nginx -s reload during traffic: every request counted exactly once (exiting workers hand over)', async ({ nginx }) => {
    const n = await nginx(hostsZone());
    const traffic = sendConcurrently(600, 4, (i) => httpGet(n.url('/'), { Host: `h${i % 3}` }));
    await sleep(100);
    await n.reload();
    const replies = await traffic;
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const lines = await drained(n, 600);
    expect([...lines].map(([k, l]) => [k, l.req_total]).sort()).toEqual([
      [`hosts${US}h0`, 200], [`hosts${US}h1`, 200], [`hosts${US}h2`, 200],
    ]);
  });

  test('kill -9 of a worker during traffic: only its requests in flight fail, what it held is lost, counting is exact again after', async () => {
    // unsupervised: the master logs the killed worker as an [alert]
    const n = await startNginx(reqstatOnly(`
    req_status_zone hosts "$host" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status hosts;
        location = /pid { return 200 "$pid"; }
        location / { return 200 "x"; }
    }`));
    try {
      const failed = { status: 0, headers: {}, body: '' };
      const traffic = sendConcurrently(400, 4, () => httpGet(n.url('/'), { Host: 'before' }).catch(() => failed));
      await sleep(100);
      const pid = Number((await httpGet(n.url('/pid'), { Host: 'pid' })).body);
      process.kill(pid, 'SIGKILL');
      const replies = await traffic;
      const served = replies.filter((r) => r.status === 200).length;
      // at most the 4 requests in flight, on the killed worker, fail
      expect(400 - served).toBeLessThanOrEqual(4);
      expect(replies.every((r) => r.status === 200 || r.status === 0)).toBe(true);
      const before = await drained(n, 1);
      const counted = [...before].filter(([k]) => k === `hosts${US}before`).reduce((a, [, l]) => a + l.req_total, 0);
      // the killed worker's counts since its last drain are gone; nothing counts twice
      expect(counted).toBeGreaterThan(0);
      expect(counted).toBeLessThanOrEqual(served);
      // after the respawn: exact again
      for (let i = 0; i < 50; i++) await httpGet(n.url('/'), { Host: 'after' });
      let after = 0;
      for (let i = 0; i < 100 && after < 50; i++) {
        after = [...(await drained(n, 0))].filter(([k]) => k === `hosts${US}after`).reduce((a, [, l]) => a + l.req_total, 0);
        if (after < 50) await sleep(100);
      }
      expect(after).toBe(50);
      expect(n.errorLog()).toMatch(/exited on signal 9/);
    } finally {
      await n.stop();
    }
  });
});
