import { describe, expect, it } from 'vitest';
import { bucketIndexForLabel, bucketLabel } from '../../../src/model/bucketing';
import { incrementsFor } from '../../../src/ipng/observation';
import { secondsTextToMs, upstreamTimeMs } from '../../../src/model/timings';

const BOUNDS = [1, 5, 10];

describe('bucketing', () => {
  it('puts an observation in the first bucket whose bound is >= it', () => {
    expect(bucketLabel(0, BOUNDS)).toBe('1');
    expect(bucketLabel(1, BOUNDS)).toBe('1');
    expect(bucketLabel(2, BOUNDS)).toBe('5');
    expect(bucketLabel(10, BOUNDS)).toBe('10');
    expect(bucketLabel(11, BOUNDS)).toBe('inf');
  });

  it('reads bucket keys of an older configuration into the next current bound', () => {
    expect(bucketIndexForLabel('5', BOUNDS)).toBe(1);
    expect(bucketIndexForLabel('3', BOUNDS)).toBe(1);
    expect(bucketIndexForLabel('25', BOUNDS)).toBe(3);
    expect(bucketIndexForLabel('inf', BOUNDS)).toBe(3);
    expect(bucketIndexForLabel('x', BOUNDS)).toBe(-1);
  });
});

describe('timings', () => {
  it('converts $request_time to integer ms', () => {
    expect(secondsTextToMs('0.000')).toBe(0);
    expect(secondsTextToMs('0.001')).toBe(1);
    expect(secondsTextToMs('1.234')).toBe(1234);
    expect(secondsTextToMs('12.345')).toBe(12345);
    expect(secondsTextToMs(undefined)).toBe(0);
    expect(secondsTextToMs('-')).toBe(0);
  });

  it('sums $upstream_response_time over attempts and skips "-"', () => {
    expect(upstreamTimeMs('0.010')).toBe(10);
    expect(upstreamTimeMs('0.010, 0.020 : 0.005')).toBe(35);
    expect(upstreamTimeMs('-, 0.004')).toBe(4);
    expect(upstreamTimeMs('0.000')).toBe(0);
  });

  it('says "no upstream" when no attempt has a time', () => {
    expect(upstreamTimeMs(undefined)).toBeNull();
    expect(upstreamTimeMs('')).toBeNull();
    expect(upstreamTimeMs('-')).toBeNull();
    expect(upstreamTimeMs('-, -')).toBeNull();
    expect(upstreamTimeMs('- : -')).toBeNull();
  });
});

describe('what one request adds', () => {
  const base = { sourceTag: 'direct', vip: '::1', status: 200, bytesIn: 70, bytesOut: 150, requestTimeMs: 3 };

  it('touches five keys without an upstream', () => {
    const inc = incrementsFor({ ...base, upstreamTimeMs: null }, BOUNDS);
    expect(inc.keys).toEqual([
      'qdirect\x1f::1\x1f200', 'idirect\x1f::1\x1f200', 'odirect\x1f::1\x1f200', 'ddirect\x1f::1\x1f5', 'Ddirect\x1f::1',
    ]);
    expect(inc.deltas).toEqual([1, 70, 150, 1, 3]);
  });

  it('touches seven keys with an upstream', () => {
    const inc = incrementsFor({ ...base, upstreamTimeMs: 30 }, BOUNDS);
    expect(inc.keys.slice(5)).toEqual(['udirect\x1f::1\x1finf', 'Udirect\x1f::1']);
    expect(inc.deltas.slice(5)).toEqual([1, 30]);
  });
});
