// What the req_status_show tests share: a Tengine-style configuration
// (the shim and njs loaded, no ipng zone, req_status_* lines only) whose
// display location is the product's reqstatShow, and reading its output.
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NginxInstance, NginxOptions } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { sleep } from '../../scripts/nginx-process.mjs';
import { mainLines } from './reqstat-support';

const DIST = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist');

/**
 * nginx with `http` after the bundle's js_path and a 100 ms flush
 * interval: a Tengine-style configuration, with no ipng zone (so no ipng counting).
 */
export function tengineStyle(http: string, workers = 2, ports = 1): NginxOptions {
  return {
    workers, ports, product: false, tick: false, flushInterval: null, main: mainLines(),
    http: `
    js_path ${DIST};
    ipng_stats_flush_interval 100ms;
    access_log off;
    ${http}`,
  };
}

/** The show's text at `url`. */
export async function show(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await httpGet(url, headers);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body}`);
  return res.body;
}

/** A URL on the instance's port `i` (tests keep the show on a server of its own). */
export function urlOn(n: NginxInstance, i: number, path: string): string {
  return `http://127.0.0.1:${n.ports[i]}${path}`;
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
export async function showWhen(url: string, done: (text: string) => boolean): Promise<string> {
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = await show(url);
    if (done(text)) return text;
    await sleep(100);
  }
  return text;
}

/**
 * A show fetched as tsar fetches it: HTTP/1.0 over a plain socket, the
 * whole reply read until nginx closes. Returns the status line, the
 * headers (lower-case names) and the body.
 */
export function fetchHttp10(port: number, path: string, host = 'localhost'): Promise<{ statusLine: string; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.setTimeout(10000, () => socket.destroy(new Error('timeout')));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const h of head.slice(1)) {
        const colon = h.indexOf(':');
        headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
      }
      resolve({ statusLine: head[0], headers, body: text.slice(end + 4) });
    });
  });
}

/**
 * tsar's reading of a show body (its nginx modules, for keys without a
 * comma, as Tengine's documentation asks of tsar users): lines of at most
 * 4,096 bytes, the key up to the first comma, then every field an
 * unsigned integer. Throws on a line tsar would misread.
 */
export function tsarRead(body: string): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  if (!body.endsWith('\n')) throw new Error('the body does not end in a newline');
  for (const l of body.slice(0, -1).split('\n')) {
    if (Buffer.byteLength(l) + 1 > 4096) throw new Error(`line longer than tsar's 4,096-byte buffer: ${l.slice(0, 80)}...`);
    const comma = l.indexOf(',');
    const key = l.slice(0, comma);
    const fields = l.slice(comma + 1).split(',');
    for (const f of fields) if (!/^[0-9]+$/.test(f)) throw new Error(`field ${JSON.stringify(f)} of ${JSON.stringify(l)} is not an unsigned integer`);
    out.set(key, fields.map((f) => BigInt(f)));
  }
  return out;
}
