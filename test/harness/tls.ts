// Real TLS for tests: a self-signed certificate made in the test, and TLS
// connections made by `openssl s_client` (one process per connection),
// which can store a session and resume it (-sess_out / -sess_in).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificate {
  cert: string;
  key: string;
}

/** A self-signed RSA certificate for localhost in `dir`. */
export function makeCertificate(dir: string): Certificate {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const res = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
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
