// SSL status with 10,000 TLS servers loaded (issue 15's Timer target, as
// bench/ssl-status.mjs builds them: name-based servers on one address, in
// 100 zones): one reload under load keeps every counter, exactly, per zone.
// Not a timed test; it takes 25-45 s on the shared 2-core machine, almost
// all of it nginx reading the 10,000 servers, at start and again in the
// master at the reload (while the old workers serve the load).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { afterNextFlush } from '../harness/flush';
import { sampleValue } from '../harness/exposition';
import { makeCertificate, opensslMissing, tlsLoad, workerPids } from '../harness/tls';
import type { LoadResult } from '../harness/tls';
import { sleep } from '../../scripts/nginx-process.mjs';

const SERVERS = 10000;
const ZONES = 100;

const noOpenssl = opensslMissing();
const dir = mkdtempSync(join(tmpdir(), 'ipng-ssl-many-'));
// EC: the configuration loads the key 10,000 times
const cert = noOpenssl === null ? makeCertificate(dir, 'ec') : { cert: '', key: '' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const zoneOf = (server: number) => `z${server % ZONES}`;

function manyServers(): string {
  const out: string[] = [];
  for (let i = 0; i < SERVERS; i++) {
    out.push(`
    server {
        listen 127.0.0.1:{{PORT1}} ssl;
        server_name s${i}.example.test;
        ssl_certificate ${cert.cert};
        ssl_certificate_key ${cert.key};
        ssl_session_tickets off;
        ssl_status_zone ${zoneOf(i)};
        location / { return 200 "$pid\\n"; }
    }`);
  }
  return out.join('');
}

/** The master's children once `done` holds for them (bounded: 30 s). */
async function workersWhen(prefix: string, done: (pids: number[]) => boolean): Promise<number[]> {
  const until = Date.now() + 30000;
  for (;;) {
    const pids = workerPids(prefix);
    if (done(pids) || Date.now() > until) return pids;
    await sleep(100);
  }
}

describe.skipIf(noOpenssl !== null)('SSL status with 10,000 TLS servers', () => {
  test('one reload under load keeps every counter of every zone', async ({ nginx }) => {
    const n = await nginx({
      ports: 2,
      http: manyServers() + `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
    }`,
    });
    // 200 names, two in each zone, spread over the 10,000 servers
    const servernames = Array.from({ length: 2 * ZONES }, (_, k) => `s${(k * 101) % SERVERS}.example.test`);
    const old = (await workersWhen(n.prefix, (pids) => pids.length === 2)).map(String);
    const servedByNew = (r: LoadResult) => [...r.byPid].filter(([pid]) => !old.includes(pid)).reduce((sum, [, c]) => sum + c, 0);
    let reloaded = false;
    // the load goes on until the new workers (which start some seconds
    // after the signal) served some too; bounded in count and time
    const load = tlsLoad(n.ports[1], {
      concurrency: 2, maxConnections: 20000, maxMs: 120000, servernames,
      stop: (sofar) => reloaded && servedByNew(sofar) >= 100,
    });
    await sleep(500);
    // by signal: `nginx -s reload` would read the configuration in this
    // process's stead, and stall the load for as long
    await n.reload({ timeoutMs: 90000, bySignal: true });
    reloaded = true;
    const done = await load;
    // the old workers exit once their connections are closed
    const live = await workersWhen(n.prefix, (pids) => pids.length === 2 && !pids.some((p) => old.includes(String(p))));
    expect(live).toHaveLength(2);
    await afterNextFlush(n.url('/metrics'));
    const scrape = (await httpGet(n.url('/metrics'))).body;
    expect({ handshakeOnly: done.handshakeOnly, failed: done.failed }).toEqual({ handshakeOnly: 0, failed: 0 });
    // the old workers served, and so did the new ones
    const servedByLive = live.reduce((sum, pid) => sum + (done.byPid.get(String(pid)) ?? 0), 0);
    expect(servedByNew(done)).toBe(servedByLive);
    expect(servedByLive).toBeGreaterThan(0);
    expect(done.completed - servedByLive).toBeGreaterThan(0);
    // accept_good and the counted handshakes follow SNI; accept counts on
    // the default server's context (s0, zone z0): docs/ssl-status.md
    const expected = new Map<string, number>();
    for (const [name, count] of done.byServername) {
      const zone = zoneOf(Number(/^s(\d+)\./.exec(name)![1]));
      expected.set(zone, (expected.get(zone) ?? 0) + count);
    }
    // no session cache: number stays 0 in every zone
    type PerZone = Record<string, number>;
    const seen = { number: {} as PerZone, accept: {} as PerZone, acceptGood: {} as PerZone, full: {} as PerZone };
    const want = { number: {} as PerZone, accept: {} as PerZone, acceptGood: {} as PerZone, full: {} as PerZone };
    for (let z = 0; z < ZONES; z++) {
      const zone = `z${z}`;
      seen.number[zone] = sampleValue(scrape, `nginx_ssl_number{zone="${zone}"}`) ?? -1;
      seen.accept[zone] = sampleValue(scrape, `nginx_ssl_accept_total{zone="${zone}"}`) ?? -1;
      seen.acceptGood[zone] = sampleValue(scrape, `nginx_ssl_accept_good_total{zone="${zone}"}`) ?? -1;
      seen.full[zone] = sampleValue(scrape, `nginx_ssl_handshakes_total{zone="${zone}",handshake="full"}`) ?? -1;
      want.number[zone] = 0;
      want.accept[zone] = zone === 'z0' ? done.completed : 0;
      want.acceptGood[zone] = expected.get(zone) ?? 0;
      want.full[zone] = expected.get(zone) ?? 0;
    }
    expect(seen).toEqual(want);
    // A graceful stop: on the harness's SIGTERM the master SIGKILLs a
    // worker still freeing its 10,000 TLS contexts after about 1.5 s, which
    // a loaded machine can take (seen in CI as "exited on signal 9").
    await n.stop({ graceful: true, timeoutMs: 60000 });
  }, 180000);
});
