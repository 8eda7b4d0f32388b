// Starting and stopping a real nginx on a private prefix: used by the
// integration tests, the demo and the benchmarks, so all three manage
// processes the same way.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, unlinkSync,
  writeSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxArgs, nginxBinary, writeNginxConfig } from './nginx-prefix.mjs';

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A port the kernel gave out for a moment, not yet reserved. */
function ephemeralPort() {
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

// Ports handed out by freePort(), across every process of this machine
// (test files run in parallel, and several checkouts may test at once).
// The nginx configurations listen with reuseport, and two nginx binding
// one port with reuseport both succeed and share its connections, so a
// port the kernel gives out twice between freePort() and nginx's bind
// must not reach two tests: a reservation file per port, made with O_EXCL.
const RESERVATIONS = join(tmpdir(), 'ipng-stats-test-ports');
const RESERVATION_TTL_MS = 30 * 60 * 1000;
const reservedHere = new Set();

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function reserve(port) {
  mkdirSync(RESERVATIONS, { recursive: true });
  const file = join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      reservedHere.add(file);
      return true;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // Taken over only when its owner is gone or it is old.
      let owner = 0;
      let ageMs = 0;
      try {
        owner = Number(readFileSync(file, 'utf8')) || 0;
        ageMs = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue; // removed meanwhile: try again
      }
      if (owner !== 0 && pidAlive(owner) && ageMs < RESERVATION_TTL_MS) return false;
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first; the next attempt says
      }
    }
  }
  return false;
}

process.once('exit', () => {
  for (const file of reservedHere) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
});

export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await ephemeralPort();
    if (reserve(port)) return port;
  }
  throw new Error(`freePort: no unreserved port after 50 tries (reservations in ${RESERVATIONS})`);
}

export async function portAnswers(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

function processGroupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Replaces {{PORT}}, {{PORT1}}, ... with the given ports. */
export function fillPorts(text, ports) {
  let out = text;
  ports.forEach((p, i) => {
    out = out.split(`{{PORT${i === 0 ? '' : i}}}`).join(String(p));
  });
  return out;
}

/**
 * Starts nginx (master + workers, daemon off) in its own process group on a
 * new private prefix and waits until every port answers.
 * @param {{http: string, workers?: number, shim?: boolean, main?: string,
 *          product?: boolean, ports?: number, prefixName?: string,
 *          removeOnStop?: boolean}} opts
 */
export async function startNginx(opts) {
  const ports = [];
  for (let i = 0; i < (opts.ports ?? 1); i++) ports.push(await freePort());
  const prefix = mkdtempSync(join(tmpdir(), opts.prefixName ?? 'ipng-nginx-'));
  writeNginxConfig({
    prefix,
    http: fillPorts(opts.http, ports),
    workers: opts.workers ?? 2,
    shim: opts.shim,
    main: opts.main,
    product: opts.product,
    tick: opts.tick,
    zoneSize: opts.zoneSize,
    zoneType: opts.zoneType,
    bundleAtHttp: opts.bundleAtHttp,
    noShimForm: opts.noShimForm,
    // Short by default, so that a test waits little for the shim's deltas
    // to reach the zone; null keeps nginx's (and the test's own) setting.
    flushInterval: opts.flushInterval === undefined ? '100ms' : (opts.flushInterval ?? undefined),
  });
  if (!opts.removeOnStop) return launchNginx(prefix, ports);
  // A benchmark reads nothing after stopping: its prefix (and the log
  // spool's directory beside it) would only pile up in the temp directory.
  const remove = () => {
    for (const dir of [prefix, `${prefix}-spool`]) rmSync(dir, { recursive: true, force: true });
  };
  let instance;
  try {
    instance = await launchNginx(prefix, ports);
  } catch (e) {
    remove();
    throw e;
  }
  const stop = instance.stop;
  return { ...instance, stop: async (stopOpts) => { await stop(stopOpts); remove(); } };
}

/**
 * Starts nginx on a prefix whose nginx.conf is already written (listening
 * on `ports`, pid file at PREFIX/nginx.pid, error log at PREFIX/error.log)
 * and waits until every port answers.
 * @param {string} prefix
 * @param {number[]} ports
 */
export async function launchNginx(prefix, ports) {
  const errorLogPath = join(prefix, 'error.log');
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');

  const child = spawn(nginxBinary(), nginxArgs(prefix), {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let exited = false;
  const exitedPromise = new Promise((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const pgid = child.pid;

  // SIGTERM (the default, fast) or SIGQUIT (graceful: on SIGTERM the
  // master SIGKILLs any worker still exiting after about 1.5 s, and logs it
  // as an [alert]; a worker freeing thousands of TLS contexts on a loaded
  // machine can take that long).
  const stop = async ({ graceful = false, timeoutMs = 5000 } = {}) => {
    if (!exited) {
      try { process.kill(pgid, graceful ? 'SIGQUIT' : 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exitedPromise, sleep(timeoutMs)]);
    }
    // Master gone or stuck: make sure no worker outlives its caller.
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

  const reload = async ({ timeoutMs = 10000, bySignal = false } = {}) => {
    const before = errorLog().length;
    if (bySignal) {
      // what `nginx -s reload` sends, without its own reading of the
      // configuration, which blocks this process as long as it takes
      process.kill(Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim()), 'SIGHUP');
    } else {
      const res = spawnSync(nginxBinary(), [...nginxArgs(prefix), '-s', 'reload'], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`nginx -s reload failed: ${res.stderr}`);
    }
    // The master logs this once the new workers are started.
    const until = Date.now() + timeoutMs;
    while (!/start worker process/.test(errorLog().slice(before))) {
      if (Date.now() > until) throw new Error(`reload did not start new workers\n${errorLog()}`);
      await sleep(50);
    }
  };

  return {
    prefix,
    ports,
    port: ports[0],
    url: (path) => `http://127.0.0.1:${ports[0]}${path}`,
    errorLog,
    reload,
    stop,
  };
}
