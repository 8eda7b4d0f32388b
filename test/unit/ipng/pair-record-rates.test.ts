// A pair record's rates (src/ipng/pair-record.ts, format version 3): the
// writer moves them only at a flush that brought the pair requests, and a
// reader decays them from that flush to the zone's last rate update. That
// is the spec's EWMA stepped at every flush (what the writer did before
// version 3, rewriting every record whose rates were not yet 0), up to the
// rounding of the last bits: checked here against the stepped form for any
// sequence of flushes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairRecordKey, RECORD_KIND } from '../../../src/ipng/keys';
import {
  applyPairDelta, decodePairRecord, encodePairRecord, recordWithUpdatedRates,
} from '../../../src/ipng/pair-record';
import { decayedRate, RATE_WINDOWS_S } from '../../../src/ipng/rates';
import { buildRecordLayoutModel } from '../../../src/ipng/record-layout-model';
import { renderPairFragments } from '../../../src/exposition/pair-fragments';

const BOUNDS = [1, 5];
const KEY = pairRecordKey('mg1', '192.0.2.10');

/** The record after `requests` more at a flush at nowMs (the zone's previous update at lastMs). */
function flushed(text: string | undefined, requests: number, nowMs: number, lastMs: number): string | undefined {
  if (requests === 0) {
    // an idle pair's record is not rewritten
    if (text !== undefined) expect(recordWithUpdatedRates(text, nowMs, lastMs)).toBeNull();
    return text;
  }
  const p = decodePairRecord(text, BOUNDS);
  applyPairDelta(p, {
    sourceTag: 'mg1', vip: '192.0.2.10', members: [], duration: [], upstream: [],
    codes: [{ code: '200', requests, bytesIn: 0, bytesOut: 0 }],
  }, true);
  const encoded = encodePairRecord(p, renderPairFragments);
  return recordWithUpdatedRates(encoded, nowMs, lastMs) ?? encoded;
}

describe('pair record rates', () => {
  it('read at the zone\'s last update, are the EWMA stepped at every flush', () => {
    const step = fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })));
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let text: string | undefined;
        const stepped = [0, 0, 0];
        let total = 0;
        let base = 0;
        let lastMs = 0;
        let nowMs = 1_000_000;
        for (const [elapsedMs, requests] of steps) {
          nowMs += elapsedMs;
          text = flushed(text, requests, nowMs, lastMs);
          // the stepped form: every flush moves every pair's rates (a
          // pair's first requests over the time since the zone's last
          // update; before them its rates are 0 and stay so)
          total += requests;
          if (lastMs > 0) {
            for (let w = 0; w < 3; w++) stepped[w] = decayedRate(stepped[w], total - base, nowMs - lastMs, RATE_WINDOWS_S[w]);
          }
          base = total;
          lastMs = nowMs;
        }
        if (text === undefined) return;
        const model = buildRecordLayoutModel(
          { entries: [[KEY, text], [RECORD_KIND.rateUpdatedAt, String(lastMs)]], capacityBytes: 4194304, freeBytes: 4096000 },
          BOUNDS,
        );
        const shown = [model.series[0].rate1s, model.series[0].rate10s, model.series[0].rate60s];
        for (let w = 0; w < 3; w++) {
          expect(Math.abs(shown[w] - stepped[w])).toBeLessThanOrEqual(1e-9 * Math.max(1, stepped[w]));
        }
      }),
      { numRuns: 500 },
    );
  });
});
