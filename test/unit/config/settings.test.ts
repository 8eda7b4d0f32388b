import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../../src/config/duration';
import {
  DEFAULT_BUCKETS_MS, describeProblem, parseBuckets, parseDefaultSource, parseFlushInterval,
  resolveBuckets, resolveDefaultSource, resolveFlushInterval,
} from '../../../src/config/settings';

describe('nginx durations', () => {
  it.each([
    ['100ms', 100], ['1s', 1000], ['2', 2000], ['1m30s', 90000], ['1s 500ms', 1500], ['1h', 3600000], [' 250ms ', 250],
  ])('%s = %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', 'ms', '1.5s', '1x', '500ms1s', '1s1s', '-1s', '1 2', 's1'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('ipng_stats_buckets', () => {
  it('defaults when unset or empty', () => {
    expect(parseBuckets(undefined)).toEqual({ ok: true, value: DEFAULT_BUCKETS_MS });
    expect(parseBuckets('')).toEqual({ ok: true, value: DEFAULT_BUCKETS_MS });
    expect(DEFAULT_BUCKETS_MS).toEqual([1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);
  });

  it('accepts two or more strictly increasing positive integers', () => {
    expect(parseBuckets('1 5')).toEqual({ ok: true, value: [1, 5] });
    expect(parseBuckets('  10   20 30 ')).toEqual({ ok: true, value: [10, 20, 30] });
  });

  it.each([
    ['5', 'fewer than two bounds'],
    ['5 5', '5 does not follow 5 in increasing order'],
    ['10 5', '5 does not follow 10 in increasing order'],
    ['0 5', '"0" is not positive'],
    ['1 2.5', '"2.5" is not an integer'],
    ['1 -2', '"-2" is not an integer'],
    ['1 1e3', '"1e3" is not an integer'],
    ['1 5 x', '"x" is not an integer'],
  ])('rejects %j (%s)', (text, reason) => {
    expect(parseBuckets(text)).toEqual({ ok: false, reason });
  });

  it('falls back to the default and describes the problem', () => {
    const r = resolveBuckets('10 5');
    expect(r.value).toEqual(DEFAULT_BUCKETS_MS);
    expect(describeProblem(r.problem!)).toBe(
      'ipng-stats: invalid ipng_stats_buckets "10 5": must be two or more strictly increasing positive ' +
        'integers (milliseconds) separated by spaces (5 does not follow 10 in increasing order); using the ' +
        'default "1 5 10 25 50 100 250 500 1000 2500 5000 10000" instead (reported once per value)',
    );
    expect(resolveBuckets('1 2').problem).toBeNull();
  });
});

describe('ipng_stats_flush_interval', () => {
  it('defaults to 1s and accepts durations of at least 100ms', () => {
    expect(parseFlushInterval(undefined)).toEqual({ ok: true, value: 1000 });
    expect(parseFlushInterval('100ms')).toEqual({ ok: true, value: 100 });
    expect(parseFlushInterval('2s')).toEqual({ ok: true, value: 2000 });
  });

  it('rejects shorter or malformed values, falling back to 1s', () => {
    expect(parseFlushInterval('99ms')).toEqual({ ok: false, reason: 'shorter than 100ms' });
    expect(parseFlushInterval('soon')).toEqual({ ok: false, reason: 'not an nginx duration' });
    const r = resolveFlushInterval('50ms');
    expect(r.value).toBe(1000);
    expect(r.problem).toEqual({
      setting: 'ipng_stats_flush_interval',
      value: '50ms',
      rule: 'an nginx duration (e.g. 500ms, 1s) of at least 100ms (shorter than 100ms)',
      fallback: '1s',
    });
  });
});

describe('ipng_stats_default_source', () => {
  it('defaults to direct and accepts short printable tags', () => {
    expect(parseDefaultSource(undefined)).toEqual({ ok: true, value: 'direct' });
    expect(parseDefaultSource('public')).toEqual({ ok: true, value: 'public' });
    expect(parseDefaultSource('gre-mg1.v6:x')).toEqual({ ok: true, value: 'gre-mg1.v6:x' });
  });

  it('rejects spaces, control bytes and long tags', () => {
    expect(parseDefaultSource('a b').ok).toBe(false);
    expect(parseDefaultSource('a\x1fb').ok).toBe(false);
    expect(parseDefaultSource('x'.repeat(65))).toEqual({ ok: false, reason: 'longer than 64 characters' });
    expect(resolveDefaultSource('a b').value).toBe('direct');
  });
});
