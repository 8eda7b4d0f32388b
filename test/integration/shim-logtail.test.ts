// ipng_stats_logtail against a real UDP receiver on 127.0.0.1: exact lines,
// several lines per datagram, and each of the three flush triggers (timer,
// full buffer, worker exit on reload), plus if= filtering.
import { createSocket, Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { sleep } from '../../scripts/nginx-process.mjs';


interface Datagram {
  at: number;
  text: string;
}

class Receiver {
  readonly got: Datagram[] = [];
  private sock!: Socket;
  port = 0;

  async start(): Promise<void> {
    this.sock = createSocket('udp4');
    this.sock.on('message', (m) => this.got.push({ at: Date.now(), text: m.toString('utf8') }));
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
  }

  /** Waits until `count` datagrams arrived, at most `ms`. */
  async waitFor(count: number, ms = 5000): Promise<Datagram[]> {
    const until = Date.now() + ms;
    while (this.got.length < count && Date.now() < until) await sleep(20);
    return this.got;
  }

  close(): void {
    this.sock.close();
  }
}

let rx: Receiver;

beforeEach(async () => {
  rx = new Receiver();
  await rx.start();
});

afterEach(() => rx.close());

const fmt = `log_format tail '$request_method $request_uri $status $ipng_source_tag $server_addr';`;

const server = `
    server {
        listen 127.0.0.1:{{PORT}} ipng_source_tag=edge;
        location = /metrics { js_content ipng.scrape; }
        location / { return 200 "ok\\n"; }
        location = /missing { return 404; }
    }`;

describe('ipng_stats_logtail', () => {
  test('several exact lines in one datagram, sent when the flush timer fires', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      http: `    ${fmt}\n    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} flush=700ms;\n${server}`,
    });
    const t0 = Date.now();
    await httpGet(n.url('/a'));
    await httpGet(n.url('/b?x=1'));
    await httpGet(n.url('/missing'));
    // nothing before the timer
    await sleep(300);
    expect(rx.got).toHaveLength(0);
    const got = await rx.waitFor(1);
    expect(got).toHaveLength(1);
    expect(got[0].text).toBe(
      'GET /a 200 edge 127.0.0.1\n' + 'GET /b?x=1 200 edge 127.0.0.1\n' + 'GET /missing 404 edge 127.0.0.1\n',
    );
    // armed by the first line: about 700 ms after it
    expect(got[0].at - t0).toBeGreaterThanOrEqual(600);
    expect(got[0].at - t0).toBeLessThan(3000);
    await sleep(1000);
    expect(rx.got).toHaveLength(1);
  });

  test('a full buffer goes out at once: no line is split or dropped', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      http: `    log_format tail '$request_uri';\n    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} buffer=1k flush=30s;\n${server}`,
    });
    // 100-byte lines ("/" + 98 characters + "\n"): ten fit in 1024 bytes, the 11th does not.
    const line = (i: number) => `/${String(i).padStart(2, '0')}${'x'.repeat(96)}`;
    for (let i = 0; i < 11; i++) await httpGet(n.url(line(i)));
    const got = await rx.waitFor(1, 2000);
    expect(got).toHaveLength(1);
    expect(got[0].text).toBe(Array.from({ length: 10 }, (_, i) => line(i) + '\n').join(''));
    expect(got[0].text.length).toBe(1000);
    // 10 more: the 21st line forces the second datagram
    for (let i = 11; i < 21; i++) await httpGet(n.url(line(i)));
    const got2 = await rx.waitFor(2, 2000);
    expect(got2).toHaveLength(2);
    expect(got2[1].text).toBe(Array.from({ length: 10 }, (_, i) => line(i + 10) + '\n').join(''));
  });

  test('reload: the exiting worker sends what it holds', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      http: `    ${fmt}\n    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} flush=60s;\n${server}`,
    });
    await httpGet(n.url('/before-reload-1'));
    await httpGet(n.url('/before-reload-2'));
    await sleep(200);
    expect(rx.got).toHaveLength(0);
    await n.reload();
    const got = await rx.waitFor(1);
    expect(got.map((d) => d.text)).toEqual([
      'GET /before-reload-1 200 edge 127.0.0.1\nGET /before-reload-2 200 edge 127.0.0.1\n',
    ]);
  });

  test('stop (quit): the worker sends what it holds', async ({ nginx }) => {
    const n = await nginx({
      workers: 2,
      http: `    ${fmt}\n    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} flush=60s;\n${server}`,
    });
    for (let i = 0; i < 6; i++) await httpGet(n.url(`/q${i}`));
    await n.stop();
    await sleep(200);
    // one datagram per worker that served something, six lines in all
    const lines = rx.got.flatMap((d) => d.text.split('\n').filter(Boolean)).sort();
    expect(lines).toEqual(Array.from({ length: 6 }, (_, i) => `GET /q${i} 200 edge 127.0.0.1`).sort());
    expect(rx.got.length).toBeGreaterThanOrEqual(1);
    expect(rx.got.length).toBeLessThanOrEqual(2);
  });

  test('if=: empty or "0" suppresses the line; the scrape location filtered out', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      http: `
    map $request_uri $tail_on {
        /metrics     0;
        ~^/healthz   "";
        default      1;
    }
    log_format tail '$request_uri $tail_on';
    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} flush=300ms if=$tail_on;
${server}`,
    });
    await httpGet(n.url('/one'));
    await httpGet(n.url('/metrics'));
    await httpGet(n.url('/healthz'));
    await httpGet(n.url('/two'));
    await httpGet(n.url('/metrics'));
    const got = await rx.waitFor(1);
    expect(got.map((d) => d.text)).toEqual(['/one 1\n/two 1\n']);
    await sleep(600);
    expect(rx.got).toHaveLength(1);
  });

  test('a logtail fires for every server and location, whatever access_log and ipng_stats say', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      ports: 2,
      http: `    log_format tail '$server_port $request_uri';
    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} flush=300ms;
    server { listen 127.0.0.1:{{PORT}}; location / { ipng_stats off; return 204; } }
    server { listen 127.0.0.1:{{PORT1}}; access_log off; location / { return 204; } }`,
    });
    await httpGet(`http://127.0.0.1:${n.ports[0]}/p`);
    await httpGet(`http://127.0.0.1:${n.ports[1]}/q`);
    const got = await rx.waitFor(1);
    expect(got.map((d) => d.text)).toEqual([`${n.ports[0]} /p\n${n.ports[1]} /q\n`]);
  });

  test('no receiver: requests are served, nothing is logged per line', async ({ nginx }) => {
    const port = rx.port;
    rx.close();
    rx = new Receiver();
    await rx.start(); // a different port; nothing listens on `port` any more
    const n = await nginx({
      workers: 1,
      http: `    ${fmt}\n    ipng_stats_logtail tail udp://127.0.0.1:${port} buffer=1k flush=100ms;\n${server}`,
    });
    for (let i = 0; i < 30; i++) expect((await httpGet(n.url(`/${'y'.repeat(100)}`))).status).toBe(200);
    await sleep(300);
    expect(n.errorLog()).not.toMatch(/sendto|ipng_stats_logtail/);
  });

  test('a line longer than the buffer goes alone, cut to the buffer size', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      http: `    log_format tail '$request_uri';\n    ipng_stats_logtail tail udp://127.0.0.1:${rx.port} buffer=1k flush=300ms;\n${server}`,
    });
    const long = `/${'z'.repeat(1499)}`;
    await httpGet(n.url('/short'));
    await httpGet(n.url(long));
    const got = await rx.waitFor(2);
    expect(got.map((d) => d.text)).toEqual(['/short\n', long.slice(0, 1024)]);
  });

  test('the predefined "combined" format works although no access_log uses it', async ({ nginx }) => {
    const n = await nginx({
      workers: 1,
      http: `    ipng_stats_logtail combined udp://127.0.0.1:${rx.port} flush=200ms;\n${server}`,
    });
    await httpGet(n.url('/c?d=1'), { 'user-agent': 'tail-test', referer: 'http://r.example/' });
    const got = await rx.waitFor(1);
    expect(got).toHaveLength(1);
    expect(got[0].text).toMatch(
      /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/c\?d=1 HTTP\/1\.1" 200 3 "http:\/\/r\.example\/" "tail-test"\n$/,
    );
  });
});
