import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortSeries } from '../../../src/model/series-order';
import type { VipStats } from '../../../src/model/stats-model';
import { emptyHistogram } from '../../../src/model/stats-model';

function pair(sourceTag: string, vip: string, id: number): VipStats {
  return {
    sourceTag, vip, rate1s: id, rate10s: 0, rate60s: 0, codes: [],
    requestDuration: emptyHistogram([1]), upstreamResponse: emptyHistogram([1]),
  };
}

/** The order the renderers promise: source_tag, then vip, by UTF-16 code units; stable. */
function byComparator(series: VipStats[]): VipStats[] {
  return series.slice().sort((a, b) => {
    if (a.sourceTag !== b.sourceTag) return a.sourceTag < b.sourceTag ? -1 : 1;
    if (a.vip !== b.vip) return a.vip < b.vip ? -1 : 1;
    return 0;
  });
}

describe('the order of the series', () => {
  it('sorts by source_tag, then vip: a tag that is a prefix of another first', () => {
    const series = [
      pair('ab', '10.0.0.1', 0), pair('a', '10.0.0.2', 1), pair('a', '10.0.0.10', 2), pair('a b', '::1', 3),
      pair('é', '10.0.0.1', 4), pair('a', '10.0.0.2', 5),
    ];
    sortSeries(series);
    expect(series.map((s) => `${s.sourceTag}|${s.vip}|${s.rate1s}`)).toEqual([
      'a|10.0.0.10|2', 'a|10.0.0.2|1', 'a|10.0.0.2|5', 'a b|::1|3', 'ab|10.0.0.1|0', 'é|10.0.0.1|4',
    ]);
  });

  it('is the comparator sort, for any tags and vips (U+0000 in a tag included)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '\x00', '\x01', 'é', '.', '1'), maxLength: 4 });
    fc.assert(fc.property(fc.array(fc.tuple(text, text), { maxLength: 40 }), (pairs) => {
      const series = pairs.map(([tag, vip], i) => pair(tag, vip, i));
      const expected = byComparator(series);
      sortSeries(series);
      expect(series).toEqual(expected);
    }), { numRuns: 3000 });
  });
});
