// The compose demo for real, through testcontainers: `compose.yaml` built
// and started (with the traffic profile, bounded to a few requests), then
// nginx's scrape endpoint, Prometheus and Grafana are asked what they see.
// It needs a Docker engine and the images' registries; without an engine
// it skips saying so (compose.test.ts checks the same files offline).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/runtime-env.mjs';

/** null when testcontainers reaches a Docker engine and `docker compose` runs, else why not. */
async function engineMissing(): Promise<string | null> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    return `no Docker engine reachable (${(error as Error).message.split('\n')[0]}): the real compose stack is not run`;
  }
  // testcontainers drives the compose v2 CLI plugin (`docker compose`).
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (plugin.status !== 0) {
    return `a Docker engine is reachable but \`docker compose\` does not run (${(plugin.stderr ?? '').trim()}): the real compose stack is not run`;
  }
  return null;
}

async function poll<T>(what: string, fetchValue: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError = '';
  for (;;) {
    try {
      last = await fetchValue();
      if (done(last)) return last;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > until) throw new Error(`${what}: not as expected within ${timeoutMs} ms; last: ${JSON.stringify(last)} ${lastError}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('docker compose up (testcontainers)', () => {
  it('builds and starts the stack; the traffic profile is counted by nginx, scraped by Prometheus, and read through Grafana',
    { timeout: 20 * 60 * 1000 }, async ({ skip }) => {
      const missing = await engineMissing();
      if (missing) {
        console.warn(`skipped: ${missing}`);
        skip(missing);
      }
      const { DockerComposeEnvironment, Wait } = await import('testcontainers');
      // Two rounds of the traffic script's 7-path mix, after its readiness probe.
      const environment = await new DockerComposeEnvironment(repoRoot, 'compose.yaml')
        .withBuild()
        .withProfiles('traffic')
        .withEnvironment({ TRAFFIC_REQUESTS: '14', TRAFFIC_PAUSE: '0' })
        .withWaitStrategy('traffic-1', Wait.forLogMessage('traffic: sent 14 requests to http://nginx:8080'))
        .withStartupTimeout(15 * 60 * 1000)
        .up();
      try {
        const nginx = environment.getContainer('nginx-1');
        const metrics = `http://${nginx.getHost()}:${nginx.getMappedPort(9113)}/metrics`;
        const countLines = (body: string) => body.split('\n')
          .filter((l) => l.startsWith('nginx_ipng_requests_total{'))
          .map((l) => l.replace(/vip="[^"]*",/, ''))
          .sort();
        const expected = [
          'nginx_ipng_requests_total{source_tag="direct",code="200"} 9',
          'nginx_ipng_requests_total{source_tag="direct",code="301"} 2',
          'nginx_ipng_requests_total{source_tag="direct",code="404"} 2',
          'nginx_ipng_requests_total{source_tag="direct",code="500"} 2',
        ];
        await poll('the scrape', async () => countLines(await (await fetch(metrics)).text()),
          (lines) => JSON.stringify(lines) === JSON.stringify(expected), 30000);

        const prometheus = environment.getContainer('prometheus-1');
        const prometheusUrl = `http://${prometheus.getHost()}:${prometheus.getMappedPort(9090)}`;
        const query = async (base: string, promql: string) => {
          const answer = await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)).json() as
            { data: { result: Array<{ value: [number, string] }> } };
          return answer.data.result.map((r) => Number(r.value[1]));
        };
        await poll('Prometheus: sum(nginx_ipng_requests_total)', () => query(prometheusUrl, 'sum(nginx_ipng_requests_total{job="njs-ipng-stats"})'),
          (v) => v.length === 1 && v[0] === 15, 60000);

        const grafana = environment.getContainer('grafana-1');
        const grafanaUrl = `http://${grafana.getHost()}:${grafana.getMappedPort(3000)}`;
        // The provisioned data source, queried through Grafana's proxy.
        await poll('Grafana → Prometheus: up', () => query(`${grafanaUrl}/api/datasources/proxy/uid/prometheus`, 'up{job="njs-ipng-stats"}'),
          (v) => v.length === 1 && v[0] === 1, 60000);
        // The provisioned dashboards: one per monitoring/dashboards/*.json.
        const dir = join(repoRoot, 'monitoring', 'dashboards');
        const titles = existsSync(dir)
          ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).title).sort()
          : [];
        await poll('Grafana dashboards', async () => {
          const found = await (await fetch(`${grafanaUrl}/api/search?type=dash-db`)).json() as Array<{ title: string }>;
          return found.map((d) => d.title).sort();
        }, (found) => JSON.stringify(found) === JSON.stringify(titles), 60000);
      } finally {
        await environment.down({ removeVolumes: true });
      }
    });
});
