// reqstat's counts through the whole path (the shim's per-worker tables,
// the writer's drain, the zone, the show) under load, 2 workers: exactly
// N after N requests, and across reloads while requests run.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, sendConcurrently } from '../harness/http';
import { showWhen, tengineStyle, tsarRead, urlOn } from './reqstat-show-support';

const CONFIG = `
    req_status_zone hosts "$host" 1m;
    req_status_zone uris "$uri" 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        req_status hosts uris;
        location / { return 200 "x"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { req_status_show; }
    }`;

/** req_total per key of the show. */
function requests(text: string): Record<string, number> {
  return Object.fromEntries([...tsarRead(text)].map(([k, v]) => [k, Number(v[3])]));
}

describe('reqstat under load', () => {
  test('1,000 requests, 16 at a time, over 2 workers and 5 hosts: exactly 1,000, 200 per host, in both zones', async ({ nginx }) => {
    const n = await nginx(tengineStyle(CONFIG, 2, 2));
    const us = urlOn(n, 1, '/us');
    const replies = await sendConcurrently(1000, 16, (i) => httpGet(n.url(`/u${i % 4}`), { Host: `h${i % 5}` }));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const text = await showWhen(us, (t) => Object.values(requests(t)).reduce((a, b) => a + b, 0) === 2000);
    expect(requests(text)).toEqual({ h0: 200, h1: 200, h2: 200, h3: 200, h4: 200, '/u0': 250, '/u1': 250, '/u2': 250, '/u3': 250 });
  });

  test('3,000 requests with reloads while they run: every request counted once, counters kept', async ({ nginx }) => {
    const n = await nginx(tengineStyle(CONFIG, 2, 2));
    const us = urlOn(n, 1, '/us');
    let done = false;
    const load = sendConcurrently(3000, 8, (i) => httpGet(n.url('/r'), { Host: `h${i % 3}` })).finally(() => { done = true; });
    let reloads = 0;
    for (let i = 0; i < 3 && !done; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await n.reload();
      reloads++;
    }
    const replies = await load;
    expect(reloads, 'reloads while the requests ran').toBeGreaterThanOrEqual(2);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const text = await showWhen(us, (t) => Object.values(requests(t)).reduce((a, b) => a + b, 0) === 6000);
    expect(requests(text)).toEqual({ h0: 1000, h1: 1000, h2: 1000, '/r': 3000 });
  });
});
