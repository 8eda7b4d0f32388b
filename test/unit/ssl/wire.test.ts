import { describe, expect, it } from 'vitest';
import { readWire } from '../../../src/pipeline/wire-reader';
import { readSslLines } from '../../../src/ssl/wire';

const US = '\x1f';
const line = (...f: (string | number)[]) => f.join(US);

describe('readSslLines', () => {
  it('reads counter deltas (after the changed-readings counter) and gauges', () => {
    const text = [
      'w',
      line('b', '1 5 10'),
      line('r', 'ssl', 'z1', 0, '1 0 0 0 5 4 0 2 1 0 0 0'),
      line('r', 'ipng', '', 3, 'direct', '127.0.0.1', '200', '1 2 3'),
      line('r', 'ssl_handshakes', 'z1', 0, '5 3 2'),
      line('g', 'ssl_number', 'z1', 4242, 7),
      line('g', 'ssl_number', 'sp\\x0ace', 4243, 0),
      '',
    ].join('\n');
    const lines = readSslLines(readWire(text));
    expect(lines).toEqual({
      deltas: [{ zone: 'z1', totals: [0, 0, 0, 5, 4, 0, 2, 1, 0, 0, 0] }],
      handshakes: [{ zone: 'z1', counts: [3, 2] }],
      gauges: [
        { zone: 'z1', pid: '4242', value: 7 },
        { zone: 'sp\\x0ace', pid: '4243', value: 0 },
      ],
      notUnderstood: 0,
    });
  });

  it('counts lines of a wrong shape as not understood and skips them', () => {
    const text = [
      line('r', 'ssl', 'z1', 0, '1 2 3'),
      line('r', 'ssl', 'z1', 1, 'key', '1 0 0 0 5 4 0 2 1 0 0 0'),
      line('r', 'ssl_handshakes', 'z1', 0, '5 3'),
      line('g', 'ssl_number', 'z1', 'pid', 7),
      line('g', 'ssl_number', 'z1', 1, 7, 'extra'),
      line('g', 'other_gauge', 'z1', 1, 7),
      '',
    ].join('\n');
    const lines = readSslLines(readWire(text));
    expect(lines.deltas).toEqual([]);
    expect(lines.gauges).toEqual([]);
    expect(lines.handshakes).toEqual([]);
    expect(lines.notUnderstood).toBe(5);
  });
});
