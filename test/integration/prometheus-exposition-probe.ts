// Calls every pure exposition export on fixed inputs. Run once in Node and
// once, bundled and lowered like dist/ipng-stats.js, in the njs engine:
// the two results must be identical (see prometheus-exposition-njs.test.ts).
// Only what njs has may be used here too.
import { canonicalAddress } from '../../src/exposition/address';
import { renderJson } from '../../src/exposition/json';
import { renderPrometheus } from '../../src/exposition/prometheus';
import { filterModel, parseScrapeQuery, wantsJson } from '../../src/exposition/query';
import { emptyModel, sampleModel } from '../unit/exposition-fixture';

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
  };
}
