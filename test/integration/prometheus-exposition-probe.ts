// Calls every pure exposition export on fixed inputs. Run once in Node and
// once, bundled and lowered like dist/ipng-stats.js, in the njs engine:
// the two results must be identical (see prometheus-exposition-njs.test.ts).
// Only what njs has may be used here too.
import { canonicalAddress } from '../../src/exposition/address';
import { renderJson } from '../../src/exposition/json';
import { renderPrometheus } from '../../src/exposition/prometheus';
import { filterModel, parseScrapeQuery, wantsJson } from '../../src/exposition/query';
import { emptyModel, sampleModel } from '../unit/exposition/fixture';
import { readIpngWire } from '../harness/ipng-wire';
import { pairRecordKey } from '../../src/ipng/keys';
import { applyPairDelta, decodePairRecord, encodePairRecord, recordSections, recordWithUpdatedRates } from '../../src/ipng/pair-record';
import { buildRecordLayoutModel } from '../../src/ipng/record-layout-model';
import { renderPairFragments } from '../../src/exposition/pair-fragments';

const US = '\x1f';

/**
 * The record layout's writer and reader: shim deltas into pair records
 * (twice, so that existing records are decoded and added to), rates moved
 * on, then the scrape model rendered both ways.
 */
function recordLayout(): unknown {
  const bounds = [1, 5, 10];
  const line = (...f: Array<string | number>) => f.join(US) + '\n';
  const text =
    'w\n' + line('b', '1 5 10') +
    line('r', 'ipng', '', 3, 'mg1', '2001:DB8:0::1', 404, '1 80 0') +
    line('r', 'ipng', '', 3, 'mg1', '2001:DB8:0::1', 200, '3 300 9007199254740') +
    line('r', 'ipng', '', 3, 'we"ird\\x5ctag', '198.51.100.7', 503, '2 20 40') +
    line('r', 'ipng_time', '', 2, 'mg1', '2001:DB8:0::1', 3, '12 2 0 0 1', '7 0 1 0 0') +
    line('b', '2 7') + line('r', 'ipng_time', '', 2, 'we"ird\\x5ctag', '198.51.100.7', 2, '9 1 1 0', '');
  // a text of another format would parse to nothing, in Node and njs alike
  const parsed = readIpngWire(text);
  if (parsed.malformed !== 0 || parsed.pairs.length !== 2) throw new Error('the deltas of the probe are not docs/wire-format.md');
  const records: Record<string, string> = {};
  for (let round = 0; round < 2; round++) {
    const pairs = readIpngWire(text).pairs;
    for (let i = 0; i < pairs.length; i++) {
      const key = pairRecordKey(pairs[i].sourceTag, pairs[i].vip);
      const totals = decodePairRecord(records[key], bounds);
      applyPairDelta(totals, pairs[i], true);
      const encoded = encodePairRecord(totals, renderPairFragments);
      records[key] = recordWithUpdatedRates(encoded, 1000 + round * 1000, round * 1000) ?? encoded;
    }
  }
  const entries: Array<[string, string]> = [];
  const keys = Object.keys(records).sort();
  for (let i = 0; i < keys.length; i++) entries.push([keys[i], records[keys[i]]]);
  const model = buildRecordLayoutModel({ entries, capacityBytes: 4194304, freeBytes: 4000000 }, bounds);
  // Every section but the rates (section 0) is compared as stored. njs
  // writes some doubles with a different last digit than Node
  // (2.5284822353142308 for 2.5284822353142307), so the stored rates are
  // compared where they are shown: in the rendered text.
  const stored: string[][] = [];
  for (let i = 0; i < entries.length; i++) stored.push([entries[i][0]].concat(recordSections(entries[i][1]).slice(1)));
  return { stored, prometheus: renderPrometheus(model), json: renderJson(model) };
}

const ADDRESSES = [
  '192.0.2.1', '2001:DB8:0::1', '2001:0db8::0001', '2001:db8:0:0:1:0:0:1', '2001:0:0:1:0:0:0:1', '::', '::1', '1::',
  '[2001:db8::1]', '::ffff:192.0.2.1', '::ffff:c000:0201', '::192.0.2.1', 'FE80::ABCD:EF01', '1:2:3:4:5:6:7::',
  'fe80::1%eth0', '192.0.2.01', '256.0.0.1', '1:::2', '12345::', '', '[192.0.2.1]',
];

const ACCEPTS = ['application/json', 'text/plain;q=1, Application/JSON;q=0.1', 'application/json;q=0', '*/*', 'application/jsonx'];

export function probe(): unknown {
  const model = sampleModel();
  const queries = [
    parseScrapeQuery({}),
    parseScrapeQuery({ source_tag: 'mg1', vip: '2001:DB8:0::1', other: 'x' }),
    parseScrapeQuery({ vip: 'x' }),
    parseScrapeQuery({ source_tag: '' }),
    parseScrapeQuery({ vip: ['::1', '::2'] }),
  ];
  const addresses: Array<string | null> = [];
  for (let i = 0; i < ADDRESSES.length; i++) addresses.push(canonicalAddress(ADDRESSES[i]));
  const accepts: boolean[] = [];
  for (let i = 0; i < ACCEPTS.length; i++) accepts.push(wantsJson(ACCEPTS[i]));
  return {
    prometheus: renderPrometheus(model),
    prometheusEmpty: renderPrometheus(emptyModel()),
    json: renderJson(model),
    jsonEmpty: renderJson(emptyModel()),
    jsonFiltered: renderJson(filterModel(model, { sourceTag: 'mg1', vip: '2001:db8::1' })),
    addresses,
    accepts,
    queries,
    recordLayout: recordLayout(),
  };
}
