// docs/wire-format.md's framing, read for every subsystem
// (src/pipeline/wire-reader.ts): exact batches for given texts.
import { describe, expect, it } from 'vitest';
import { readWire } from '../../../src/pipeline/wire-reader';

const US = '\x1f';
const line = (...f: Array<string | number>) => f.join(US) + '\n';

describe('readWire', () => {
  it('reads every r line of any subsystem, with the bounds of its block', () => {
    const text =
      'w\n' +
      line('b', '1 5') +
      line('r', 'ipng_time', '', 2, 'mg1', '192.0.2.10', 3, '12 2 0 1', '') +
      line('r', 'reqstat', 'hosts', 1, 'example.org\\x0a', '1 2 3') +
      line('b', '100') +
      line('r', 'ssl', 'edge', 0, '4 5', '150 0 1') +
      line('x', 4) +
      line('x', 1);
    const b1 = ['1', '5'];
    const b2 = ['100'];
    const batch = readWire(text);
    expect(batch).toEqual({
      writer: true,
      entries: [
        { subsystem: 'ipng_time', zone: '', keys: ['mg1', '192.0.2.10'], counters: [3], histograms: [{ bounds: b1, sumMs: 12, counts: [2, 0, 1] }, null] },
        { subsystem: 'reqstat', zone: 'hosts', keys: ['example.org\\x0a'], counters: [1, 2, 3], histograms: [] },
        { subsystem: 'ssl', zone: 'edge', keys: [], counters: [4, 5], histograms: [{ bounds: b2, sumMs: 150, counts: [0, 1] }] },
      ],
      dropped: 5,
      notUnderstood: 0,
      other: [],
    });
  });

  it('shares one bounds array among the histograms of a block', () => {
    const batch = readWire(line('b', '1') + line('r', 'a', '', 0, '1', '1 1 0') + line('r', 'a', '', 0, '1', '2 0 1'));
    expect(batch.entries[0].histograms[0]!.bounds).toBe(batch.entries[1].histograms[0]!.bounds);
  });

  it('keeps lines of other one-letter record types, split and still escaped, without judging them', () => {
    const batch = readWire(line('g', 'edge', 'a\\x5cb', 7));
    expect(batch.other).toEqual([['g', 'edge', 'a\\x5cb', '7']]);
    expect(batch.notUnderstood).toBe(0);
  });

  it('counts lines whose framing is wrong, and keeps none of them', () => {
    const text =
      line('r', 'ipng', '', 0, '1 1', '1 1') + // a histogram before any bounds line
      line('b', '1 5') +
      line('r', 'ipng', '', 1, 'k', '1 1', '1 1') + // too few buckets
      line('r', 'ipng', '', 1, 'k', '1 x') + // not a number
      line('r', 'ipng', '', 1, 'k', '1  1') + // two spaces
      line('r', 'ipng', '', 3, 'k', '1') + // fewer fields than keys
      line('r', 'Ipng', '', 0, '1') + // not a subsystem name
      line('r', 'ipng', '', 'x', '1') + // NKEYS not a number
      line('r', 'ipng', '', 1, 'k\x01', '1') + // a raw byte: not escaped
      line('r', 'ipng', 'z\\x0', 0, '1') + // a bad escape in the zone
      line('x', 'many') +
      line('?', 'what') +
      line('b', 'x y') +
      'w\n'; // the writer line, not first
    const batch = readWire(text);
    expect(batch).toEqual({ writer: false, entries: [], dropped: 0, notUnderstood: 13, other: [] });
  });

  it('is empty for an empty drain (another worker holds the lease, or no shim)', () => {
    expect(readWire('')).toEqual({ writer: false, entries: [], dropped: 0, notUnderstood: 0, other: [] });
  });
});
