// The log-spool form of the no-shim mode (nginx/ipng-stats-log-spool.conf)
// through a real nginx with 2 workers: what the old workers of a reload,
// or a worker killed with SIGKILL, logged but never flushed is adopted by
// the other workers (nothing lost, nothing counted twice, the scrapes
// meanwhile not counted); a type=string zone is refused once; a missing
// $ipng_stats_spool_dir fails nginx -t. Exact counters, bytes and histograms
// of mixed traffic are in stats-counting.test.ts (variant "log spool").
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { startNginx, test, testConfig } from '../harness/nginx';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';
import { httpGet, sendConcurrently } from '../harness/http';
import { repoRoot, samples, sleep, waitFor } from './stats-support';

function site(): string {
  return `
    server {
        listen 127.0.0.1:{{PORT}} reuseport;
        add_header X-Worker-Pid $pid always;
        location = /ok { return 200 "ok\\n"; }
        location = /missing { return 404; }
        location = /metrics { include ${join(repoRoot, 'nginx', 'ipng-stats-scrape.conf')}; }
    }`;
}

function spoolFiles(prefix: string): string[] {
  return readdirSync(`${prefix}-spool`).sort();
}

/** Lines waiting in the spool files (not yet added to the zone). */
function spooledLines(prefix: string): number {
  let n = 0;
  for (const name of spoolFiles(prefix)) {
    n += readFileSync(join(`${prefix}-spool`, name), 'utf8').split('\n').filter((l) => l !== '').length;
  }
  return n;
}

function requestSamples(body: string): string[] {
  return samples(body, 'nginx_ipng_requests_total').sort();
}

describe('the log spool (no shim, no njs per request)', () => {
  test('requests the old workers logged but never flushed are counted once after nginx -s reload', async ({ nginx }) => {
    // A flush interval far longer than the test's steps before the
    // reload: the old workers never flush these requests themselves.
    const n = await nginx({ http: site(), shim: false, noShimForm: 'spool', flushInterval: '3s' });
    await sleep(300); // both workers' first flush (empty) is done
    const ok = await sendConcurrently(30, 6, () => httpGet(n.url('/ok')));
    const missing = await sendConcurrently(12, 6, () => httpGet(n.url('/missing')));
    expect(ok.every((r) => r.status === 200)).toBe(true);
    expect(missing.every((r) => r.status === 404)).toBe(true);
    const oldPids = new Set(ok.concat(missing).map((r) => String(r.headers['x-worker-pid'])));
    expect(oldPids.size).toBe(2);
    await waitFor('42 lines in the spool files', 5000, async () => spooledLines(n.prefix) === 42);
    expect(spoolFiles(n.prefix)).toEqual([...oldPids].map((pid) => `ipng-stats-${pid}.log`).sort());

    await n.reload();
    // The new workers adopt the files once the old workers have exited.
    await waitFor('the old workers\' files adopted', 10000, async () =>
      spoolFiles(n.prefix).every((name) => ![...oldPids].some((pid) => name === `ipng-stats-${pid}.log`)));
    await waitFor('42 requests counted', 10000, async () =>
      requestSamples((await httpGet(n.url('/metrics'))).body).length === 2);
    const body = (await httpGet(n.url('/metrics'))).body;
    expect(requestSamples(body)).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 30',
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 12',
    ]);
    expect(samples(body, 'nginx_ipng_request_duration_seconds_count')).toEqual([
      'nginx_ipng_request_duration_seconds_count{source_tag="direct",vip="127.0.0.1"} 42',
    ]);
    // Later flushes add nothing more (no file was read twice), and the
    // scrapes above were not counted.
    await sleep(3500);
    expect(requestSamples((await httpGet(n.url('/metrics'))).body)).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 30',
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 12',
    ]);
    expect(spoolFiles(n.prefix).filter((name) => !name.endsWith('.log'))).toEqual([]);
  });

  test('a type=string zone is refused once, and nothing is counted', async ({ nginx }) => {
    const n = await nginx({ http: site(), shim: false, noShimForm: 'spool', zoneType: 'string' });
    const responses = await sendConcurrently(10, 2, () => httpGet(n.url('/ok')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await sleep(500);
    const lines = n.errorLog().split('\n').filter((l) => l.includes('ipng_stats_spool_dir'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[error]');
    expect(lines[0]).toContain(
      'ipng-stats: $ipng_stats_spool_dir (ipng-stats-log-spool.conf) needs "js_shared_dict_zone ' +
        'zone=ipng_stats:16m type=number;"; the zone is type=string, which only the shim fills: ' +
        'nothing is counted until then (reported once)');
    expect(requestSamples((await httpGet(n.url('/metrics'))).body)).toEqual([]);
  });

  test('without $ipng_stats_spool_dir, nginx -t fails naming the variable', () => {
    const { status, output } = testConfig({
      http: `
    include ${join(repoRoot, 'nginx', 'ipng-stats-log-spool.conf')};
    server { listen 127.0.0.1:{{PORT}}; location = / { return 200; } }`,
      product: false,
      main: `load_module ${readRuntimeEnv().NJS_MODULE};`,
      ports: [1],
    });
    expect(status).toBe(1);
    expect(output).toContain('[emerg] unknown "ipng_stats_spool_dir" variable');
  });

  test('kill -9 of a worker: the lines it logged but never flushed are counted by the others', async () => {
    // not the fixture: nginx logs the killed worker at [alert], which the
    // fixture fails on; this test checks the error log itself
    const n = await startNginx({ http: site(), shim: false, noShimForm: 'spool', flushInterval: '3s' });
    try {
      await sleep(300); // both workers' first flush (empty) is done
      const responses = await sendConcurrently(40, 8, () => httpGet(n.url('/ok')));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      const pids = responses.map((r) => Number(r.headers['x-worker-pid']));
      const victim = pids[0];
      const servedByVictim = pids.filter((p) => p === victim).length;
      await waitFor('40 lines in the spool files', 5000, async () => spooledLines(n.prefix) === 40);
      process.kill(victim, 'SIGKILL');
      await waitFor('the killed worker\'s file adopted', 10000, async () =>
        !spoolFiles(n.prefix).includes(`ipng-stats-${victim}.log`));
      await waitFor('40 requests counted', 10000, async () =>
        (await httpGet(n.url('/metrics'))).body.includes('code="200"} 40'));
      expect(requestSamples((await httpGet(n.url('/metrics'))).body)).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 40',
      ]);
      expect(servedByVictim).toBeGreaterThan(0);
      const severe = n.errorLog().split('\n').filter((l) => /\[(alert|crit|emerg)\]/.test(l));
      expect(severe.filter((l) => !l.includes(`worker process ${victim} exited on signal 9`))).toEqual([]);
    } finally {
      await n.stop();
      if (process.env.TEST_NGINX_LEAVE !== '1') {
        rmSync(n.prefix, { recursive: true, force: true });
        rmSync(`${n.prefix}-spool`, { recursive: true, force: true });
      }
    }
  }, 60000);
});
