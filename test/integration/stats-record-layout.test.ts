// The record layout (js_shared_dict_zone ... type=string, with the shim):
// a full zone refuses new (source, vip, code) series and counts each
// refused request while the existing series keep counting; counts held by
// workers at a reload are written by the next lease holder; and without
// the shim a type=string zone is refused with one clear error. Exact
// counting across 2 workers in this layout is covered by the skeleton,
// stats-counting and stats-prometheus tests, which use it by default
// with the shim.
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { afterNextFlush } from '../harness/flush';
import { httpGet, sendConcurrently } from '../harness/http';
import { checkMetrics } from '../harness/promtool';
import { repoRoot, sampleValue, samples, sleep, waitFor } from './stats-support';

const FILLER = join(repoRoot, 'test', 'integration', 'stats-zone-filler.js');
// src/store/record-zone.ts: a write may take one page per value and one
// per new key; existing records are rewritten while 4 pages (the margin)
// stay free after that, new series only while the pages of the largest
// record (here 1) and the margin do. So with 5 free pages a known series
// counts, and neither a new code (1 + 1 + 4 pages) nor a new pair
// (2 + 1 + 4) fits. The filler stops at the first page below `keep`.
const FILL_TO_FREE_PAGES = 5;

describe('record layout', () => {
  test('a full zone refuses new series, counts each refused request, and existing series keep counting', async ({ nginx }) => {
    const n = await nginx({
      http: `
        # One huge first bound: every request falls in the same bucket.
        ipng_stats_buckets 60000 120000;
        js_import zone_filler from ${FILLER};
        server {
            listen 127.0.0.1:{{PORT}} reuseport;
            listen [::1]:{{PORT}} reuseport;
            location = /ok { return 200 "ok\\n"; }
            location = /missing { return 404; }
            location = /fill { ipng_stats off; js_content zone_filler.fill; }
            location = /metrics { js_content ipng.scrape; }
        }`,
    });
    await sendConcurrently(5, 5, () => httpGet(n.url('/ok')));
    await afterNextFlush(n.url('/metrics'));

    const fill = await httpGet(n.url(`/fill?keep=${(FILL_TO_FREE_PAGES + 1) * 4096}`));
    expect(fill.status).toBe(200);
    const filled = JSON.parse(fill.body);
    expect(filled.made).toBeGreaterThan(1000);
    expect(filled.free).toBe(FILL_TO_FREE_PAGES * 4096);

    const responses = [
      // a new code of a known (source, vip): refused, 1 per request
      ...(await sendConcurrently(4, 4, () => httpGet(n.url('/missing')))),
      // a new (source, vip): refused, 1 per request
      ...(await sendConcurrently(3, 3, () => httpGet(`http://[::1]:${n.port}/ok`))),
      // a known series: counted
      ...(await sendConcurrently(2, 2, () => httpGet(n.url('/ok')))),
    ];
    expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404, 200, 200, 200, 200, 200]);
    await afterNextFlush(n.url('/metrics'));

    const body = (await httpGet(n.url('/metrics'))).body;
    await checkMetrics(body);
    expect(sampleValue(body, 'nginx_ipng_zone_full_events_total')).toBe(4 + 3);
    expect(samples(body, 'nginx_ipng_requests_total')).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 7',
    ]);
    // The 404s still went into the existing pair's duration histogram.
    expect(sampleValue(body, 'nginx_ipng_request_duration_seconds_count{source_tag="direct",vip="127.0.0.1"}')).toBe(11);
    expect(samples(body, 'nginx_ipng_request_duration_seconds_count')).toHaveLength(1);
    expect(sampleValue(body, 'nginx_ipng_zone_bytes_total')).toBe(4194304);

    // At most one warning per flush of the lease holder, each naming what
    // was dropped since the previous one; the drops above may span a few
    // flushes, so a few warnings, adding up to exactly the 7 drops.
    const warnings = () => n.errorLog().split('\n').filter((l) => l.includes('is full'));
    await waitFor('the zone-full warning', 5000, async () => warnings().some((l) => l.includes('(7 in total)')));
    expect(warnings()[0]).toMatch(/\[warn\].*ipng-stats: shared dict zone "ipng_stats" is full: \d+ new counters dropped/);
    const told = warnings().map((l) => {
      const m = /is full: (\d+) new counters dropped since the last warning \((\d+) in total\)/.exec(l);
      return m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    });
    let sum = 0;
    for (const [since, total] of told) {
      sum += since;
      expect(total).toBe(sum);
    }
    expect(sum).toBe(7);
    // No more drops, no more warnings (10 more flush intervals of the harness).
    const count = told.length;
    await sleep(1000);
    expect(warnings()).toHaveLength(count);
    // Nothing was lost to a failed allocation.
    expect(n.errorLog()).not.toContain('no memory');
  });

  test('counts that workers hold at a reload are written by the next lease holder; none is lost', async ({ nginx }) => {
    const n = await nginx({
      http: `
        server {
            listen 127.0.0.1:{{PORT}} reuseport;
            location = /ok { return 200 "ok\\n"; }
            location = /missing { return 404; }
            location = /metrics { js_content ipng.scrape; }
        }`,
      // long enough that the requests below are still in the workers'
      // tables when the reload comes
      flushInterval: '5s',
    });
    await sendConcurrently(30, 4, (i) => httpGet(n.url(i % 3 === 0 ? '/missing' : '/ok')));
    await n.reload();
    await sendConcurrently(12, 4, () => httpGet(n.url('/ok')));
    const expected = [
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 32',
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 10',
    ];
    await waitFor('all 42 requests in the zone', 20000, async () =>
      samples((await httpGet(n.url('/metrics'))).body, 'nginx_ipng_requests_total').join('\n') === expected.join('\n'));
    const body = (await httpGet(n.url('/metrics'))).body;
    await checkMetrics(body);
    expect(sampleValue(body, 'nginx_ipng_request_duration_seconds_count{source_tag="direct",vip="127.0.0.1"}')).toBe(42);
  });

  test('without the shim a type=string zone counts nothing and says why, once', async ({ nginx }) => {
    const n = await nginx({
      http: `server {
          listen 127.0.0.1:{{PORT}};
          location = /ok { return 200 "ok\\n"; }
          location = /metrics { js_content ipng.scrape; }
      }`,
      shim: false,
      zoneType: 'string',
    });
    for (let i = 0; i < 5; i++) expect((await httpGet(n.url('/ok'))).status).toBe(200);
    const body = (await httpGet(n.url('/metrics'))).body;
    expect(samples(body, 'nginx_ipng_requests_total')).toEqual([]);
    const errors = n.errorLog().split('\n').filter((l) => l.includes('is type=string'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('[error]');
    expect(errors[0]).toContain('without the shim declare it type=number');
  });
});
