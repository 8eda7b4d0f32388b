import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../src/exposition/json';
import { sslScrapeJsonMember } from '../../../src/ssl/render';
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

  const sslZone = { zone: 'z1', values: [0, 0, 0, 0, 7, 6, 0, 2, 2, 0, 0, 0], handshakes: [4, 2] };

  it('revision 2: the optional "ssl" member, after meta, with the SSL status schema\'s zones', () => {
    const text = renderJson(sampleModel(), sslScrapeJsonMember([sslZone]));
    expect(() => validateStatsJson(text)).not.toThrow();
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['schema', 'by_source', 'meta', 'ssl']);
    expect(doc.schema).toBe(1);
    expect(doc.ssl).toEqual({
      zones: {
        z1: {
          number: 0, connect: 0, connect_good: 0, connect_renegotiate: 0, accept: 7, accept_good: 6,
          accept_renegotiate: 0, hits: 2, cb_hits: 2, misses: 0, timeouts: 0, cache_full: 0,
          handshakes: { full: 4, resumed: 2 },
        },
      },
    });
    // no zones configured: not there, the document as before revision 2
    expect(renderJson(sampleModel(), sslScrapeJsonMember(null))).toBe(renderJson(sampleModel()));
    expect(JSON.parse(renderJson(emptyModel(), sslScrapeJsonMember([]))).ssl).toEqual({ zones: {} });
  });

  const withSsl = (d: any) => {
    d.ssl = JSON.parse(renderJson(sampleModel(), sslScrapeJsonMember([sslZone]))).ssl;
    return d.ssl;
  };
  const wrongSsl: Array<[string, (doc: any) => void, RegExp]> = [
    ['an ssl member without zones', (d) => { withSsl(d); delete d.ssl.zones; }, /zones/],
    ['an unknown field in ssl', (d) => { withSsl(d).extra = 1; }, /additional properties/],
    ['an SSL zone without accept_good', (d) => { delete withSsl(d).zones.z1.accept_good; }, /accept_good/],
    ['an SSL zone with a negative counter', (d) => { withSsl(d).zones.z1.hits = -1; }, />= 0/],
    ['an SSL zone without handshakes', (d) => { delete withSsl(d).zones.z1.handshakes; }, /handshakes/],
  ];
  it.each(wrongSsl)('rejects %s', (_name, mutate, message) => {
    const doc = specExample();
    mutate(doc);
    expect(() => validateStatsJson(doc)).toThrow(message);
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
