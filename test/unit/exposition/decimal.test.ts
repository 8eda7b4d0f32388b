import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMillisecondsAsSeconds, formatRate, formatScaledInteger } from '../../../src/exposition/decimal';

describe('exact decimal text', () => {
  it.each([
    [0, 3, '0'],
    [1, 3, '0.001'],
    [9, 3, '0.009'],
    [10, 3, '0.01'],
    [250, 3, '0.25'],
    [1000, 3, '1'],
    [2500, 3, '2.5'],
    [10000, 3, '10'],
    [87654, 3, '87.654'],
    [-15, 1, '-1.5'],
    [-1, 3, '-0.001'],
    [123456789, 0, '123456789'],
    [1234567, 6, '1.234567'],
  ])('%d / 10^%d is %s', (units, decimals, text) => {
    expect(formatScaledInteger(units, decimals)).toBe(text);
  });

  it('milliseconds as seconds never shows floating-point noise', () => {
    // 9 / 1000 is 0.009000000000000001 in floating point.
    expect(formatMillisecondsAsSeconds(9)).toBe('0.009');
    expect(formatMillisecondsAsSeconds(4124 * 21)).toBe('86.604');
    expect(formatMillisecondsAsSeconds(0.5)).toBe('0.0005');
    expect(formatMillisecondsAsSeconds(10.000000000000002)).toBe('0.01');
  });

  it('whole milliseconds take a path without builtin calls that prints what formatScaledInteger prints', () => {
    for (const ms of [0, 1, 10, 100, 999, 1000, 1001, 1010, 1100, 12345, 2 ** 53 - 1]) {
      expect(formatMillisecondsAsSeconds(ms)).toBe(formatScaledInteger(ms, 3));
    }
    fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: 100000 }), fc.maxSafeNat()), (ms) => {
      expect(formatMillisecondsAsSeconds(ms)).toBe(formatScaledInteger(ms, 3));
    }), { numRuns: 2000 });
    expect(formatMillisecondsAsSeconds(-1500)).toBe('-1.5');
  });

  it('rates are rounded to 0.001 requests per second', () => {
    expect(formatRate(0.1 + 0.2)).toBe('0.3');
    expect(formatRate(1 / 3)).toBe('0.333');
    expect(formatRate(42.3)).toBe('42.3');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.0004)).toBe('0');
    expect(formatRate(NaN)).toBe('NaN');
    expect(formatRate(Infinity)).toBe('+Inf');
    expect(formatRate(-Infinity)).toBe('-Inf');
    expect(formatRate(-0.0004)).toBe('0');
    expect(formatRate(-2.5)).toBe('-2.5');
  });

  it('a rate reads as its rounded thousandths by formatScaledInteger (the fast path changes no text)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, min: -1e16, max: 1e16 }), (rate) => {
      expect(formatRate(rate)).toBe(formatScaledInteger(Math.round(rate * 1000), 3));
    }), { numRuns: 5000 });
  });
});
