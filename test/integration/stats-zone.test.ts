// The zone: counters survive a reload, a full zone drops only new keys
// (counted, warned about once per interval), bad settings are reported
// once, and the tick keeps rates and per-worker flush counters.
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, sendConcurrently } from '../harness/http';
import { checkMetrics } from '../harness/promtool';
import { repoRoot, sampleValue, samples, scrapeJson, sleep, waitFor } from './stats-support';

const FILLER = join(repoRoot, 'test', 'integration', 'stats-zone-filler.js');

describe('zone', () => {
  test('counters survive nginx -s reload', async ({ nginx }) => {
    const n = await nginx({
      http: `server {
          listen 127.0.0.1:{{PORT}} reuseport;
          location = /ok { return 200 "ok\\n"; }
          location = /missing { return 404; }
          location = /metrics { js_content ipng.scrape; }
      }`,
      shim: false,
    });
    await sendConcurrently(30, 4, (i) => httpGet(n.url(i % 3 === 0 ? '/missing' : '/ok')));
    const before = await httpGet(n.url('/metrics'));
    expect(samples(before.body, 'nginx_ipng_requests_total')).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 20',
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 10',
    ]);

    await n.reload();
    const after = await httpGet(n.url('/metrics'));
    await checkMetrics(after.body);
    for (const family of ['nginx_ipng_requests_total', 'nginx_ipng_bytes_in_total', 'nginx_ipng_bytes_out_total',
      'nginx_ipng_request_duration_seconds_bucket', 'nginx_ipng_request_duration_seconds_sum']) {
      expect(samples(after.body, family), family).toEqual(samples(before.body, family));
    }

    // And they keep counting in the new workers.
    await sendConcurrently(6, 3, () => httpGet(n.url('/ok')));
    const later = await httpGet(n.url('/metrics'));
    expect(sampleValue(later.body, 'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"}')).toBe(26);
  });

  test('a full zone drops only new keys, counts each drop, and warns once per interval', async ({ nginx }) => {
    const n = await nginx({
      http: `
        js_import zone_filler from ${FILLER};
        # One huge first bound: every request, flush and scrape falls in the
        # same (already created) bucket, so every drop below is predictable.
        js_var $ipng_stats_buckets "60000 120000";
        js_var $ipng_stats_flush_interval "200ms";
        server {
            listen 127.0.0.1:{{PORT}} reuseport;
            listen [::1]:{{PORT}} reuseport;
            location = /ok { return 200 "ok\\n"; }
            location = /missing { return 404; }
            location = /fill { access_log off; js_content zone_filler.fill; }
            location = /metrics { js_content ipng.scrape; }
        }`,
      shim: false,
      flushInterval: null,
    });
    await sendConcurrently(5, 5, () => httpGet(n.url('/ok')));
    // Let both workers flush and worker 0 create the pair's rate keys.
    await waitFor('rates and flushes of both workers', 5000, async () => {
      const body = (await httpGet(n.url('/metrics'))).body;
      return (sampleValue(body, 'nginx_ipng_rate_60s{source_tag="direct",vip="127.0.0.1"}') ?? 0) > 0 &&
        (sampleValue(body, 'nginx_ipng_flushes_total{worker="0"}') ?? 0) > 0 &&
        (sampleValue(body, 'nginx_ipng_flushes_total{worker="1"}') ?? 0) > 0;
    });

    const fill = await httpGet(n.url('/fill'));
    expect(fill.status).toBe(200);
    const filled = JSON.parse(fill.body);
    expect(filled.made).toBeGreaterThan(1000);

    const responses = [
      // new code of a known (source, vip): q, i, o are new -> 3 drops each
      ...(await sendConcurrently(4, 4, () => httpGet(n.url('/missing')))),
      // new (source, vip): q, i, o, d, D are new -> 5 drops each
      ...(await sendConcurrently(3, 3, () => httpGet(`http://[::1]:${n.port}/ok`))),
      // known keys: counted
      ...(await sendConcurrently(2, 2, () => httpGet(n.url('/ok')))),
    ];
    expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404, 200, 200, 200, 200, 200]);

    const body = (await httpGet(n.url('/metrics'))).body;
    await checkMetrics(body);
    expect(sampleValue(body, 'nginx_ipng_zone_full_events_total')).toBe(4 * 3 + 3 * 5);
    expect(samples(body, 'nginx_ipng_requests_total')).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 7',
    ]);
    // The 404s still went into the existing duration histogram keys.
    expect(sampleValue(body, 'nginx_ipng_request_duration_seconds_count{source_tag="direct",vip="127.0.0.1"}')).toBe(11);
    expect(sampleValue(body, 'nginx_ipng_zone_bytes_total')).toBe(4194304);
    expect(sampleValue(body, 'nginx_ipng_zone_bytes_used')).toBe(4194304 - filled.free);

    const warnings = () => n.errorLog().split('\n').filter((l) => l.includes('is full'));
    await waitFor('the zone-full warning', 5000, async () => warnings().some((l) => l.includes('(27 in total)')));
    const count = warnings().length;
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(2);
    expect(warnings()[0]).toMatch(/\[warn\].*ipng-stats: shared dict zone "ipng_stats" is full: \d+ new counters dropped/);
    // No more drops, no more warnings (5 more flush intervals).
    await sleep(1000);
    expect(warnings()).toHaveLength(count);
  });

  test('bad settings without the shim are logged once each and counting goes on with the defaults', async ({ nginx }) => {
    const n = await nginx({
      http: `
        js_var $ipng_stats_buckets "10 5";
        js_var $ipng_stats_default_source "two words";
        js_var $ipng_stats_flush_interval "10ms";
        server {
            listen 127.0.0.1:{{PORT}} reuseport;
            location = /ok { return 200 "ok\\n"; }
            location = /metrics { js_content ipng.scrape; }
        }`,
      shim: false,
      flushInterval: null,
    });
    const responses = await sendConcurrently(40, 6, () => httpGet(n.url('/ok')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await sleep(400);
    const { document } = await scrapeJson(n.url('/metrics'));
    const vip = document.by_source.direct.vips['127.0.0.1'];
    expect(vip.codes['200'].requests).toBe(40);
    expect(Object.keys(vip.request_duration_ms.buckets)).toEqual(
      ['1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '+Inf']);

    const errors = n.errorLog().split('\n').filter((l) => l.includes('ipng-stats: invalid'));
    expect(errors).toHaveLength(3);
    const line = (setting: string) => errors.filter((l) => l.includes(`invalid ${setting} `));
    expect(line('ipng_stats_buckets')).toHaveLength(1);
    expect(line('ipng_stats_buckets')[0]).toContain(
      '[error]');
    expect(line('ipng_stats_buckets')[0]).toContain(
      'invalid ipng_stats_buckets "10 5": must be two or more strictly increasing positive integers');
    expect(line('ipng_stats_default_source')[0]).toContain('using the default "direct" instead');
    expect(line('ipng_stats_flush_interval')[0]).toContain('of at least 100ms (shorter than 100ms); using the default "1s"');
  });

  test('the tick keeps EWMA rates and per-worker flush counters at the flush interval', async ({ nginx }) => {
    const n = await nginx({
      http: `
        js_var $ipng_stats_flush_interval "200ms";
        server {
            listen 127.0.0.1:{{PORT}} reuseport;
            location = /ok { return 200 "ok\\n"; }
            location = /metrics { js_content ipng.scrape; }
        }`,
      shim: false,
      flushInterval: null,
    });
    const rate = (body: string, w: string) => sampleValue(body, `nginx_ipng_rate_${w}{source_tag="direct",vip="127.0.0.1"}`) ?? 0;
    const flushes = (body: string, worker: string) => sampleValue(body, `nginx_ipng_flushes_total{worker="${worker}"}`) ?? 0;
    await sendConcurrently(60, 6, () => httpGet(n.url('/ok')));

    // The first rate update after the burst: rate_60s ~ 60 requests / 60 s,
    // whatever the update's spacing (one request/s per 60 of them).
    let body = '';
    await waitFor('a rate update', 3000, async () => {
      body = (await httpGet(n.url('/metrics'))).body;
      return rate(body, '1s') > 0;
    });
    await checkMetrics(body);
    await sleep(450);
    body = (await httpGet(n.url('/metrics'))).body;
    expect(rate(body, '60s')).toBeGreaterThan(0.9);
    expect(rate(body, '60s')).toBeLessThan(1.01);
    const peak1s = rate(body, '1s');

    // Flushes per worker follow the 200ms interval (about 10 in 2 s; loose
    // bounds, the machine is shared), and rate_1s decays when idle.
    const f0 = flushes(body, '0');
    const f1 = flushes(body, '1');
    const started = Date.now();
    await sleep(2000);
    body = (await httpGet(n.url('/metrics'))).body;
    const elapsedIntervals = (Date.now() - started) / 200;
    for (const [worker, before] of [['0', f0], ['1', f1]] as const) {
      const ticks = flushes(body, worker) - before;
      expect(ticks, `worker ${worker}`).toBeGreaterThanOrEqual(elapsedIntervals / 3);
      expect(ticks, `worker ${worker}`).toBeLessThanOrEqual(elapsedIntervals + 2);
    }
    expect(samples(body, 'nginx_ipng_flush_duration_seconds_count')).toHaveLength(2);
    expect(rate(body, '1s')).toBeLessThan(peak1s * 0.2);
  });
});
