// SSL status (issue 15, docs/ssl-status.md) through a real nginx with 2
// workers and real TLS: OpenSSL's session counters per zone, read by the
// shim in every worker and summed by the bundle, against a known number of
// handshakes made with `openssl s_client`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { freePort, startNginx, test, testConfig } from '../harness/nginx';
import type { NginxInstance } from '../harness/nginx';
import { httpGet, httpRequest } from '../harness/http';
import { afterNextFlush } from '../harness/flush';
import { checkMetrics, promtoolMissing } from '../harness/promtool';
import { sampleValue } from '../harness/exposition';
import { validateSslStatusJson, validateStatsJson } from '../harness/json-schema';
import { ACCEPTED_CIPHER, makeCertificate, opensslMissing, tlsLoad, tlsRequest, TlsOptions, workerPids } from '../harness/tls';
import type { LoadResult } from '../harness/tls';
import { sleep } from '../../scripts/nginx-process.mjs';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';

const NAMES = [
  'number', 'connect', 'connect_good', 'connect_renegotiate', 'accept', 'accept_good',
  'accept_renegotiate', 'hits', 'cb_hits', 'misses', 'timeouts', 'cache_full',
];

const noOpenssl = opensslMissing();
const noCurlHttp2 = /HTTP2/.test(spawnSync('curl', ['-V'], { encoding: 'utf8' }).stdout ?? '') ? null : 'curl without HTTP/2';
const dir = mkdtempSync(join(tmpdir(), 'ipng-ssl-status-'));
const cert = noOpenssl === null ? makeCertificate(dir) : { cert: '', key: '' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Counts = Record<string, number>;

/** All twelve, then the handshakes counted from connections (full, resumed); zero unless given. */
function counts(nonZero: Counts): Counts {
  const out: Counts = {};
  for (const name of [...NAMES, 'full', 'resumed']) out[name] = nonZero[name] ?? 0;
  return out;
}

/** A TLS server on {{PORTi}}, answering its worker's pid. */
function tlsServer(port: string, zone: string | null, extra = ''): string {
  return `
    server {
        listen 127.0.0.1:${port} ssl;
        ssl_certificate ${cert.cert};
        ssl_certificate_key ${cert.key};
        ${zone === null ? '' : `ssl_status_zone ${zone};`}
        ${extra}
        location / { return 200 "$pid\\n"; }
    }`;
}

/** The plain server on {{PORT}}: the main scrape and one ssl_status location per zone. */
function statusServer(zones: string[]): string {
  return `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
        ${zones.map((z) => `location = /ssl/${z} { ssl_status ${z}; }`).join('\n        ')}
    }`;
}

async function zoneCounts(n: NginxInstance, zone: string): Promise<Counts> {
  const res = await httpGet(n.url(`/ssl/${zone}`), { Accept: 'application/json' });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  validateSslStatusJson(res.body);
  const doc = JSON.parse(res.body) as { schema: number; zones: Record<string, Counts & { handshakes: Counts }> };
  expect(Object.keys(doc.zones)).toEqual([zone]);
  const { handshakes, ...twelve } = doc.zones[zone];
  return { ...twelve, ...handshakes };
}

/** Waits until every worker flushed twice, then reads the zone. */
async function flushedCounts(n: NginxInstance, zone: string): Promise<Counts> {
  await afterNextFlush(n.url('/metrics'));
  return zoneCounts(n, zone);
}

/** n connections in a row; each must complete with a response. */
async function handshakes(port: number, count: number, opts: TlsOptions = {}): Promise<string[]> {
  const pids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await tlsRequest(port, opts);
    expect(res.ok, res.output).toBe(true);
    pids.push(res.body.trim());
  }
  return pids;
}

/** Polls the zone (bounded) until `done`, for what depends on a worker's exit. */
async function countsWhen(n: NginxInstance, zone: string, done: (c: Counts) => boolean, ms = 8000): Promise<Counts> {
  const until = Date.now() + ms;
  for (;;) {
    const c = await zoneCounts(n, zone);
    if (done(c) || Date.now() > until) return c;
    await sleep(50);
  }
}

describe.skipIf(noOpenssl !== null)('SSL status counters, exact', () => {
  test('N full handshakes: accept = accept_good = N; the original\'s text byte for byte', async ({ nginx }) => {
    const n = await nginx({ ports: 2, http: tlsServer('{{PORT1}}', 'z1') + statusServer(['z1']) });
    await handshakes(n.ports[1], 7);
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 7, accept_good: 7, full: 7 }));
    const text = await httpGet(n.url('/ssl/z1'));
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toBe('text/plain');
    expect(text.body).toBe(
      'number: 0 \nconnect: 0 \nconnect_good: 0 \nconnect_renegotiate: 0 \naccept: 7 \naccept_good: 7 \n' +
        'accept_renegotiate: 0 \nhits: 0 \ncb_hits: 0 \nmisses: 0 \ntimeouts: 0 \ncache_full: 0 \n',
    );
  });

  test('TLS 1.2 session-ID resumption through the shared cache: exact hits and cb_hits', async ({ nginx }) => {
    const n = await nginx({
      ports: 2,
      http: tlsServer('{{PORT1}}', 'z1', 'ssl_session_cache shared:sess:1m; ssl_session_tickets off;') + statusServer(['z1']),
    });
    const sess = join(dir, 'tls12.sess');
    await handshakes(n.ports[1], 1, { version: '1.2', noTicket: true, sessOut: sess });
    for (let i = 0; i < 5; i++) {
      const res = await tlsRequest(n.ports[1], { version: '1.2', noTicket: true, sessIn: sess });
      expect(res.ok && res.reused, res.output).toBe(true);
    }
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 6, accept_good: 6, hits: 5, cb_hits: 5, full: 1, resumed: 5 }));
  });

  test('TLS 1.3 ticket resumption: exact hits, no cb_hits', async ({ nginx }) => {
    const n = await nginx({
      ports: 2,
      http: tlsServer('{{PORT1}}', 'z1', 'ssl_session_cache shared:sess:1m;') + statusServer(['z1']),
    });
    const sess = join(dir, 'tls13.sess');
    await handshakes(n.ports[1], 1, { version: '1.3', sessOut: sess });
    for (let i = 0; i < 4; i++) {
      const res = await tlsRequest(n.ports[1], { version: '1.3', sessIn: sess });
      expect(res.ok && res.reused, res.output).toBe(true);
    }
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 5, accept_good: 5, hits: 4, full: 1, resumed: 4 }));
  });

  test('failed handshakes (a protocol version the server refuses) count as accept - accept_good', async ({ nginx }) => {
    const n = await nginx({ ports: 2, http: tlsServer('{{PORT1}}', 'z1', 'ssl_protocols TLSv1.3;') + statusServer(['z1']) });
    for (let i = 0; i < 3; i++) expect((await tlsRequest(n.ports[1], { version: '1.2' })).ok).toBe(false);
    await handshakes(n.ports[1], 2, { version: '1.3' });
    // a failed handshake carries no request: not among the counted handshakes
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 5, accept_good: 2, full: 2 }));
  });

  test('two servers in one zone are summed; a third in its own zone is separate', async ({ nginx }) => {
    const n = await nginx({
      ports: 4,
      http: tlsServer('{{PORT1}}', 'pair') + tlsServer('{{PORT2}}', 'pair') + tlsServer('{{PORT3}}', 'alone') +
        statusServer(['pair', 'alone']),
    });
    await handshakes(n.ports[1], 2);
    await handshakes(n.ports[2], 3);
    await handshakes(n.ports[3], 4);
    expect(await flushedCounts(n, 'pair')).toEqual(counts({ accept: 5, accept_good: 5, full: 5 }));
    expect(await zoneCounts(n, 'alone')).toEqual(counts({ accept: 4, accept_good: 4, full: 4 }));
  });

  test('ssl_status default: the TLS servers without ssl_status_zone (the current original\'s default zone)', async ({ nginx }) => {
    const n = await nginx({
      ports: 3,
      http: tlsServer('{{PORT1}}', null) + tlsServer('{{PORT2}}', 'z1') + statusServer(['default', 'z1']),
    });
    await handshakes(n.ports[1], 2);
    await handshakes(n.ports[2], 3);
    expect(await flushedCounts(n, 'default')).toEqual(counts({ accept: 2, accept_good: 2, full: 2 }));
    expect(await zoneCounts(n, 'z1')).toEqual(counts({ accept: 3, accept_good: 3, full: 3 }));
  });

  test('both workers\' handshakes are counted', async ({ nginx }) => {
    const n = await nginx({ ports: 2, http: tlsServer('{{PORT1}}', 'z1') + statusServer(['z1']) });
    const served = new Set<string>();
    let made = 0;
    // bounded: the kernel spreads new connections over both workers' accepts
    while (made < 200 && (served.size < 2 || made < 10)) {
      for (const pid of await handshakes(n.ports[1], 1)) served.add(pid);
      made++;
    }
    expect(served.size).toBe(2);
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: made, accept_good: made, full: made }));
  });
});

describe.skipIf(noOpenssl !== null || noCurlHttp2 !== null)('handshakes counted from connections', () => {
  test('keepalive and HTTP/2: one handshake per connection, however many requests', async ({ nginx }) => {
    const n = await nginx({ ports: 2, http: tlsServer('{{PORT1}}', 'z1', 'http2 on;') + statusServer(['z1']) });
    const url = `https://127.0.0.1:${n.ports[1]}/`;
    for (const version of ['--http1.1', '--http2']) {
      // one curl, one connection, four requests
      const res = spawnSync('curl', ['-sk', version, '-w', '%{num_connects}\n', ...[1, 2, 3, 4].flatMap(() => ['-o', '/dev/null', url])], { encoding: 'utf8' });
      expect(res.stdout.trim().split('\n')).toEqual(['1', '0', '0', '0']);
    }
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 2, accept_good: 2, full: 2 }));
  });
});

describe.skipIf(noOpenssl !== null)('attribution with SNI (docs/ssl-status.md)', () => {
  test('name-based servers on one address: accept, hits and cb_hits on the default server\'s zone, accept_good on the selected one', async ({ nginx }) => {
    const named = (name: string, zone: string, def: string) => `
    server {
        listen 127.0.0.1:{{PORT1}} ssl ${def};
        server_name ${name};
        ssl_certificate ${cert.cert};
        ssl_certificate_key ${cert.key};
        ssl_status_zone ${zone};
        location / { return 200 "${name}\\n"; }
    }`;
    const n = await nginx({
      ports: 2,
      http: 'ssl_session_cache shared:sess:1m; ssl_session_tickets off;' +
        named('a.test', 'za', 'default_server') + named('b.test', 'zb', '') + statusServer(['za', 'zb']),
    });
    const sess = join(dir, 'sni.sess');
    const b = { version: '1.2' as const, noTicket: true, servername: 'b.test' };
    expect(await handshakes(n.ports[1], 1, { ...b, sessOut: sess })).toEqual(['b.test']);
    for (let i = 0; i < 2; i++) {
      const res = await tlsRequest(n.ports[1], { ...b, sessIn: sess });
      expect(res.ok && res.reused && res.body === 'b.test', res.output).toBe(true);
    }
    expect(await flushedCounts(n, 'za')).toEqual(counts({ accept: 3, hits: 2, cb_hits: 2 }));
    // the handshakes counted from the connections follow SNI: all in zb
    expect(await zoneCounts(n, 'zb')).toEqual(counts({ accept_good: 3, full: 1, resumed: 2 }));
  });
});

describe.skipIf(noOpenssl !== null)('reloads and worker loss', () => {
  test('counters survive a reload', async ({ nginx }) => {
    const n = await nginx({ ports: 2, http: tlsServer('{{PORT1}}', 'z1') + statusServer(['z1']) });
    await handshakes(n.ports[1], 4);
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 4, accept_good: 4, full: 4 }));
    await n.reload();
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 4, accept_good: 4, full: 4 }));
    await handshakes(n.ports[1], 3);
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: 7, accept_good: 7, full: 7 }));
  });

  test('a zone removed by a reload leaves the main scrape; the others keep their counts', async ({ nginx }) => {
    const n = await nginx({
      ports: 3,
      http: tlsServer('{{PORT1}}', 'stays') + tlsServer('{{PORT2}}', 'goes') + statusServer(['stays']),
    });
    await handshakes(n.ports[1], 2);
    await handshakes(n.ports[2], 1);
    await afterNextFlush(n.url('/metrics'));
    const before = (await httpGet(n.url('/metrics'))).body;
    expect(sampleValue(before, 'nginx_ssl_accept_total{zone="goes"}')).toBe(1);
    const conf = join(n.prefix, 'nginx.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('ssl_status_zone goes;', ''));
    await n.reload();
    await afterNextFlush(n.url('/metrics'));
    const after = (await httpGet(n.url('/metrics'))).body;
    expect(after).not.toContain('zone="goes"');
    expect(sampleValue(after, 'nginx_ssl_accept_total{zone="stays"}')).toBe(2);
  });

  test('number (sessions in the builtin cache) is the live workers\' sum: no drift over ten reloads', async ({ nginx }) => {
    const n = await nginx({
      ports: 2,
      http: tlsServer('{{PORT1}}', 'z1', 'ssl_session_cache builtin:1000; ssl_session_tickets off;') + statusServer(['z1']),
    });
    const perRound = 3;
    for (let round = 1; round <= 10; round++) {
      await handshakes(n.ports[1], perRound, { version: '1.2', noTicket: true });
      const c = await flushedCounts(n, 'z1');
      expect(c).toEqual(counts({ number: perRound, accept: perRound * round, accept_good: perRound * round, full: perRound * round }));
      await n.reload();
      // the old workers exit with their sessions: their share goes to 0
      const after = await countsWhen(n, 'z1', (x) => x.number === 0);
      expect(after.number).toBe(0);
    }
    expect(await flushedCounts(n, 'z1')).toEqual(counts({ accept: perRound * 10, accept_good: perRound * 10, full: perRound * 10 }));
  }, 120000);

  test('reloads under load keep every counter: accept_good = the handshakes the clients completed, exactly', async ({ nginx }) => {
    // Every handshake a client completed with a response was completed by
    // the server, in the worker that served it, old or new; an old worker
    // hands over its last changes when it exits.  A handshake that failed
    // on the client's side counts accept at most; every tenth offers only
    // a cipher the server refuses, which reaches OpenSSL: accept only.
    // builtin cache, tickets off: each full handshake leaves one session
    // in its worker's cache.
    const n = await nginx({
      ports: 2,
      http: tlsServer('{{PORT1}}', 'z1',
        `ssl_session_cache builtin:20000; ssl_session_tickets off; ssl_ciphers ${ACCEPTED_CIPHER};`) + statusServer(['z1']),
    });
    const reloads = 5;
    let reloaded = 0;
    // the workers before the last reload (running, or gone after serving):
    // the load goes on until the last reload's workers served some too
    // (however slowly they start: valgrind)
    let beforeLast: string[] | null = null;
    const servedByNewest = (r: LoadResult) =>
      [...r.byPid].filter(([pid]) => beforeLast !== null && !beforeLast.includes(pid)).reduce((sum, [, count]) => sum + count, 0);
    const progress: { sofar?: LoadResult } = {};
    const load = tlsLoad(n.ports[1], {
      concurrency: 4, maxConnections: 5000, maxMs: 60000, failEvery: 10,
      stop: (r) => {
        progress.sofar = r;
        return reloaded === reloads && servedByNewest(r) >= 20;
      },
    });
    const before = await countsWhen(n, 'z1', (c) => c.accept_good >= 20);
    expect(before.accept_good).toBeGreaterThanOrEqual(20);
    while (reloaded < reloads) {
      if (reloaded === reloads - 1) beforeLast = [...workerPids(n.prefix).map(String), ...(progress.sofar?.byPid.keys() ?? [])];
      await n.reload();
      reloaded++;
      await sleep(300);
    }
    const done = await load;
    // the old workers exit once their connections are closed
    const until = Date.now() + 20000;
    let live = workerPids(n.prefix);
    while ((live.length !== 2 || live.some((p) => beforeLast!.includes(String(p)))) && Date.now() < until) {
      await sleep(50);
      live = workerPids(n.prefix);
    }
    expect(live).toHaveLength(2);
    const c = await flushedCounts(n, 'z1');
    // every failure is one on purpose, and some happened
    expect({ reloads: reloaded, handshakeOnly: done.handshakeOnly, failed: done.failed }).toEqual({
      reloads, handshakeOnly: 0, failed: done.refused,
    });
    expect(done.refused).toBeGreaterThan(0);
    expect(done.completed).toBeGreaterThan(before.accept_good);
    expect(c.accept_good).toBe(done.completed);
    expect(c.full).toBe(done.completed);
    // each refused handshake reached OpenSSL: accept, exactly
    expect(c.accept).toBe(done.completed + done.refused);
    // number: the sessions in the live workers' caches, those it served
    const servedByLive = live.reduce((sum, pid) => sum + (done.byPid.get(String(pid)) ?? 0), 0);
    expect(c.number).toBe(servedByLive);
    // the load ran across the reloads: old and new workers served
    expect(servedByNewest(done)).toBe(servedByLive);
    expect(servedByLive).toBeGreaterThan(0);
    expect(done.completed - servedByLive).toBeGreaterThan(0);
    expect(counts({ ...c, number: 0, accept: 0, accept_good: 0, full: 0 })).toEqual(counts({}));
  }, 90000);

  test('kill -9 of a worker: its sessions leave number, the others keep counting', async () => {
    // not the fixture: nginx logs the killed worker at [alert], which the
    // fixture fails on; this test checks the error log itself
    const n = await startNginx({
      ports: 2,
      http: tlsServer('{{PORT1}}', 'z1', 'ssl_session_cache builtin:1000; ssl_session_tickets off;') + statusServer(['z1']),
    });
    try {
      const pids = await handshakes(n.ports[1], 8, { version: '1.2', noTicket: true });
      expect(await flushedCounts(n, 'z1')).toEqual(counts({ number: 8, accept: 8, accept_good: 8, full: 8 }));
      const victim = Number(pids[0]);
      const left = pids.filter((p) => Number(p) !== victim).length;
      expect(workerPids(n.prefix)).toContain(victim);
      process.kill(victim, 'SIGKILL');
      const after = await countsWhen(n, 'z1', (c) => c.number === left);
      expect(after).toEqual(counts({ number: left, accept: 8, accept_good: 8, full: 8 }));
      await handshakes(n.ports[1], 4, { version: '1.2', noTicket: true });
      expect(await flushedCounts(n, 'z1')).toEqual(counts({ number: left + 4, accept: 12, accept_good: 12, full: 12 }));
      const severe = n.errorLog().split('\n').filter((l) => /\[(alert|crit|emerg)\]/.test(l));
      expect(severe.filter((l) => !l.includes(`worker process ${victim} exited on signal 9`))).toEqual([]);
    } finally {
      await n.stop();
      if (process.env.TEST_NGINX_LEAVE !== '1') rmSync(n.prefix, { recursive: true, force: true });
    }
  }, 60000);
});

describe.skipIf(noOpenssl !== null)('outputs', () => {
  test('JSON and Prometheus (location and main scrape) show the same counts; promtool and the JSON schemas accept them', async ({ nginx }) => {
    const n = await nginx({
      ports: 3,
      http: tlsServer('{{PORT1}}', 'z1', 'ssl_session_cache shared:sess:1m; ssl_session_tickets off;') +
        tlsServer('{{PORT2}}', 'z2') + statusServer(['z1', 'z2']),
    });
    const sess = join(dir, 'outputs.sess');
    await handshakes(n.ports[1], 1, { version: '1.2', noTicket: true, sessOut: sess });
    await handshakes(n.ports[1], 2, { version: '1.2', noTicket: true, sessIn: sess });
    await handshakes(n.ports[2], 3);
    const z1 = await flushedCounts(n, 'z1');
    expect(z1).toEqual(counts({ accept: 3, accept_good: 3, hits: 2, cb_hits: 2, full: 1, resumed: 2 }));
    const z2 = counts({ accept: 3, accept_good: 3, full: 3 });
    for (const accept of [{ Accept: 'text/plain; version=0.0.4' }, undefined]) {
      const res = await httpGet(n.url('/ssl/z1') + (accept ? '' : '?format=prometheus'), accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.body).toContain('# TYPE nginx_ssl_number gauge\nnginx_ssl_number{zone="z1"} 0\n');
      for (let i = 1; i < NAMES.length; i++) {
        expect(sampleValue(res.body, `nginx_ssl_${NAMES[i]}_total{zone="z1"}`)).toBe(z1[NAMES[i]]);
      }
      for (const kind of ['full', 'resumed']) {
        expect(sampleValue(res.body, `nginx_ssl_handshakes_total{zone="z1",handshake="${kind}"}`)).toBe(z1[kind]);
      }
      if (promtoolMissing() === null) await checkMetrics(res.body, []);
    }
    const scrape = (await httpGet(n.url('/metrics'))).body;
    for (const [zone, c] of [['z1', z1], ['z2', z2]] as const) {
      expect(sampleValue(scrape, `nginx_ssl_number{zone="${zone}"}`)).toBe(0);
      for (let i = 1; i < NAMES.length; i++) {
        expect(sampleValue(scrape, `nginx_ssl_${NAMES[i]}_total{zone="${zone}"}`)).toBe(c[NAMES[i]]);
      }
      for (const kind of ['full', 'resumed']) {
        expect(sampleValue(scrape, `nginx_ssl_handshakes_total{zone="${zone}",handshake="${kind}"}`)).toBe(c[kind]);
      }
    }
    if (promtoolMissing() === null) await checkMetrics(scrape);
    // the main scrape's JSON: the same zones as "ssl" (revision 2 of schema 1)
    const json = await httpGet(n.url('/metrics'), { Accept: 'application/json' });
    expect(json.headers['content-type']).toBe('application/json');
    validateStatsJson(json.body);
    const doc = JSON.parse(json.body) as { schema: number; ssl: { zones: Record<string, Counts & { handshakes: Counts }> } };
    expect(doc.schema).toBe(1);
    expect(Object.keys(doc.ssl.zones)).toEqual(['z1', 'z2']);
    for (const [zone, c] of [['z1', z1], ['z2', z2]] as const) {
      const { handshakes, ...twelve } = doc.ssl.zones[zone];
      expect({ ...twelve, ...handshakes }).toEqual(c);
    }
    // a filtered scrape is about one source's series: no SSL zones
    expect((await httpGet(n.url('/metrics?source_tag=direct'))).body).not.toContain('nginx_ssl_');
    const filtered = await httpGet(n.url('/metrics?source_tag=direct'), { Accept: 'application/json' });
    validateStatsJson(filtered.body);
    expect(Object.keys(JSON.parse(filtered.body))).toEqual(['schema', 'by_source', 'meta']);
  });

  test('GET and HEAD only; a bad ?format= is a 400 with the reason', async ({ nginx }) => {
    const n = await nginx({ ports: 2, http: tlsServer('{{PORT1}}', 'z1') + statusServer(['z1']) });
    const post = await httpRequest(n.url('/ssl/z1'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await httpRequest(n.url('/ssl/z1'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const bad = await httpGet(n.url('/ssl/z1?format=xml'));
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('unknown format "xml": use text, json or prometheus\n');
  });

  test('a configuration with only ssl_status* (no ipng zone) drains and counts', async ({ nginxOnPrefix }) => {
    // not writeNginxConfig's product lines, which declare the ipng zone
    const env = readRuntimeEnv();
    const prefix = mkdtempSync(join(tmpdir(), 'ipng-ssl-only-'));
    const ports = [await freePort(), await freePort()];
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(prefix, t)};`).join(' ');
    mkdirSync(prefix, { recursive: true });
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `load_module ${env.NJS_MODULE};
load_module ${env.SHIM_MODULE};
worker_processes 2; daemon off; pid ${join(prefix, 'nginx.pid')}; error_log ${join(prefix, 'error.log')} notice;
events { worker_connections 1024; }
http {
    ${temp}
    access_log off;
    ipng_stats_bundle ${join(repoRoot, 'dist', 'ipng-stats.js')};
    ipng_stats_flush_interval 100ms;
    ${tlsServer(String(ports[1]), 'z1')}
    server { listen 127.0.0.1:${ports[0]}; location = /ssl { ssl_status z1; } }
}
`,
    );
    const n = await nginxOnPrefix(prefix, ports);
    await handshakes(ports[1], 5);
    const until = Date.now() + 5000;
    let text = '';
    while (Date.now() < until && !text.includes('accept_good: 5 ')) {
      text = (await httpGet(`http://127.0.0.1:${ports[0]}/ssl`)).body;
      await sleep(50);
    }
    // five flush intervals more: nothing counted twice
    await sleep(500);
    text = (await httpGet(`http://127.0.0.1:${ports[0]}/ssl`)).body;
    expect(text).toBe(
      'number: 0 \nconnect: 0 \nconnect_good: 0 \nconnect_renegotiate: 0 \naccept: 5 \naccept_good: 5 \n' +
        'accept_renegotiate: 0 \nhits: 0 \ncb_hits: 0 \nmisses: 0 \ntimeouts: 0 \ncache_full: 0 \n',
    );
    // no ipng zone: the shim counts no ipng series, so no line goes unread
    expect(n.errorLog()).not.toMatch(/\[error\]/);
  });
});

describe('nginx -t', () => {
  const tls = (zone: string) => tlsServer('{{PORT1}}', zone);
  test('an ssl_status zone that no server declares is an error naming it', () => {
    const res = testConfig({ ports: [1, 2], http: tls('z1') + statusServer(['nosuch']) });
    expect(res.status).not.toBe(0);
    expect(res.output).toMatch(/unknown zone "nosuch" in "ssl_status" in \S+nginx\.conf:\d+: no server declares it with "ssl_status_zone nosuch;"/);
  });

  test('ssl_status_zone in a server without TLS is an error naming the zone', () => {
    const res = testConfig({
      ports: [1, 2],
      http: tls('z1') + `server { listen 127.0.0.1:{{PORT}}; ssl_status_zone plain; }`,
    });
    expect(res.status).not.toBe(0);
    expect(res.output).toMatch(/"ssl_status_zone plain" in \S+nginx\.conf:\d+ is in a server without TLS/);
  });

  test('ssl_status_zone twice in a server', () => {
    const res = testConfig({ ports: [1, 2], http: tlsServer('{{PORT1}}', 'a', 'ssl_status_zone b;') });
    expect(res.status).not.toBe(0);
    expect(res.output).toMatch(/"ssl_status_zone" directive is duplicate/);
  });

  test('ssl_status default without such a zone: every TLS server without a zone (the original\'s default)', () => {
    const res = testConfig({ ports: [1, 2], http: tlsServer('{{PORT1}}', null) + statusServer(['default']) });
    expect(res.output).toContain('test is successful');
  });
});
