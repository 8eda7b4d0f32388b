// The test client resolves a request only once the server has closed the
// connection (nginx logs, and so counts, a request before closing it), and
// parses what nginx sends: lengths, chunks, HEAD, repeated fields.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpGet, httpRequest, parseResponse } from '../../harness/http';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A server that answers `response` to the first bytes it reads, then runs `after`. */
function serve(response: string, after: (socket: Socket) => void): Promise<string> {
  server = createServer((socket) => {
    socket.once('data', () => {
      socket.write(response);
      after(socket);
    });
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => {
    resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/x?y=1`);
  }));
}

describe('the test HTTP client', () => {
  it('resolves only after the server closed the connection, not when the body is complete', async () => {
    const events: string[] = [];
    const url = await serve('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok', (socket) => {
      setTimeout(() => {
        events.push('server closed');
        socket.end();
      }, 300);
    });
    const response = await httpGet(url);
    events.push('resolved');
    expect(response.body).toBe('ok');
    expect(events).toEqual(['server closed', 'resolved']);
  });

  it('sends the method, path, Host (unless given), Connection: close and a body length', async () => {
    let seen = '';
    server = createServer((socket) => {
      socket.on('data', (chunk) => {
        seen += chunk.toString('latin1');
        if (seen.endsWith('\r\n\r\nabc')) socket.end('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const response = await httpRequest(`http://127.0.0.1:${port}/p?q`, {
      method: 'POST', headers: { Host: 'h.example' }, body: 'abc',
    });
    expect(response).toEqual({ status: 204, headers: {}, body: '' });
    expect(seen).toBe('POST /p?q HTTP/1.1\r\nHost: h.example\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc');
  });

  it('parses chunked bodies, HEAD answers and repeated header fields', () => {
    const chunked = Buffer.from(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n' +
        '3\r\nabc\r\n5\r\n\u00e9\u00e9x\r\n0\r\n\r\n', 'utf8');
    expect(parseResponse(chunked, false)).toEqual({
      status: 200,
      headers: { 'transfer-encoding': 'chunked', 'x-a': '1, 2', 'set-cookie': ['a=1', 'b=2'] },
      body: 'abc\u00e9\u00e9x',
    });
    const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n');
    expect(parseResponse(head, true)).toEqual({ status: 200, headers: { 'content-length': '9' }, body: '' });
    expect(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort'), false))
      .toThrow('body cut short: 5 of 9 bytes');
    expect(() => parseResponse(Buffer.from('garbage\r\n\r\n'), false)).toThrow('bad status line: "garbage"');
  });
});
