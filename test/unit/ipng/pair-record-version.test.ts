// The record layout's format version (src/ipng/pair-record.ts,
// RECORD_FORMAT_VERSION): a record written by another bundle version is
// shown from its counts, never from its stored rendering, and the writer
// re-renders it whether or not it changed. Through nginx:
// test/integration/stats-record-version.test.ts; the tick's rewrite of an
// idle record: handlers/tick.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readIpngWire } from '../../harness/ipng-wire';
import { pairRecordKey } from '../../../src/ipng/keys';
import {
  applyPairDelta,
  decodePairRecord,
  encodePairRecord,
  RECORD_FORMAT_VERSION,
  recordFormatVersion,
  recordInCurrentFormat,
  recordSections,
  recordWithUpdatedRates,
  versionedRecord,
} from '../../../src/ipng/pair-record';
import { COUNT_SECTIONS } from '../../../src/ipng/pair-sections';
import { buildRecordLayoutModel } from '../../../src/ipng/record-layout-model';
import { renderJson } from '../../../src/exposition/json';
import { renderPrometheus } from '../../../src/exposition/prometheus';
import { PAIR_FRAGMENT_RENDERERS, renderPairFragments } from '../../../src/exposition/pair-fragments';
import { OLD_RECORD } from '../../harness/old-pair-record';

const US = '\x1f';
const BOUNDS = [1, 5];
const line = (...f: Array<string | number>) => f.join(US) + '\n';
const KEY = pairRecordKey('mg1', '192.0.2.10');


function currentRecord(): string {
  const deltas =
    'w\n' +
    line('b', '1 5') +
    line('r', 'ipng_time', '', 2, 'mg1', '192.0.2.10', 3, '12 2 0 1', '') +
    line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 200, '3 300 900') +
    line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 404, '1 80 0');
  const totals = decodePairRecord(undefined, BOUNDS);
  applyPairDelta(totals, readIpngWire(deltas).pairs[0], true);
  const text = encodePairRecord(totals, renderPairFragments);
  return recordWithUpdatedRates(text, 0, 0) ?? text;
}

function modelOf(text: string) {
  return buildRecordLayoutModel({ entries: [[KEY, text]], capacityBytes: 4194304, freeBytes: 4096000 }, BOUNDS);
}

/** The current record as the writer's usual path leaves it: its counts alone. */
function countsOnlyRecord(): string {
  return versionedRecord(recordSections(currentRecord()).slice(0, COUNT_SECTIONS));
}

describe('record format version', () => {
  it('is written at the head of every record; a record without one is version 1', () => {
    expect(RECORD_FORMAT_VERSION).toBe(3);
    const text = currentRecord();
    expect(text.startsWith('v3 ')).toBe(true);
    expect(recordFormatVersion(text)).toBe(3);
    expect(recordFormatVersion(OLD_RECORD)).toBe(1);
    // The version is not a section: the sections read the same either way
    // (version 3's rates have the time of the pair's last rate update).
    expect(recordSections(text).slice(1, 4)).toEqual(recordSections(OLD_RECORD).slice(1, 4));
    expect(recordSections(text)[0]).toBe(recordSections(OLD_RECORD)[0] + ' 0');
  });

  // If this fails because a renderer's output changed, bump
  // RECORD_FORMAT_VERSION (so stored records are re-rendered after the
  // upgrade) and then update the expected text.
  it('pins what this version stores for given counts', () => {
    expect(currentRecord()).toBe(
      'v3 11 12 11 24 15 18 17 100 28 7 28 3 56 55\x1e' +
        '0 0 0 4 4 0' +
        '1,5;2,0,1;12' +
        '1,5;0,0,0;0' +
        '200 3 300 900 404 1 80 0' +
        '200"} 3\x1d404"} 1' +
        '200"} 300\x1d404"} 80' +
        '200"} 900\x1d404"} 0' +
        '"200":{"requests":3,"bytes_in":300,"bytes_out":900},"404":{"requests":1,"bytes_in":80,"bytes_out":0}' +
        '0.001"} 2\x1d0.005"} 2\x1d+Inf"} 3' +
        '0.012 3' +
        '0.001"} 0\x1d0.005"} 0\x1d+Inf"} 0' +
        '0 0' +
        '{"buckets":{"1":2,"5":2,"+Inf":3},"sum_ms":12,"count":3}' +
        '{"buckets":{"1":0,"5":0,"+Inf":0},"sum_ms":0,"count":0}',
    );
  });

  it('a scrape shows an older record from its counts, exactly as the current record of the same counts', () => {
    const current = modelOf(currentRecord());
    const old = modelOf(OLD_RECORD);
    expect(old.series[0].rendered).toBeUndefined();
    expect(old.series[0].renderedHistograms).toBeUndefined();
    const prometheus = renderPrometheus(old);
    expect(prometheus).toBe(renderPrometheus(current));
    expect(prometheus).toContain('nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.001"} 2\n');
    expect(prometheus).toContain('nginx_ipng_request_duration_seconds_sum{source_tag="mg1",vip="192.0.2.10"} 0.012\n');
    expect(prometheus).not.toContain('le="1"');
    const json = renderJson(old);
    expect(json).toBe(renderJson(current));
    expect(json).toContain('"200":{"requests":3,"bytes_in":300,"bytes_out":900}');
  });

  it('pins a counts-only record: the counts sections alone', () => {
    expect(countsOnlyRecord()).toBe(
      'v3 11 12 11 24\x1e' +
        '0 0 0 4 4 0' +
        '1,5;2,0,1;12' +
        '1,5;0,0,0;0' +
        '200 3 300 900 404 1 80 0',
    );
  });

  it('a scrape shows a counts-only record exactly as the rendered one', () => {
    const rendered = modelOf(currentRecord());
    const countsOnly = modelOf(countsOnlyRecord());
    expect(countsOnly.series[0].rendered).toBeUndefined();
    expect(countsOnly.series[0].codesSection).toEqual(['200', '3', '300', '900', '404', '1', '80', '0']);
    expect(countsOnly.series[0].codes).toEqual([]);
    expect(countsOnly.series[0].renderedHistograms).toBeUndefined();
    expect(renderPrometheus(countsOnly)).toBe(renderPrometheus(rendered));
    expect(renderJson(countsOnly)).toBe(renderJson(rendered));
    expect(renderPrometheus(countsOnly)).toContain(
      'nginx_ipng_requests_total{source_tag="mg1",vip="192.0.2.10",code="404"} 1\n',
    );
  });

  it('a scrape shows any counts-only record exactly as its rendered form', () => {
    const count = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 }));
    const codes = fc.uniqueArray(fc.tuple(fc.integer({ min: 100, max: 599 }).map(String), count, count, count), {
      selector: (c) => c[0], maxLength: 12,
    }).map((list) => list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    const buckets = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(codes, buckets, fc.integer({ min: 0, max: 100000 }), (list, counts, sumMs) => {
        const totals = decodePairRecord(undefined, BOUNDS);
        applyPairDelta(totals, {
          sourceTag: 'mg1', vip: '192.0.2.10', members: [], duration: [], upstream: [],
          codes: list.map(([c, r, i, o]) => ({ code: c, requests: r, bytesIn: i, bytesOut: o })),
        }, true);
        totals.requestDuration.counts = counts;
        totals.requestDuration.sumMs = sumMs;
        const text = encodePairRecord(totals, renderPairFragments);
        const countsOnly = versionedRecord(recordSections(text).slice(0, COUNT_SECTIONS));
        expect(renderPrometheus(modelOf(countsOnly))).toBe(renderPrometheus(modelOf(text)));
        expect(renderJson(modelOf(countsOnly))).toBe(renderJson(modelOf(text)));
        expect(recordInCurrentFormat(countsOnly, BOUNDS, PAIR_FRAGMENT_RENDERERS)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('the writer renders a counts-only record, re-renders an older one in this format, and leaves a rendered one alone', () => {
    expect(recordInCurrentFormat(countsOnlyRecord(), BOUNDS, PAIR_FRAGMENT_RENDERERS)).toBe(currentRecord());
    // in other bounds, re-bucketed from its counts as an older record is
    expect(recordInCurrentFormat(countsOnlyRecord(), [1, 5, 20], PAIR_FRAGMENT_RENDERERS)).toBe(
      recordInCurrentFormat(OLD_RECORD, [1, 5, 20], PAIR_FRAGMENT_RENDERERS),
    );
    expect(recordInCurrentFormat(OLD_RECORD, BOUNDS, PAIR_FRAGMENT_RENDERERS)).toBe(currentRecord());
    expect(recordInCurrentFormat(currentRecord(), BOUNDS, PAIR_FRAGMENT_RENDERERS)).toBeNull();
    // Rates move only on a record in the current format.
    expect(recordWithUpdatedRates(OLD_RECORD, 2000, 1000)).toBeNull();
  });

  it('a record of a later version (a downgrade) is re-rendered too, from its counts', () => {
    const later = 'v4 ' + OLD_RECORD;
    expect(recordFormatVersion(later)).toBe(4);
    expect(recordInCurrentFormat(later, BOUNDS, PAIR_FRAGMENT_RENDERERS)).toBe(currentRecord());
    expect(renderPrometheus(modelOf(later))).toBe(renderPrometheus(modelOf(currentRecord())));
  });
});
