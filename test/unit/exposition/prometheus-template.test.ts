import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../../src/exposition/prometheus';
import { PAIR_FRAGMENT_RENDERERS } from '../../../src/exposition/pair-fragments';
import { countsOnlyRecord, encodePairRecord, pairStatsFromRecord } from '../../../src/ipng/pair-record';
import { emptyHistogram } from '../../../src/model/stats-model';
import type { StatsModel } from '../../../src/model/stats-model';
import { sortSeries } from '../../../src/model/series-order';
import { BOUNDS_MS, emptyModel, histogram, sampleModel } from './fixture';
import { expandTemplate } from './template-expansion';

function expanded(model: StatsModel, trailer = ''): string | null {
  const template = renderPrometheus(model, trailer, true);
  if (template === null) return null;
  const text = expandTemplate(Buffer.from(template));
  return text === null ? null : text.toString();
}

/** A model of records as the writer stores them: rendered, or counts-only (`countsOnly`). */
function recordModel(pairs: Array<{ tag: string; vip: string; codes: number[]; countsOnly: boolean }>): StatsModel {
  const model = emptyModel();
  const boundsText = BOUNDS_MS.join(',');
  for (const p of pairs) {
    const text = encodePairRecord({
      codes: p.codes.map((n, i) => ({ code: String(200 + i * 7), requests: n, bytesIn: n * 100, bytesOut: n * 1000 + 3 })),
      requestDuration: histogram([p.codes.length, 0, 1, 0, 0, 2], 1234),
      upstreamResponse: emptyHistogram(BOUNDS_MS),
      rate: { rates: [1.5, 0.25, 1 / 3], base: 0, total: 0, at: 0 },
    }, PAIR_FRAGMENT_RENDERERS.pair);
    model.series.push(pairStatsFromRecord(p.tag, p.vip, p.countsOnly ? countsOnlyRecord(text) : text, BOUNDS_MS, boundsText, 0));
  }
  sortSeries(model.series);
  return model;
}

describe('the Prometheus template for the shim\'s $ipng_stats_lines', () => {
  it('expands to the text the scrape renders without the shim', () => {
    expect(expanded(sampleModel())).toBe(renderPrometheus(sampleModel()));
    expect(expanded(emptyModel())).toBe(renderPrometheus(emptyModel()));
    const trailer = '# HELP nginx_ssl_x X.\n# TYPE nginx_ssl_x gauge\nnginx_ssl_x{zone="a"} 1\n';
    expect(expanded(sampleModel(), trailer)).toBe(renderPrometheus(sampleModel(), trailer));
  });

  it('expands to the same text for rendered and counts-only records of any codes', () => {
    const pair = fc.record({
      tag: fc.constantFrom('a', 'ab', 'we"ird\\tag', 'é'),
      vip: fc.constantFrom('192.0.2.1', '2001:db8::1'),
      codes: fc.array(fc.nat({ max: 1e12 }), { maxLength: 8 }),
      countsOnly: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(pair, { maxLength: 6 }), (pairs) => {
      const model = recordModel(pairs);
      expect(expanded(model)).toBe(renderPrometheus(model));
    }), { numRuns: 300 });
  });

  it('is not made when a label or the trailer holds a mark byte (the text is rendered instead)', () => {
    const model = sampleModel();
    model.series[0].sourceTag = 'a\x1cb';
    expect(renderPrometheus(model, '', true)).toBeNull();
    model.series[0].sourceTag = 'a\x1db';
    expect(renderPrometheus(model, '', true)).toBeNull();
    expect(renderPrometheus(sampleModel(), 'x{zone="\x1d"} 1\n', true)).toBeNull();
  });
});

describe('the reference expansion', () => {
  it('writes heads, puts the current head behind each line mark, refuses a malformed template', () => {
    const t = (s: string) => expandTemplate(Buffer.from(s))?.toString() ?? null;
    expect(t('a\n\x1cH{\x1c1\x1d2\n\x1cK\x1c3\nz')).toBe('a\nH{1\nH{2\nK3\nz');
    expect(t('')).toBe('');
    expect(t('\x1cH')).toBeNull();
    expect(t('x\x1dy')).toBeNull();
  });
});
