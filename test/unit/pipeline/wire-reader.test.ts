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
      groups: [],
      dropped: 5,
      notUnderstood: 0,
      other: [],
    });
  });

  it('reads m lines: the shared keys, and the members left as the shim wrote them', () => {
    const text =
      'w\n' +
      line('m', 'ipng', '', 3, 3, 'mg1', '192.0.2.10', '200 3 300 900 404 1 80 0') +
      line('m', 'pairs', 'z\\x0a', 2, 1, 'a\\x20b', 'x\\x20y 7') +
      line('m', 'single', '', 1, 2, 'k 1 2');
    expect(readWire(text)).toEqual({
      writer: true,
      entries: [],
      groups: [
        { subsystem: 'ipng', zone: '', nkeys: 3, ncounters: 3, keys: ['mg1', '192.0.2.10'], members: '200 3 300 900 404 1 80 0' },
        { subsystem: 'pairs', zone: 'z\\x0a', nkeys: 2, ncounters: 1, keys: ['a\\x20b'], members: 'x\\x20y 7' },
        { subsystem: 'single', zone: '', nkeys: 1, ncounters: 2, keys: [], members: 'k 1 2' },
      ],
      dropped: 0,
      notUnderstood: 0,
      other: [],
    });
  });

  it('counts m lines whose framing is wrong', () => {
    const text =
      line('m', 'ipng', '', 3, 3, 'mg1', '200 1 2 3') + // a shared key missing
      line('m', 'ipng', '', 3, 3, 'mg1', '192.0.2.10', 'x', '200 1 2 3') + // one field too many
      line('m', 'ipng', '', 0, 3, '200 1 2 3') + // no key for the members
      line('m', 'ipng', '', 2, 0, 'mg1', '200') + // no counters
      line('m', 'ipng', '', 2, 'x', 'mg1', '200 1') + // NCOUNTERS not a number
      line('m', 'Ipng', '', 2, 3, 'mg1', '200 1 2 3') + // not a subsystem name
      line('m', 'ipng', '', 2, 3, 'mg\x01', '200 1 2 3') + // a raw byte
      line('m', 'ipng', '', 2, 3, 'mg1', '200 1 2 3\\'); // a bad escape in the members
    expect(readWire(text)).toMatchObject({ groups: [], notUnderstood: 8 });
  });

  it('shares one bounds array among the histograms of a block', () => {
    const batch = readWire(line('b', '1') + line('r', 'a', '', 0, '1', '1 1 0') + line('r', 'a', '', 0, '1', '2 0 1'));
    expect(batch.entries[0].histograms[0]!.bounds).toBe(batch.entries[1].histograms[0]!.bounds);
  });

  it('keeps lines of other one-letter record types, split and still escaped, without judging them', () => {
    const batch = readWire(line('e', 'edge', 'a\\x5cb', 7));
    expect(batch.other).toEqual([['e', 'edge', 'a\\x5cb', '7']]);
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
    expect(batch).toEqual({ writer: false, entries: [], groups: [], dropped: 0, notUnderstood: 13, other: [] });
  });

  it('is empty for an empty drain (another worker holds the lease, or no shim)', () => {
    expect(readWire('')).toEqual({ writer: false, entries: [], groups: [], dropped: 0, notUnderstood: 0, other: [] });
  });
});
