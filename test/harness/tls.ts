// Real TLS for tests: a self-signed certificate made in the test, and TLS
// connections made by `openssl s_client` (one process per connection),
// which can store a session and resume it (-sess_out / -sess_in).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';

export interface Certificate {
  cert: string;
  key: string;
}

/**
 * A self-signed certificate for localhost in `dir`: RSA, or EC (P-256),
 * which a configuration with thousands of servers loads much faster.
 */
export function makeCertificate(dir: string, kind: 'rsa' | 'ec' = 'rsa'): Certificate {
  const cert = join(dir, `${kind}-cert.pem`);
  const key = join(dir, `${kind}-key.pem`);
  const keyArgs = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  const res = spawnSync(
    'openssl',
    ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`openssl req failed: ${res.stderr}`);
  return { cert, key };
}

/** null when the openssl command runs, else why not (for a test's skip note). */
export function opensslMissing(): string | null {
  const res = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) return `openssl not available (${res.error?.message ?? res.stderr}): apt-get install openssl`;
  return null;
}

export interface TlsOptions {
  /** '1.2' or '1.3': the only version the client offers */
  version?: '1.2' | '1.3';
  servername?: string;
  /** write the session here */
  sessOut?: string;
  /** resume the session read from here */
  sessIn?: string;
  /** offer no session ticket extension (TLS 1.2 session-ID resumption) */
  noTicket?: boolean;
  /** the request path (default /) */
  path?: string;
}

export interface TlsResult {
  /** the handshake completed and a response came back */
  ok: boolean;
  /** s_client printed "Reused," for the session */
  reused: boolean;
  /** the HTTP response body's first line (s_client may print session details after it) */
  body: string;
  output: string;
}

/**
 * One TLS connection to 127.0.0.1:port with one HTTP/1.0 request, whose
 * Host is the SNI name (or localhost) (the
 * server closes the connection after its response, so every session
 * ticket of TLS 1.3 has arrived when s_client writes -sess_out).
 */
export function tlsRequest(port: number, opts: TlsOptions = {}): Promise<TlsResult> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-ign_eof'];
  if (opts.version === '1.2') args.push('-tls1_2');
  if (opts.version === '1.3') args.push('-tls1_3');
  if (opts.servername !== undefined) args.push('-servername', opts.servername);
  else args.push('-noservername');
  if (opts.sessOut !== undefined) args.push('-sess_out', opts.sessOut);
  if (opts.sessIn !== undefined) args.push('-sess_in', opts.sessIn);
  if (opts.noTicket) args.push('-no_ticket');
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', () => {
      clearTimeout(timer);
      const http = output.indexOf('HTTP/1.1 ');
      const blank = output.indexOf('\r\n\r\n', http);
      const ok = http >= 0 && blank >= 0;
      const body = ok ? output.slice(blank + 4).split('\n')[0] : '';
      resolve({ ok, reused: /^Reused,/m.test(output), body, output });
    });
    child.stdin.end(`GET ${opts.path ?? '/'} HTTP/1.0\r\nHost: ${opts.servername ?? 'localhost'}\r\n\r\n`);
  });
}

/**
 * The child processes of the nginx master that wrote PREFIX/nginx.pid:
 * its workers (by pid only: under valgrind a worker's title is valgrind's
 * command line).
 */
export function workerPids(prefix: string): number[] {
  const master = readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim();
  const res = spawnSync('ps', ['-o', 'pid=', '--ppid', master], { encoding: 'utf8' });
  return res.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Number(l.trim()));
}

/** A TLS 1.2 cipher a server with `ssl_ciphers ACCEPTED_CIPHER;` refuses. */
export const REFUSED_CIPHER = 'AES128-SHA256';
export const ACCEPTED_CIPHER = 'ECDHE-RSA-AES128-GCM-SHA256';

/** What became of one connection of a load (tlsLoad). */
export type LoadOutcome =
  /** the handshake completed and the server's response came back (so the server completed it too) */
  | 'completed'
  /** the handshake completed on the client's side, but no response came */
  | 'handshake-only'
  /** the handshake did not complete on the client's side */
  | 'failed';

export interface LoadResult {
  completed: number;
  handshakeOnly: number;
  failed: number;
  /** of the failed: those that offered only the refused cipher on purpose (failEvery) */
  refused: number;
  /** connections attempted: the sum of the three */
  attempts: number;
  /** completed connections by the pid the server answered with */
  byPid: Map<string, number>;
  /** completed connections by the SNI name they sent (with `servernames`) */
  byServername: Map<string, number>;
}

export interface LoadOptions {
  concurrency: number;
  maxConnections: number;
  maxMs: number;
  failEvery?: number;
  servernames?: string[];
  stop?: (sofar: LoadResult) => boolean;
}

/**
 * Parallel TLS 1.2 connections (Node's TLS client: each one a full
 * handshake, no session offered) to 127.0.0.1:port, each with one HTTP/1.0
 * request whose response body is the serving worker's pid.  With
 * `failEvery` N, every Nth connection of a loop offers only the cipher
 * REFUSED_CIPHER, which a server whose ssl_ciphers leave it out answers
 * with a handshake failure.  With `servernames`, the connections send
 * these SNI names in turn.  Bounded in
 * count and time: `concurrency` loops until `maxConnections` were started
 * or `maxMs` passed or `stop(the result so far)` says so.
 */
export async function tlsLoad(port: number, opts: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { completed: 0, handshakeOnly: 0, failed: 0, refused: 0, attempts: 0, byPid: new Map(), byServername: new Map() };
  const until = Date.now() + opts.maxMs;
  const one = (refuse: boolean, servername: string | undefined) =>
    new Promise<LoadOutcome>((resolve) => {
      let secure = false;
      let data = '';
      let settled = false;
      const settle = (outcome: LoadOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (outcome === 'completed') {
          const pid = data.slice(data.indexOf('\r\n\r\n') + 4).trim();
          result.byPid.set(pid, (result.byPid.get(pid) ?? 0) + 1);
          if (servername !== undefined) {
            result.byServername.set(servername, (result.byServername.get(servername) ?? 0) + 1);
          }
        }
        resolve(outcome);
      };
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        maxVersion: 'TLSv1.2',
        ...(refuse ? { ciphers: REFUSED_CIPHER } : {}),
        ...(servername !== undefined ? { servername } : {}),
      }, () => {
        secure = true;
        socket.end('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');
      });
      const timer = setTimeout(() => settle(secure ? 'handshake-only' : 'failed'), 10000);
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => { data += d; });
      const done = () => {
        const complete = /^HTTP\/1\.1 200 /.test(data) && /\r\n\r\n\d+\n$/.test(data);
        settle(complete ? 'completed' : secure ? 'handshake-only' : 'failed');
      };
      socket.on('end', done);
      socket.on('close', done);
      socket.on('error', done);
    });
  const loop = async () => {
    for (let i = 1; result.attempts < opts.maxConnections && Date.now() < until && !(opts.stop?.(result) ?? false); i++) {
      result.attempts++;
      const refuse = opts.failEvery !== undefined && i % opts.failEvery === 0;
      const names = opts.servernames;
      const outcome = await one(refuse, names === undefined ? undefined : names[result.attempts % names.length]);
      if (outcome === 'completed') result.completed++;
      else if (outcome === 'handshake-only') result.handshakeOnly++;
      else result.failed++;
      if (refuse && outcome === 'failed') result.refused++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  return result;
}
