import { describe, expect, it } from 'vitest';
import { spoolIncrements } from '../../../src/ipng/spool-lines';
import { incrementsFor } from '../../../src/ipng/observation';

const S = '\x1f';
const BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The spool's increments as a key -> delta map. */
function asMap(text: string, tag = 'direct'): Record<string, number> {
  const inc = spoolIncrements(text, tag, BOUNDS);
  const out: Record<string, number> = {};
  inc.keys.forEach((k, i) => { out[k] = inc.deltas[i]; });
  return out;
}

describe('the log spool lines', () => {
  it('adds what the recorder would add per request, identical lines counted once', () => {
    const text =
      '200 192.0.2.1 78 158 0.000 -\n'.repeat(3) +
      '404 192.0.2.1 80 300 0.012 -\n' +
      '200 ::ffff:192.0.2.9 100 200 0.030 0.004, 0.026 : 0.001\n';
    const expected: Record<string, number> = {};
    const add = (o: Parameters<typeof incrementsFor>[0]) => {
      const inc = incrementsFor(o, BOUNDS);
      inc.keys.forEach((k, i) => { expected[k] = (expected[k] ?? 0) + inc.deltas[i]; });
    };
    for (let i = 0; i < 3; i++) {
      add({ sourceTag: 'direct', vip: '192.0.2.1', status: 200, bytesIn: 78, bytesOut: 158, requestTimeMs: 0, upstreamTimeMs: null });
    }
    add({ sourceTag: 'direct', vip: '192.0.2.1', status: 404, bytesIn: 80, bytesOut: 300, requestTimeMs: 12, upstreamTimeMs: null });
    // canonical, as the recorder writes it (exposition/address.ts): a v4-mapped address is the v4 one
    add({ sourceTag: 'direct', vip: '192.0.2.9', status: 200, bytesIn: 100, bytesOut: 200, requestTimeMs: 30, upstreamTimeMs: 31 });
    expect(asMap(text)).toEqual(expected);
    expect(asMap(text)['q' + 'direct' + S + '192.0.2.1' + S + '200']).toBe(3);
    expect(asMap(text)['i' + 'direct' + S + '192.0.2.1' + S + '200']).toBe(234);
    expect(asMap(text)['u' + 'direct' + S + '192.0.2.9' + S + '50']).toBe(1);
    expect(spoolIncrements(text, 'direct', BOUNDS).requests).toBe(5);
  });

  it('writes IPv6 server addresses in their canonical form', () => {
    expect(Object.keys(asMap('200 0:0:0:0:0:0:0:1 1 2 0.000 -\n'))[0]).toBe('q' + 'direct' + S + '::1' + S + '200');
  });

  it('counts lines not of the format, and ignores a last line without its end', () => {
    const inc = spoolIncrements('hello\n200 192.0.2.1 x 1 0.000 -\n200 192.0.2.1 1 1 0.000 -\n200 192.0.2.1 1', 'direct', BOUNDS);
    expect(inc.notUnderstood).toBe(2);
    expect(inc.requests).toBe(1);
  });

  it('gives nothing for an empty text', () => {
    expect(spoolIncrements('', 'direct', BOUNDS)).toEqual({ keys: [], deltas: [], requests: 0, notUnderstood: 0 });
  });
});
