import { describe, expect, it } from 'vitest';
import { rateWrites } from '../../../src/ipng/rate-update';
import { decayedRate } from '../../../src/ipng/rates';

describe('EWMA step', () => {
  it('moves towards the observed rate by 1 - e^(-dt/window)', () => {
    // 10 requests in 1 s, window 1 s, from 0: 10 * (1 - 1/e)
    expect(decayedRate(0, 10, 1000, 1)).toBeCloseTo(10 * (1 - Math.exp(-1)), 12);
    // window 60 s: one second moves it 1 - e^(-1/60) of the way
    expect(decayedRate(5, 10, 1000, 60)).toBeCloseTo(5 + 5 * (1 - Math.exp(-1 / 60)), 12);
  });

  it('converges to a steady rate', () => {
    let r = 0;
    for (let i = 0; i < 1000; i++) r = decayedRate(r, 50, 1000, 10);
    expect(r).toBeCloseTo(50, 9);
  });

  it('decays to exactly 0 when idle, and ignores zero elapsed time', () => {
    let r = 3;
    for (let i = 0; i < 40; i++) r = decayedRate(r, 0, 1000, 1);
    expect(r).toBe(0);
    expect(decayedRate(7, 100, 0, 1)).toBe(7);
  });

  it('uses the real elapsed time: two half-steps equal one whole step at a steady rate', () => {
    const whole = decayedRate(0, 20, 2000, 10);
    const halves = decayedRate(decayedRate(0, 10, 1000, 10), 10, 1000, 10);
    expect(halves).toBeCloseTo(whole, 12);
  });
});

describe('rate writes from a zone snapshot', () => {
  const q = (src: string, vip: string, code: number, n: number): [string, number] => ['q' + src + '\x1f' + vip + '\x1f' + code, n];

  it('only records bases at the first update', () => {
    const w = rateWrites([q('a', 'v', 200, 5), q('a', 'v', 404, 2)], 1000, undefined);
    expect(w).toEqual({ keys: ['ta\x1fv'], values: [7] });
  });

  it('derives each pair total from its per-code counters and decays from the base', () => {
    const entries: Array<[string, number]> = [
      q('a', 'v', 200, 15), q('a', 'v', 404, 5), ['ta\x1fv', 10],
      ['ra\x1fv\x1f1', 2], ['ra\x1fv\x1f10', 2], ['ra\x1fv\x1f60', 2],
    ];
    const w = rateWrites(entries, 3000, 1000);
    expect(w.keys).toEqual(['ra\x1fv\x1f1', 'ra\x1fv\x1f10', 'ra\x1fv\x1f60', 'ta\x1fv']);
    expect(w.values[0]).toBeCloseTo(decayedRate(2, 10, 2000, 1), 12);
    expect(w.values[1]).toBeCloseTo(decayedRate(2, 10, 2000, 10), 12);
    expect(w.values[2]).toBeCloseTo(decayedRate(2, 10, 2000, 60), 12);
    expect(w.values[3]).toBe(20);
  });

  it('counts every request of a pair that appeared since the last update', () => {
    const w = rateWrites([q('b', 'v', 200, 4)], 2000, 1000);
    expect(w.keys).toEqual(['rb\x1fv\x1f1', 'rb\x1fv\x1f10', 'rb\x1fv\x1f60', 'tb\x1fv']);
    expect(w.values[0]).toBeCloseTo(4 * (1 - Math.exp(-1)), 12);
  });

  it('writes nothing for an idle pair whose rates are already 0', () => {
    const entries: Array<[string, number]> = [
      q('a', 'v', 200, 3), ['ta\x1fv', 3], ['ra\x1fv\x1f1', 0], ['ra\x1fv\x1f10', 0], ['ra\x1fv\x1f60', 0],
    ];
    expect(rateWrites(entries, 5000, 4000)).toEqual({ keys: [], values: [] });
  });
});
