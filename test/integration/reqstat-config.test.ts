// Tengine's req_status_* directives at `nginx -t` (the shim's reqstat
// part): each rule's exact message, the variables that hand the
// configuration to njs, and a reload with a changed key.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { test, testConfig } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { spawnSync } from 'node:child_process';
import { startNginx, sleep } from '../../scripts/nginx-process.mjs';
import { nginxArgs, nginxBinary } from '../../scripts/nginx-prefix.mjs';
import { US, mainLines, reqstatOnly, plumbing, hostsZone, reqstatVars, drained } from './reqstat-support';

const BUNDLE = resolve(__dirname, '../../dist/ipng-stats.js');

function nginxT(http: string): { status: number; output: string } {
  return testConfig({
    product: false, tick: false, main: mainLines(), ports: [8080],
    http: `access_log off;\n    ipng_stats_bundle ${BUNDLE};\n${http}`,
  });
}

/** The [emerg] line of a failing `nginx -t`, without "nginx: [emerg] " and " in FILE:LINE". */
function emerg(http: string): string {
  const res = nginxT(http);
  expect(res.status, res.output).not.toBe(0);
  const line = res.output.split('\n').find((l) => l.includes('[emerg]')) ?? res.output;
  return line.replace(/^nginx: \[emerg\] /, '').replace(/ in \/\S+nginx\.conf:\d+$/, '');
}

function testConfigOf(prefix: string): { status: number; output: string } {
  const res = spawnSync(nginxBinary(), ['-t', ...nginxArgs(prefix)], { encoding: 'utf8' });
  return { status: res.status ?? -1, output: (res.stdout ?? '') + (res.stderr ?? '') };
}

const server = (inner: string) => `
    server {
        listen 127.0.0.1:{{PORT}};
        ${inner}
    }`;

describe('nginx -t accepts Tengine\'s configuration', () => {
  test('the example of Tengine\'s documentation, and every directive with its arguments', () => {
    const res = nginxT(`
    req_status_zone server "$host,$server_addr:$server_port" 10M;
    req_status_zone_add_indicator server $limit;
    req_status_zone_key_length server 104;
    req_status_zone_recycle server 10 60;
    req_status_lazy off;
    ${server(`
        location /us {
            req_status_show;
            req_status_show_field req_total $limit;
        }
        location /us2 { req_status_show server; }
        set $limit 0;
        if ($arg_limit = '1') {
            set $limit 1;
        }
        req_status server;
        req_status_lazy on;`)}`);
    expect(res.status, res.output).toBe(0);
    expect(res.output).toContain('test is successful');
  });

  test('a zone used in a server{} before its req_status_zone line', () => {
    const res = nginxT(`${server('req_status late; location / { return 200; }')}
    req_status_zone late "$host" 1m;`);
    expect(res.status, res.output).toBe(0);
  });
});

describe('nginx -t refuses each broken rule, naming the directive', () => {
  test.each([
    ['a constant key', 'req_status_zone z "constant" 1m;',
      'the key "constant" of "req_status_zone" "z" is a constant: it needs at least one variable, e.g. "$host"'],
    ['a bad size', 'req_status_zone z "$host" lots;',
      'invalid zone size "lots" in "req_status_zone" "z": it must be a size such as 1m or 512k'],
    ['a small size', 'req_status_zone z "$host" 16k;',
      'zone size "16k" in "req_status_zone" "z" is too small: it must be at least 32k'],
    ['a bad name', 'req_status_zone a:b "$host" 1m;',
      'invalid zone name "a:b" in "req_status_zone": use letters, digits, "_", "-" and "." only'],
    ['a zone declared twice', 'req_status_zone z "$host" 1m; req_status_zone z "$uri" 1m;',
      '"req_status_zone" "z" is declared twice: it already has the key "$host"'],
    ['req_status_zone in a server', server('req_status_zone z "$host" 1m;'),
      '"req_status_zone" directive is not allowed here'],
    ['the name of another shared zone', 'js_shared_dict_zone zone=reqstat_z:1m; req_status_zone z "$host" 1m;',
      '"req_status_zone" needs the shared memory zone "reqstat_z", whose name is already used by another zone (js_shared_dict_zone, limit_req_zone, ...) declared before it: pick another name'],
    ['req_status twice in one context', `req_status_zone z "$host" 1m; ${server('req_status z; req_status z;')}`,
      '"req_status" directive is duplicate'],
    ['a zone twice in one req_status', `req_status_zone z "$host" 1m; ${server('req_status z z;')}`,
      'zone "z" is given twice in "req_status"'],
    ['an indicator of an undeclared zone', 'req_status_zone_add_indicator z $uri;',
      '"req_status_zone_add_indicator" names the zone "z", which no "req_status_zone" above it declares'],
    ['22 indicators', `req_status_zone z "$host" 1m; req_status_zone_add_indicator z ${Array.from({ length: 22 }, (_, i) => `$i${i}`).join(' ')};`,
      '"req_status_zone_add_indicator" gives zone "z" 22 indicators: at most 21, as a line has at most 50 fields, 29 of them Tengine\'s own'],
    ['indicators twice', 'req_status_zone z "$host" 1m; req_status_zone_add_indicator z $a; req_status_zone_add_indicator z $b;',
      '"req_status_zone_add_indicator" for zone "z" is duplicate: give all its indicators in one line'],
    ['an indicator twice', 'req_status_zone z "$host" 1m; req_status_zone_add_indicator z $a a;',
      'indicator "$a" is given twice in "req_status_zone_add_indicator" z'],
    ['an unknown variable', 'req_status_zone z "$host" 1m; req_status_zone_add_indicator z $nosuch;',
      'unknown "nosuch" variable'],
    ['a key length of 0', 'req_status_zone z "$host" 1m; req_status_zone_key_length z 0;',
      'invalid key length "0" in "req_status_zone_key_length" z: it must be a positive integer (bytes)'],
    ['a key length twice', 'req_status_zone z "$host" 1m; req_status_zone_key_length z 4; req_status_zone_key_length z 8;',
      '"req_status_zone_key_length" for zone "z" is duplicate'],
    ['a key length before its zone', 'req_status_zone_key_length z 4; req_status_zone z "$host" 1m;',
      '"req_status_zone_key_length" names the zone "z", which no "req_status_zone" above it declares'],
    ['recycle times', 'req_status_zone z "$host" 1m; req_status_zone_recycle z ten 60;',
      'invalid times "ten" in "req_status_zone_recycle" z: it must be a positive integer (visits)'],
    ['recycle seconds', 'req_status_zone z "$host" 1m; req_status_zone_recycle z 10 0;',
      'invalid seconds "0" in "req_status_zone_recycle" z: it must be a positive integer (seconds)'],
    ['recycle twice', 'req_status_zone z "$host" 1m; req_status_zone_recycle z 1 1; req_status_zone_recycle z 1 1;',
      '"req_status_zone_recycle" for zone "z" is duplicate'],
    ['req_status_lazy maybe', 'req_status_lazy maybe;',
      'invalid value "maybe" in "req_status_lazy" directive, it must be "on" or "off"'],
    ['req_status_show outside a location', server('req_status_show;'),
      '"req_status_show" directive is not allowed here'],
    ['req_status_show twice', server('location /s { req_status_show; req_status_show; }'),
      '"req_status_show" directive is duplicate'],
    ['req_status_show after another content handler', server('location /s { return 200; proxy_pass http://127.0.0.1:1; req_status_show; }'),
      '"req_status_show" cannot be combined with another content handler (proxy_pass, fastcgi_pass, js_content, ...) given before it in the same location: the display handler must be the location\'s only one'],
    ['an unknown field', server('location /s { req_status_show; req_status_show_field req_total bytes; }'),
      'unknown field "bytes" in "req_status_show_field": it must be one of Tengine\'s (bytes_in, bytes_out, conn_total, req_total, ..., http_ups_5xx) or an indicator of a zone, e.g. $limit'],
    ['kv as a field', server('location /s { req_status_show; req_status_show_field kv req_total; }'),
      '"kv" in "req_status_show_field": the key is always the first field of a line, give only the fields after it'],
    ['req_status_show_field twice', server('location /s { req_status_show; req_status_show_field rt; req_status_show_field rt; }'),
      '"req_status_show_field" directive is duplicate'],
  ])('%s', (_name, http, message) => {
    expect(emerg(http)).toBe(message);
  });

  test('zones that no req_status_zone declares, found once the http{} block is read', () => {
    expect(emerg(server('req_status nope;'))).toMatch(
      /^"req_status" in \/\S+nginx\.conf:\d+ names the zone "nope", which no "req_status_zone" declares$/,
    );
    expect(emerg(`req_status_zone z "$host" 1m; ${server('location /s { req_status_show z other; }')}`)).toMatch(
      /^"req_status_show" in \/\S+nginx\.conf:\d+ names the zone "other", which no "req_status_zone" declares$/,
    );
    expect(emerg(`req_status_zone z "$host" 1m; ${server('location /s { req_status_show; req_status_show_field $nope; }')}`)).toMatch(
      /^unknown field "\$nope" in "req_status_show_field" of the "req_status_show" in \/\S+nginx\.conf:\d+: no "req_status_zone_add_indicator" of a zone it shows declares it$/,
    );
  });

  test('req_status_show_field $name names an indicator of a zone its show shows, not of any zone', () => {
    const zones = 'req_status_zone a "$host" 1m; req_status_zone_add_indicator a $request_length; req_status_zone b "$uri" 1m;';
    const refused = /^unknown field "\$request_length" in "req_status_show_field" of the "req_status_show" in \/\S+nginx\.conf:\d+: no "req_status_zone_add_indicator" of a zone it shows declares it$/;
    // the show lists only b; a declares the indicator
    expect(emerg(`${zones} ${server('req_status a b; location /s { req_status_show b; req_status_show_field $request_length; }')}`)).toMatch(refused);
    // the show lists no zone: the zones some req_status uses, here b only
    expect(emerg(`${zones} ${server('req_status b; location /s { req_status_show; req_status_show_field $request_length; }')}`)).toMatch(refused);
    // one shown zone declares it (b's lines show 0 in that column)
    const accepted = nginxT(`${zones} ${server('req_status a b; location /s { req_status_show b a; req_status_show_field $request_length; }')}`);
    expect(accepted.status, accepted.output).toBe(0);
    const everyUsed = nginxT(`${zones} ${server('req_status a b; location /s { req_status_show; req_status_show_field $request_length; }')}`);
    expect(everyUsed.status, everyUsed.output).toBe(0);
  });
});

describe('the configuration handed to njs', () => {
  test('$ipng_reqstat_zones, $ipng_reqstat_show and $ipng_reqstat_show_fields, escaped as on the wire', async ({ nginx }) => {
    const n = await nginx(reqstatOnly(`
    ipng_stats_bundle ${BUNDLE};
    log_format shows '$uri|$ipng_reqstat_show|$ipng_reqstat_show_fields';
    req_status_zone b "$host" 1m;
    req_status_zone a "$uri" 64k;
    req_status_zone_add_indicator a $x $y;
    req_status_zone_key_length a 16;
    req_status_zone_recycle a 3 30;
    req_status_zone c "$host" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        access_log shows.log shows;
        set $x 1;
        set $y 2;
        req_status c a;
        location /inner { req_status b c; return 200; }
        location = /all { req_status_show; }
        location = /some { req_status_show b a; req_status_show_field req_total $y http_2xx; }
    }`));
    const zones = [
      ['b', '152', '10', '60', '1048576'],
      ['a', '16', '3', '30', '65536', 'x', 'y'],
      ['c', '152', '10', '60', '1048576'],
    ].map((f) => `${f.join(US)}\n`).join('');
    expect(await reqstatVars(n)).toBe(`${zones}||`);
    await httpGet(n.url('/all'));
    await httpGet(n.url('/some'));
    for (let i = 0; i < 100 && readFileSync(join(n.prefix, 'shows.log'), 'utf8').split('\n').length < 3; i++) await sleep(50);
    // every zone some req_status uses, in order of first use: c a b (the
    // access log writes 0x1f as \x1F)
    const L = '\\x1F';
    expect(readFileSync(join(n.prefix, 'shows.log'), 'utf8')).toBe(
      `/all|c${L}a${L}b|\n/some|b${L}a|req_total${L}$y${L}http_2xx\n`,
    );
  });
});

describe('reload', () => {
  test('a changed key fails the reload naming the zone, and counting goes on; the same key keeps counting', async () => {
    const opts = hostsZone();
    const n = await startNginx(opts);
    try {
      await httpGet(n.url('/'), { Host: 'a' });
      const conf = join(n.prefix, 'nginx.conf');
      const original = readFileSync(conf, 'utf8');
      writeFileSync(conf, original.replace('"$host"', '"$uri"'));
      // nginx -t has no running configuration to compare with
      expect(testConfigOf(n.prefix).status).toBe(0);
      const refused = /\[emerg\] \d+#\d+: "req_status_zone" "hosts" has the key "\$uri" where the running configuration has "\$host": its counters would mix both keys; keep the key, give the zone another name, or restart nginx/;
      expect(spawnSync(nginxBinary(), [...nginxArgs(n.prefix), '-s', 'reload']).status).toBe(0);
      for (let i = 0; i < 100 && !refused.test(n.errorLog()); i++) await sleep(50);
      expect(n.errorLog()).toMatch(refused);
      await httpGet(n.url('/x'), { Host: 'a' });
      writeFileSync(conf, original);
      await n.reload();
      await httpGet(n.url('/y'), { Host: 'a' });
      const lines = await drained(n, 3);
      expect([...lines].map(([k, l]) => [k, l.req_total])).toEqual([[`hosts${US}a`, 3]]);
    } finally {
      await n.stop();
    }
  });
});

describe('req_status_show through the glue', () => {
  test('a configuration with only req_status_* lines: the tick drains, the location shows Tengine\'s lines (no js_* line written)', async ({ nginx }) => {
    const n = await nginx({
      workers: 2, product: false, tick: false, flushInterval: null, main: mainLines(),
      http: `
    access_log off;
    ipng_stats off;
    ipng_stats_bundle ${BUNDLE};
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        req_status server;
        location / { return 200 "hello\\n"; }
        location = /us { req_status_show; }
    }`,
    });
    for (let i = 0; i < 3; i++) await httpGet(n.url('/'), { Host: 'example' });
    let body = '';
    for (let i = 0; i < 100; i++) {
      body = (await httpGet(n.url('/us'), { Host: 'probe' })).body;
      if (/^example,/m.test(body) && body.split('\n').find((l) => l.startsWith('example,'))!.split(',')[5] === '3') break;
      await sleep(100);
    }
    const example = body.split('\n').find((l) => l.startsWith('example,'));
    expect(example?.split(',').slice(0, 2)).toEqual(['example', `127.0.0.1:${n.port}`]);
    // kv (two comma fields here), then the 29 columns: req_total and http_200 are 3
    const v = example!.split(',').slice(2).map(Number);
    expect(v).toHaveLength(29);
    expect([v[3], v[4], v[13]]).toEqual([3, 3, 3]);
  });
});
