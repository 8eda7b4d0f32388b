import { describe, expect, it } from 'vitest';
import { FakeSharedDict } from '../fake-shared-dict';
import type { FlushContext } from '../../../src/pipeline/sink';
import { readWire } from '../../../src/pipeline/wire-reader';
import { sslSink } from '../../../src/ssl/sink';
import { readSslZone } from '../../../src/ssl/store';

/** The SSL zone, type=string, 1 MB, all of it free (test/unit/fake-shared-dict.ts). */
function dictOf(): FakeSharedDict<string> {
  const dict = new FakeSharedDict<string>('ssl', 'string', 1 << 20);
  dict.freePages = (1 << 20) / 4096;
  return dict;
}

const US = '\x1f';
const block = [`r${US}ssl${US}z1${US}0${US}1 0 0 0 4 4 0 1 1 0 0 0`, `g${US}ssl_number${US}z1${US}77${US}2`, ''].join('\n');

function ctx(nowMs: number, worker = 0): FlushContext & { seen: number } {
  const c = {
    nowMs, worker, intervalMs: 1000, log: () => {}, seen: 0,
    notUnderstood(lines: number) { c.seen += lines; },
  };
  return c;
}

describe('the SSL sink', () => {
  it('paces each worker by its own last flush, kept in the SSL dictionary', () => {
    const sink = sslSink(dictOf());
    expect(sink.flushDue!(ctx(0))).toBe(true);
    sink.flush(readWire(''), ctx(0));
    expect(sink.flushDue!(ctx(500))).toBe(false);
    expect(sink.flushDue!(ctx(500, 1))).toBe(true);
    expect(sink.flushDue!(ctx(960))).toBe(true);
  });

  it('only the writer\'s batch reaches the zones; the lines it reads are its shapes and gauge lines', () => {
    const dict = dictOf();
    const sink = sslSink(dict);
    expect(sink.reads).toEqual(['ssl', 'ssl_handshakes', 'g']);
    sink.flush(readWire(block), ctx(0));
    expect(readSslZone(dict, 'z1').values[4]).toBe(0);
    const c = ctx(1000);
    sink.flush(readWire('w\n' + block + `r${US}ssl${US}z1${US}0${US}1 2\n`), c);
    expect(readSslZone(dict, 'z1').values).toEqual([2, 0, 0, 0, 4, 4, 0, 1, 1, 0, 0, 0]);
    expect(c.seen).toBe(1);
  });
});
