import { describe, expect, it } from 'vitest';
import { FakeSharedDict } from '../fake-shared-dict';
import {
  applySslLines, gaugeLifetimeMs, lastSslFlushMs, markSslFlush, readSslZone, readSslZones,
} from '../../../src/ssl/store';
import type { SslLines } from '../../../src/ssl/wire';

/** The SSL zone, type=string, 1 MB, all of it free (test/unit/fake-shared-dict.ts). */
function dictOf(): FakeSharedDict<string> {
  const dict = new FakeSharedDict<string>('ssl', 'string', 1 << 20);
  dict.freePages = (1 << 20) / 4096;
  return dict;
}
const totals = (accept: number, good: number, hits = 0) => [0, 0, 0, accept, good, 0, hits, 0, 0, 0, 0];
const lines = (l: Partial<SslLines>): SslLines => ({ deltas: [], handshakes: [], gauges: [], notUnderstood: 0, ...l });
const LIFETIME = gaugeLifetimeMs(1000);

describe('the SSL store', () => {
  it('adds deltas of several blocks and flushes into the totals', () => {
    const dict = dictOf();
    applySslLines(dict, lines({ deltas: [{ zone: 'z1', totals: totals(2, 2) }, { zone: 'z1', totals: totals(3, 1, 1) }] }), 0, LIFETIME);
    applySslLines(dict, lines({ deltas: [{ zone: 'z1', totals: totals(1, 1) }, { zone: 'z2', totals: totals(0, 0) }] }), 1000, LIFETIME);
    expect(readSslZone(dict, 'z1').values).toEqual([0, 0, 0, 0, 6, 4, 0, 1, 0, 0, 0, 0]);
    expect(readSslZone(dict, 'z1').handshakes).toEqual([0, 0]);
    applySslLines(dict, lines({ handshakes: [{ zone: 'z1', counts: [2, 1] }, { zone: 'z1', counts: [1, 0] }] }), 2000, LIFETIME);
    expect(readSslZone(dict, 'z1')).toEqual({ zone: 'z1', values: [0, 0, 0, 0, 6, 4, 0, 1, 0, 0, 0, 0], handshakes: [3, 1] });
    expect(readSslZones(dict).map((z) => z.zone)).toEqual(['z1', 'z2']);
    // the configured zones, in their order; one nothing reached shows zeros, one gone is not shown
    expect(readSslZones(dict, ['z2', 'new']).map((z) => [z.zone, z.values[4]])).toEqual([['z2', 0], ['new', 0]]);
    expect(readSslZone(dict, 'never').values).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('number is the sum of the live workers\' last values', () => {
    const dict = dictOf();
    applySslLines(dict, lines({ gauges: [{ zone: 'z1', pid: '10', value: 3 }, { zone: 'z1', pid: '11', value: 4 }] }), 0, LIFETIME);
    expect(readSslZone(dict, 'z1').values[0]).toBe(7);
    // a worker reports again: its value replaces its own, never adds up
    applySslLines(dict, lines({ gauges: [{ zone: 'z1', pid: '10', value: 5 }] }), 100, LIFETIME);
    expect(readSslZone(dict, 'z1').values[0]).toBe(9);
    // an exiting worker reports 0: its share goes
    applySslLines(dict, lines({ gauges: [{ zone: 'z1', pid: '11', value: 0 }] }), 200, LIFETIME);
    expect(readSslZone(dict, 'z1').values[0]).toBe(5);
  });

  it('a worker that stops reporting (killed) is dropped after the lifetime', () => {
    const dict = dictOf();
    applySslLines(dict, lines({ gauges: [{ zone: 'z1', pid: '10', value: 3 }, { zone: 'z1', pid: '11', value: 4 }] }), 0, LIFETIME);
    applySslLines(dict, lines({ gauges: [{ zone: 'z1', pid: '10', value: 3 }] }), LIFETIME, LIFETIME);
    expect(readSslZone(dict, 'z1').values[0]).toBe(7);
    applySslLines(dict, lines({ gauges: [{ zone: 'z1', pid: '10', value: 3 }] }), LIFETIME + 1, LIFETIME);
    expect(readSslZone(dict, 'z1').values[0]).toBe(3);
    expect(readSslZones(dict)).toEqual([]);
  });

  it('keeps each worker\'s last flush for the pacing', () => {
    const dict = dictOf();
    expect(lastSslFlushMs(dict, 0)).toBeUndefined();
    markSslFlush(dict, 0, 1234);
    expect(lastSslFlushMs(dict, 0)).toBe(1234);
    expect(lastSslFlushMs(dict, 1)).toBeUndefined();
  });
});
