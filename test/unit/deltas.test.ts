import { describe, expect, it } from 'vitest';
import { incrementsFromDeltas } from '../../src/counters/deltas';
import { codeKey, INF_LABEL, KIND, pairBucketKey, pairKey } from '../../src/counters/keys';

const US = '\x1f';
const line = (...f: Array<string | number>) => f.join(US) + '\n';

describe("the shim's deltas as zone increments", () => {
  it('maps code, histogram and drop records onto the zone keys', () => {
    const text =
      line('b', '1 5 10') +
      line('c', 'mg1', '192.0.2.10', 200, 3, 300, 900) +
      line('c', 'mg1', '2001:DB8:0::1', 404, 1, 80, 0) +
      line('d', 'mg1', '192.0.2.10', 12, 2, 0, 0, 1) +
      line('u', 'mg1', '192.0.2.10', 7, 0, 1, 0, 0) +
      line('x', 4);
    const batch = incrementsFromDeltas(text);
    const pairs = batch.keys.map((k, i) => [k, batch.deltas[i]]);
    expect(pairs).toEqual([
      [codeKey(KIND.requests, 'mg1', '192.0.2.10', '200'), 3],
      [codeKey(KIND.bytesIn, 'mg1', '192.0.2.10', '200'), 300],
      [codeKey(KIND.bytesOut, 'mg1', '192.0.2.10', '200'), 900],
      // grouped by (source, vip), in order of first appearance
      [pairKey(KIND.durationSum, 'mg1', '192.0.2.10'), 12],
      [pairBucketKey(KIND.durationBucket, 'mg1', '192.0.2.10', '1'), 2],
      [pairBucketKey(KIND.durationBucket, 'mg1', '192.0.2.10', INF_LABEL), 1],
      [pairKey(KIND.upstreamSum, 'mg1', '192.0.2.10'), 7],
      [pairBucketKey(KIND.upstreamBucket, 'mg1', '192.0.2.10', '5'), 1],
      // the vip is canonicalized; zero deltas make no key
      [codeKey(KIND.requests, 'mg1', '2001:db8::1', '404'), 1],
      [codeKey(KIND.bytesIn, 'mg1', '2001:db8::1', '404'), 80],
    ]);
    expect(batch.dropped).toBe(4);
    expect(batch.malformed).toBe(0);
  });

  it('reads each block with the bounds line before it', () => {
    const text =
      line('b', '100') + line('d', 't', '127.0.0.1', 150, 0, 1) +
      line('b', '1 5') + line('d', 't', '127.0.0.1', 0, 1, 0, 0);
    const batch = incrementsFromDeltas(text);
    expect(batch.keys).toEqual([
      pairKey(KIND.durationSum, 't', '127.0.0.1'),
      pairBucketKey(KIND.durationBucket, 't', '127.0.0.1', INF_LABEL),
      pairBucketKey(KIND.durationBucket, 't', '127.0.0.1', '1'),
    ]);
    expect(batch.deltas).toEqual([150, 1, 1]);
  });

  it('counts lines it does not understand instead of guessing', () => {
    const text =
      line('d', 't', '127.0.0.1', 1, 1, 0) + // histogram before any bounds line
      line('b', '1 5') +
      line('d', 't', '127.0.0.1', 1, 1) + // too few buckets
      line('c', 't', '127.0.0.1', 200) + // too few fields
      line('q', 'what') +
      line('b', 'x y');
    const batch = incrementsFromDeltas(text);
    expect(batch.keys).toEqual([]);
    expect(batch.malformed).toBe(5);
  });

  it('is empty for an empty drain', () => {
    expect(incrementsFromDeltas('')).toEqual({ keys: [], deltas: [], dropped: 0, malformed: 0 });
  });
});
