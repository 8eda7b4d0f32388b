// The Prometheus tooling the other integration tests rely on, proven
// against real processes: promtool accepts the renderer's output and
// rejects broken text; a real Prometheus server scrapes a real nginx
// serving a fixed exposition (renderPrometheus's own output) and answers
// PromQL over it.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished } from 'vitest';
import { renderPrometheus } from '../../src/exposition/prometheus';
import { checkMetrics, promtoolMissing } from '../harness/promtool';
import { prometheusMissing, test } from '../harness/prometheus';
import { httpGet } from '../harness/http';
import { emptyModel, sampleModel } from '../unit/exposition/fixture';

const PROMTOOL_MISSING = promtoolMissing();
const PROMETHEUS_MISSING = prometheusMissing();

/**
 * A file nginx can serve (a `return` text is limited to nginx's 4 KB
 * configuration token; the sample exposition is larger). Readable by
 * workers running as another user.
 */
function writeServedFile(text: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ipng-fixed-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 'metrics.prom');
  writeFileSync(path, text, { mode: 0o644 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('promtool check metrics', () => {
  test('accepts renderPrometheus output, with and without series', async ({ skip }) => {
    skip(PROMTOOL_MISSING !== null, PROMTOOL_MISSING ?? '');
    await checkMetrics(renderPrometheus(sampleModel()));
    await checkMetrics(renderPrometheus(emptyModel()));
  });

  test('rejects a body that does not parse', async ({ skip }) => {
    skip(PROMTOOL_MISSING !== null, PROMTOOL_MISSING ?? '');
    await expect(checkMetrics('# TYPE x_total counter\nx_total{a="b} 1\n')).rejects.toThrow(/parsing error/);
    await expect(checkMetrics('# TYPE x histogram\nx_bucket{le="1"} 1\nx_count 1\nx 3\n')).rejects.toThrow(/promtool check metrics failed/);
  });

  test('rejects lint findings: missing HELP, counter without _total', async ({ skip }) => {
    skip(PROMTOOL_MISSING !== null, PROMTOOL_MISSING ?? '');
    await expect(checkMetrics('# TYPE x_total counter\nx_total 1\n')).rejects.toThrow(/no help text/);
    await expect(checkMetrics('# HELP x_requests X.\n# TYPE x_requests counter\nx_requests 1\n')).rejects.toThrow(/_total/);
  });

  test('tolerates only the exact lint finding the spec forces on nginx_ipng_zone_bytes_total', async ({ skip }) => {
    skip(PROMTOOL_MISSING !== null, PROMTOOL_MISSING ?? '');
    const gaugeWithTotal = (name: string) => `# HELP ${name} Capacity.\n# TYPE ${name} gauge\n${name} 4194304\n`;
    await checkMetrics(gaugeWithTotal('nginx_ipng_zone_bytes_total'));
    await expect(checkMetrics(gaugeWithTotal('nginx_ipng_other_total'))).rejects.toThrow(/non-counter metrics/);
    await expect(checkMetrics(gaugeWithTotal('nginx_ipng_zone_bytes_total'), [])).rejects.toThrow(/non-counter metrics/);
  });
});

describe('Prometheus server against a real nginx', () => {
  test('scrapes a fixed exposition and answers PromQL over it', async ({ nginx, prometheus, skip }) => {
    skip(PROMETHEUS_MISSING !== null, PROMETHEUS_MISSING ?? '');
    const exposition = renderPrometheus(sampleModel());
    const served = writeServedFile(exposition);
    onTestFinished(served.remove);
    const n = await nginx({
      http: `
        server {
            listen 127.0.0.1:{{PORT}};
            location = /fixed {
                default_type 'text/plain; version=0.0.4; charset=utf-8';
                alias ${served.path};
            }
        }
      `,
    });
    const response = await httpGet(n.url('/fixed'));
    expect(response.body).toBe(exposition);
    if (PROMTOOL_MISSING === null) await checkMetrics(response.body);

    const p = await prometheus({ target: `127.0.0.1:${n.port}`, metricsPath: '/fixed' });
    await p.waitForTargetUp();

    const requests = await p.queryUntil('nginx_ipng_requests_total{source_tag="mg1",vip="192.0.2.10",code="200"}');
    expect(requests.map((s) => s.value)).toEqual([12345]);

    // Label escaping survives the round trip through Prometheus's parser.
    const escaped = await p.query('nginx_ipng_requests_total{code="503"}');
    expect(escaped.map((s) => s.metric.source_tag)).toEqual(['we"ird\\tag']);

    expect((await p.query('sum(nginx_ipng_requests_total)')).map((s) => s.value)).toEqual([12345 + 17 + 3 + 1]);
    expect((await p.query('nginx_ipng_zone_bytes_total')).map((s) => s.value)).toEqual([4194304]);
    expect((await p.query('nginx_ipng_request_duration_seconds_sum{vip="192.0.2.10"}')).map((s) => s.value)).toEqual([87.654]);

    // Buckets 10, 40, 4040, 4120, 4124 at 1 ms, 9 ms, 250 ms, 2.5 s, 10 s:
    // the median (rank 2062) lies in (0.009, 0.25], interpolated linearly.
    const median = await p.query('histogram_quantile(0.5, nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10"})');
    expect(median).toHaveLength(1);
    expect(median[0].value).toBeCloseTo(0.009 + (0.25 - 0.009) * ((2062 - 40) / 4000), 9);
  });
});
