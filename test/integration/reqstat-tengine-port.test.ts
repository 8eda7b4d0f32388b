// Tengine's own test of reqstat (tests/nginx-tests/tengine-tests/reqstat.t)
// ported: the same configurations (ports and host names of the test's
// own; upstreams that answer 500 after 1 s instead of Lua's 2 s), the same
// requests, each check as an exact expected line or field. Bytes and times
// are checked against the access log of the same run.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import type { NginxInstance } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { nginxArgs, nginxBinary } from '../../scripts/nginx-prefix.mjs';
import { sleep } from '../../scripts/nginx-process.mjs';
import { FIELDS, LOG_FORMAT, accessLogOf, line, sums } from './reqstat-support';
import type { LogLine } from './reqstat-support';
import { show, showWhen, tengineStyle, urlOn } from './reqstat-show-support';

const dir = mkdtempSync(join(tmpdir(), 'ipng-reqstat-port-'));
writeFileSync(join(dir, 'B4'), '1234567890');
writeFileSync(join(dir, 'BYPASS'), '1234567890');
// the workers (nobody) serve B4 and BYPASS from here
chmodSync(dir, 0o755);
chmodSync(join(dir, 'B4'), 0o644);
chmodSync(join(dir, 'BYPASS'), 0o644);
writeFileSync(join(dir, 'slow.js'), `
function fail(r) { setTimeout(function () { r.return(500, 'fail'); }, 1000); }
export default { fail };
`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** The values of a line whose key has `keyFields` commas' worth of fields, by Tengine field name. */
function fields(line: string, keyFields: number): Record<string, number> {
  const f = line.split(',').slice(keyFields);
  return Object.fromEntries(FIELDS.map((name, i) => [name, Number(f[i])]));
}

function lineOf(text: string, key: string): string {
  const found = text.split('\n').filter((l) => l.startsWith(key + ','));
  expect(found, `one line for ${key} in:\n${text}`).toHaveLength(1);
  return found[0];
}

/** Sums of the log lines of a host, in Tengine's fields. */
function logSums(log: LogLine[], host: string): Record<string, number> {
  return sums(log.filter((l) => l.host === host));
}

const APP = 'www.test_app_a.com';

/** cf_1 of reqstat.t; PORT: the app, PORT1: the show server, PORT2/PORT3: the failing upstreams. */
function cf1(key = '$host,$server_addr:$server_port'): string {
  return `
    ${LOG_FORMAT}
    root ${dir};
    js_import slow from ${join(dir, 'slow.js')};
    req_status_zone server "${key}" 1m;
    req_status_zone test "$uri" 1m;
    req_status_zone test1 "$uri" 1m;
    req_status_zone_add_indicator test $test1 $upstream_response_time;
    server {
        listen 127.0.0.1:{{PORT1}};
        server_name www.test_cp.com;
        location /usr { req_status_show server; }
        location /usr1 { req_status_show test; }
        location /usr2 { req_status_show test1; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        listen 127.0.0.1:{{PORT3}};
        location / { js_content slow.fail; }
        location = /404 { return 404; }
        location = /504 { return 504; }
    }
    upstream test {
        server 127.0.0.1:{{PORT3}} max_fails=0;
        server 127.0.0.1:{{PORT2}} max_fails=0;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name ${APP};
        access_log rs.log rs;
        proxy_next_upstream error timeout http_500;
        req_status server;
        req_status_bypass $bypass;
        set $bypass 0;
        if ($uri = '/BYPASS') { set $bypass 1; }
        location /proxy/ {
            req_status server test test1;
            set $test1 2;
            proxy_pass http://test/;
        }
        location /302/ { return 302; }
    }`;
}

/** Waits until the show at `url` counts `requests` in the line of `key`. */
async function counted(url: string, key: string, requests: number, keyFields: number): Promise<string> {
  const text = await showWhen(url, (t) => t.split('\n').some((l) => l.startsWith(key + ',') && fields(l, keyFields).req_total === requests));
  return lineOf(text, key);
}

/** Rewrites the running configuration's text and signals a reload; returns the error log since. */
async function reloadExpectingFailure(n: NginxInstance, from: string, to: string, expected: RegExp): Promise<string> {
  const conf = join(n.prefix, 'nginx.conf');
  const before = n.errorLog().length;
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(from, to));
  const res = spawnSync(nginxBinary(), [...nginxArgs(n.prefix), '-s', 'reload'], { encoding: 'utf8' });
  expect(res.status).toBe(0);
  for (let i = 0; i < 100 && !expected.test(n.errorLog().slice(before)); i++) await sleep(50);
  const since = n.errorLog().slice(before);
  // The fixture fails a test on any [emerg]; this one is the behaviour under
  // test, so it alone is taken out of the log the fixture reads.
  const logPath = join(n.prefix, 'error.log');
  writeFileSync(logPath, readFileSync(logPath, 'utf8').split('\n').filter((l) => !expected.test(l)).join('\n'));
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(to, from));
  return since;
}

describe('reqstat.t, ported', () => {
  test('#1-#7: one request, a failed reload with a changed key and back, a second request, no duplicates, upstream tries with indicators, mixed statuses, bypass', async ({ nginx }) => {
    const n = await nginx(tengineStyle(cf1(), 2, 4));
    const usr = urlOn(n, 1, '/usr');
    const key = `${APP},127.0.0.1:${n.port}`;

    // #1: bytes and status classes after one request
    await httpGet(n.url('/B4'), { Host: APP });
    let line = await counted(usr, key, 1, 2);
    let log = await accessLogOf(n, 1);
    expect(fields(line, 2)).toMatchObject({ ...logSums(log, APP), http_2xx: 1, http_3xx: 0, http_4xx: 0, http_5xx: 0, http_200: 1, http_302: 0, http_404: 0, http_500: 0 });

    // #2: a reload with a changed key fails, naming the zone; the counters stay
    const failed = await reloadExpectingFailure(n, '"$host,$server_addr:$server_port"', '"$host,$server_addr:$server_port error"', /\[emerg\].*req_status_zone.*"server"/);
    expect(failed).toMatch(/\[emerg\].*"req_status_zone" "server" has the key/);
    await n.reload();
    expect(lineOf(await show(usr), key)).toBe(line);

    // #3: counts after a second request
    await httpGet(n.url('/B4'), { Host: APP });
    line = await counted(usr, key, 2, 2);
    log = await accessLogOf(n, 2);
    expect(fields(line, 2)).toMatchObject({ ...logSums(log, APP), http_2xx: 2, http_3xx: 0, http_4xx: 0, http_5xx: 0, http_200: 2, http_302: 0, http_404: 0, http_500: 0 });

    // #4: no duplicate lines
    const all = (await show(usr)).split('\n');
    expect(new Set(all).size).toBe(all.length);

    // #5: upstream tries and times; the indicators of zone test: $test1 and the last try's $upstream_response_time
    await httpGet(n.url('/proxy/B4'), { Host: APP });
    line = await counted(usr, key, 3, 2);
    log = await accessLogOf(n, 3);
    const proxied = log[2];
    expect(proxied.upstreamMs).toHaveLength(2);
    expect(fields(line, 2)).toMatchObject({ ups_req: 1, ups_tries: 2, ups_rt: proxied.upstreamMs[0] + proxied.upstreamMs[1], http_5xx: 1, http_500: 1, http_ups_5xx: 1 });
    expect(fields(line, 2).ups_rt).toBeGreaterThanOrEqual(2000);
    const usr1 = lineOf(await show(urlOn(n, 1, '/usr1')), '/proxy/B4');
    const usr2 = lineOf(await show(urlOn(n, 1, '/usr2')), '/proxy/B4');
    expect(usr1).toBe(`${usr2},2,${proxied.upstreamMs[1]}`);

    // #6: mixed statuses
    for (let i = 0; i < 3; i++) await httpGet(n.url('/B3'), { Host: APP });
    for (let i = 0; i < 4; i++) await httpGet(n.url('/302/B3'), { Host: APP });
    line = await counted(usr, key, 10, 2);
    expect(fields(line, 2)).toMatchObject({ req_total: 10, http_2xx: 2, http_3xx: 4, http_4xx: 3, http_5xx: 1, http_200: 2, http_302: 4, http_404: 3, http_500: 1 });

    // #7: bypass: three 200s that count nowhere; a request after them still counts
    for (let i = 0; i < 3; i++) expect((await httpGet(n.url('/BYPASS'), { Host: APP })).status).toBe(200);
    await httpGet(n.url('/302/B3'), { Host: APP });
    line = await counted(usr, key, 11, 2);
    expect(fields(line, 2)).toMatchObject({ req_total: 11, http_2xx: 2, http_200: 2, http_3xx: 5 });
  });

  test('#8: upstream 4xx and 5xx: the last try\'s class', async ({ nginx }) => {
    const n = await nginx(tengineStyle(cf1(), 2, 4));
    const usr = urlOn(n, 1, '/usr');
    const key = `${APP},127.0.0.1:${n.port}`;
    expect((await httpGet(n.url('/proxy/404'), { Host: APP })).status).toBe(404);
    let line = await counted(usr, key, 1, 2);
    expect(fields(line, 2)).toMatchObject({ http_404: 1, http_504: 0, http_ups_4xx: 1, http_ups_5xx: 0 });
    expect((await httpGet(n.url('/proxy/504'), { Host: APP })).status).toBe(504);
    line = await counted(usr, key, 2, 2);
    expect(fields(line, 2)).toMatchObject({ http_404: 1, http_504: 1, http_ups_4xx: 1, http_ups_5xx: 1 });
  });

  test('#10: key length 4: /test0 and /test1 are two lines, both "/tes" (Tengine: "key cut", the last two lines equal)', async ({ nginx }) => {
    const n = await nginx(tengineStyle(`
    ${LOG_FORMAT}
    req_status_zone test3 "$uri" 1m;
    req_status_zone_recycle test3 1 1;
    req_status_zone_key_length test3 4;
    req_status test3;
    server {
        listen 127.0.0.1:{{PORT}};
        access_log rs.log rs;
        location / { return 200 "x"; }
        location /usr { access_log off; req_status_show test3; }
    }`));
    for (const i of [0, 1]) await httpGet(n.url(`/test${i}`));
    const tes = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('/tes'));
    const text = await showWhen(n.url('/usr'), (t) => tes(t).length === 2);
    const log = await accessLogOf(n, 2);
    const expected = (uri: string): Record<string, number> =>
      line({ ...sums(log.filter((l) => l.uri === uri)), conn_total: 1, req_total: 1, http_2xx: 1, http_200: 1 });
    // newest first; the same bytes, so the same line, as in reqstat.t
    expect(tes(text).map((l) => fields(l, 1))).toEqual([expected('/test1'), expected('/test0')]);
    expect(tes(text)[0]).toBe(tes(text)[1]);
    expect(tes(text)[0]).toBe('/tes,' + FIELDS.map((f) => expected('/test1')[f]).join(','));
  });

  test('#11-#12: an error_page redirect counts in the first location\'s zones; a server-level rewrite\'s 302; show_field with an indicator', async ({ nginx }) => {
    const n = await nginx(tengineStyle(`
    ${LOG_FORMAT}
    root ${dir};
    js_import slow from ${join(dir, 'slow.js')};
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    req_status_zone server1 "$server_port" 1m;
    req_status_zone_add_indicator server1 $root;
    server {
        listen 127.0.0.1:{{PORT1}};
        location /usr { req_status_show server; }
        location /usr_1 { req_status_show server1; req_status_show_field req_total $root; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        listen 127.0.0.1:{{PORT3}};
        location / { js_content slow.fail; }
    }
    upstream test {
        server 127.0.0.1:{{PORT3}} max_fails=0;
        server 127.0.0.1:{{PORT2}} max_fails=0;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name ${APP};
        proxy_next_upstream error timeout http_500;
        proxy_intercept_errors on;
        error_page 500 /B4;
        set $root 0;
        req_status server1;
        if ($uri = '/') { set $root 1; }
        location /proxy/ { req_status server server1; proxy_pass http://test/; }
        location /302/ { return 302; }
    }
    server {
        listen 127.0.0.1:{{PORT4}};
        server_name www.test_app_a2.com;
        req_status server;
        rewrite . http://www.example.com;
    }`, 2, 5));
    const usr = urlOn(n, 1, '/usr');
    for (let i = 0; i < 2; i++) await httpGet(n.url('/proxy/B4'), { Host: APP });
    const key = `${APP},127.0.0.1:${n.port}`;
    expect(fields(await counted(usr, key, 2, 2), 2)).toMatchObject({ http_5xx: 2, http_500: 2, ups_tries: 4, http_2xx: 0 });

    const a2 = `http://127.0.0.1:${n.ports[4]}`;
    for (let i = 0; i < 2; i++) expect((await httpGet(`${a2}/proxy/B4`, { Host: 'www.test_app_a2.com' })).status).toBe(302);
    for (let i = 0; i < 2; i++) await httpGet(n.url('/'), { Host: APP });
    const a2key = `www.test_app_a2.com,127.0.0.1:${n.ports[4]}`;
    expect(fields(await counted(usr, a2key, 2, 2), 2)).toMatchObject({ http_3xx: 2, http_302: 2 });
    const usr1 = await showWhen(urlOn(n, 1, '/usr_1'), (t) => t === `${n.port},4,2\n`);
    expect(usr1).toBe(`${n.port},4,2\n`);
  });
});
