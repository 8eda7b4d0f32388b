// Keeps the README's start command true: the demo starts, serves the site,
// the scrape endpoint and the status page on the printed URLs, counts what
// is sent, and stops nginx with its workers on Ctrl-C (SIGINT). (The page
// itself is driven in a browser by status-page.test.ts.)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/nginx';
import { samples } from '../harness/exposition';
import { afterNextFlush } from '../harness/flush';
import { httpGet } from '../harness/http';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pids whose parent is `pid`, read from /proc. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // field 4 (ppid) follows the parenthesised command name
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return kids;
}

describe('npm start (scripts/start-demo.mjs)', () => {
  it('serves the demo, counts its requests, stops cleanly on SIGINT and keeps its counts across a restart', async () => {
    const demoPort = await freePort();
    const metricsPort = await freePort();
    const prefix = mkdtempSync(join(tmpdir(), 'ipng-demo-'));
    const demo = spawn(process.execPath, ['scripts/start-demo.mjs'], {
      env: { ...process.env, IPNG_DEMO_PORT: String(demoPort), IPNG_DEMO_METRICS_PORT: String(metricsPort), IPNG_DEMO_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (d) => { out += d; });
    demo.stderr.on('data', (d) => { out += d; });
    let nginxPids: number[] = [];
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 200 && !out.includes('Press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(`demo site:        http://127.0.0.1:${demoPort}/`);
      expect(out).toContain(`scrape endpoint:  http://127.0.0.1:${metricsPort}/metrics`);
      expect(out).toContain(`status page:      http://127.0.0.1:${metricsPort}/status`);

      for (let i = 0; i < 3; i++) expect((await httpGet(`http://127.0.0.1:${demoPort}/hello`)).status).toBe(200);
      expect((await httpGet(`http://127.0.0.1:${demoPort}/missing`)).status).toBe(404);
      expect((await httpGet(`http://[::1]:${demoPort}/moved`)).status).toBe(301);

      const master = Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim());
      nginxPids = [master, ...childrenOf(master)];
      expect(nginxPids).toHaveLength(3); // master + 2 workers

      // The demo keeps the default 1s flush interval.
      await afterNextFlush(`http://127.0.0.1:${metricsPort}/metrics`);
      const scrape = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scrape.status).toBe(200);
      const lines = samples(scrape.body, 'nginx_ipng_requests_total');
      expect(lines).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 1',
        'nginx_ipng_requests_total{source_tag="direct",vip="::1",code="301"} 1',
      ]);

      // The status page, and the JSON it reads from the relative URL it names.
      const page = await httpGet(`http://127.0.0.1:${metricsPort}/status`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<meta name="ipng-json-url" content="metrics">');
      const json = await httpGet(new URL('metrics', `http://127.0.0.1:${metricsPort}/status`).href, { Accept: 'application/json' });
      expect(JSON.parse(json.body).by_source.direct.vips['127.0.0.1'].codes).toEqual({
        200: { requests: 3, bytes_in: expect.any(Number), bytes_out: expect.any(Number) },
        404: { requests: 1, bytes_in: expect.any(Number), bytes_out: expect.any(Number) },
      });
      // The page's and the JSON's requests are not counted (also after
      // the flush that would have moved them into the zone).
      await afterNextFlush(`http://127.0.0.1:${metricsPort}/metrics`);
      const again = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(samples(again.body, 'nginx_ipng_requests_total')).toEqual(lines);
      // The demo saves its counters every 2 s: wait for a save that has them.
      const since = Date.now();
      await waitForSave(join(prefix, 'state', 'ipng-stats.state'), since);
    } finally {
      demo.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(nginxPids.filter(processAlive)).toEqual([]);
    expect(out).toContain('nginx stopped');

    // `npm start` again: the same counts, restored from the state file.
    const restarted = spawn(process.execPath, ['scripts/start-demo.mjs'], {
      env: { ...process.env, IPNG_DEMO_PORT: String(demoPort), IPNG_DEMO_METRICS_PORT: String(metricsPort), IPNG_DEMO_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let outAgain = '';
    restarted.stdout.on('data', (d) => { outAgain += d; });
    restarted.stderr.on('data', (d) => { outAgain += d; });
    const exitedAgain = new Promise<number | null>((resolve) => restarted.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 200 && !outAgain.includes('Press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 50));
      await afterNextFlush(`http://127.0.0.1:${metricsPort}/metrics`);
      const scrape = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(samples(scrape.body, 'nginx_ipng_requests_total')).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 1',
        'nginx_ipng_requests_total{source_tag="direct",vip="::1",code="301"} 1',
      ]);
    } finally {
      restarted.kill('SIGINT');
    }
    expect(await exitedAgain).toBe(0);
    rmSync(prefix, { recursive: true, force: true });
  });
});

async function waitForSave(path: string, sinceMs: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const head = existsSync(path) ? readFileSync(path, 'utf8').slice(0, 300) : '';
    const saved = / saved=(\d+) /.exec(head);
    if (saved && Number(saved[1]) >= sinceMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the demo did not save ${path}`);
}
