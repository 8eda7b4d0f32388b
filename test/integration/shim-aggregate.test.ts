// The shim's per-worker aggregation, read through $ipng_stats_writer_deltas
// by a tiny njs module of the test's own (no product bundle): exact lines
// after known traffic, the expected values computed from an access_log
// written in the same run. One worker unless said otherwise: its drain
// holds the writer lease, so it returns "w" and then its own block (the
// drain below strips the "w" line).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test, freePort, NginxInstance, NginxOptions } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';
import { sleep } from '../../scripts/nginx-process.mjs';
import { ungroupWire } from '../harness/wire-groups';

const US = '\x1f';
const BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const B_LINE = `b${US}${BOUNDS.join(' ')}`;

const jsDir = mkdtempSync(join(tmpdir(), 'ipng-aggregate-js-'));
writeFileSync(
  join(jsDir, 't.js'),
  `
function unwritten(d) {
    return d.slice(0, 2) === 'w\\n' ? d.slice(2) : d;
}
function drain(r) {
    r.return(200, unwritten(r.variables.ipng_stats_writer_deltas));
}
function skipped(r) {
    var before = r.variables.ipng_stats_skip;
    r.variables.ipng_stats_skip = '1';
    r.return(200, 'skip:[' + before + '][' + r.variables.ipng_stats_skip + ']\\n');
}
function slow(r) {
    setTimeout(function () { r.return(200, 'slow\\n'); }, 30);
}
function tick(s) {
    var d = unwritten(s.variables.ipng_stats_writer_deltas);
    if (d) {
        ngx.shared.t.set('seen', (ngx.shared.t.get('seen') || '') + d);
    }
}
function seen(r) {
    r.return(200, ngx.shared.t.get('seen') || '');
}
export default { drain, skipped, slow, tick, seen };
`,
);
afterAll(() => rmSync(jsDir, { recursive: true, force: true }));

function main(): string {
  const env = readRuntimeEnv();
  return `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`;
}

// $ipng_source_tag ($server_addr) $status $request_length $bytes_sent
// $request_time $upstream_response_time, separated by '|'
const LOG_FORMAT = `log_format agg '$ipng_source_tag|$server_addr|$status|$request_length|$bytes_sent|$request_time|$upstream_response_time';`;

function common(extra = ''): string {
  return `
    js_path ${jsDir};
    js_import t from t.js;
    ${LOG_FORMAT}
    access_log agg.log agg;
    ${extra}`;
}

/** The shim alone (no bundle, no tick): this file reads $ipng_stats_writer_deltas itself. */
function shimOnly(workers: number, http: string): NginxOptions {
  return { workers, product: false, tick: false, flushInterval: null, main: main(), http: common(http) };
}

const DRAIN = 'location = /drain { ipng_stats off; access_log off; js_content t.drain; }';

async function drain(n: NginxInstance, port = n.port): Promise<string> {
  return (await httpGet(`http://127.0.0.1:${port}/drain`)).body;
}

function bucket(ms: number): number {
  const i = BOUNDS.findIndex((b) => ms <= b);
  return i === -1 ? BOUNDS.length : i;
}

type Histogram = { sum: number; h: number[] };

const hist = (x: Histogram | undefined) => (x ? [x.sum, ...x.h].join(' ') : '');

/** The deltas the shim should render for these access_log lines (sorted): docs/wire-format.md, the ipng subsystem. */
function expectedFromLog(lines: string[]): string[] {
  const codes = new Map<string, [number, number, number]>();
  const dur = new Map<string, Histogram>();
  const ups = new Map<string, Histogram>();
  for (const line of lines) {
    const [tag, vip, status, reqLen, sent, reqTime, upTime] = line.split('|');
    const c = codes.get([tag, vip, status].join(US)) ?? [0, 0, 0];
    codes.set([tag, vip, status].join(US), [c[0] + 1, c[1] + Number(reqLen), c[2] + Number(sent)]);
    const key = [tag, vip].join(US);
    const ms = Math.round(Number(reqTime) * 1000);
    const d = dur.get(key) ?? { sum: 0, h: new Array(BOUNDS.length + 1).fill(0) };
    d.sum += ms;
    d.h[bucket(ms)]++;
    dur.set(key, d);
    // $upstream_response_time: "-" when none; numbers and "-" separated by ", " and " : "
    if (upTime !== '-') {
      const nums = upTime.split(/, | : /).filter((x) => x !== '-').map((x) => Math.round(Number(x) * 1000));
      if (nums.length > 0) {
        const sum = nums.reduce((a, b) => a + b, 0);
        const u = ups.get(key) ?? { sum: 0, h: new Array(BOUNDS.length + 1).fill(0) };
        u.sum += sum;
        u.h[bucket(sum)]++;
        ups.set(key, u);
      }
    }
  }
  const out: string[] = [];
  for (const [k, counters] of codes) out.push(['r', 'ipng', '', 3, k, counters.join(' ')].join(US));
  for (const [k, d] of dur) out.push(['r', 'ipng_time', '', 2, k, d.h.reduce((a, b) => a + b, 0), hist(d), hist(ups.get(k))].join(US));
  return out.sort();
}

/** The "ipng" lines of a drain as "tag vip status requests". */
function codesOf(lines: string[]): string[] {
  return lines
    .filter((l) => l.startsWith(`r${US}ipng${US}`))
    .map((l) => {
      const f = l.split(US);
      expect(f).toHaveLength(8);
      return [f[4], f[5], f[6], f[7].split(' ')[0]].join(' ');
    });
}

/** The "ipng_time" lines of a drain: tag, vip, duration and upstream histograms (null: empty). */
function timesOf(lines: string[]): Array<{ tag: string; vip: string; duration: number[] | null; upstream: number[] | null }> {
  const vector = (s: string) => (s === '' ? null : s.split(' ').map(Number));
  return lines
    .filter((l) => l.startsWith(`r${US}ipng_time${US}`))
    .map((l) => {
      const f = l.split(US);
      expect(f).toHaveLength(9);
      return { tag: f[4], vip: f[5], duration: vector(f[7]), upstream: vector(f[8]) };
    });
}

/**
 * Lines of a drain, checking the framing: every block starts with a b
 * line. The m lines are read as the r lines they stand for.
 */
function linesOf(text: string): string[] {
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  const lines = ungroupWire(text.slice(0, -1)).split('\n');
  expect(lines[0]).toBe(B_LINE);
  return lines;
}

/**
 * Several drained blocks (each starting with its b line) merged into the
 * lines one block would have, sorted; and the requests they count.
 */
function merge(text: string): { lines: string[]; requests: number } {
  const merged = new Map<string, Array<number[] | null>>();
  if (text === '') return { lines: [], requests: 0 };
  const lines = ungroupWire(text.slice(0, -1)).split('\n');
  expect(lines[0]).toBe(B_LINE);
  const add = (a: number[] | null, b: number[] | null) => (a === null ? b : b === null ? a : a.map((v, i) => v + b[i]));
  for (const l of lines.filter((x) => x !== B_LINE)) {
    const f = l.split(US);
    const keyLen = f[0] === 'x' ? 1 : f[1] === 'ipng' ? 7 : 6;
    const key = f.slice(0, keyLen).join(US);
    const vals = f.slice(keyLen).map((s) => (s === '' ? null : s.split(' ').map(Number)));
    const prev = merged.get(key);
    merged.set(key, prev ? prev.map((v, i) => add(v, vals[i])) : vals);
  }
  const out = [...merged].map(([k, v]) => [k, ...v.map((x) => (x === null ? '' : x.join(' ')))].join(US)).sort();
  const requests = codesOf(out).reduce((a, l) => a + Number(l.split(' ')[3]), 0);
  return { lines: out, requests };
}

function accessLog(n: NginxInstance): string[] {
  return readFileSync(join(n.prefix, 'agg.log'), 'utf8').split('\n').filter(Boolean);
}

/**
 * The access log once it has `count` lines, or as it is after 5 s: a
 * request's line is written in the log phase, which can end after the
 * client has the response (under valgrind, noticeably).
 */
async function accessLogOf(n: NginxInstance, count: number): Promise<string[]> {
  for (let i = 0; i < 100 && accessLog(n).length < count; i++) await sleep(50);
  return accessLog(n);
}

describe('$ipng_stats_writer_deltas, read by its only worker', () => {
  test('statuses, bytes, duration buckets, upstreams (reached, failed, slow); cleared after a read', async ({ nginx }) => {
    const closed = await freePort();
    const n = await nginx({ ...shimOnly(1, `
    server {
        listen 127.0.0.1:{{PORT}} ipng_source_tag=front;
        ${DRAIN}
        location = /ok { return 200 "ok\\n"; }
        location = /missing { return 404; }
        location = /moved { return 301 /ok; }
        location = /proxy { proxy_pass http://127.0.0.1:{{PORT1}}/up; }
        location = /slow { proxy_pass http://127.0.0.1:{{PORT1}}/slow; }
        location = /dead { proxy_pass http://127.0.0.1:${closed}/; }
    }
    server {
        listen 127.0.0.1:{{PORT1}} ipng_source_tag=back;
        location = /up { return 200 "from upstream\\n"; }
        location = /slow { js_content t.slow; }
    }`), ports: 2 });
    expect(await drain(n)).toBe('');
    for (let i = 0; i < 3; i++) await httpGet(n.url('/ok'));
    await httpGet(n.url('/ok'), { 'X-Padding': 'x'.repeat(100) });
    for (let i = 0; i < 2; i++) await httpGet(n.url('/missing'));
    await httpGet(n.url('/moved'));
    for (let i = 0; i < 2; i++) await httpGet(n.url('/proxy'));
    expect((await httpGet(n.url('/dead'))).status).toBe(502);
    expect((await httpGet(n.url('/slow'))).body).toBe('slow\n');

    const raw = await drain(n);
    const lines = linesOf(raw);
    const log = await accessLogOf(n, 4 + 2 + 1 + 2 + 1 + 1 + 3);
    expect(log).toHaveLength(4 + 2 + 1 + 2 + 1 + 1 + 3);
    expect(lines.slice(1).sort()).toEqual(expectedFromLog(log));
    // as the shim wrote them: one m line per (tag, vip), in key order, its
    // members (status and three counters) in status order
    const groups = raw.split('\n').filter((l) => l.startsWith(`m${US}`)).map((l) => l.split(US));
    expect(groups.map((f) => [...f.slice(0, 7), f[7].split(' ').filter((_, i) => i % 4 === 0).join(',')])).toEqual([
      ['m', 'ipng', '', '3', '3', 'back', '127.0.0.1', '200'],
      ['m', 'ipng', '', '3', '3', 'front', '127.0.0.1', '200,301,404,502'],
    ]);

    // the facts behind the computed lines
    const c = codesOf(lines).sort();
    expect(c).toEqual([
      'back 127.0.0.1 200 3',
      'front 127.0.0.1 200 7',
      'front 127.0.0.1 301 1',
      'front 127.0.0.1 404 2',
      'front 127.0.0.1 502 1',
    ]);
    // the 502 to a closed port has a numeric $upstream_response_time
    const dead = log.find((l) => l.split('|')[2] === '502')!;
    expect(dead.split('|')[6]).toMatch(/^\d+\.\d{3}$/);
    const u = timesOf(lines).filter((e) => e.upstream !== null);
    expect(u.map((e) => [e.tag, e.vip])).toEqual([['front', '127.0.0.1']]);
    // 4 upstream observations: 2 fast, the failed one, the slow one (>= 30ms)
    const uCounts = u[0].upstream!.slice(1);
    expect(uCounts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(uCounts.slice(bucket(30)).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(u[0].upstream![0]).toBeGreaterThanOrEqual(30);
    // request durations: every request of "back" but the slow one is fast
    const dBack = timesOf(lines).filter((e) => e.tag === 'back');
    expect(dBack).toHaveLength(1);
    expect(dBack[0].duration!.slice(1).reduce((a, b) => a + b, 0)).toBe(3);

    // reading cleared it
    expect(await drain(n)).toBe('');
    await httpGet(n.url('/missing'));
    const again = linesOf(await drain(n));
    expect(again.slice(1).sort()).toEqual(expectedFromLog(accessLog(n).slice(log.length)));
    expect(codesOf(again)).toHaveLength(1);
  });

  test('ipng_stats off and the skip mark are not counted; $ipng_stats_skip reads back', async ({ nginx }) => {
    const n = await nginx(shimOnly(1, `
    server {
        listen 127.0.0.1:{{PORT}};
        ${DRAIN}
        location = /ok { return 200; }
        location = /off { ipng_stats off; return 200; }
        location = /skipped { js_content t.skipped; }
        location = /flag { return 200 "[$ipng_stats_skip]\\n"; }
    }`));
    await httpGet(n.url('/ok'));
    for (let i = 0; i < 3; i++) await httpGet(n.url('/off'));
    expect((await httpGet(n.url('/skipped'))).body).toBe('skip:[][1]\n');
    await httpGet(n.url('/skipped'));
    expect((await httpGet(n.url('/flag'))).body).toBe('[]\n');
    const lines = linesOf(await drain(n));
    // logged: /ok, /off x3, /skipped x2, /flag; counted: /ok and /flag
    const counted = accessLog(n).filter((_, i) => i === 0 || i === 6);
    expect(counted).toHaveLength(2);
    expect(lines.slice(1).sort()).toEqual(expectedFromLog(counted));
    expect(codesOf(lines)).toEqual([
      'direct 127.0.0.1 200 2',
    ]);
  });

  test('a table bound: observations that need a new entry when it is full are dropped and counted', async ({ nginx }) => {
    const n = await nginx({ ...shimOnly(1, `
    ipng_stats_worker_entries 2;
    server {
        listen 127.0.0.1:{{PORT}} ipng_source_tag=a;
        ${DRAIN}
        location = /ok { return 200; }
        location = /nf { return 404; }
        location = /err { return 500; }
    }
    server { listen 127.0.0.1:{{PORT1}} ipng_source_tag=b; location = /ok { return 200; } }
    server { listen 127.0.0.1:{{PORT2}} ipng_source_tag=c; location = /ok { return 200; } }`), ports: 3 });
    const url = (i: number, p: string) => `http://127.0.0.1:${n.ports[i]}${p}`;
    for (let i = 0; i < 2; i++) await httpGet(url(0, '/ok'));
    await httpGet(url(0, '/nf'));
    for (let i = 0; i < 3; i++) await httpGet(url(0, '/err')); // a third code: dropped
    await httpGet(url(1, '/ok')); // a second pair, but no code entry left: dropped
    for (let i = 0; i < 4; i++) await httpGet(url(2, '/ok')); // a third pair: dropped
    const lines = linesOf(await drain(n));
    const kept = accessLog(n).filter((l) => l.startsWith('a|') && /\|(200|404)\|/.test(l));
    expect(kept).toHaveLength(3);
    expect(lines.slice(1, -1).sort()).toEqual(expectedFromLog(kept));
    expect(lines[lines.length - 1]).toBe(`x${US}8`);
    // the dropped count is cleared too; the entries stay and count again
    expect(await drain(n)).toBe('');
    await httpGet(url(0, '/nf'));
    const again = linesOf(await drain(n));
    expect(codesOf(again)).toEqual([
      'a 127.0.0.1 404 1',
    ]);
  });

  test('nginx -t: ipng_stats_worker_entries must be a positive integer; no $ipng_stats_record needed', async () => {
    const { testConfig } = await import('../harness/nginx');
    const ok = testConfig({ product: false, tick: false, main: main(), http: 'access_log off; server { listen 127.0.0.1:1; }' });
    expect(ok.output).toContain('test is successful');
    const bad = testConfig({ product: false, tick: false, main: main(), http: 'access_log off; ipng_stats_worker_entries none;' });
    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain('invalid value "none" in "ipng_stats_worker_entries": it must be a positive integer');
  });

  test('js_periodic reads and clears it (the tick\'s fake request)', async ({ nginx }) => {
    const n = await nginx(shimOnly(1, `
    js_shared_dict_zone zone=t:1m;
    server {
        listen 127.0.0.1:{{PORT}};
        location @tick { js_periodic t.tick interval=100ms; }
        location = /seen { ipng_stats off; access_log off; js_content t.seen; }
        location = /ok { return 200; }
    }`));
    for (let i = 0; i < 5; i++) await httpGet(n.url('/ok'));
    // one tick or several (slow machines, valgrind): the blocks add up
    let seen = merge('');
    for (let i = 0; i < 100 && seen.requests < 5; i++) {
      seen = merge((await httpGet(n.url('/seen'))).body);
      if (seen.requests < 5) await sleep(100);
    }
    expect(seen.lines).toEqual(expectedFromLog(accessLog(n)));
  });
});

describe('the handoff of exiting workers', () => {
  test('nothing is lost across nginx -s reload: new workers read what the old ones held', async ({ nginx }) => {
    const n = await nginx(shimOnly(2, `
    server {
        listen 127.0.0.1:{{PORT}} ipng_source_tag=r;
        ${DRAIN}
        location = /ok { return 200 "ok\\n"; }
        location = /nf { return 404; }
    }`));
    for (let i = 0; i < 20; i++) await httpGet(n.url('/ok'));
    for (let i = 0; i < 3; i++) await httpGet(n.url('/nf'));
    expect(await accessLogOf(n, 23)).toHaveLength(23);
    await n.reload();
    // new workers count too: a read may return a handoff block and its own
    for (let i = 0; i < 2; i++) await httpGet(n.url('/ok'));
    // the old workers exit once idle; poll until all their counts arrived
    let all = '';
    for (let i = 0; i < 200 && merge(all).requests < 25; i++) {
      const d = await drain(n);
      all += d;
      if (d === '') await sleep(50);
    }
    // one block per exited worker that served something, then the reader's
    // own; merge() checks that the text starts with a b line
    expect(merge(all).lines).toEqual(expectedFromLog(accessLog(n)));
    expect(accessLog(n)).toHaveLength(25);
    expect(await drain(n)).toBe('');
  });
});
