import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimal, addDigits } from '../../../src/reqstat/exact-decimal';

describe('exact decimal counters', () => {
  it('adds small numbers as numbers', () => {
    expect(addDecimal('0', 5)).toBe('5');
    expect(addDecimal('17', 0)).toBe('17');
    expect(addDecimal('999999999999999', 1)).toBe('1000000000000000');
  });

  it('stays exact across 2^53 and beyond 2^64', () => {
    expect(addDecimal('9007199254740991', 1)).toBe('9007199254740992');
    expect(addDecimal('9007199254740992', 1)).toBe('9007199254740993');
    expect(addDecimal('18446744073709551615', 1)).toBe('18446744073709551616');
    expect(addDecimal('99999999999999999999', 9007199254740991)).toBe('100009007199254740990');
  });

  it('matches BigInt for any total and delta', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (total, delta) => {
        expect(addDecimal(total.toString(), delta)).toBe((total + BigInt(delta)).toString());
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 100n }), fc.bigInt({ min: 0n, max: 2n ** 100n }), (a, b) => {
        expect(addDigits(a.toString(), b.toString())).toBe((a + b).toString());
      }),
    );
  });
});
