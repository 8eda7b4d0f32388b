// The record layout's format version, through nginx with the shim: a pair
// record written by an older bundle (no version, its own rendering of the
// counts) is scraped from its counts, not from the stored rendering, and
// the lease holder re-renders it at its next flush although the pair is
// idle. The record is put into the zone by a test-only js module, as the
// older bundle would have left it there across a reload. The same for a
// counts-only record (what the writer's usual path leaves, pair-merge.ts):
// the scrape renders it, the next flush in which it is idle stores it
// rendered.
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { afterNextFlush } from '../harness/flush';
import { httpGet } from '../harness/http';
import { samples } from '../harness/exposition';
import { pairRecordKey } from '../../src/ipng/keys';
import { recordFormatVersion, recordInCurrentFormat, recordSections } from '../../src/ipng/pair-record';
import { repoRoot } from './stats-support';
import { PAIR_FRAGMENT_RENDERERS } from '../../src/exposition/pair-fragments';
import { OLD_RECORD } from '../harness/old-pair-record';

const SEEDER = join(repoRoot, 'test', 'integration', 'stats-record-seeder.js');
const BOUNDS = [1, 5];
const KEY = pairRecordKey('seeded', '192.0.2.77');
const hex = (text: string) => Buffer.from(text).toString('hex');


const SERIES = 'source_tag="seeded",vip="192.0.2.77"';
/** OLD_RECORD's counts as this bundle's usual path stores them, not rendered. */
const COUNTS_ONLY_RECORD = 'v3 11 12 11 24\x1e' + '0 0 0 4 4 0' + '1,5;2,0,1;12' + '1,5;0,0,0;0' + '200 3 300 900 404 1 80 0';

describe('record format version', () => {
  const cases = [
    { what: 'an older record', text: OLD_RECORD, version: 1 },
    { what: 'a counts-only record', text: COUNTS_ONLY_RECORD, version: 3 },
  ];
  test.for(cases)('$what is scraped from its counts and rendered by the next flush although idle', async ({ text, version }, { nginx }) => {
    const n = await nginx({
      http: `
        ipng_stats_buckets ${BOUNDS.join(' ')};
        js_import record_seeder from ${SEEDER};
        server {
            listen 127.0.0.1:{{PORT}};
            location = /seed { ipng_stats off; js_content record_seeder.seed; }
            location = /record { ipng_stats off; js_content record_seeder.read; }
            location = /metrics { js_content ipng.scrape; }
        }`,
    });
    // Let the writer lease settle and the zone's own records be made first.
    await afterNextFlush(n.url('/metrics'));
    expect((await httpGet(n.url(`/seed?key=${hex(KEY)}&text=${hex(text)}`))).status).toBe(204);
    const seeded = await httpGet(n.url(`/record?key=${hex(KEY)}`));
    expect(recordFormatVersion(seeded.body)).toBe(version);

    // Shown from its counts whether or not a flush rewrote it yet.
    const expectScrapedFromCounts = async () => {
      const body = (await httpGet(n.url('/metrics'))).body;
      expect(samples(body, 'nginx_ipng_requests_total')).toEqual([
        `nginx_ipng_requests_total{${SERIES},code="200"} 3`,
        `nginx_ipng_requests_total{${SERIES},code="404"} 1`,
      ]);
      expect(samples(body, 'nginx_ipng_request_duration_seconds_bucket')).toEqual([
        `nginx_ipng_request_duration_seconds_bucket{${SERIES},le="0.001"} 2`,
        `nginx_ipng_request_duration_seconds_bucket{${SERIES},le="0.005"} 2`,
        `nginx_ipng_request_duration_seconds_bucket{${SERIES},le="+Inf"} 3`,
      ]);
      expect(samples(body, 'nginx_ipng_request_duration_seconds_sum')).toEqual([
        `nginx_ipng_request_duration_seconds_sum{${SERIES}} 0.012`,
      ]);
      const json = await httpGet(n.url('/metrics'), { Accept: 'application/json' });
      expect(json.body).toContain('"200":{"requests":3,"bytes_in":300,"bytes_out":900}');
    };
    await expectScrapedFromCounts();

    await afterNextFlush(n.url('/metrics'));
    const rewritten = (await httpGet(n.url(`/record?key=${hex(KEY)}`))).body;
    // the same sections, rendered; the rates (all 0) now as of the
    // zone's rate update before that flush
    const expected = recordSections(recordInCurrentFormat(OLD_RECORD, BOUNDS, PAIR_FRAGMENT_RENDERERS)!);
    expect(recordSections(rewritten).slice(1)).toEqual(expected.slice(1));
    expect(recordSections(rewritten)[0]).toMatch(/^0 0 0 4 4 [1-9]\d{12}$/);
    expect(recordFormatVersion(rewritten)).toBe(3);
    await expectScrapedFromCounts();
  });
});
