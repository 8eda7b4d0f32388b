// End-to-end: requests counted in the log phase by both workers into one
// ngx.shared zone, served by the js_content scrape location.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { samples } from '../harness/exposition';
import { afterNextFlush } from '../harness/flush';
import { httpGet, sendConcurrently } from '../harness/http';

const server = `
    server {
        listen 127.0.0.1:{{PORT}} reuseport;
        add_header X-Worker-Pid $pid always;
        location = /ok { return 200 "ok\\n"; }
        location = /missing { return 404; }
        location = /metrics { js_content ipng.scrape; }
    }
`;

describe('end-to-end skeleton', () => {
  // The two modes: the shim with the record layout, no shim with the
  // counter layout. (A shim with a type=number zone is refused: below.)
  const variants = [
    { shim: true, zoneType: 'string' as const },
    { shim: false, zoneType: 'number' as const },
  ];
  for (const { shim, zoneType } of variants) {
    test(`counts requests per (source_tag, vip, code) across 2 workers (shim ${shim ? 'loaded' : 'absent'}, type=${zoneType} zone)`, async ({ nginx }) => {
      const n = await nginx({ http: server, shim, zoneType });
      const pids = new Set<string>();
      const responses = await sendConcurrently(60, 8, (i) => httpGet(n.url(i % 4 === 3 ? '/missing' : '/ok')));
      for (const r of responses) pids.add(String(r.headers['x-worker-pid']));
      expect(responses.filter((r) => r.status === 200)).toHaveLength(45);
      expect(responses.filter((r) => r.status === 404)).toHaveLength(15);
      // Both workers served (and counted) part of the traffic.
      expect(pids.size).toBe(2);

      await afterNextFlush(n.url('/metrics'));
      const scrape = await httpGet(n.url('/metrics'));
      expect(scrape.status).toBe(200);
      expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      // The full family set is checked by stats-*.test.ts; here only the
      // requests family of the skeleton.
      const requestsLines = (body: string) => samples(body, 'nginx_ipng_requests_total');
      expect(requestsLines(scrape.body)).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 45',
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 15',
      ]);

      // The scrape location does not count itself (the scrapes above would
      // show after the next flush).
      await afterNextFlush(n.url('/metrics'));
      const again = await httpGet(n.url('/metrics'));
      expect(requestsLines(again.body)).toEqual(requestsLines(scrape.body));
      // The tick is configured: no warning that it is missing.
      expect(n.errorLog()).not.toContain('no worker has flushed');
    });
  }

  test('nginx -t: a shim with a type=number counter zone is refused, saying what to write instead', async () => {
    const { testConfig } = await import('../harness/nginx');
    const bad = testConfig({ http: server, ports: [1], shim: true, zoneType: 'number' });
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/"js_shared_dict_zone" in \S+nginx\.conf:\d+ declares the counter zone "ipng_stats" type=number/);
    expect(bad.output).toContain(
      'declares the counter zone "ipng_stats" type=number, which the shim does not count into: ' +
        'write "ipng_stats_zone ipng_stats:SIZE;" instead, or "js_shared_dict_zone zone=ipng_stats:SIZE type=string;" ' +
        '(type=number is for nginx without the shim)',
    );
    // type=string passes, and so does a type=number zone that is not the counter zone
    const ok = testConfig({ http: 'js_shared_dict_zone zone=other:1m type=number;' + server, ports: [1], shim: true, zoneType: 'string' });
    expect(ok.output).toContain('test is successful');
    // without the shim, type=number is the mode
    expect(testConfig({ http: server, ports: [1], shim: false, zoneType: 'number' }).output).toContain('test is successful');
  });
});
