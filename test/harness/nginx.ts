// The real-nginx fixture for integration tests: master process, 2 workers,
// private prefix, free ports; stopped (workers included) after each test.
//
//   TEST_NGINX_BINARY=/path/nginx   use another nginx binary
//   TEST_NGINX_LEAVE=1              keep the prefix (config, error.log) after the test
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as baseTest } from 'vitest';
import { nginxArgs, nginxBinary, writeNginxConfig } from '../../scripts/nginx-prefix.mjs';
import { fillPorts, freePort, launchNginx, startNginx, NginxInstance, NginxOptions } from '../../scripts/nginx-process.mjs';

export { freePort, startNginx };
export type { NginxInstance, NginxOptions };

const SEVERE = /\[(alert|crit|emerg)\]/;

/** `nginx -t` on a configuration: returns its exit status and output. */
export function testConfig(
  opts: Omit<NginxOptions, 'ports'> & { ports?: number[] },
): { status: number; output: string; prefix: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'ipng-nginx-t-'));
  writeNginxConfig({
    prefix,
    http: fillPorts(opts.http, opts.ports ?? []),
    workers: opts.workers,
    shim: opts.shim,
    main: opts.main,
    product: opts.product,
    tick: opts.tick,
    zoneSize: opts.zoneSize,
    zoneType: opts.zoneType,
    bundleAtHttp: opts.bundleAtHttp,
  });
  const res = spawnSync(nginxBinary(), ['-t', ...nginxArgs(prefix)], { encoding: 'utf8' });
  if (process.env.TEST_NGINX_LEAVE !== '1') rmSync(prefix, { recursive: true, force: true });
  return { status: res.status ?? -1, output: (res.stdout ?? '') + (res.stderr ?? ''), prefix };
}

type Starter<A extends unknown[]> = (...args: A) => Promise<NginxInstance>;

/**
 * Runs a test with a starter of nginx instances; after the test every
 * instance is stopped, a test whose error log has an [alert], [crit] or
 * [emerg] line fails, and a failed test prints the error logs.
 */
async function supervise<A extends unknown[]>(
  onTestFailed: (fn: () => void) => void,
  use: (starter: Starter<A>) => Promise<void>,
  start: Starter<A>,
): Promise<void> {
  const started: NginxInstance[] = [];
  onTestFailed(() => {
    for (const n of started) {
      console.error(`--- ${n.prefix}/error.log ---\n${n.errorLog()}`);
    }
  });
  await use(async (...args: A) => {
    const n = await start(...args);
    started.push(n);
    return n;
  });
  for (const n of started) await n.stop();
  const severe = started
    .map((n) => n.errorLog().split('\n').filter((l) => SEVERE.test(l)).join('\n'))
    .filter((s) => s.length > 0);
  if (process.env.TEST_NGINX_LEAVE !== '1') {
    for (const n of started) {
      rmSync(n.prefix, { recursive: true, force: true });
      // the log spool's directory (scripts/nginx-prefix.mjs spoolDir), if any
      rmSync(`${n.prefix}-spool`, { recursive: true, force: true });
    }
  } else {
    for (const n of started) console.error(`TEST_NGINX_LEAVE: kept ${n.prefix}`);
  }
  if (severe.length > 0) {
    throw new Error(`nginx logged severe errors:\n${severe.join('\n')}`);
  }
}

/**
 * vitest fixtures, both supervised as above:
 *   nginx(opts)                   a private prefix with the configuration
 *                                 scripts/nginx-prefix.mjs writes;
 *   nginxOnPrefix(prefix, ports)  a prefix whose nginx.conf the test wrote
 *                                 itself (pid and error.log in the prefix).
 */
export const test = baseTest.extend<{
  nginx: Starter<[NginxOptions]>;
  nginxOnPrefix: Starter<[string, number[]]>;
}>({
  nginx: async ({ onTestFailed }, use) => supervise(onTestFailed, use, startNginx),
  nginxOnPrefix: async ({ onTestFailed }, use) => supervise(onTestFailed, use, launchNginx),
});
