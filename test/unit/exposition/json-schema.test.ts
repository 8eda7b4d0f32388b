import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../src/exposition/json';
import { validateStatsJson } from '../../harness/json-schema';
import { emptyModel, sampleModel } from './fixture';

/** The spec's example, with its "upstream_response_ms": {"...": "..."} placeholder filled in. */
function specExample(): any {
  const requestDuration = {
    buckets: { '1': 10, '5': 40, '10': 120, '25': 350, '50': 870, '100': 2100, '250': 3400, '500': 4000, '1000': 4100, '2500': 4120, '5000': 4123, '10000': 4124, '+Inf': 4124 },
    sum_ms: 87654,
    count: 4124,
  };
  return {
    schema: 1,
    by_source: {
      mg1: {
        vips: {
          '192.0.2.10': {
            rate_1s: 42.3,
            rate_10s: 40.1,
            rate_60s: 39.8,
            codes: {
              '200': { requests: 12345, bytes_in: 9876543, bytes_out: 54321098 },
              '404': { requests: 17, bytes_in: 2048, bytes_out: 9216 },
            },
            request_duration_ms: requestDuration,
            upstream_response_ms: structuredClone(requestDuration),
          },
        },
      },
    },
    meta: { zone_bytes_used: 131072, zone_bytes_total: 4194304, zone_full_events: 0 },
  };
}

describe('ipng-stats-v1.schema.json', () => {
  it('accepts the spec example', () => {
    expect(() => validateStatsJson(specExample())).not.toThrow();
  });

  it('accepts what renderJson writes, as text or parsed', () => {
    expect(() => validateStatsJson(renderJson(sampleModel()))).not.toThrow();
    expect(() => validateStatsJson(JSON.parse(renderJson(sampleModel())))).not.toThrow();
    expect(() => validateStatsJson(renderJson(emptyModel()))).not.toThrow();
  });

  const wrongShapes: Array<[string, (doc: any) => void, RegExp]> = [
    ['another schema version', (d) => { d.schema = 2; }, /schema/],
    ['a missing meta field', (d) => { delete d.meta.zone_full_events; }, /zone_full_events/],
    ['an unknown top-level field', (d) => { d.extra = 1; }, /additional properties/],
    ['a misspelt field', (d) => { const v = d.by_source.mg1.vips['192.0.2.10']; v.rate_1 = v.rate_1s; delete v.rate_1s; }, /rate_1s/],
    ['vips missing under a source', (d) => { d.by_source.mg1 = { '192.0.2.10': d.by_source.mg1.vips['192.0.2.10'] }; }, /vips/],
    ['a non-integer counter', (d) => { d.by_source.mg1.vips['192.0.2.10'].codes['200'].requests = 1.5; }, /integer/],
    ['a negative counter', (d) => { d.by_source.mg1.vips['192.0.2.10'].codes['404'].bytes_out = -1; }, />= 0/],
    ['a counter as a string', (d) => { d.meta.zone_bytes_used = '131072'; }, /integer/],
    ['a null rate', (d) => { d.by_source.mg1.vips['192.0.2.10'].rate_60s = null; }, /number/],
    ['a status code that is not three digits', (d) => { d.by_source.mg1.vips['192.0.2.10'].codes.ok = { requests: 1, bytes_in: 1, bytes_out: 1 }; }, /property name/],
    ['an upper-case IPv6 VIP', (d) => { d.by_source.mg1.vips['2001:DB8::1'] = d.by_source.mg1.vips['192.0.2.10']; }, /property name/],
    ['buckets without +Inf', (d) => { delete d.by_source.mg1.vips['192.0.2.10'].request_duration_ms.buckets['+Inf']; }, /\+Inf/],
    ['a bucket bound in seconds', (d) => { d.by_source.mg1.vips['192.0.2.10'].request_duration_ms.buckets['0.5'] = 1; }, /property name/],
    ['per-bucket (not cumulative) counts', (d) => { d.by_source.mg1.vips['192.0.2.10'].request_duration_ms.buckets['5'] = 5; }, /not cumulative/],
    ['+Inf different from count', (d) => { d.by_source.mg1.vips['192.0.2.10'].upstream_response_ms.count = 1; }, /differs from count/],
    ['a histogram without sum_ms', (d) => { delete d.by_source.mg1.vips['192.0.2.10'].upstream_response_ms.sum_ms; }, /sum_ms/],
  ];
  it.each(wrongShapes)('rejects %s', (_name, mutate, message) => {
    const doc = specExample();
    mutate(doc);
    expect(() => validateStatsJson(doc)).toThrow(message);
  });

  it('rejects text that is not JSON', () => {
    expect(() => validateStatsJson('# HELP nginx_ipng_requests_total ...')).toThrow(/not JSON/);
  });
});
