// A real Prometheus server scrapes the real scrape handler: what it stores
// is what was sent.
import { describe, expect } from 'vitest';
import { httpGet, sendConcurrently } from '../harness/http';
import { prometheusMissing, test } from '../harness/prometheus';

const PROMETHEUS_MISSING = prometheusMissing();

describe('Prometheus server scraping ipng.scrape', () => {
  test('sum(nginx_ipng_requests_total) equals the requests sent; histogram_quantile answers', async ({ nginx, prometheus, skip }) => {
    skip(PROMETHEUS_MISSING !== null, PROMETHEUS_MISSING ?? '');
    const n = await nginx({
      http: `server {
          listen 127.0.0.1:{{PORT}} reuseport;
          listen [::1]:{{PORT}} reuseport;
          location = /ok { return 200 "ok\\n"; }
          location = /missing { return 404; }
          location = /metrics { allow 127.0.0.1; deny all; js_content ipng.scrape; }
      }`,
      shim: false,
    });
    const sent = 37;
    await sendConcurrently(sent, 4, (i) =>
      httpGet(i % 3 === 0 ? `http://[::1]:${n.port}/missing` : n.url('/ok')));

    const p = await prometheus({ target: `127.0.0.1:${n.port}` });
    await p.waitForTargetUp();
    const total = await p.queryUntil('sum(nginx_ipng_requests_total)', (r) => r.length === 1 && r[0].value === sent);
    expect(total.map((s) => s.value)).toEqual([sent]);
    expect((await p.query('sum by (vip) (nginx_ipng_requests_total)')).map((s) => [s.metric.vip, s.value]).sort())
      .toEqual([['127.0.0.1', 24], ['::1', 13]]);

    const median = await p.query(
      'histogram_quantile(0.5, sum by (le) (nginx_ipng_request_duration_seconds_bucket))');
    expect(median).toHaveLength(1);
    // Loopback `return` answers take at most a few ms: the median lies in a
    // real bucket, not at +Inf, and is a number.
    expect(Number.isFinite(median[0].value)).toBe(true);
    expect(median[0].value).toBeGreaterThanOrEqual(0);
    expect(median[0].value).toBeLessThanOrEqual(10);
  });
});
