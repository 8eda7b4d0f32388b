// What the rate tick writes: new EWMA rates and request bases for every
// (source, vip), from one snapshot of the zone. Pure; the tick
// (src/handlers/tick.ts) reads the snapshot and writes the result.
import { KEY_SEPARATOR, KIND, pairKey, parseKey, rateKey } from './keys';
import { decayedRate, RATE_WINDOWS_S } from './rates';

interface PairState {
  sourceTag: string;
  vip: string;
  total: number;
  base: number | undefined;
  rates: Record<string, number>;
}

export interface RateWrites {
  keys: string[];
  values: number[];
}

/**
 * @param lastUpdateMs time of the previous update (undefined: first update
 *   since the zone was created, which only records the bases)
 */
export function rateWrites(entries: Array<[string, number]>, nowMs: number, lastUpdateMs: number | undefined): RateWrites {
  const pairs: Record<string, PairState> = {};
  function pair(sourceTag: string, vip: string): PairState {
    const id = sourceTag + KEY_SEPARATOR + vip;
    let p = pairs[id];
    if (p === undefined) {
      p = { sourceTag, vip, total: 0, base: undefined, rates: {} };
      pairs[id] = p;
    }
    return p;
  }
  for (let i = 0; i < entries.length; i++) {
    const kind = entries[i][0].charAt(0);
    if (kind !== KIND.requests && kind !== KIND.rateBase && kind !== KIND.rate) continue;
    const f = parseKey(entries[i][0]).fields;
    if (kind === KIND.requests && f.length === 3) pair(f[0], f[1]).total += entries[i][1];
    else if (kind === KIND.rateBase && f.length === 2) pair(f[0], f[1]).base = entries[i][1];
    else if (kind === KIND.rate && f.length === 3) pair(f[0], f[1]).rates[f[2]] = entries[i][1];
  }

  const out: RateWrites = { keys: [], values: [] };
  const elapsedMs = lastUpdateMs === undefined ? 0 : nowMs - lastUpdateMs;
  const ids = Object.keys(pairs);
  for (let i = 0; i < ids.length; i++) {
    const p = pairs[ids[i]];
    // A pair without a base appeared since the last update: all of its
    // requests are new.
    const requests = p.base === undefined ? p.total : Math.max(0, p.total - p.base);
    if (elapsedMs > 0) {
      for (let w = 0; w < RATE_WINDOWS_S.length; w++) {
        const window = String(RATE_WINDOWS_S[w]);
        const prev = p.rates[window] === undefined ? 0 : p.rates[window];
        const next = decayedRate(prev, requests, elapsedMs, RATE_WINDOWS_S[w]);
        if (next !== prev || p.rates[window] === undefined) {
          out.keys.push(rateKey(p.sourceTag, p.vip, RATE_WINDOWS_S[w]));
          out.values.push(next);
        }
      }
    }
    if (p.base !== p.total) {
      out.keys.push(pairKey(KIND.rateBase, p.sourceTag, p.vip));
      out.values.push(p.total);
    }
  }
  return out;
}
