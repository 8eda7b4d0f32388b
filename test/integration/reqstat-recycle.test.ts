// Recycling through a real nginx (2 workers): reqstat.t's test of 1,010
// keys in a 1 MB zone, and 100,000 attacker-chosen Host headers. A zone
// holds as many keys as Tengine's of the same size (1,008 in 1 MB at key
// length 152); then a new key takes the place of the least recently
// visited key below the zone's threshold, or is dropped and counted.
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, sendConcurrently } from '../harness/http';
import { validateReqstatJson } from '../harness/json-schema';
import { sleep } from '../../scripts/nginx-process.mjs';
import { showWhen, tengineStyle, tsarRead, urlOn } from './reqstat-show-support';

async function json(url: string) {
  const res = await httpGet(url, { Accept: 'application/json' });
  expect(res.status).toBe(200);
  return validateReqstatJson(res.body).zones[0];
}

describe('recycling', () => {
  // reqstat.t uses "req_status_zone_recycle test3 1 1" and one worker; the
  // threshold here is 1 per 3 s so that filling the zone over 2 workers
  // and several flushes surely ends before the first key can be recycled.
  test('1,010 keys into a 1 MB zone: 1,008 stored, 2 dropped; once idle, the two oldest give their places', async ({ nginx }) => {
    const n = await nginx(tengineStyle(`
    req_status_zone test3 "$uri" 1m;
    req_status_zone_recycle test3 1 3;
    server {
        listen 127.0.0.1:{{PORT}};
        location / { req_status test3; return 200 "x"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { req_status_show test3; }
    }`, 2, 2));
    const us = urlOn(n, 1, '/us');
    const started = Date.now();
    const replies = await sendConcurrently(1010, 16, (i) => httpGet(n.url(`/test${i}`)));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    await showWhen(us, (t) => t.split('\n').length - 1 === 1008);
    let zone = await json(us);
    for (let i = 0; i < 50 && zone.keys_dropped < 2; i++) {
      await sleep(100);
      zone = await json(us);
    }
    expect(Date.now() - started, 'the fill must end before a key can be recycled').toBeLessThan(3000);
    expect([zone.keys.length, zone.keys_dropped, zone.requests_dropped, zone.keys_recycled]).toEqual([1008, 2, 2, 0]);
    const stored = new Set(zone.keys.map((k) => k.kv));
    const missing = Array.from({ length: 1010 }, (_, i) => `/test${i}`).filter((k) => !stored.has(k));
    expect(missing).toHaveLength(2);
    // The writer said so, at [warn], once per flush that dropped.
    const warnings = n.errorLog().split('\n').filter((l) => l.includes('req_status_zone "test3" is full'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    for (const w of warnings) expect(w).toMatch(/\[warn\].*js: ipng-stats: req_status_zone "test3" is full: [12] new keys? \([12] requests?\) not counted since the last warning/);
    expect(warnings[warnings.length - 1]).toMatch(/ 2 requests in total;/);
    // The two oldest display slots, shown last, were visited in the first flush.
    const oldest = zone.keys.slice(-2).map((k) => k.kv);
    const busy = zone.keys[0].kv;

    await sleep(3100);
    for (const path of [...missing, busy]) await httpGet(n.url(path));
    const text = await showWhen(us, (t) => missing.every((m) => tsarRead(t).has(m)) && tsarRead(t).get(busy)?.[3] === 2n);
    const lines = tsarRead(text);
    expect(lines.size).toBe(1008);
    for (const m of missing) expect(lines.get(m)![3], m).toBe(1n);
    expect(lines.get(busy)![3]).toBe(2n);
    for (const o of oldest) expect(lines.has(o), o).toBe(false);
    // they took the oldest slots: shown last
    expect(text.trimEnd().split('\n').slice(-2).map((l) => l.split(',')[0]).sort()).toEqual([...missing].sort());
    zone = await json(us);
    expect([zone.keys.length, zone.keys_dropped, zone.keys_recycled]).toEqual([1008, 2, 2]);
  });

  test('100,000 distinct Host headers into a 1 MB zone: every response served, memory bounded, display valid, busy keys exact', async ({ nginx }) => {
    const n = await nginx(tengineStyle(`
    req_status_zone hosts "$host" 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        req_status hosts;
        location / { return 200 "x"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { req_status_show; }
    }`, 2, 2));
    const us = urlOn(n, 1, '/us');
    const workers = () => workerRss(n.errorLog());
    const rssBefore = workers();
    const total = 100000;
    const deadline = Date.now() + 90000;
    let sent = 0;
    let busy = 0;
    const replies = await sendConcurrently(total, 32, (i) => {
      if (Date.now() > deadline) return Promise.resolve({ status: -1, headers: {}, body: '' });
      sent++;
      const host = i % 50 === 0 ? 'busy.example' : `h${i}.attacker.example`;
      if (host === 'busy.example') busy++;
      return httpGet(n.url('/'), { Host: host });
    });
    expect(replies.filter((r) => r.status !== -1).every((r) => r.status === 200)).toBe(true);
    const text = await showWhen(us, (t) => tsarRead(t).get('busy.example')?.[3] === BigInt(busy));
    const lines = tsarRead(text);
    expect(lines.get('busy.example')![3]).toBe(BigInt(busy));
    expect(lines.size).toBeLessThanOrEqual(1008);
    const zone = await json(us);
    const stored = zone.keys.reduce((a, k) => a + k.values[3], 0);
    const rssAfter = workers();
    for (const [pid, kb] of rssAfter) {
      const before = rssBefore.get(pid) ?? kb;
      expect(kb - before, `worker ${pid} grew by ${kb - before} kB`).toBeLessThan(64 * 1024);
    }
    console.log(
      `hostile keys: ${sent} requests (${busy} to busy.example) in a 1 MB zone: ${zone.keys.length} keys shown, ` +
        `${zone.keys_recycled} keys recycled, ${zone.keys_dropped} keys (${zone.requests_dropped} requests) dropped, ` +
        `${stored} requests counted in stored keys; worker RSS before/after (kB): ` +
        [...rssAfter].map(([pid, kb]) => `${rssBefore.get(pid) ?? '?'}/${kb}`).join(', '),
    );
    expect(stored + zone.requests_dropped).toBeLessThanOrEqual(sent);
  }, 180000);
});

describe('requests the per-worker table drops', () => {
  // The table's bound (ipng_stats_worker_entries 8: at most 8 entries of
  // each shape per worker) drops the requests of a 9th key and later
  // ones before they reach the store: they are reqstat's dropped requests
  // of that zone, shown with its own drops, and not ipng's zone-full
  // events (ipng counts the same requests under one pair and one code:
  // its table has room, and its zone too).
  test('shown as the zone\'s requests_dropped (JSON, Prometheus), never in nginx_ipng_zone_full_events_total', async ({ nginx }) => {
    const n = await nginx({
      ...tengineStyle(`
    ipng_stats_zone ipng:1m;
    ipng_stats_worker_entries 8;
    req_status_zone small "$host" 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        req_status small;
        location / { return 200 "x"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { ipng_stats off; req_status_show small; }
        location = /metrics { ipng_stats; }
    }`, 1, 2),
    });
    const us = urlOn(n, 1, '/us');
    // one after the other: 8 keys counted, the 12 requests of the others dropped
    for (let i = 0; i < 20; i++) expect((await httpGet(n.url('/'), { Host: `k${i}` })).status).toBe(200);
    let zone = await json(us);
    for (let i = 0; i < 100 && (zone.keys.length < 8 || zone.requests_dropped < 12); i++) {
      await sleep(100);
      zone = await json(us);
    }
    expect([zone.keys.length, zone.keys_dropped, zone.requests_dropped, zone.keys_recycled]).toEqual([8, 0, 12, 0]);
    expect(zone.keys.map((k) => k.kv).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    const prom = (await httpGet(`${us}?format=prometheus`)).body;
    expect(prom.split('\n').filter((l) => l.startsWith('nginx_reqstat_zone_dropped_'))).toEqual([
      'nginx_reqstat_zone_dropped_keys_total{zone="small"} 0',
      'nginx_reqstat_zone_dropped_requests_total{zone="small"} 12',
    ]);
    // ipng counted all 20 (not the shows, not the scrape): no zone-full event
    const metrics = (await httpGet(urlOn(n, 1, '/metrics'))).body;
    const requests = metrics.split('\n').filter((l) => l.startsWith('nginx_ipng_requests_total{'))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(requests).toBe(20);
    expect(metrics.split('\n').filter((l) => l.startsWith('nginx_ipng_zone_full_events_total'))).toEqual([
      'nginx_ipng_zone_full_events_total 0',
    ]);
  });
});

/** Resident memory (kB) of each worker that the error log says was started. */
function workerRss(errorLog: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of errorLog.matchAll(/start worker process (\d+)/g)) {
    const pid = Number(m[1]);
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      if (rss) out.set(pid, Number(rss[1]));
    } catch {
      // exited
    }
  }
  return out;
}
