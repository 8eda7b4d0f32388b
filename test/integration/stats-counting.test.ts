// Known mixed traffic through a real nginx with 2 workers (two server
// addresses including ::1, a proxied location, an upstream with a refused
// first attempt and a slow second one, concurrent clients) gives exactly
// the counters nginx's own access log of the same run implies, in both
// output formats.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { freePort } from '../harness/nginx';
import { httpGet, httpRequest, sendConcurrently } from '../harness/http';
import { validateStatsJson } from '../harness/json-schema';
import { checkMetrics } from '../harness/promtool';
import { join } from 'node:path';
import { EXPECT_LOG_FORMAT, SPOOL_LOG_LINE, expectedFromLog, readExpectLog, repoRoot, samples, scrapeJson, serverLogs, waitFor } from './stats-support';
import { afterNextFlush } from '../harness/flush';

const SLOW_UPSTREAM_DELAY_MS = 30;

async function startSlowUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    setTimeout(() => res.end('slow\n'), SLOW_UPSTREAM_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * The scrape location. The no-shim forms without the bundle at http level
 * (the bundle imported only here, nginx/ipng-stats-scrape.conf) keep the
 * recorder's or the spool's log line, so the scrape's own requests reach
 * the recorder or the spool, which must leave them out.
 */
function metricsLocation(bundleAtHttp: boolean, spool: boolean): string {
  return bundleAtHttp
    ? 'location = /metrics { access_log off; js_content ipng.scrape; }'
    : 'location = /metrics {\n' +
        `            ${spool ? SPOOL_LOG_LINE : 'access_log /dev/null ipng_stats_record if=$ipng_stats_record;'}\n` +
        `            include ${join(repoRoot, 'nginx', 'ipng-stats-scrape.conf')};\n` +
        '        }';
}

function config(shim: boolean, slowPort: number, refusedPort: number, bundleAtHttp = true, spool = false): string {
  return `
    ${EXPECT_LOG_FORMAT}
    upstream refused_then_slow {
        server 127.0.0.1:${refusedPort} max_fails=0;
        server 127.0.0.1:${slowPort} max_fails=0;
    }
    server {
        listen 127.0.0.1:{{PORT}} reuseport;
        listen [::1]:{{PORT}} reuseport;
        ${serverLogs(shim, spool)}
        add_header X-Worker-Pid $pid always;
        location = /ok { return 200 "ok\\n"; }
        location = /missing { return 404; }
        location = /post { return 201 "created\\n"; }
        location = /proxy { proxy_pass http://127.0.0.1:{{PORT1}}/backend; }
        location = /slow { proxy_pass http://refused_then_slow/slow; proxy_next_upstream error; }
        ${metricsLocation(bundleAtHttp, spool)}
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        ${serverLogs(shim, spool)}
        location = /backend { return 200 "from the backend\\n"; }
    }
  `;
}

interface Planned {
  host: string;
  path: string;
  method?: string;
  body?: string;
  status: number;
}

function plan(): Planned[] {
  const v4 = '127.0.0.1';
  const v6 = '[::1]';
  const out: Planned[] = [];
  const add = (n: number, p: Omit<Planned, 'body'>, body?: (i: number) => string) => {
    for (let i = 0; i < n; i++) out.push({ ...p, body: body?.(i) });
  };
  add(40, { host: v4, path: '/ok', status: 200 });
  add(20, { host: v6, path: '/ok', status: 200 });
  add(15, { host: v4, path: '/missing', status: 404 });
  add(10, { host: v6, path: '/missing', status: 404 });
  add(6, { host: v4, path: '/post', method: 'POST', status: 201 }, (i) => 'x'.repeat(10 + 37 * i));
  add(6, { host: v6, path: '/post', method: 'POST', status: 201 }, (i) => 'y'.repeat(3 + 101 * i));
  add(10, { host: v4, path: '/proxy', status: 200 });
  add(6, { host: v6, path: '/slow', status: 200 });
  // Interleave kinds so both workers see every kind.
  return out.map((p, i) => ({ p, k: (i * 7919) % out.length })).sort((a, b) => a.k - b.k).map((x) => x.p);
}

describe('stats counting through a real nginx', () => {
  const variants = [
    { shim: false, bundleAtHttp: true, name: 'shim absent, bundle at http level' },
    { shim: false, bundleAtHttp: false, name: 'shim absent, recorder module at http level, bundle in the scrape and tick' },
    { shim: false, bundleAtHttp: false, spool: true, name: 'shim absent, log spool, bundle in the scrape and tick' },
    { shim: true, bundleAtHttp: true, name: 'shim loaded' },
  ];
  for (const { shim, bundleAtHttp, spool = false, name } of variants) {
    test(`exact counters, bytes and histograms across 2 workers (${name})`, async ({ nginx }) => {
      const slow = await startSlowUpstream();
      try {
        const n = await nginx({
          http: config(shim, (slow.address() as AddressInfo).port, await freePort(), bundleAtHttp, spool),
          shim,
          bundleAtHttp,
          noShimForm: spool ? 'spool' : 'recorder',
          ports: 2,
        });
        const requests = plan();
        const responses = await sendConcurrently(requests.length, 8, (i) => {
          const p = requests[i];
          return httpRequest(`http://${p.host}:${n.port}${p.path}`, { method: p.method, body: p.body });
        });
        responses.forEach((r, i) => expect(r.status, `${requests[i].path}`).toBe(requests[i].status));
        expect(new Set(responses.map((r) => String(r.headers['x-worker-pid']))).size).toBe(2);

        // 127 requests sent, plus the 10 the proxy made to the backend server.
        // nginx writes a request's access-log line after its response has
        // left, so the last lines may still be coming: wait (bounded) for them.
        const lines = requests.length + 10;
        await waitFor(`${lines} lines in expect.log`, 5000, async () =>
          readExpectLog(n.prefix).split('\n').filter((l) => l !== '').length >= lines);
        const expected = expectedFromLog(readExpectLog(n.prefix));
        const logged = Object.values(expected).flatMap((v) => Object.values(v.codes)).reduce((s, c) => s + c.requests, 0);
        expect(logged).toBe(requests.length + 10);
        expect(Object.keys(expected).sort()).toEqual(['127.0.0.1', '::1']);
        // The slow upstream answered after >= 30 ms: nothing below the 25 ms bound.
        expect(expected['::1'].upstream_response_ms.count).toBe(6);
        expect(expected['::1'].upstream_response_ms.buckets['25']).toBe(0);
        expect(expected['127.0.0.1'].upstream_response_ms.count).toBe(10);

        // With the shim, counts reach the zone at each worker's next flush.
        await afterNextFlush(n.url('/metrics'));
        const { response, document } = await scrapeJson(n.url('/metrics'));
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toBe('application/json');
        validateStatsJson(document);
        expect(Object.keys(document.by_source)).toEqual(['direct']);
        const vips = document.by_source.direct.vips;
        for (const vip of Object.keys(expected)) {
          expect(vips[vip].codes, vip).toEqual(expected[vip].codes);
          expect(vips[vip].request_duration_ms, vip).toEqual(expected[vip].request_duration_ms);
          expect(vips[vip].upstream_response_ms, vip).toEqual(expected[vip].upstream_response_ms);
        }
        expect(Object.keys(vips).sort()).toEqual(['127.0.0.1', '::1']);

        const text = await httpGet(n.url('/metrics'));
        expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
        await checkMetrics(text.body);
        const expectedRequestLines: string[] = [];
        for (const vip of Object.keys(expected).sort()) {
          for (const code of Object.keys(expected[vip].codes).sort()) {
            expectedRequestLines.push(
              `nginx_ipng_requests_total{source_tag="direct",vip="${vip}",code="${code}"} ${expected[vip].codes[code].requests}`,
            );
          }
        }
        expect(samples(text.body, 'nginx_ipng_requests_total').sort()).toEqual(expectedRequestLines.sort());
        const v6 = expected['::1'].request_duration_ms;
        expect(samples(text.body, 'nginx_ipng_request_duration_seconds_count')).toContain(
          `nginx_ipng_request_duration_seconds_count{source_tag="direct",vip="::1"} ${v6.count}`,
        );
      } finally {
        await new Promise<void>((resolve) => slow.close(() => resolve()));
      }
    });
  }
});
