// Shared by the stats-*.test.ts files: nginx configuration pieces, and the
// expected counters computed from nginx's own access log of the same run
// ($request_length, $bytes_sent, $request_time, $upstream_response_time
// as nginx gave them to the recorder), written independently of src/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet, HttpResponse } from '../harness/http';
import { sleep } from '../../scripts/nginx-process.mjs';

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const DEFAULT_BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The access-log format the expectations are computed from. */
export const EXPECT_LOG_FORMAT =
  "log_format ipng_expect '$server_addr|$status|$request_length|$bytes_sent|$request_time|$upstream_response_time';";

/** The log spool's line (nginx/ipng-stats-log-spool.conf), for a server or location with access_log lines of its own. */
export const SPOOL_LOG_LINE =
  'access_log /$ipng_stats_spool_dir/ipng-stats-$pid.log ipng_stats_observation if=$ipng_stats_count;';

/**
 * access_log lines for a server whose requests the test expects: the
 * expectation log, plus (without the shim) the recorder's hook or the log
 * spool's line, which a server with an access_log of its own does not
 * inherit.
 */
export function serverLogs(shim: boolean, spool = false): string {
  let counting = '';
  if (!shim) counting = spool ? SPOOL_LOG_LINE : 'access_log /dev/null ipng_stats_record if=$ipng_stats_record;';
  return ['access_log expect.log ipng_expect;', counting].join('\n        ');
}

export interface ExpectedCode {
  requests: number;
  bytes_in: number;
  bytes_out: number;
}

export interface ExpectedHistogram {
  /** cumulative, keyed like the JSON: "1", "5", ..., "+Inf" */
  buckets: Record<string, number>;
  sum_ms: number;
  count: number;
}

export interface ExpectedVip {
  codes: Record<string, ExpectedCode>;
  request_duration_ms: ExpectedHistogram;
  upstream_response_ms: ExpectedHistogram;
}

function msOf(secondsText: string): number {
  // "0.031" -> 31 without floating point: nginx prints exactly 3 decimals.
  const [whole, frac = ''] = secondsText.split('.');
  return Number(whole) * 1000 + Number((frac + '000').slice(0, 3));
}

function emptyHistogram(bounds: number[]): ExpectedHistogram {
  const buckets: Record<string, number> = {};
  for (const b of bounds) buckets[String(b)] = 0;
  buckets['+Inf'] = 0;
  return { buckets, sum_ms: 0, count: 0 };
}

function observe(h: ExpectedHistogram, bounds: number[], ms: number): void {
  for (const b of bounds) if (ms <= b) h.buckets[String(b)]++;
  h.buckets['+Inf']++;
  h.sum_ms += ms;
  h.count++;
}

/** vip -> expected stats, from the lines of expect.log. */
export function expectedFromLog(logText: string, bounds: number[] = DEFAULT_BOUNDS): Record<string, ExpectedVip> {
  const out: Record<string, ExpectedVip> = {};
  for (const line of logText.split('\n')) {
    if (line === '') continue;
    const [vip, status, reqLen, sent, reqTime, upstream] = line.split('|');
    const v = (out[vip] ??= {
      codes: {},
      request_duration_ms: emptyHistogram(bounds),
      upstream_response_ms: emptyHistogram(bounds),
    });
    const c = (v.codes[status] ??= { requests: 0, bytes_in: 0, bytes_out: 0 });
    c.requests++;
    c.bytes_in += Number(reqLen);
    c.bytes_out += Number(sent);
    observe(v.request_duration_ms, bounds, msOf(reqTime));
    const attempts = upstream.split(/[,:]/).map((s) => s.trim()).filter((s) => /^\d+\.\d+$/.test(s));
    if (attempts.length > 0) observe(v.upstream_response_ms, bounds, attempts.reduce((sum, s) => sum + msOf(s), 0));
  }
  return out;
}

export function readExpectLog(prefix: string): string {
  return readFileSync(join(prefix, 'expect.log'), 'utf8');
}

export async function scrapeJson(url: string): Promise<{ response: HttpResponse; document: any }> {
  const response = await httpGet(url, { Accept: 'application/json' });
  return { response, document: JSON.parse(response.body) };
}

export { samples, sampleValue } from '../harness/exposition';
export { sleep };

/** Polls `check` (bounded: `timeoutMs`) until it returns true. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
