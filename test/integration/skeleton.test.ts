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

  test('a shim with a type=number zone is refused: one error line saying what to write, nothing counted', async ({ nginx }) => {
    const n = await nginx({ http: server, shim: true, zoneType: 'number' });
    for (let i = 0; i < 6; i++) expect((await httpGet(n.url(i % 3 === 2 ? '/missing' : '/ok'))).status).toBe(i % 3 === 2 ? 404 : 200);
    // every worker's tick and a scrape have run (the tick runs every 100 ms)
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const scrape = await httpGet(n.url('/metrics'));
    expect(scrape.status).toBe(200);
    expect(samples(scrape.body, 'nginx_ipng_requests_total')).toEqual([]);
    const refusals = n.errorLog().split('\n').filter((l) => l.includes('is type=number, which the shim does not count into'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('[error]');
    expect(refusals[0]).toContain(
      'ipng-stats: the shim is loaded and zone "ipng_stats" is type=number, which the shim does not count into; ' +
        'nothing is counted. Write "ipng_stats_zone ipng_stats:SIZE;" instead, or ' +
        '"js_shared_dict_zone zone=ipng_stats:SIZE type=string;" (reported once)',
    );
    expect(n.errorLog()).not.toContain('no worker has flushed');
  });
});
