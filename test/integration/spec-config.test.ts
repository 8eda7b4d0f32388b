// The configuration reference (shared/spec/ipng-stats-config-reference.md)
// as written there, with the shim loaded: `ipng_stats_zone NAME:SIZE`
// creates the counter zone, `ipng_stats;` serves the scrape and arranges
// the tick, both through njs's own directives. Real nginx, 2 workers.
//
// What each test adds to or changes in an example, and why:
// - around every example: the two load_module lines (njs first), and at
//   http level `access_log access.log;` (the binary's compiled-in log path
//   is outside the private prefix) and `js_path <checkout>/dist;`, which
//   stands in for the default install path
//   /usr/share/njs-ipng-stats/dist/ipng-stats.js that tests do not write
//   to (one test runs without it, with ipng_stats_bundle);
// - port 80 becomes a free port, eth1 an interface the test creates (the
//   host end of a veth pair whose other end is in a network namespace),
//   udp://127.0.0.1:9514 the port of the test's own receiver;
// - the second logtail example lost its line breaks in the reference's
//   extraction, which turned its `# Suppress ...` comment into a comment
//   over the whole example: the comment is put back on its own line.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createSocket, Socket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { freePort, test, testConfig } from '../harness/nginx';
import { httpGet, httpRequest } from '../harness/http';
import { samples, sampleValue } from '../harness/exposition';
import { afterNextFlush } from '../harness/flush';
import { curlFrom, NetnsLab, netnsUnavailable } from '../harness/netns';
import { sleep } from '../../scripts/nginx-process.mjs';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';

const env = readRuntimeEnv();
const njsFirst = `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`;
const shimFirst = `load_module ${env.SHIM_MODULE};\nload_module ${env.NJS_MODULE};`;
const distDir = join(repoRoot, 'dist');

/** The http-level lines a private prefix needs around an example. */
function around(example: string, jsPath = true): string {
  return `    access_log access.log;\n${jsPath ? `    js_path ${distDir};\n` : ''}${example}`;
}

/** nginx options that run `example` (http level) with njs and the shim and nothing of the harness's product lines. */
function spec(example: string, extra: { jsPath?: boolean; main?: string; ports?: number } = {}) {
  return {
    product: false,
    tick: false,
    flushInterval: null,
    main: extra.main ?? njsFirst,
    ports: extra.ports,
    http: around(example, extra.jsPath ?? true),
  };
}

function requestLines(body: string): string[] {
  return samples(body, 'nginx_ipng_requests_total').sort();
}

/** Scrapes through `scrape` until the request lines equal `expected`, at most 8 s (two flush intervals and more). */
async function scrapeUntil(scrape: () => Promise<string>, expected: string[]): Promise<string[]> {
  let lines: string[] = [];
  for (let i = 0; i < 80; i++) {
    lines = requestLines(await scrape());
    if (JSON.stringify(lines) === JSON.stringify([...expected].sort())) break;
    await sleep(100);
  }
  return lines;
}

const why = netnsUnavailable();

describe.skipIf(why !== null)(`the spec's example with listen ... device=${why ? ` (skipped: ${why})` : ''}`, () => {
  const lab = new NetnsLab();

  beforeAll(() => {
    lab.addHost();
  });

  afterAll(() => lab.destroy());

  test('ipng_stats_zone ipng:4m; server { listen 80 device=eth1; location /metrics { ipng_stats; } }', async ({ nginx }) => {
    const [host] = lab.hosts;
    const port = await freePort();
    // As written, with 80 -> a free port and eth1 -> the test's interface.
    const example = `    ipng_stats_zone ipng:4m;\n    server { listen ${port} device=${host.dev}; location /metrics { ipng_stats; } }`;
    await nginx({ ...spec(example), ports: 0 });

    const base = `http://${host.serverV4}:${port}`;
    // The device socket is the only one: wait until it answers from the host.
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) {
      try {
        host.exec(['curl', '-sS', '--max-time', '2', '-o', '/dev/null', `${base}/metrics`]);
        ready = true;
      } catch {
        await sleep(100);
      }
    }
    expect(ready).toBe(true);

    // Outside /metrics the example serves static files from a root that
    // has none: 404, or 403 where the workers' user may not search the
    // private prefix. Either way one code, six times.
    const codes = curlFrom(host, `${base}/missing`, 6);
    expect(codes).toHaveLength(6);
    expect([403, 404]).toContain(codes[0]);
    expect(new Set(codes).size).toBe(1);
    const scrape = async () => host.exec(['curl', '-sS', '--max-time', '10', `${base}/metrics`]);
    const expected = [`nginx_ipng_requests_total{source_tag="${host.dev}",vip="${host.serverV4}",code="${codes[0]}"} 6`];
    expect(await scrapeUntil(scrape, expected)).toEqual(expected);
    // the scrapes did not count themselves
    const body = await scrape();
    expect(requestLines(body)).toEqual(expected);
    // the zone is the one ipng_stats_zone made: 4m
    expect(sampleValue(body, 'nginx_ipng_zone_bytes_total')).toBe(4194304);
    const json = JSON.parse(host.exec(['curl', '-sS', '--max-time', '10', '-H', 'Accept: application/json', `${base}/metrics`]));
    expect(json.schema).toBe(1);
    expect(json.by_source[host.dev].vips[host.serverV4].codes[String(codes[0])].requests).toBe(6);
  });
});

describe('ipng_stats_zone and ipng_stats; on loopback', () => {
  test('the same example on 127.0.0.1: exact counts, both workers tick, JSON, a reload keeps the zone', async ({ nginx }) => {
    const n = await nginx(
      spec(`    ipng_stats_zone ipng:4m;
    server {
        listen 127.0.0.1:{{PORT}};
        location /metrics { ipng_stats; }
        location = /ok { return 200 "ok\\n"; }
        location = /gone { return 404; }
        location = /zone { return 200 "$ipng_stats_zone\\n"; }
    }`),
    );
    for (let i = 0; i < 5; i++) expect((await httpGet(n.url('/ok'))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await httpGet(n.url('/gone'))).status).toBe(404);
    // the tick (js_periodic worker_affinity=all) flushes in both workers
    await afterNextFlush(n.url('/metrics'));
    const expected = [
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 5',
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 3',
    ];
    const body = (await httpGet(n.url('/metrics'))).body;
    expect(requestLines(body)).toEqual(expected);
    expect(sampleValue(body, 'nginx_ipng_flushes_total{worker="0"}')).toBeGreaterThan(0);
    expect(sampleValue(body, 'nginx_ipng_flushes_total{worker="1"}')).toBeGreaterThan(0);
    expect(sampleValue(body, 'nginx_ipng_zone_bytes_total')).toBe(4194304);
    // the bundle reads the zone's name from the shim
    expect((await httpGet(n.url('/zone'))).body).toBe('ipng\n');
    const json = JSON.parse((await httpGet(n.url('/metrics'), { Accept: 'application/json' })).body);
    expect(json.by_source.direct.vips['127.0.0.1'].codes['200'].requests).toBe(5);
    expect(json.meta.zone_bytes_total).toBe(4194304);

    // same name and size: the counters survive a reload (200s: 5 /ok, 1 /zone, 1 /ok)
    await n.reload();
    expect((await httpGet(n.url('/ok'))).status).toBe(200);
    const after = ['nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 7', expected[1]];
    expect(await scrapeUntil(async () => (await httpGet(n.url('/metrics'))).body, after)).toEqual(after);
  });

  test('the directives of the reference with their example values; an allow/deny scrape location never counts', async ({ nginx }) => {
    const n = await nginx(
      spec(`    ipng_stats_zone ipng:4m;
    ipng_stats_flush_interval 500ms;
    ipng_stats_default_source public;
    ipng_stats_buckets 1 5 10 25 50 100 250 500 1000 2500 5000 10000;
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT1}} ipng_source_tag=mg1;
        location /metrics {
            allow 127.0.0.1;
            deny all;
            ipng_stats;
        }
        location = /quiet { ipng_stats off; return 200; }
        location / { return 200 "ok\\n"; }
    }`, { ports: 2 }),
    );
    const other = (path: string) => `http://127.0.0.1:${n.ports[1]}${path}`;
    for (let i = 0; i < 4; i++) await httpGet(n.url('/a'));
    for (let i = 0; i < 2; i++) await httpGet(other('/b'));
    for (let i = 0; i < 3; i++) await httpGet(n.url('/quiet'));
    // refused by the ACL before the scrape handler runs: still not counted
    for (let i = 0; i < 2; i++) {
      expect((await httpRequest(n.url('/metrics'), { localAddress: '127.0.0.2' })).status).toBe(403);
    }
    await afterNextFlush(n.url('/metrics'));
    const body = (await httpGet(n.url('/metrics'))).body;
    expect(requestLines(body)).toEqual([
      'nginx_ipng_requests_total{source_tag="mg1",vip="127.0.0.1",code="200"} 2',
      'nginx_ipng_requests_total{source_tag="public",vip="127.0.0.1",code="200"} 4',
    ]);
    // the buckets as configured, in seconds
    const publicBuckets = samples(body, 'nginx_ipng_request_duration_seconds_bucket').filter((l) => l.includes('"public"'));
    expect(publicBuckets.map((l) => /le="([^"]+)"/.exec(l)?.[1])).toEqual([
      '0.001', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf',
    ]);
    expect(publicBuckets[publicBuckets.length - 1]).toMatch(/ 4$/);
  });

  test('ipng_stats_bundle names the bundle when there is no js_path', async ({ nginx }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ipng-bundle-'));
    try {
      copyFileSync(join(distDir, 'ipng-stats.js'), join(dir, 'ipng-stats.js'));
      const n = await nginx(
        spec(
          `    ipng_stats_bundle ${join(dir, 'ipng-stats.js')};
    ipng_stats_zone ipng:4m;
    server { listen 127.0.0.1:{{PORT}}; location /metrics { ipng_stats; } location = /ok { return 200; } }`,
          { jsPath: false },
        ),
      );
      for (let i = 0; i < 3; i++) await httpGet(n.url('/ok'));
      await afterNextFlush(n.url('/metrics'));
      expect(requestLines((await httpGet(n.url('/metrics'))).body)).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the explicit js_* form next to the directives: both scrapes agree, two ticks count nothing twice', async ({ nginx }) => {
    const n = await nginx(
      spec(`    js_import ipng from ipng-stats.js;
    ipng_stats_zone ipng:4m;
    server {
        listen 127.0.0.1:{{PORT}};
        location @ipng_stats_tick { js_periodic ipng.tick interval=100ms worker_affinity=all; }
        location = /metrics { ipng_stats; }
        location = /explicit { js_content ipng.scrape; }
        location = /ok { return 200; }
    }`),
    );
    for (let i = 0; i < 7; i++) await httpGet(n.url('/ok'));
    await afterNextFlush(n.url('/metrics'));
    const expected = ['nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 7'];
    expect(requestLines((await httpGet(n.url('/metrics'))).body)).toEqual(expected);
    expect(requestLines((await httpGet(n.url('/explicit'))).body)).toEqual(expected);
    await afterNextFlush(n.url('/metrics'));
    expect(requestLines((await httpGet(n.url('/metrics'))).body)).toEqual(expected);
  });
});

class Receiver {
  readonly got: string[] = [];
  private sock!: Socket;
  port = 0;

  async start(): Promise<void> {
    this.sock = createSocket('udp4');
    this.sock.on('message', (m) => this.got.push(m.toString('utf8')));
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
  }

  /** Every line received, once `count` lines arrived or after `ms`. */
  async lines(count: number, ms = 5000): Promise<string[]> {
    const all = () => this.got.join('').split('\n').filter((l) => l.length > 0);
    const until = Date.now() + ms;
    while (all().length < count && Date.now() < until) await sleep(20);
    return all();
  }

  close(): void {
    this.sock.close();
  }
}

describe('the logtail examples of the reference', () => {
  // As written (first example), with udp://127.0.0.1:9514 -> the receiver's port.
  const logFormat = (port: number) =>
    `log_format ipng_stats_logtail '$host\\t$remote_addr\\t$request_method\\t$request_uri\\t' '$status\\t$body_bytes_sent\\t' '$ipng_source_tag\\t$server_addr\\t$scheme'; ipng_stats_logtail ipng_stats_logtail udp://127.0.0.1:${port} buffer=16k flush=1s;`;
  const logFormatOnly = `log_format ipng_stats_logtail '$host\\t$remote_addr\\t$request_method\\t$request_uri\\t' '$status\\t$body_bytes_sent\\t' '$ipng_source_tag\\t$server_addr\\t$scheme';`;
  const servers = `    ipng_stats_zone ipng:4m;
    server {
        listen 127.0.0.1:{{PORT}} ipng_source_tag=mg1;
        location /metrics { ipng_stats; }
        location / { return 200 "ok\\n"; }
    }`;
  let rx: Receiver;

  beforeAll(async () => {
    rx = new Receiver();
    await rx.start();
  });

  afterAll(() => rx.close());

  test('log_format ipng_stats_logtail ...; ipng_stats_logtail ipng_stats_logtail udp://127.0.0.1:9514 buffer=16k flush=1s;', async ({ nginx }) => {
    rx.got.length = 0;
    const n = await nginx(spec(`    ${logFormat(rx.port)}\n${servers}`));
    await httpGet(n.url('/a'));
    await httpGet(n.url('/b?x=1'));
    expect((await rx.lines(2)).sort()).toEqual([
      '127.0.0.1\t127.0.0.1\tGET\t/a\t200\t3\tmg1\t127.0.0.1\thttp',
      '127.0.0.1\t127.0.0.1\tGET\t/b?x=1\t200\t3\tmg1\t127.0.0.1\thttp',
    ]);
    await afterNextFlush(n.url('/metrics'));
    expect(requestLines((await httpGet(n.url('/metrics'))).body)).toEqual([
      'nginx_ipng_requests_total{source_tag="mg1",vip="127.0.0.1",code="200"} 2',
    ]);
  });

  test('# Suppress health checks from the logtail stream: map $request_uri $logtail_enabled { ... } ipng_stats_logtail ... if=$logtail_enabled;', async ({ nginx }) => {
    rx.got.length = 0;
    // As written (second example), the comment on its own line again.
    const example = `    ${logFormatOnly}

# Suppress health checks from the logtail stream:
map $request_uri $logtail_enabled { ~^/\\.well-known/ipng/healthz 0; default 1; } ipng_stats_logtail ipng_stats_logtail udp://127.0.0.1:${rx.port} if=$logtail_enabled;
${servers}`;
    const n = await nginx(spec(example));
    await httpGet(n.url('/.well-known/ipng/healthz'));
    await httpGet(n.url('/kept'));
    await httpGet(n.url('/.well-known/ipng/healthz?probe=1'));
    expect(await rx.lines(1)).toEqual(['127.0.0.1\t127.0.0.1\tGET\t/kept\t200\t3\tmg1\t127.0.0.1\thttp']);
    // suppressed from the stream, still counted
    await afterNextFlush(n.url('/metrics'));
    expect(requestLines((await httpGet(n.url('/metrics'))).body)).toEqual([
      'nginx_ipng_requests_total{source_tag="mg1",vip="127.0.0.1",code="200"} 3',
    ]);
    // the logtail logs every request, the scrapes too; of the others only /kept
    expect((await rx.lines(100, 300)).filter((l) => !l.includes('\t/metrics\t'))).toHaveLength(1);
  });
});

/** nginx -t on an example; returns every [emerg] message without its "in FILE:LINE" tail. */
function emerg(example: string, extra: { jsPath?: boolean; main?: string } = {}): string {
  const res = testConfig({ ...spec(example, extra), ports: [8080] });
  expect(res.status, res.output).not.toBe(0);
  const line = res.output.split('\n').find((l) => l.includes('[emerg]')) ?? res.output;
  return line.replace(/^nginx: \[emerg\] /, '').replace(/ in \/\S+nginx\.conf:\d+$/, '');
}

const scrapeServer = (inner = 'ipng_stats;') => `
    server {
        listen 127.0.0.1:{{PORT}};
        location /metrics { ${inner} }
    }`;

describe('nginx -t with the directives of the spec', () => {
  test('accepts the examples', () => {
    const res = testConfig({ ...spec(`    ipng_stats_zone ipng:4m;\n${scrapeServer()}`), ports: [8080] });
    expect(res.output).toContain('test is successful');
    expect(res.status).toBe(0);
  });

  const zoneCases: [string, string, string][] = [
    ['no size', 'ipng_stats_zone ipng;', 'invalid value "ipng" in "ipng_stats_zone": it must be NAME:SIZE, e.g. ipng:4m'],
    ['no name', 'ipng_stats_zone :4m;', '"ipng_stats_zone" needs a zone name before ":", e.g. ipng:4m'],
    ['a name with a dot', 'ipng_stats_zone ip.ng:4m;', 'invalid zone name "ip.ng" in "ipng_stats_zone": use letters, digits, "_" and "-" only'],
    ['a size without k or m', 'ipng_stats_zone ipng:4194304;', 'invalid zone size "4194304" in "ipng_stats_zone": it must be a number with a k or m suffix, e.g. 4m or 512k'],
    ['a size that is no number', 'ipng_stats_zone ipng:lotsk;', 'invalid zone size "lotsk" in "ipng_stats_zone": it must be a number with a k or m suffix, e.g. 4m or 512k'],
    ['a size below 64k', 'ipng_stats_zone ipng:32k;', 'zone size "32k" in "ipng_stats_zone" is too small: it must be at least 64k (the per-worker records, one (source, vip) record and the reserve that keeps existing records writable)'],
    ['twice', 'ipng_stats_zone ipng:4m; ipng_stats_zone other:4m;', '"ipng_stats_zone" directive is duplicate'],
    ['two arguments', 'ipng_stats_zone ipng 4m;', 'invalid number of arguments in "ipng_stats_zone" directive'],
    [
      'a name another zone has',
      'limit_req_zone $binary_remote_addr zone=ipng:1m rate=1r/s; ipng_stats_zone ipng:4m;',
      'zone name "ipng" in "ipng_stats_zone" is already used by another shared memory zone (js_shared_dict_zone, limit_req_zone, ...) declared before it: pick another name',
    ],
  ];
  for (const [name, line, message] of zoneCases) {
    test(`ipng_stats_zone: ${name}`, () => {
      expect(emerg(`    ${line}`)).toBe(message);
    });
  }

  test('wrong load order: the shim before ngx_http_js_module', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer()}`, { main: shimFirst })).toBe(
      'the shim (ngx_http_ipng_stats_module) is loaded before ngx_http_js_module: load ngx_http_js_module first (its load_module line before the shim\'s)',
    );
  });

  test('the wrong load order fails even without the directives of the spec', () => {
    expect(emerg('    server { listen 127.0.0.1:{{PORT}}; }', { main: shimFirst })).toBe(
      'the shim (ngx_http_ipng_stats_module) is loaded before ngx_http_js_module: load ngx_http_js_module first (its load_module line before the shim\'s)',
    );
  });

  test('njs not loaded at all', () => {
    expect(emerg('    ipng_stats_zone ipng:4m;', { main: `load_module ${env.SHIM_MODULE};`, jsPath: false })).toBe(
      '"ipng_stats_zone" is run by ngx_http_js_module, which is not loaded: load it first (its load_module line before the shim\'s)',
    );
  });

  test('ipng_stats; outside a location', () => {
    const message = '"ipng_stats;" without a value is the scrape handler: it belongs in a location ("ipng_stats on|off" switches counting here)';
    expect(emerg('    ipng_stats_zone ipng:4m; ipng_stats;')).toBe(message);
    expect(emerg('    ipng_stats_zone ipng:4m; server { listen 127.0.0.1:{{PORT}}; ipng_stats; }')).toBe(message);
  });

  test('another content handler before ipng_stats;', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer('proxy_pass http://127.0.0.1:1; ipng_stats;')}`)).toBe(
      '"ipng_stats;" cannot be combined with another content handler (proxy_pass, fastcgi_pass, js_content, ...) given before it in the same location: the scrape handler must be the location\'s only one',
    );
  });

  test('another content handler after ipng_stats;', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer('ipng_stats; fastcgi_pass 127.0.0.1:1;')}`)).toMatch(
      /^"ipng_stats;" in \/\S+nginx\.conf:\d+ cannot be combined with another content handler \(proxy_pass, fastcgi_pass, \.\.\.\) in the same location: the scrape handler must be the location's only one$/,
    );
  });

  test('js_content after ipng_stats; (njs\'s own check)', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer('ipng_stats; js_content x.y;')}`)).toBe('"js_content" directive is duplicate');
  });

  test('ipng_stats; twice in one location', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer('ipng_stats; ipng_stats;')}`)).toBe('"ipng_stats" directive is duplicate');
  });

  test('ipng_stats; without a zone', () => {
    expect(emerg(scrapeServer())).toMatch(
      /^"ipng_stats;" in \/\S+nginx\.conf:\d+ needs the counter zone: add "ipng_stats_zone NAME:SIZE;" at http level, e.g. "ipng_stats_zone ipng:4m;"$/,
    );
  });

  test('no js_path and no ipng_stats_bundle: the default install path, which this machine does not have', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer()}`, { jsPath: false })).toBe(
      '"ipng_stats;" imports the njs-ipng-stats bundle from "/usr/share/njs-ipng-stats/dist/ipng-stats.js", which cannot be read: ' +
        'install it there, set "js_path" (http level, before this line) to the directory that holds ipng-stats.js, or name the file ' +
        'with "ipng_stats_bundle" (2: No such file or directory)',
    );
  });

  test('js_path without the bundle: njs\'s own message, as for any js_import', () => {
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer()}`.replace('    ipng_stats_zone', `    js_path ${tmpdir()};\n    ipng_stats_zone`), { jsPath: false })).toBe(
      'ReferenceError: Cannot load module "ipng-stats.js" (ENOENT:No such file or directory)',
    );
  });

  test('ipng_stats_bundle: a file that is not there; after ipng_stats;; twice', () => {
    expect(emerg(`    ipng_stats_bundle /nonexistent/ipng-stats.js; ipng_stats_zone ipng:4m;\n${scrapeServer()}`, { jsPath: false })).toBe(
      '"ipng_stats;" imports the bundle that "ipng_stats_bundle" names, "/nonexistent/ipng-stats.js", which cannot be read (2: No such file or directory)',
    );
    expect(emerg(`    ipng_stats_zone ipng:4m;\n${scrapeServer()}\n    ipng_stats_bundle ${join(distDir, 'ipng-stats.js')};`)).toMatch(
      /^"ipng_stats_bundle" must come before the first "ipng_stats;" \(in \/\S+nginx\.conf:\d+\), which imports the bundle$/,
    );
    expect(emerg('    ipng_stats_bundle /a.js; ipng_stats_bundle /b.js;')).toBe('"ipng_stats_bundle" directive is duplicate');
  });

  test('ipng_stats_zone and ipng_stats_bundle are http-level only', () => {
    expect(emerg('    server { listen 127.0.0.1:{{PORT}}; ipng_stats_zone ipng:4m; }')).toBe('"ipng_stats_zone" directive is not allowed here');
    expect(emerg('    server { listen 127.0.0.1:{{PORT}}; location / { ipng_stats_bundle /a.js; } }')).toBe('"ipng_stats_bundle" directive is not allowed here');
  });
});
