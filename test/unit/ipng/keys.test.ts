import { describe, expect, it } from 'vitest';
import { codeKey, KIND, pairBucketKey, pairKey, parseKey, rateKey, reportedKey, workerBucketKey, workerKey } from '../../../src/ipng/keys';

describe('counter keys', () => {
  it('round-trips labels through a per-code key', () => {
    const key = codeKey(KIND.requests, 'mg1', '2001:db8::1', 404);
    expect(key).toBe('qmg1\x1f2001:db8::1\x1f404');
    expect(parseKey(key)).toEqual({ kind: 'q', fields: ['mg1', '2001:db8::1', '404'] });
  });

  it('names pair, bucket, rate, worker and zone-wide keys compactly', () => {
    expect(pairKey(KIND.durationSum, 'direct', '127.0.0.1')).toBe('Ddirect\x1f127.0.0.1');
    expect(pairBucketKey(KIND.upstreamBucket, 'direct', '::1', 'inf')).toBe('udirect\x1f::1\x1finf');
    expect(rateKey('a', 'b', 10)).toBe('ra\x1fb\x1f10');
    expect(workerKey(KIND.flushes, 1)).toBe('f1');
    expect(workerBucketKey(KIND.flushBucket, 0, '5')).toBe('F0\x1f5');
    expect(parseKey(KIND.zoneFullEvents)).toEqual({ kind: 'Z', fields: [] });
    expect(parseKey('F0\x1f5')).toEqual({ kind: 'F', fields: ['0', '5'] });
  });

  it('bounds the length of a reported-setting mark', () => {
    const key = reportedKey('ipng_stats_buckets', 'x'.repeat(500));
    expect(key.length).toBe(1 + 'ipng_stats_buckets'.length + 1 + 64);
  });

  it('gives every kind its own first character', () => {
    const kinds = Object.values(KIND);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const k of kinds) expect(k).toHaveLength(1);
  });
});
