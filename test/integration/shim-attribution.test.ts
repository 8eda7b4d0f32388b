// Source attribution through `listen ... device=` on real interfaces: two
// client hosts in their own network namespaces, each behind its own veth
// pair, reach one nginx that listens on the wildcard address of one port
// once per interface (IPv4 and IPv6). The scrape must show exactly the
// requests each host sent, under that interface's source tag.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { freePort, test, type NginxInstance } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { writeNginxConfig } from '../../scripts/nginx-prefix.mjs';
import { curlFrom, NetnsLab, netnsUnavailable } from '../harness/netns';
import { sleep } from '../../scripts/nginx-process.mjs';
import { samples } from '../harness/exposition';

const why = netnsUnavailable();


/** The request-count lines of a scrape, sorted. */
function requestLines(body: string): string[] {
  return samples(body, 'nginx_ipng_requests_total').sort();
}

/** Scrapes until the lines equal `expected` (log phase may trail curl's exit), at most 5 s. */
async function scrapeUntil(url: string, expected: string[]): Promise<string[]> {
  let lines: string[] = [];
  for (let i = 0; i < 50; i++) {
    lines = requestLines((await httpGet(url)).body);
    if (JSON.stringify(lines) === JSON.stringify([...expected].sort())) break;
    await sleep(100);
  }
  return lines;
}

describe.skipIf(why !== null)(`listen device= attribution in network namespaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const lab = new NetnsLab();

  beforeAll(() => {
    lab.addHost();
    lab.addHost();
  });

  afterAll(() => lab.destroy());

  test('one wildcard port per device: each host counted under its own tag, IPv4 and IPv6', async ({ nginx }) => {
    const [a, b] = lab.hosts;
    const port = await freePort();
    const n = await nginx({
      http: `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
        location = /tag { return 200 "$ipng_source_tag\\n"; }
    }
    server {
        listen ${port} device=${a.dev};
        listen [::]:${port} device=${a.dev};
        listen ${port} device=${b.dev} ipng_source_tag=transit-b backlog=64;
        listen [::]:${port} device=${b.dev} ipng_source_tag=transit-b;
        location = /ok { return 200 "ok\\n"; }
        location = /missing { return 404; }
        location = /tag { return 200 "$ipng_source_tag\\n"; }
    }`,
    });

    // Four listening sockets on one port, each bound to its device.
    const ss = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
    const socks = ss.split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)[3]).sort();
    expect(socks).toEqual(
      [`[::]%${a.dev}:${port}`, `0.0.0.0%${a.dev}:${port}`, `[::]%${b.dev}:${port}`, `0.0.0.0%${b.dev}:${port}`].sort(),
    );

    // The tag as nginx sees it, per interface.
    expect(a.exec(['curl', '-sS', '--max-time', '10', `http://${a.serverV4}:${port}/tag`])).toBe(`${a.dev}\n`);
    expect(b.exec(['curl', '-sS', '--max-time', '10', `http://${b.serverV4}:${port}/tag`])).toBe('transit-b\n');
    expect(b.exec(['curl', '-sS', '-g', '--max-time', '10', `http://[${b.serverV6}]:${port}/tag`])).toBe('transit-b\n');
    // Loopback traffic is on neither device: the default source.
    expect((await httpGet(n.url('/tag'))).body).toBe('direct\n');

    // Known numbers of requests from each host.
    expect(curlFrom(a, `http://${a.serverV4}:${port}/ok`, 7)).toEqual(Array(7).fill(200));
    expect(curlFrom(a, `http://${a.serverV4}:${port}/missing`, 2)).toEqual([404, 404]);
    expect(curlFrom(a, `http://[${a.serverV6}]:${port}/ok`, 4)).toEqual(Array(4).fill(200));
    expect(curlFrom(b, `http://${b.serverV4}:${port}/ok`, 5)).toEqual(Array(5).fill(200));
    expect(curlFrom(b, `http://[${b.serverV6}]:${port}/missing`, 3)).toEqual([404, 404, 404]);

    // Host A cannot reach B's address through its own interface: the
    // socket of device B does not accept on device A (no route either way).

    const expected = [
      `nginx_ipng_requests_total{source_tag="${a.dev}",vip="${a.serverV4}",code="200"} 8`,
      `nginx_ipng_requests_total{source_tag="${a.dev}",vip="${a.serverV4}",code="404"} 2`,
      `nginx_ipng_requests_total{source_tag="${a.dev}",vip="${a.serverV6}",code="200"} 5`,
      `nginx_ipng_requests_total{source_tag="transit-b",vip="${b.serverV4}",code="200"} 6`,
      `nginx_ipng_requests_total{source_tag="transit-b",vip="${b.serverV6}",code="200"} 1`,
      `nginx_ipng_requests_total{source_tag="transit-b",vip="${b.serverV6}",code="404"} 3`,
      `nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 1`,
    ].sort();
    // (the /tag probes above count too: A 1x v4 + 1x v6 below, B 1x v4 + 1x v6, loopback 1x)
    expect(curlFrom(a, `http://[${a.serverV6}]:${port}/tag`, 1)).toEqual([200]);
    expect(await scrapeUntil(n.url('/metrics'), expected)).toEqual(expected);
  });

  function workerPids(prefix: string): string[] {
    const master = readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim();
    return spawnSync('pgrep', ['-P', master], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  }

  /** Reloads and waits (at most 10 s) until every old worker is gone and the new ones run. */
  async function reloadSettled(n: NginxInstance, workers = 2): Promise<void> {
    const old = new Set(workerPids(n.prefix));
    await n.reload();
    for (let i = 0; i < 100; i++) {
      const now = workerPids(n.prefix);
      if (now.length === workers && now.every((p) => !old.has(p))) return;
      await sleep(100);
    }
    throw new Error('old workers did not exit within 10 s');
  }

  /** The listening sockets of a port as ss prints them, sorted. */
  function sockets(port: number): string[] {
    const out = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
    return out.split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)[3]).sort();
  }

  test('reload keeps each device socket with its device, in any order; a removed device closes', async ({ nginx }) => {
    const [a, b] = lab.hosts;
    const port = await freePort();
    const scrape = `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
    }`;
    const body = (listens: string) => `${scrape}
    server {
${listens}
        location = /tag { return 200 "$ipng_source_tag\\n"; }
    }`;
    const la = `        listen ${port} device=${a.dev} reuseport default_server;`;
    const lb = `        listen ${port} device=${b.dev} ipng_source_tag=tb;`;
    const n = await nginx({ http: body(`${la}\n${lb}`) });
    // reuseport: one socket per worker for device A
    expect(sockets(port)).toEqual([`0.0.0.0%${a.dev}:${port}`, `0.0.0.0%${a.dev}:${port}`, `0.0.0.0%${b.dev}:${port}`]);
    expect(curlFrom(a, `http://${a.serverV4}:${port}/tag`, 3)).toEqual([200, 200, 200]);
    expect(b.exec(['curl', '-sS', '--max-time', '10', `http://${b.serverV4}:${port}/tag`])).toBe('tb\n');

    // Same sockets, listed the other way round, and B's tag renamed.
    const rewrite = (http: string) =>
      writeNginxConfig({ prefix: n.prefix, http: http.split('{{PORT}}').join(String(n.port)), workers: 2, shim: true });
    rewrite(body(`${lb.replace('=tb', '=tb2')}\n${la}`));
    await reloadSettled(n);
    expect(sockets(port)).toEqual([`0.0.0.0%${a.dev}:${port}`, `0.0.0.0%${a.dev}:${port}`, `0.0.0.0%${b.dev}:${port}`]);
    expect(a.exec(['curl', '-sS', '--max-time', '10', `http://${a.serverV4}:${port}/tag`])).toBe(`${a.dev}\n`);
    expect(b.exec(['curl', '-sS', '--max-time', '10', `http://${b.serverV4}:${port}/tag`])).toBe('tb2\n');

    // Device B's listen removed: its socket goes, A's stay.
    rewrite(body(la));
    await reloadSettled(n);
    expect(sockets(port)).toEqual([`0.0.0.0%${a.dev}:${port}`, `0.0.0.0%${a.dev}:${port}`]);
    expect(a.exec(['curl', '-sS', '--max-time', '10', `http://${a.serverV4}:${port}/tag`])).toBe(`${a.dev}\n`);

    // Counted across both reloads (the zone survives them): 3 + 1 + 1 from A, 1 + 1 from B.
    const expected = [
      `nginx_ipng_requests_total{source_tag="${a.dev}",vip="${a.serverV4}",code="200"} 5`,
      `nginx_ipng_requests_total{source_tag="tb",vip="${b.serverV4}",code="200"} 1`,
      `nginx_ipng_requests_total{source_tag="tb2",vip="${b.serverV4}",code="200"} 1`,
    ];
    expect(await scrapeUntil(n.url('/metrics'), expected)).toEqual(expected.sort());
  });

  test('ipng_ingress (DSR mode): one unbound socket, each connection tagged with its ingress interface', async ({ nginx }) => {
    const [a, b] = lab.hosts;
    const port = await freePort();
    const n = await nginx({
      http: `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
    }
    server {
        listen ${port} ipng_ingress reuseport;
        listen [::]:${port} ipng_ingress ipng_source_tag=v6-unknown;
        location = /ok { return 200 "ok\\n"; }
        location = /tag { return 200 "$ipng_source_tag\\n"; }
    }`,
    });
    // Not bound to any device: replies follow the routing table.
    expect(sockets(port)).toEqual([`0.0.0.0:${port}`, `0.0.0.0:${port}`, `[::]:${port}`]);
    expect(a.exec(['curl', '-sS', '--max-time', '10', `http://${a.serverV4}:${port}/tag`])).toBe(`${a.dev}\n`);
    expect(b.exec(['curl', '-sS', '-g', '--max-time', '10', `http://[${b.serverV6}]:${port}/tag`])).toBe(`${b.dev}\n`);
    // Loopback is an interface too.
    expect((await httpGet(`http://127.0.0.1:${port}/tag`)).body).toBe('lo\n');

    expect(curlFrom(a, `http://${a.serverV4}:${port}/ok`, 6)).toEqual(Array(6).fill(200));
    expect(curlFrom(a, `http://[${a.serverV6}]:${port}/ok`, 2)).toEqual([200, 200]);
    expect(curlFrom(b, `http://${b.serverV4}:${port}/ok`, 4)).toEqual(Array(4).fill(200));
    const expected = [
      `nginx_ipng_requests_total{source_tag="${a.dev}",vip="${a.serverV4}",code="200"} 7`,
      `nginx_ipng_requests_total{source_tag="${a.dev}",vip="${a.serverV6}",code="200"} 2`,
      `nginx_ipng_requests_total{source_tag="${b.dev}",vip="${b.serverV4}",code="200"} 4`,
      `nginx_ipng_requests_total{source_tag="${b.dev}",vip="${b.serverV6}",code="200"} 1`,
      `nginx_ipng_requests_total{source_tag="lo",vip="127.0.0.1",code="200"} 1`,
    ];
    expect(await scrapeUntil(n.url('/metrics'), expected)).toEqual(expected.sort());
  });
});
