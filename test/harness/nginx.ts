// Starts a real nginx (master process, 2 workers, private prefix, free
// ports) for one test and always stops it, workers included.
//
//   TEST_NGINX_BINARY=/path/nginx   use another nginx binary
//   TEST_NGINX_LEAVE=1              keep the prefix (config, error.log) after the test
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as baseTest } from 'vitest';
import { nginxArgs, nginxBinary, writeNginxConfig } from '../../scripts/nginx-prefix.mjs';

export interface NginxOptions {
  /** http { } body; `{{PORT}}`, `{{PORT1}}`... are replaced by free ports. */
  http: string;
  workers?: number;
  shim?: boolean;
  main?: string;
  /** how many free ports to allocate (default 1) */
  ports?: number;
}

export interface NginxInstance {
  prefix: string;
  ports: number[];
  port: number;
  url(path: string): string;
  errorLog(): string;
  /** Send a signal through `nginx -s` (reload, quit, ...) and wait for it to take effect. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

const SEVERE = /\[(alert|crit|emerg)\]/;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `nginx -t` on a configuration: returns its exit status and output. */
export function testConfig(opts: Omit<NginxOptions, 'ports'> & { ports?: number[] }): { status: number; output: string; prefix: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'ipng-nginx-t-'));
  let http = opts.http;
  (opts.ports ?? []).forEach((p, i) => { http = http.split(`{{PORT${i === 0 ? '' : i}}}`).join(String(p)); });
  writeNginxConfig({ prefix, http, workers: opts.workers, shim: opts.shim, main: opts.main });
  const res = spawnSync(nginxBinary(), ['-t', ...nginxArgs(prefix)], { encoding: 'utf8' });
  if (process.env.TEST_NGINX_LEAVE !== '1') rmSync(prefix, { recursive: true, force: true });
  return { status: res.status ?? -1, output: (res.stdout ?? '') + (res.stderr ?? ''), prefix };
}

export async function startNginx(opts: NginxOptions): Promise<NginxInstance> {
  const ports: number[] = [];
  for (let i = 0; i < (opts.ports ?? 1); i++) ports.push(await freePort());
  let http = opts.http;
  ports.forEach((p, i) => {
    http = http.split(`{{PORT${i === 0 ? '' : i}}}`).join(String(p));
  });
  const prefix = mkdtempSync(join(tmpdir(), 'ipng-nginx-'));
  writeNginxConfig({ prefix, http, workers: opts.workers ?? 2, shim: opts.shim, main: opts.main });
  const errorLogPath = join(prefix, 'error.log');
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');

  // Own process group, so that stop() can reach every worker.
  const child: ChildProcess = spawn(nginxBinary(), nginxArgs(prefix), {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += d; });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const pgid = child.pid!;

  const stop = async (): Promise<void> => {
    if (!exited) {
      try { process.kill(pgid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exitedPromise, sleep(5000)]);
    }
    // Master gone or stuck: make sure no worker outlives the test.
    for (let i = 0; i < 50 && processGroupAlive(pgid); i++) await sleep(100);
    if (processGroupAlive(pgid)) {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* raced with exit */ }
    }
  };

  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) {
      throw new Error(`nginx exited during start-up\n${stderr}\n--- error.log ---\n${errorLog()}`);
    }
    let all = true;
    for (const p of ports) if (!(await portAnswers(p))) all = false;
    if (all && existsSync(join(prefix, 'nginx.pid'))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer on ${ports.join(',')} within 15 s\n--- error.log ---\n${errorLog()}`);
    }
    await sleep(50);
  }

  const reload = async (): Promise<void> => {
    const before = errorLog().length;
    const res = spawnSync(nginxBinary(), [...nginxArgs(prefix), '-s', 'reload'], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`nginx -s reload failed: ${res.stderr}`);
    // The master logs this once the new workers are started.
    const until = Date.now() + 10000;
    while (!/start worker process/.test(errorLog().slice(before))) {
      if (Date.now() > until) throw new Error(`reload did not start new workers\n${errorLog()}`);
      await sleep(50);
    }
  };

  return {
    prefix,
    ports,
    port: ports[0],
    url: (path: string) => `http://127.0.0.1:${ports[0]}${path}`,
    errorLog,
    reload,
    stop,
  };
}

/**
 * vitest fixture: `nginx(opts)` starts an instance for the running test.
 * After the test every instance is stopped; a test whose error log has an
 * [alert], [crit] or [emerg] line fails; a failed test prints the error logs.
 */
export const test = baseTest.extend<{ nginx: (opts: NginxOptions) => Promise<NginxInstance> }>({
  // eslint-disable-next-line no-empty-pattern
  nginx: async ({ onTestFailed }, use) => {
    const started: NginxInstance[] = [];
    onTestFailed(() => {
      for (const n of started) {
        console.error(`--- ${n.prefix}/error.log ---\n${n.errorLog()}`);
      }
    });
    await use(async (opts) => {
      const n = await startNginx(opts);
      started.push(n);
      return n;
    });
    for (const n of started) await n.stop();
    const severe = started
      .map((n) => n.errorLog().split('\n').filter((l) => SEVERE.test(l)).join('\n'))
      .filter((s) => s.length > 0);
    if (process.env.TEST_NGINX_LEAVE !== '1') {
      for (const n of started) rmSync(n.prefix, { recursive: true, force: true });
    } else {
      for (const n of started) console.error(`TEST_NGINX_LEAVE: kept ${n.prefix}`);
    }
    if (severe.length > 0) {
      throw new Error(`nginx logged severe errors:\n${severe.join('\n')}`);
    }
  },
});
