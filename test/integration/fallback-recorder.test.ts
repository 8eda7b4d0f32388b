// The no-shim recorder module (dist/ipng-stats-recorder.js) on a zone it
// cannot write: a type=string zone needs the shim's single writer. It says
// so once and counts nothing, whatever the traffic, and nginx keeps serving.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, sendConcurrently } from '../harness/http';
import { samples, sleep } from './stats-support';

describe('the no-shim recorder', () => {
  for (const bundleAtHttp of [false, true]) {
    test(`a type=string zone without the shim is refused once, nothing counted (bundle at http level: ${bundleAtHttp})`,
      async ({ nginx }) => {
        const n = await nginx({
          http: `
        server {
            listen 127.0.0.1:{{PORT}} reuseport;
            location = /ok { return 200 "ok\\n"; }
            location = /metrics { js_import ipng_stats_scrape from ipng-stats.js; js_content ipng_stats_scrape.scrape; }
        }`,
          shim: false,
          zoneType: 'string',
          bundleAtHttp,
        });
        const responses = await sendConcurrently(20, 4, () => httpGet(n.url('/ok')));
        expect(responses.every((r) => r.status === 200)).toBe(true);
        await sleep(300);
        const lines = n.errorLog().split('\n').filter((l) => l.includes('is type=string, which needs the native shim'));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(
          '[error]');
        expect(lines[0]).toContain(
          'ipng-stats: js_shared_dict_zone zone=ipng_stats is type=string, which needs the native shim; without the ' +
            'shim declare it type=number: nothing is counted until then (reported once)');
        expect(samples((await httpGet(n.url('/metrics'))).body, 'nginx_ipng_requests_total')).toEqual([]);
      });
  }
});
