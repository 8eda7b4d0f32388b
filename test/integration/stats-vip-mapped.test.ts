// IPv4-mapped addresses: a dual-stack socket (`listen [::]:PORT
// ipv6only=off`) shows an IPv4 connection's $server_addr as
// ::ffff:127.0.0.1. That VIP is counted as 127.0.0.1, the same series an
// IPv4 socket's traffic goes to, and `?vip=` canonicalizes the same way:
// ::ffff:127.0.0.1, ::ffff:7f00:1 and 127.0.0.1 all select it.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { afterNextFlush } from '../harness/flush';
import { httpGet } from '../harness/http';
import { samples, scrapeJson } from './stats-support';

describe('IPv4-mapped VIPs', () => {
  for (const shim of [true, false]) {
    test(`are counted and filtered as their IPv4 address (shim ${shim ? 'loaded' : 'absent'})`, async ({ nginx }) => {
      const n = await nginx({
        shim,
        ports: 2,
        http: `
        server {
            listen [::]:{{PORT}} ipv6only=off;
            listen 127.0.0.1:{{PORT1}};
            location = /ok { return 200; }
            location = /metrics { js_content ipng.scrape; }
        }`,
      });
      const mapped = await httpGet(`http://127.0.0.1:${n.port}/ok`);
      expect(mapped.status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await httpGet(`http://127.0.0.1:${n.ports[1]}/ok`)).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await httpGet(`http://[::1]:${n.port}/ok`)).status).toBe(200);
      await afterNextFlush(n.url('/metrics'));

      const all = (await httpGet(n.url('/metrics'))).body;
      expect(samples(all, 'nginx_ipng_requests_total')).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
        'nginx_ipng_requests_total{source_tag="direct",vip="::1",code="200"} 3',
      ]);
      for (const vip of ['::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:127.0.0.1]', '127.0.0.1']) {
        const r = await httpGet(n.url(`/metrics?vip=${encodeURIComponent(vip)}`));
        expect(r.status, vip).toBe(200);
        expect(samples(r.body, 'nginx_ipng_requests_total'), vip).toEqual([
          'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
        ]);
      }
      const { document } = await scrapeJson(n.url('/metrics?format=json&vip=%3A%3Affff%3A127.0.0.1'));
      expect(Object.keys(document.by_source.direct.vips)).toEqual(['127.0.0.1']);
    });
  }
});
