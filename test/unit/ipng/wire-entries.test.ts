// The njs half of docs/wire-format.md: generic "r" lines, read into the
// ipng subsystem's (source, vip) deltas.
import { describe, expect, it } from 'vitest';
import { readIpngWire } from '../../harness/ipng-wire';
import { ipngDeltas, memberCodeDeltas } from '../../../src/ipng/wire-entries';
import { readWire } from '../../../src/pipeline/wire-reader';

const US = '\x1f';
const line = (...f: Array<string | number>) => f.join(US) + '\n';
const codes = (tag: string, vip: string, code: number, counters: string) => line('r', 'ipng', '', 3, tag, vip, code, counters);
const times = (tag: string, vip: string, n: number, duration: string, upstream: string) => line('r', 'ipng_time', '', 2, tag, vip, n, duration, upstream);

describe("the shim's deltas", () => {
  it('groups both shapes by (source, vip) in order of first appearance', () => {
    const text =
      'w\n' +
      line('b', '1 5 10') +
      times('mg1', '192.0.2.10', 4, '12 3 0 0 1', '7 0 1 0 0') +
      codes('mg1', '192.0.2.10', 200, '3 300 900') +
      codes('mg1', '192.0.2.10', 301, '1 10 20') +
      times('mg1', '2001:DB8:0::1', 1, '0 1 0 0 0', '') +
      codes('mg1', '2001:DB8:0::1', 404, '1 80 0') +
      line('x', 4);
    const parsed = readIpngWire(text);
    expect(parsed.writer).toBe(true);
    expect(parsed.dropped).toBe(4);
    expect(parsed.malformed).toBe(0);
    const bounds = ['1', '5', '10'];
    expect(parsed.pairs).toEqual([
      {
        sourceTag: 'mg1',
        vip: '192.0.2.10',
        codes: [
          { code: '200', requests: 3, bytesIn: 300, bytesOut: 900 },
          { code: '301', requests: 1, bytesIn: 10, bytesOut: 20 },
        ],
        members: [],
        duration: [{ bounds, counts: [3, 0, 0, 1], sumMs: 12 }],
        upstream: [{ bounds, counts: [0, 1, 0, 0], sumMs: 7 }],
      },
      {
        // the vip is canonicalized
        sourceTag: 'mg1',
        vip: '2001:db8::1',
        codes: [{ code: '404', requests: 1, bytesIn: 80, bytesOut: 0 }],
        members: [],
        duration: [{ bounds, counts: [1, 0, 0, 0], sumMs: 0 }],
        upstream: [],
      },
    ]);
  });

  it('keeps the members of m lines, one text per block, for the writer to merge', () => {
    const text =
      line('b', '1') +
      times('mg1', '2001:db8::1', 4, '3 4 0', '') +
      line('m', 'ipng', '', 3, 3, 'mg1', '2001:db8::1', '200 3 300 900 404 1 80 0') +
      line('m', 'ipng', '', 3, 3, 'mg1', '2001:DB8:0::1', '200 1 1 1') + // the same vip, another spelling
      line('m', 'ipng', 'z', 3, 3, 'mg1', '192.0.2.10', '200 1 1 1') + // ipng has no named zone
      line('m', 'ipng', '', 2, 3, 'mg1', '200 1 1 1') + // ipng's codes have three keys
      line('m', 'ipng', '', 3, 2, 'mg1', '192.0.2.10', '200 1 1') + // and three counters
      line('m', 'reqstat', 'hosts', 2, 1, 'a', 'b 1'); // another subsystem's: left to its sink
    const batch = readWire(text);
    const deltas = ipngDeltas(batch.entries, batch.groups);
    expect(deltas.notUnderstood).toBe(3);
    expect(deltas.pairs.map((p) => [p.sourceTag, p.vip, p.codes, p.members])).toEqual([
      ['mg1', '2001:db8::1', [], ['200 3 300 900 404 1 80 0', '200 1 1 1']],
    ]);
  });

  it('reads a malformed member list as not understood (as the writer counts it)', () => {
    expect(memberCodeDeltas('200 1 2 3 404 1 2 3')).toEqual([
      { code: '200', requests: 1, bytesIn: 2, bytesOut: 3 },
      { code: '404', requests: 1, bytesIn: 2, bytesOut: 3 },
    ]);
    for (const bad of ['200 1 2', '2x0 1 2 3', '200 1 2 x', '200 1  2 3', '200 -1 2 3']) {
      expect(memberCodeDeltas(bad)).toBeNull();
    }
  });

  it('reads each block with the bounds line before it', () => {
    const text = line('b', '100') + times('t', '127.0.0.1', 1, '150 0 1', '') + line('b', '1 5') + times('t', '127.0.0.1', 1, '0 1 0 0', '');
    const p = readIpngWire(text);
    expect(p.malformed).toBe(0);
    expect(p.pairs[0].duration).toEqual([
      { bounds: ['100'], counts: [0, 1], sumMs: 150 },
      { bounds: ['1', '5'], counts: [1, 0, 0], sumMs: 0 },
    ]);
  });

  it('counts lines it does not understand instead of guessing', () => {
    const text =
      times('t', '127.0.0.1', 1, '1 1 0', '') + // a histogram before any bounds line
      line('b', '1 5') +
      times('t', '127.0.0.1', 1, '1 1', '') + // too few buckets
      times('t', '127.0.0.1', 1, '1 1 0 0', '1 x 0 0') + // not a number (and the line's first histogram is not added either)
      codes('t', '127.0.0.1', 200, '1 0') + // too few counters
      line('r', 'ipng', '', 2, 't', '127.0.0.1', '1 0 0') + // too few keys
      line('r', 'ipng', 'z', 3, 't', '127.0.0.1', 200, '1 0 0') + // ipng has no named zone
      line('r', 'reqstat', 'hosts', 1, 'example.org', '1 0', '') + // a subsystem this release does not read
      codes('t\x01', '127.0.0.1', 200, '1 0 0') + // a raw byte: not escaped
      line('c', 't', '127.0.0.1', 200, 1, 0, 0) + // an older release's line
      line('b', 'x y') +
      'w\n'; // the writer line, not first
    const p = readIpngWire(text);
    expect(p.pairs).toEqual([]);
    expect(p.writer).toBe(false);
    expect(p.malformed).toBe(11);
  });

  it('is empty for an empty drain', () => {
    expect(readIpngWire('')).toEqual({ writer: false, pairs: [], dropped: 0, malformed: 0 });
  });
});
