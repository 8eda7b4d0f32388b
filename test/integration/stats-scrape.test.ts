// The scrape handler's request surface: methods, filters, formats.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, httpRequest } from '../harness/http';
import { validateStatsJson } from '../harness/json-schema';
import { checkMetrics } from '../harness/promtool';
import { samples, scrapeJson } from './stats-support';

// Without the shim every request has the one default source, so the
// source filter is checked against one source and an absent one.
const config = `
    server {
        listen 127.0.0.1:{{PORT}};
        listen [::1]:{{PORT}};
        location = /ok { return 200 "ok\\n"; }
        location = /teapot { return 418; }
        location = /metrics { allow 127.0.0.1; allow ::1; deny all; js_content ipng.scrape; }
    }
`;

describe('scrape handler', () => {
  test('filters, formats, methods and errors', async ({ nginx }) => {
    const n = await nginx({ http: config, shim: false });
    for (let i = 0; i < 3; i++) await httpGet(n.url('/ok'));
    for (let i = 0; i < 2; i++) await httpGet(`http://[::1]:${n.port}/teapot`);

    // Default: Prometheus text, valid for promtool.
    const all = await httpGet(n.url('/metrics'));
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    await checkMetrics(all.body);
    expect(samples(all.body, 'nginx_ipng_requests_total')).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
      'nginx_ipng_requests_total{source_tag="direct",vip="::1",code="418"} 2',
    ]);

    // vip filter, canonicalized before comparing; unknown parameters ignored.
    for (const q of ['vip=::1', 'vip=0:0:0:0:0:0:0:1', 'vip=0000::0001&foo=bar', 'vip=%3A%3A1']) {
      const r = await httpGet(n.url(`/metrics?${q}`));
      expect(r.status, q).toBe(200);
      await checkMetrics(r.body);
      expect(samples(r.body, 'nginx_ipng_requests_total'), q).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="::1",code="418"} 2',
      ]);
    }

    // source_tag filter: exact and case-sensitive; filters intersect.
    const direct = await httpGet(n.url('/metrics?source_tag=direct&vip=127.0.0.1'));
    expect(samples(direct.body, 'nginx_ipng_requests_total')).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
    ]);
    const other = await httpGet(n.url('/metrics?source_tag=Direct'));
    expect(other.status).toBe(200);
    await checkMetrics(other.body);
    expect(samples(other.body, 'nginx_ipng_requests_total')).toEqual([]);

    // JSON when Accept asks for it, valid against the schema, same filters.
    const json = await scrapeJson(n.url('/metrics?vip=::1'));
    expect(json.response.headers['content-type']).toBe('application/json');
    validateStatsJson(json.document);
    expect(json.document.schema).toBe(1);
    expect(Object.keys(json.document.by_source.direct.vips)).toEqual(['::1']);
    expect(json.document.by_source.direct.vips['::1'].codes).toEqual({
      '418': { requests: 2, bytes_in: expect.any(Number), bytes_out: expect.any(Number) },
    });
    expect(json.document.meta.zone_bytes_total).toBe(4194304);
    expect(json.document.meta.zone_full_events).toBe(0);

    // Malformed vip: 400 with the reason.
    const bad = await httpGet(n.url('/metrics?vip=not-an-address'));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('not-an-address');

    // GET and HEAD only.
    const head = await httpRequest(n.url('/metrics'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await httpRequest(n.url('/metrics'), { method, body: method === 'DELETE' ? undefined : 'x' });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }

    // None of these scrapes counted itself.
    const last = await httpGet(n.url('/metrics'));
    expect(samples(last.body, 'nginx_ipng_requests_total')).toEqual(samples(all.body, 'nginx_ipng_requests_total'));
    // ...but every 200 answer before the last one was timed (9 of them;
    // 400 and 405 answers are not).
    expect(samples(last.body, 'nginx_ipng_scrape_duration_seconds_count')).toEqual([
      'nginx_ipng_scrape_duration_seconds_count 9',
    ]);
  });
});
