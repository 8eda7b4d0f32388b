// What the req_status_show tests share: a Tengine-style configuration
// (the shim and njs loaded, no ipng zone, req_status_* lines only) whose
// display location is the product's reqstatShow, and reading its output.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NginxInstance, NginxOptions } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { sleep } from '../../scripts/nginx-process.mjs';
import { mainLines } from './reqstat-support';

const DIST = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist');

/**
 * nginx with `http` after the bundle's js_path and a 100 ms flush
 * interval; ipng off (the configuration has no ipng zone).
 */
export function tengineStyle(http: string, workers = 2, ports = 1): NginxOptions {
  return {
    workers, ports, product: false, tick: false, flushInterval: null, main: mainLines(),
    http: `
    js_path ${DIST};
    ipng_stats off;
    ipng_stats_flush_interval 100ms;
    access_log off;
    ${http}`,
  };
}

/** The show's text at `path`. */
export async function show(n: NginxInstance, path = '/us', headers: Record<string, string> = {}): Promise<string> {
  const res = await httpGet(n.url(path), headers);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.body;
}

/** Sum of req_total over the Tengine lines of a show (all fields). */
export function requestsShown(text: string): number {
  let total = 0;
  for (const l of text.split('\n')) {
    if (l === '') continue;
    const f = l.split(',');
    total += Number(f[f.length - 26]);
  }
  return total;
}

/**
 * Polls the show until `done(text)` holds, or 10 s; returns the last text.
 * The counts reach the zone at the writer's next flush (100 ms here).
 */
export async function showWhen(n: NginxInstance, done: (text: string) => boolean, path = '/us'): Promise<string> {
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = await show(n, path);
    if (done(text)) return text;
    await sleep(100);
  }
  return text;
}
