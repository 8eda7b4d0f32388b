// The writer's usual path (src/ipng/pair-merge.ts) against its general
// one (decode, add, encode, then the rates; src/store/record-store.ts):
// for the same record and the same deltas, the same stored text, byte for
// byte, once the usual path's counts-only record is rendered (as the
// writer's next idle flush renders it); and the cases the usual path
// leaves to the general one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergePairRecord } from '../../../src/ipng/pair-merge';
import {
  applyPairDelta, decodePairRecord, encodePairRecord, PairTotals, recordInCurrentFormat, recordSections,
  recordWithUpdatedRates, versionedRecord,
} from '../../../src/ipng/pair-record';
import { COUNT_SECTIONS } from '../../../src/ipng/pair-sections';
import { HistogramDelta, memberCodeDeltas, PairDelta } from '../../../src/ipng/wire-entries';
import { PAIR_FRAGMENT_RENDERERS, renderPairFragments } from '../../../src/exposition/pair-fragments';

const BOUNDS = [1, 5, 10];
const WIRE_BOUNDS = ['1', '5', '10'];

function generalPath(before: string | undefined, d: PairDelta, nowMs: number, lastUpdateMs: number): string {
  const totals = decodePairRecord(before, BOUNDS);
  const codes = [];
  for (const m of d.members) codes.push(...(memberCodeDeltas(m) ?? []));
  applyPairDelta(totals, { ...d, codes, members: [] }, true);
  const text = encodePairRecord(totals, renderPairFragments);
  return recordWithUpdatedRates(text, nowMs, lastUpdateMs) ?? text;
}

function delta(members: string[], duration: HistogramDelta[] = [], upstream: HistogramDelta[] = []): PairDelta {
  return { sourceTag: 't', vip: '127.0.0.1', codes: [], members, duration, upstream };
}

function record(totals: PairTotals, nowMs: number, lastUpdateMs: number): string {
  const text = encodePairRecord(totals, renderPairFragments);
  return recordWithUpdatedRates(text, nowMs, lastUpdateMs) ?? text;
}

/** The record as the usual path leaves it: its counts alone. */
function countsOnly(text: string): string {
  return versionedRecord(recordSections(text).slice(0, COUNT_SECTIONS));
}

function rendered(text: string): string {
  return recordInCurrentFormat(text, BOUNDS, PAIR_FRAGMENT_RENDERERS) ?? text;
}

const code = fc.integer({ min: 100, max: 599 }).map(String);
const count = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 }));
const codeCounts = fc.uniqueArray(fc.tuple(code, fc.integer({ min: 1, max: 1000 }), count, count), {
  selector: (c) => c[0], maxLength: 12,
}).map((list) => list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
const histogram = fc.tuple(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 10000 }));

describe('merging members into a pair record', () => {
  it('writes the text the general path writes, for any record and deltas', () => {
    fc.assert(
      fc.property(
        codeCounts, codeCounts, codeCounts, fc.option(histogram), fc.option(histogram), fc.integer({ min: 0, max: 5000 }), fc.boolean(),
        fc.boolean(), fc.integer({ min: 0, max: 200000 }),
        (existing, first, second, duration, upstream, elapsedMs, twoBlocks, beforeCountsOnly, idleMs) => {
          const totals = decodePairRecord(undefined, BOUNDS);
          applyPairDelta(totals, {
            ...delta([]),
            codes: existing.map(([c, r, i, o]) => ({ code: c, requests: r, bytesIn: i, bytesOut: o })),
          }, true);
          totals.requestDuration.counts = [2, 0, 1, 0];
          totals.requestDuration.sumMs = 14;
          // the pair's last update at 100 s, with rates; the zone's idleMs
          // later (flushes in which the pair was idle), this one elapsedMs
          // after that (0: the zone's first update)
          const renderedBefore = existing.length > 0 ? record(totals, 100000, 99000) : undefined;
          const lastUpdateMs = elapsedMs === 0 ? 0 : 100000 + idleMs;
          const nowMs = 100000 + idleMs + elapsedMs;
          const before = renderedBefore !== undefined && beforeCountsOnly ? countsOnly(renderedBefore) : renderedBefore;
          const members = [first, ...(twoBlocks ? [second] : [])]
            .filter((list) => list.length > 0)
            .map((list) => list.map((c) => c.join(' ')).join(' '));
          if (members.length === 0) return;
          const d = delta(
            members,
            duration ? [{ bounds: WIRE_BOUNDS, counts: duration[0], sumMs: duration[1] }] : [],
            upstream ? [{ bounds: WIRE_BOUNDS, counts: upstream[0], sumMs: upstream[1] }] : [],
          );
          const merged = mergePairRecord(before, d, BOUNDS, nowMs, lastUpdateMs);
          expect(merged).not.toBeNull();
          expect(recordSections(merged!.text)).toHaveLength(COUNT_SECTIONS);
          expect(rendered(merged!.text)).toBe(generalPath(renderedBefore, d, nowMs, lastUpdateMs));
          const known = new Set(existing.map((c) => c[0]));
          const added = [first, ...(twoBlocks ? [second] : [])].flat();
          expect(merged!.newCodes).toBe(added.some((c) => !known.has(c[0])));
          expect(merged!.requests).toBe(added.reduce((n, c) => n + c[1], 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves to the general path what it does not read: r lines, other formats and bounds, bad members', () => {
    const totals = decodePairRecord(undefined, BOUNDS);
    applyPairDelta(totals, { ...delta([]), codes: [{ code: '200', requests: 1, bytesIn: 2, bytesOut: 3 }] }, true);
    const current = record(totals, 1000, 0);
    const ok = (members: string) => mergePairRecord(current, delta([members]), BOUNDS, 2000, 1000);
    expect(ok('200 1 1 1 404 1 1 1')).not.toBeNull();
    // not sorted, repeated, not a status, a count missing, empty, signed, not a number
    for (const bad of ['404 1 1 1 200 1 1 1', '200 1 1 1 200 1 1 1', '2x0 1 1 1', '200 1 1', '200 1  1 1', ' 200 1 1 1', '200 -1 1 1', '200 1 x 1']) {
      expect(ok(bad)).toBeNull();
    }
    // "r" lines of the shape
    expect(mergePairRecord(current, { ...delta(['200 1 1 1']), codes: [{ code: '200', requests: 1, bytesIn: 0, bytesOut: 0 }] },
      BOUNDS, 2000, 1000)).toBeNull();
    // another format version, histograms in other bounds
    expect(mergePairRecord(current.replace(/^v\d+ /, 'v1 '), delta(['200 1 1 1']), BOUNDS, 2000, 1000)).toBeNull();
    expect(mergePairRecord(current, delta(['200 1 1 1']), [1, 5, 20], 2000, 1000)).toBeNull();
    expect(mergePairRecord(countsOnly(current), delta(['200 1 1 1']), [1, 5, 20], 2000, 1000)).toBeNull();
  });
});
