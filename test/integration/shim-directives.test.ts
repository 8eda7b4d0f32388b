// The shim's http-level settings as the njs bundle sees them, and the
// log-phase hook: `ipng_stats off`, servers and locations with their own
// access_log, and the scrape location.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { sleep } from '../../scripts/nginx-process.mjs';
import { samples } from '../harness/exposition';
import { afterNextFlush } from '../harness/flush';


const show = 'location = /settings { return 200 "$ipng_stats_buckets|$ipng_stats_flush_interval|$ipng_stats_default_source|$ipng_source_tag\\n"; }';

describe('settings reach the bundle as variables', () => {
  test('defaults', async ({ nginx }) => {
    // flushInterval: null: the nginx default, not the harness's short one
    const n = await nginx({ http: `server { listen 127.0.0.1:{{PORT}}; ${show} }`, flushInterval: null });
    expect((await httpGet(n.url('/settings'))).body).toBe('1 5 10 25 50 100 250 500 1000 2500 5000 10000|1000ms|direct|direct\n');
  });

  test('configured values; the interval in whole milliseconds', async ({ nginx }) => {
    const n = await nginx({
      http: `
    ipng_stats_buckets 5 50 500;
    ipng_stats_flush_interval 2s;
    ipng_stats_default_source public;
    server { listen 127.0.0.1:{{PORT}}; ${show} }`,
      flushInterval: null,
    });
    expect((await httpGet(n.url('/settings'))).body).toBe('5 50 500|2000ms|public|public\n');
  });

  test('a listen with ipng_source_tag= and no device tags its socket', async ({ nginx }) => {
    const n = await nginx({ http: `server { listen 127.0.0.1:{{PORT}} ipng_source_tag=lb-1; ${show} }`, flushInterval: null });
    expect((await httpGet(n.url('/settings'))).body).toBe('1 5 10 25 50 100 250 500 1000 2500 5000 10000|1000ms|direct|lb-1\n');
  });
});

describe('the log-phase hook', () => {
  test('ipng_stats off skips counting; access_log elsewhere does not matter; the scrape does not count itself', async ({ nginx }) => {
    const n = await nginx({
      ports: 3,
      http: `
    ipng_stats_default_source public;
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
        location = /ok { return 200; }
        location = /quiet { ipng_stats off; return 200; }
        location = /logged { access_log logged.log; return 200; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        ipng_stats off;
        location = /off { return 200; }
        location = /on { ipng_stats on; return 201; }
    }
    server {
        listen 127.0.0.1:{{PORT2}} ipng_source_tag=own-log;
        access_log server.log;
        location = /x { return 202; }
    }`,
    });
    const url = (i: number, path: string) => `http://127.0.0.1:${n.ports[i]}${path}`;
    for (let i = 0; i < 3; i++) await httpGet(url(0, '/ok'));
    for (let i = 0; i < 4; i++) await httpGet(url(0, '/quiet'));
    for (let i = 0; i < 2; i++) await httpGet(url(0, '/logged'));
    for (let i = 0; i < 5; i++) await httpGet(url(1, '/off'));
    for (let i = 0; i < 6; i++) await httpGet(url(1, '/on'));
    for (let i = 0; i < 7; i++) await httpGet(url(2, '/x'));
    await sleep(50);
    // the access logs were written (relative paths: in the nginx prefix)
    expect(readFileSync(join(n.prefix, 'logged.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(readFileSync(join(n.prefix, 'server.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(7);
    const expected = [
      'nginx_ipng_requests_total{source_tag="own-log",vip="127.0.0.1",code="202"} 7',
      'nginx_ipng_requests_total{source_tag="public",vip="127.0.0.1",code="200"} 5',
      'nginx_ipng_requests_total{source_tag="public",vip="127.0.0.1",code="201"} 6',
    ];
    const requests = async () => samples((await httpGet(url(0, '/metrics'))).body, 'nginx_ipng_requests_total');
    await afterNextFlush(url(0, '/metrics'));
    expect(await requests()).toEqual(expected);
    // the first scrape did not count itself
    expect(await requests()).toEqual(expected);
  });

  test('without the tick nothing reaches the zone, and the scrape says why, once', async ({ nginx }) => {
    const n = await nginx({
      tick: false,
      http: `server {
        listen 127.0.0.1:{{PORT}};
        location = /ok { return 200; }
        location = /metrics { js_content ipng.scrape; }
    }`,
    });
    for (let i = 0; i < 3; i++) expect((await httpGet(n.url('/ok'))).status).toBe(200);
    await sleep(300); // three flush intervals of the harness
    for (let i = 0; i < 3; i++) {
      expect(samples((await httpGet(n.url('/metrics'))).body, 'nginx_ipng_requests_total')).toEqual([]);
    }
    const warnings = n.errorLog().split('\n').filter((l) => l.includes('no worker has flushed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      '[error]',
    );
    expect(warnings[0]).toContain(
      'js: ipng-stats: the shim is loaded but no worker has flushed its counts into the zone: ' +
        'include nginx/ipng-stats-tick.conf in one server { } (reported once)',
    );
  });
});
