import { describe, expect, it } from 'vitest';
import { filterModel, parseScrapeQuery, wantsJson } from '../../../src/exposition/query';
import type { StatsModel } from '../../../src/model/stats-model';
import { sampleModel } from './fixture';

describe('parseScrapeQuery', () => {
  it('without filters matches everything', () => {
    expect(parseScrapeQuery({})).toEqual({ ok: true, filter: {} });
  });

  it('takes source_tag exactly, case and all', () => {
    expect(parseScrapeQuery({ source_tag: 'MG1' })).toEqual({ ok: true, filter: { sourceTag: 'MG1' } });
    expect(parseScrapeQuery({ source_tag: ' mg1' })).toEqual({ ok: true, filter: { sourceTag: ' mg1' } });
  });

  it('canonicalizes vip', () => {
    expect(parseScrapeQuery({ vip: '2001:DB8:0::1' })).toEqual({ ok: true, filter: { vip: '2001:db8::1' } });
    expect(parseScrapeQuery({ vip: '[::1]' })).toEqual({ ok: true, filter: { vip: '::1' } });
    expect(parseScrapeQuery({ vip: '192.0.2.10' })).toEqual({ ok: true, filter: { vip: '192.0.2.10' } });
  });

  it('combines both filters', () => {
    expect(parseScrapeQuery({ source_tag: 'mg1', vip: '2001:db8:0:0::1', other: 'x' })).toEqual({
      ok: true,
      filter: { sourceTag: 'mg1', vip: '2001:db8::1' },
    });
  });

  it('ignores unknown parameters', () => {
    expect(parseScrapeQuery({ format: 'json', SOURCE_TAG: 'x', Vip: 'nonsense' })).toEqual({ ok: true, filter: {} });
  });

  it('treats a parameter whose value is undefined as absent', () => {
    expect(parseScrapeQuery({ source_tag: undefined, vip: undefined })).toEqual({ ok: true, filter: {} });
  });

  it('rejects a malformed vip with the reason', () => {
    expect(parseScrapeQuery({ vip: 'x' })).toEqual({ ok: false, reason: 'invalid vip "x": not an IPv4 or IPv6 address' });
    expect(parseScrapeQuery({ vip: 'fe80::1%eth0' })).toEqual({
      ok: false,
      reason: 'invalid vip "fe80::1%eth0": not an IPv4 or IPv6 address',
    });
    expect(parseScrapeQuery({ vip: 'a"b' })).toEqual({ ok: false, reason: 'invalid vip "a\\"b": not an IPv4 or IPv6 address' });
  });

  it('rejects empty values instead of silently matching everything', () => {
    expect(parseScrapeQuery({ vip: '' })).toEqual({ ok: false, reason: 'invalid vip "": not an IPv4 or IPv6 address' });
    expect(parseScrapeQuery({ source_tag: '' })).toEqual({
      ok: false,
      reason: 'empty source_tag: leave the parameter out to match every source',
    });
  });

  it('rejects a repeated parameter', () => {
    expect(parseScrapeQuery({ source_tag: ['a', 'b'] })).toEqual({ ok: false, reason: 'source_tag given more than once' });
    expect(parseScrapeQuery({ vip: ['::1', '::1'] })).toEqual({ ok: false, reason: 'vip given more than once' });
  });
});

describe('wantsJson', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON', true],
    ['application/json; charset=utf-8', true],
    ['text/plain, application/json', true],
    ['text/plain;q=1, application/json;q=0.1', true],
    ['application/json;q=1.0', true],
    ['application/json; Q=0.5', true],
    [' application/json ;q=0.001', true],
    ['application/json;q=0', false],
    ['application/json;q=0.000', false],
    ['application/json;q=abc', false],
    ['application/json;q=2', false],
    ['*/*', false],
    ['application/*', false],
    ['text/plain', false],
    ['application/openmetrics-text; version=1.0.0, text/plain;version=0.0.4;q=0.5, */*;q=0.1', false],
    // What Prometheus 2.42 itself sends when it scrapes.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', false],
    ['application/jsonx', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (accept, json) => {
    expect(wantsJson(accept)).toBe(json);
  });
});

describe('filterModel', () => {
  /** (source, vip) of each series, in order. */
  function pairs(model: StatsModel): string[][] {
    return model.series.map((s) => [s.sourceTag, s.vip]);
  }

  it('returns the model itself without filters', () => {
    const model = sampleModel();
    expect(filterModel(model, {})).toBe(model);
  });

  it('keeps one source, in order', () => {
    const model = sampleModel();
    const filtered = filterModel(model, { sourceTag: 'mg1' });
    expect(pairs(filtered)).toEqual([
      ['mg1', '192.0.2.10'],
      ['mg1', '2001:db8::1'],
    ]);
    expect(filtered.series[0]).toBe(model.series[0]);
    expect(filtered.meta).toBe(model.meta);
  });

  it('is case-sensitive and may match nothing', () => {
    expect(filterModel(sampleModel(), { sourceTag: 'MG1' }).series).toEqual([]);
    expect(filterModel(sampleModel(), { sourceTag: 'toString' }).series).toEqual([]);
  });

  it('keeps one VIP across sources, dropping sources without it', () => {
    const model = sampleModel();
    const filtered = filterModel(model, { vip: '2001:db8::1' });
    expect(pairs(filtered)).toEqual([['mg1', '2001:db8::1']]);
    expect(filtered.series[0]).toBe(model.series[1]);
  });

  it('intersects both filters', () => {
    const model = sampleModel();
    expect(pairs(filterModel(model, { sourceTag: 'mg1', vip: '192.0.2.10' }))).toEqual([['mg1', '192.0.2.10']]);
    expect(filterModel(model, { sourceTag: 'we"ird\\tag', vip: '192.0.2.10' }).series).toEqual([]);
    expect(pairs(filterModel(model, { sourceTag: 'we"ird\\tag', vip: '198.51.100.7' }))).toEqual([['we"ird\\tag', '198.51.100.7']]);
  });

  it('does not change the model it filters', () => {
    const model = sampleModel();
    filterModel(model, { sourceTag: 'mg1', vip: '192.0.2.10' });
    expect(model).toEqual(sampleModel());
  });
});
