// ipng_stats_logtail writes the lines access_log writes: for one log_format,
// one request and one run, the datagram's line and the access log file's line
// are the same bytes. The requests go over a raw socket, so the request line
// and the headers carry exactly the bytes that need escaping: a quote, a
// backslash, control bytes (tab, 0x01, 0x7f) and bytes >= 0x80 (UTF-8 and a
// lone 0xff).
import { createSocket, Socket } from 'node:dgram';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { sleep } from '../../scripts/nginx-process.mjs';

class RawReceiver {
  readonly datagrams: Buffer[] = [];
  private sock!: Socket;
  port = 0;

  async start(): Promise<void> {
    this.sock = createSocket('udp4');
    this.sock.on('message', (m) => this.datagrams.push(m));
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
  }

  lines(): Buffer[] {
    return this.datagrams.flatMap(splitLines);
  }

  /** Waits until `count` lines arrived, at most `ms`. */
  async waitForLines(count: number, ms = 5000): Promise<Buffer[]> {
    const until = Date.now() + ms;
    while (this.lines().length < count && Date.now() < until) await sleep(20);
    return this.lines();
  }

  close(): void {
    this.sock.close();
  }
}

/** Lines without their "\n"; every line, the last included, ends in "\n". */
function splitLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  expect(start, 'a datagram ends in "\\n"').toBe(buf.length);
  return lines;
}

/** Sends raw request bytes; resolves with the response once nginx closed the connection. */
function rawRequest(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.end(bytes));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.setTimeout(10000, () => sock.destroy(new Error('timeout')));
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

const b = (s: string) => Buffer.from(s, 'latin1');

// Bytes that need escaping, as latin1 strings (one character per byte).
const NASTY = 'q"uote back\\slash tab\there ctl\x01 del\x7f utf8\xc3\xa9 high\xff';

const REQUESTS: { name: string; bytes: Buffer; status: number }[] = [
  {
    name: 'escaping in the request line and in headers',
    bytes: Buffer.concat([
      b('GET /esc/"q"\\b\xc3\xa9\xff?a="x"&b=\\ HTTP/1.1\r\n'),
      b('Host: logtail.test\r\n'),
      b(`X-Esc: ${NASTY}\r\n`),
      b('User-Agent: agent "007" \\ \xe2\x82\xac\r\n'),
      b('Referer: http://r.example/"\\\xff\r\n'),
      b('Connection: close\r\n\r\n'),
    ]),
    status: 200,
  },
  {
    name: 'no optional headers: not-found variables',
    bytes: b('GET /plain HTTP/1.1\r\nHost: logtail.test\r\nConnection: close\r\n\r\n'),
    status: 200,
  },
  {
    name: 'a 404 with an empty header value',
    bytes: b('GET /missing?x=1 HTTP/1.1\r\nHost: logtail.test\r\nX-Esc:\r\nConnection: close\r\n\r\n'),
    status: 404,
  },
];

// Variables the log module computes itself ($status, $bytes_sent, ...) next to
// ordinary ones, a header that is absent in some requests, and one that never
// exists. add_header reads $bytes_sent while the header is built, so the
// variable holds a stale cached value by the time the line is written.
const VARS =
  '$remote_addr $request $status $body_bytes_sent $bytes_sent $request_length $pipe ' +
  '[$time_local] $time_iso8601 $msec $request_time $http_x_esc $http_user_agent ' +
  '$http_referer $arg_a $http_x_never_sent $uri $sent_http_x_bytes';

const server = `
    server {
        listen 127.0.0.1:{{PORT}};
        access_log same.log FORMAT;
        location / { add_header X-Bytes $bytes_sent; return 200 "ok\\n"; }
        location = /missing { return 404; }
    }`;

const CASES: { name: string; format: string | null; formatName: string }[] = [
  { name: 'escape=default', formatName: 'esc_default', format: `log_format esc_default '${VARS}';` },
  { name: 'escape=json', formatName: 'esc_json', format: `log_format esc_json escape=json '{"line":"${VARS}"}';` },
  { name: 'escape=none', formatName: 'esc_none', format: `log_format esc_none escape=none '${VARS}';` },
  { name: 'the predefined "combined" format', formatName: 'combined', format: null },
  {
    name: 'a format spanning several strings, ${name} and literal text between variables',
    formatName: 'multi',
    format: `log_format multi '"$request"' ' ' '\${status}x\${http_x_esc}-$http_x_never_sent' ' literal \\\\ text '
                         '$arg_b$arg_a|$remote_user|$cookie_none';`,
  },
];

let rx: RawReceiver;

beforeEach(async () => {
  rx = new RawReceiver();
  await rx.start();
});

afterEach(() => rx.close());

describe('ipng_stats_logtail lines are byte-identical to access_log', () => {
  for (const c of CASES) {
    test(c.name, async ({ nginx }) => {
      const n = await nginx({
        workers: 2,
        http: [
          c.format ? `    ${c.format}` : '',
          `    ipng_stats_logtail ${c.formatName} udp://127.0.0.1:${rx.port} flush=100ms;`,
          server.replace('FORMAT', c.formatName),
        ].join('\n'),
      });
      for (const r of REQUESTS) {
        const res = await rawRequest(n.port, r.bytes);
        expect(res.subarray(0, 12).toString('latin1'), r.name).toBe(`HTTP/1.1 ${r.status}`);
      }
      const tail = await rx.waitForLines(REQUESTS.length);
      const file = splitLines(readFileSync(join(n.prefix, 'same.log')));

      expect(file).toHaveLength(REQUESTS.length);
      expect(tail).toHaveLength(REQUESTS.length);
      // Two workers: each sends its own datagram, so compare as sorted sets
      // of exact byte strings (every request's line is distinct); latin1
      // maps each byte to one character, so equal strings are equal bytes.
      const bytes = (lines: Buffer[]) => lines.map((l) => l.toString('latin1')).sort();
      expect(bytes(tail)).toEqual(bytes(file));
      // and nothing more arrives
      await sleep(300);
      expect(rx.lines()).toHaveLength(REQUESTS.length);
    });
  }

  test('the escaping rules themselves, one line checked by hand', async ({ nginx }) => {
    const n = await nginx({
      workers: 2,
      http: `    log_format hand '$http_x_esc|$http_x_never_sent|$status';
    log_format hand_json escape=json '$http_x_esc|$http_x_never_sent|$status';
    ipng_stats_logtail hand udp://127.0.0.1:${rx.port} flush=100ms;
    server {
        listen 127.0.0.1:{{PORT}};
        access_log same.log hand_json;
        location / { return 204; }
    }`,
    });
    await rawRequest(n.port, REQUESTS[0].bytes);
    const tail = await rx.waitForLines(1);
    expect(tail.map((l) => l.toString('latin1'))).toEqual([
      'q\\x22uote back\\x5Cslash tab\\x09here ctl\\x01 del\\x7F utf8\\xC3\\xA9 high\\xFF|-|204',
    ]);
    const file = splitLines(readFileSync(join(n.prefix, 'same.log')));
    expect(file.map((l) => l.toString('latin1'))).toEqual([
      'q\\"uote back\\\\slash tab\\there ctl\\u0001 del\x7f utf8\xc3\xa9 high\xff||204',
    ]);
  });
});
