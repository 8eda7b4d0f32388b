import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../src/exposition/json';
import { emptyModel, sampleModel } from './fixture';

const EMPTY_HISTOGRAM = '{"buckets":{"1":0,"9":0,"250":0,"2500":0,"10000":0,"+Inf":0},"sum_ms":0,"count":0}';

describe('renderJson', () => {
  it('writes schema 1 exactly, buckets cumulative, in sorted order', () => {
    expect(renderJson(sampleModel())).toBe(
      '{"schema":1,"by_source":{' +
        '"mg1":{"vips":{' +
        '"192.0.2.10":{"rate_1s":42.3,"rate_10s":40.1,"rate_60s":39.8,' +
        '"codes":{"200":{"requests":12345,"bytes_in":9876543,"bytes_out":54321098},' +
        '"404":{"requests":17,"bytes_in":2048,"bytes_out":9216}},' +
        '"request_duration_ms":{"buckets":{"1":10,"9":40,"250":4040,"2500":4120,"10000":4124,"+Inf":4124},"sum_ms":87654,"count":4124},' +
        '"upstream_response_ms":{"buckets":{"1":2,"9":2,"250":7,"2500":7,"10000":7,"+Inf":8},"sum_ms":12009,"count":8}},' +
        '"2001:db8::1":{"rate_1s":0.3,"rate_10s":0.333,"rate_60s":2,' +
        '"codes":{"200":{"requests":3,"bytes_in":300,"bytes_out":3000}},' +
        '"request_duration_ms":{"buckets":{"1":1,"9":2,"250":3,"2500":3,"10000":3,"+Inf":3},"sum_ms":21,"count":3},' +
        '"upstream_response_ms":' + EMPTY_HISTOGRAM + '}}},' +
        '"we\\"ird\\\\tag":{"vips":{' +
        '"198.51.100.7":{"rate_1s":0,"rate_10s":0,"rate_60s":0,' +
        '"codes":{"503":{"requests":1,"bytes_in":10,"bytes_out":20}},' +
        '"request_duration_ms":{"buckets":{"1":0,"9":0,"250":0,"2500":0,"10000":0,"+Inf":1},"sum_ms":12345,"count":1},' +
        '"upstream_response_ms":' + EMPTY_HISTOGRAM + '}}}' +
        '},"meta":{"zone_bytes_used":131072,"zone_bytes_total":4194304,"zone_full_events":0}}',
    );
  });

  it('is valid JSON that parses back to the same numbers', () => {
    const parsed = JSON.parse(renderJson(sampleModel()));
    expect(Object.keys(parsed)).toEqual(['schema', 'by_source', 'meta']);
    expect(parsed.by_source.mg1.vips['192.0.2.10'].request_duration_ms.buckets['+Inf']).toBe(4124);
    expect(parsed.by_source['we"ird\\tag'].vips['198.51.100.7'].codes['503'].bytes_out).toBe(20);
  });

  it('writes an empty by_source for a model without series', () => {
    expect(renderJson(emptyModel())).toBe(
      '{"schema":1,"by_source":{},"meta":{"zone_bytes_used":0,"zone_bytes_total":1048576,"zone_full_events":0}}',
    );
  });

  it('writes a VIP without codes as an empty codes object', () => {
    const model = emptyModel();
    model.series.push({
      sourceTag: 'direct',
      vip: '::1',
      rate1s: 0,
      rate10s: 0,
      rate60s: 0,
      codes: [],
      requestDuration: { boundsMs: [1, 5], counts: [0, 0, 0], sumMs: 0 },
      upstreamResponse: { boundsMs: [1, 5], counts: [0, 0, 0], sumMs: 0 },
    });
    expect(JSON.parse(renderJson(model)).by_source.direct.vips['::1'].codes).toEqual({});
  });
});
