// The order of the series in both formats through a real nginx with the
// shim (the record layout): by source_tag, then vip, by UTF-16 code units,
// a tag that is a prefix of another first, whatever order the zone's
// records come in. The scrape sorts the pairs natively by a joined key
// (src/model/series-order.ts); this pins what Prometheus and JSON show.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { afterNextFlush } from '../harness/flush';
import { httpGet } from '../harness/http';
import { samples, scrapeJson } from './stats-support';

// Listed out of order on purpose; "a" is a prefix of "ab" and of "a-b".
const TAGS = ['b', 'ab', 'a', 'a-b'];
const VIPS = ['127.0.0.1', '::1'];

describe('series order of a scrape', () => {
  test('sources, then VIPs, sorted; codes sorted within each; exact counts', async ({ nginx }) => {
    const listens = TAGS.map((tag, i) =>
      `listen 127.0.0.1:{{PORT${i === 0 ? '' : i}}} ipng_source_tag=${tag};\n` +
      `            listen [::1]:{{PORT${i === 0 ? '' : i}}} ipng_source_tag=${tag};`).join('\n            ');
    const n = await nginx({
      shim: true,
      ports: TAGS.length,
      http: `
        server {
            ${listens}
            location = /ok { return 200; }
            location = /missing { return 404; }
            location = /metrics { js_content ipng.scrape; }
        }`,
    });
    // source i, vip v: i + 1 requests to /ok and v + 1 to /missing
    for (let i = 0; i < TAGS.length; i++) {
      const port = n.ports[i];
      for (let v = 0; v < VIPS.length; v++) {
        const host = VIPS[v] === '::1' ? '[::1]' : VIPS[v];
        for (let k = 0; k <= i; k++) expect((await httpGet(`http://${host}:${port}/ok`)).status).toBe(200);
        for (let k = 0; k <= v; k++) expect((await httpGet(`http://${host}:${port}/missing`)).status).toBe(404);
      }
    }
    await afterNextFlush(n.url('/metrics'));

    const expected: string[] = [];
    for (const tag of ['a', 'a-b', 'ab', 'b']) {
      const i = TAGS.indexOf(tag);
      for (let v = 0; v < VIPS.length; v++) {
        expected.push(`nginx_ipng_requests_total{source_tag="${tag}",vip="${VIPS[v]}",code="200"} ${i + 1}`);
        expected.push(`nginx_ipng_requests_total{source_tag="${tag}",vip="${VIPS[v]}",code="404"} ${v + 1}`);
      }
    }
    const text = (await httpGet(n.url('/metrics'))).body;
    expect(samples(text, 'nginx_ipng_requests_total')).toEqual(expected);
    expect(samples(text, 'nginx_ipng_rate_60s').map((line) => line.replace(/ \S+$/, ''))).toEqual(
      ['a', 'a-b', 'ab', 'b'].flatMap((tag) => VIPS.map((vip) => `nginx_ipng_rate_60s{source_tag="${tag}",vip="${vip}"}`)));

    const { document } = await scrapeJson(n.url('/metrics?format=json'));
    expect(Object.keys(document.by_source)).toEqual(['a', 'a-b', 'ab', 'b']);
    for (const tag of TAGS) {
      expect(Object.keys(document.by_source[tag].vips)).toEqual(VIPS);
      expect(document.by_source[tag].vips['::1'].codes['404'].requests).toBe(2);
    }
  });
});
