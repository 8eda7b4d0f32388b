// What the reqstat tests share: a tiny njs module of the test's own (no
// product bundle) whose tick, on every worker, drains
// $ipng_stats_writer_deltas into a dict that /seen returns, and the
// reading of the "reqstat" lines of docs/wire-format.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, expect } from 'vitest';
import { NginxInstance, NginxOptions } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';
import { sleep } from '../../scripts/nginx-process.mjs';

export const US = '\x1f';

/** Tengine's columns after kv, in its order: the counters of a reqstat line. */
export const FIELDS = [
  'bytes_in', 'bytes_out', 'conn_total', 'req_total', 'http_2xx', 'http_3xx', 'http_4xx', 'http_5xx',
  'http_other_status', 'rt', 'ups_req', 'ups_rt', 'ups_tries', 'http_200', 'http_206', 'http_302', 'http_304',
  'http_403', 'http_404', 'http_416', 'http_499', 'http_500', 'http_502', 'http_503', 'http_504', 'http_508',
  'http_other_detail_status', 'http_ups_4xx', 'http_ups_5xx',
] as const;

const dir = mkdtempSync(join(tmpdir(), 'ipng-reqstat-js-'));
writeFileSync(
  join(dir, 't.js'),
  `
function unwritten(d) {
    return d.slice(0, 2) === 'w\\n' ? d.slice(2) : d;
}
function tick(s) {
    var d = unwritten(s.variables.ipng_stats_writer_deltas);
    if (d) {
        ngx.shared.t.set('seen', (ngx.shared.t.get('seen') || '') + d);
    }
}
function slow(r) {
    setTimeout(function () { r.return(200, 'slow\\n'); }, 3000);
}
function drain(r) {
    r.return(200, unwritten(r.variables.ipng_stats_writer_deltas));
}
function seen(r) {
    r.return(200, ngx.shared.t.get('seen') || '');
}
function vars(r) {
    r.return(200, r.variables.ipng_reqstat_zones + '|' + r.variables.ipng_reqstat_show + '|'
             + r.variables.ipng_reqstat_show_fields);
}
export default { tick, seen, vars, slow, drain };
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The directory of the test's njs module t.js (tick, seen, vars, slow). */
export function jsDir(): string {
  return dir;
}

export function mainLines(): string {
  const env = readRuntimeEnv();
  return `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`;
}

export const LOG_FORMAT =
  "log_format rs '$host|$status|$request_length|$bytes_sent|$request_time|$upstream_response_time|$upstream_status|$uri';";

/**
 * The shim without the bundle; ipng off so that only reqstat lines are
 * drained. PLUMBING, a server of its own on the last port, counts in no
 * zone as long as req_status is not given at http level.
 */
export function reqstatOnly(http: string, workers = 2, ports = 2): NginxOptions {
  return {
    workers, ports, product: false, tick: false, flushInterval: null, main: mainLines(),
    http: `
    js_path ${dir};
    js_import t from t.js;
    js_shared_dict_zone zone=t:4m;
    ${LOG_FORMAT}
    access_log rs.log rs;
    ipng_stats off;
    ${http}`,
  };
}

/** The server every test has, on its last port: the tick and the drained text. */
export function plumbing(port = 'PORT1'): string {
  return `
    server {
        listen 127.0.0.1:{{${port}}};
        access_log off;
        location @tick { js_periodic t.tick interval=100ms worker_affinity=all; }
        location = /seen { js_content t.seen; }
        location = /vars { js_content t.vars; }
    }`;
}

/**
 * The commonest configuration of these tests: one zone "hosts" keyed by
 * $host, counting `location /` (200 "x") on {{PORT}}, and the plumbing.
 */
export function hostsZone(): NginxOptions {
  return reqstatOnly(`
    req_status_zone hosts "$host" 1m;
    ${plumbing()}
    server {
        listen 127.0.0.1:{{PORT}};
        req_status hosts;
        location / { return 200 "x"; }
    }`);
}

function plumbingUrl(n: NginxInstance, path: string): string {
  return `http://127.0.0.1:${n.ports[n.ports.length - 1]}${path}`;
}

/** $ipng_reqstat_zones|$ipng_reqstat_show|$ipng_reqstat_show_fields of a location on the plumbing server. */
export async function reqstatVars(n: NginxInstance): Promise<string> {
  return (await httpGet(plumbingUrl(n, '/vars'))).body;
}

export type Line = Record<string, number>;

/**
 * The identity the shim gives a key longer than the zone's key length
 * (docs/wire-format.md): CRC32 and MurmurHash2 (nginx's ngx_murmur_hash2)
 * of the whole key, 8 hex digits each.
 */
export function keyIdentity(whole: string): string {
  const data = Buffer.from(whole, 'latin1');
  const m = 0x5bd1e995;
  let h = data.length >>> 0;
  let i = 0;
  for (; data.length - i >= 4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length - i;
  if (rest === 3) h ^= data[i + 2] << 16;
  if (rest >= 2) h ^= data[i + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[i], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
  return hex(crc32(data)) + hex(h);
}

/**
 * Every reqstat line drained so far, summed per (zone, key): "zone␟key" ->
 * field -> value; a cut key is "zone␟key␟identity".
 */
export function reqstatLines(text: string, indicators: Record<string, string[]> = {}): Map<string, Line> {
  const out = new Map<string, Line>();
  for (const l of text.split('\n')) {
    if (!l.startsWith(`r${US}reqstat${US}`)) continue;
    const f = l.split(US);
    expect(f).toHaveLength(7);
    expect(f[3]).toBe('2');
    const zone = f[2];
    const names = [...FIELDS, ...(indicators[zone] ?? [])];
    const values = f[6].split(' ').map(Number);
    expect(values).toHaveLength(names.length);
    const k = f[5] === '' ? `${zone}${US}${f[4]}` : `${zone}${US}${f[4]}${US}${f[5]}`;
    const line = out.get(k) ?? Object.fromEntries(names.map((n) => [n, 0]));
    names.forEach((n, i) => { line[n] += values[i]; });
    out.set(k, line);
  }
  return out;
}

/** Everything drained so far, as text. */
export async function seenText(n: NginxInstance): Promise<string> {
  return (await httpGet(plumbingUrl(n, '/seen'))).body;
}

/** Polls /seen until the reqstat lines count `requests` requests (req_total) in all, or 10 s. */
export async function drained(
  n: NginxInstance, requests: number, indicators: Record<string, string[]> = {},
): Promise<Map<string, Line>> {
  let lines = new Map<string, Line>();
  for (let i = 0; i < 100; i++) {
    lines = reqstatLines((await httpGet(plumbingUrl(n, '/seen'))).body, indicators);
    const total = [...lines.values()].reduce((a, l) => a + l.req_total, 0);
    if (total >= requests) break;
    await sleep(100);
  }
  return lines;
}

export interface LogLine {
  host: string; status: number; requestLength: number; bytesSent: number; ms: number; upstreamMs: number[];
  upstreamStatus: string; uri: string;
}

export function accessLog(n: NginxInstance): LogLine[] {
  return readFileSync(join(n.prefix, 'rs.log'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const [host, status, len, sent, time, upTime, upStatus, uri] = l.split('|');
    return {
      host, status: Number(status), requestLength: Number(len), bytesSent: Number(sent),
      ms: Math.round(Number(time) * 1000),
      upstreamMs: upTime === '-' ? [] : upTime.split(/, | : /).map((x) => (x === '-' ? 0 : Math.round(Number(x) * 1000))),
      upstreamStatus: upStatus, uri,
    };
  });
}

/**
 * The access log once it has `count` lines (a line can follow its
 * response, and two workers' lines need not be in the order of the
 * requests), or after 5 s.
 */
export async function accessLogOf(n: NginxInstance, count: number): Promise<LogLine[]> {
  for (let i = 0; i < 100 && accessLog(n).length < count; i++) await sleep(50);
  return accessLog(n);
}

/** Sums of bytes and times over log lines: what bytes_in, bytes_out, rt, ups_rt must hold. */
export function sums(lines: LogLine[]): Line {
  return {
    bytes_in: lines.reduce((a, l) => a + l.requestLength, 0),
    bytes_out: lines.reduce((a, l) => a + l.bytesSent, 0),
    rt: lines.reduce((a, l) => a + l.ms, 0),
    ups_rt: lines.reduce((a, l) => a + l.upstreamMs.reduce((x, y) => x + y, 0), 0),
  };
}

/** A line with every field 0 but those given. */
export function line(values: Line, indicators: string[] = []): Line {
  return { ...Object.fromEntries([...FIELDS, ...indicators].map((n) => [n, 0])), ...values };
}
