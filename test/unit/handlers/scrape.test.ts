// The scrape handler (src/handlers/scrape.ts) in Node against a fake
// `ngx` (fake-ngx.ts), in both zone layouts: the exact response for a
// zone filled by the tick with given counts, and what the scrape itself
// writes to the zone. Through nginx: test/integration/stats-*.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import scrape from '../../../src/handlers/scrape';
import tick from '../../../src/handlers/tick';
import { FakeNgx, fakePeriodicSession, FakeRequest, FakeRequestInit, installFakeNgx, removeFakeNgx } from './fake-ngx';

const US = '\x1f';
const line = (...f: Array<string | number>) => f.join(US) + '\n';
const T0 = 1_000_000;
const SETTINGS = { ipng_stats_zone: 'ipng_stats', ipng_stats_buckets: '1 5', ipng_stats_flush_interval: '1s' };
const PAIR = 'mg1' + US + '192.0.2.10';
const SERIES = 'source_tag="mg1",vip="192.0.2.10"';

let ngx: FakeNgx;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ngx = installFakeNgx();
});
afterEach(() => {
  removeFakeNgx();
  vi.useRealTimers();
});

/** With the shim, $ipng_stats_skip exists ('' until the scrape sets it). */
function scrapeWith(init: FakeRequestInit, shim: boolean): FakeRequest {
  const r = new FakeRequest({ ...init, variables: { ...SETTINGS, ...(shim ? { ipng_stats_skip: '' } : {}), ...init.variables } });
  scrape(r.asNginx());
  return r;
}

/**
 * The scrape body for one (source, vip) with 200 x 3 (300 bytes in, 900
 * out), 404 x 1 (80 in, 0 out), request durations 2 x <= 1 ms and 1 x
 * > 5 ms summing to 12 ms, rates 0, worker 0 flushed once in 0 ms and
 * `scrapes` scrapes observed, in a zone with 1000 free pages of 4m.
 */
function expectedPrometheus(scrapes: number): string {
  return [
    '# HELP nginx_ipng_requests_total Request count per (source, vip, status_code).',
    '# TYPE nginx_ipng_requests_total counter',
    `nginx_ipng_requests_total{${SERIES},code="200"} 3`,
    `nginx_ipng_requests_total{${SERIES},code="404"} 1`,
    '# HELP nginx_ipng_bytes_in_total Request bytes received (request line + headers + body).',
    '# TYPE nginx_ipng_bytes_in_total counter',
    `nginx_ipng_bytes_in_total{${SERIES},code="200"} 300`,
    `nginx_ipng_bytes_in_total{${SERIES},code="404"} 80`,
    '# HELP nginx_ipng_bytes_out_total Response bytes sent (status line + headers + body).',
    '# TYPE nginx_ipng_bytes_out_total counter',
    `nginx_ipng_bytes_out_total{${SERIES},code="200"} 900`,
    `nginx_ipng_bytes_out_total{${SERIES},code="404"} 0`,
    '# HELP nginx_ipng_request_duration_seconds Request duration histogram.',
    '# TYPE nginx_ipng_request_duration_seconds histogram',
    `nginx_ipng_request_duration_seconds_bucket{${SERIES},le="0.001"} 2`,
    `nginx_ipng_request_duration_seconds_bucket{${SERIES},le="0.005"} 2`,
    `nginx_ipng_request_duration_seconds_bucket{${SERIES},le="+Inf"} 3`,
    `nginx_ipng_request_duration_seconds_sum{${SERIES}} 0.012`,
    `nginx_ipng_request_duration_seconds_count{${SERIES}} 3`,
    '# HELP nginx_ipng_upstream_response_seconds Upstream response time histogram.',
    '# TYPE nginx_ipng_upstream_response_seconds histogram',
    `nginx_ipng_upstream_response_seconds_bucket{${SERIES},le="0.001"} 0`,
    `nginx_ipng_upstream_response_seconds_bucket{${SERIES},le="0.005"} 0`,
    `nginx_ipng_upstream_response_seconds_bucket{${SERIES},le="+Inf"} 0`,
    `nginx_ipng_upstream_response_seconds_sum{${SERIES}} 0`,
    `nginx_ipng_upstream_response_seconds_count{${SERIES}} 0`,
    '# HELP nginx_ipng_rate_1s EWMA requests/sec, 1-second decay.',
    '# TYPE nginx_ipng_rate_1s gauge',
    `nginx_ipng_rate_1s{${SERIES}} 0`,
    '# HELP nginx_ipng_rate_10s EWMA requests/sec, 10-second decay.',
    '# TYPE nginx_ipng_rate_10s gauge',
    `nginx_ipng_rate_10s{${SERIES}} 0`,
    '# HELP nginx_ipng_rate_60s EWMA requests/sec, 60-second decay.',
    '# TYPE nginx_ipng_rate_60s gauge',
    `nginx_ipng_rate_60s{${SERIES}} 0`,
    '# HELP nginx_ipng_zone_bytes_used Shared-memory zone bytes currently allocated.',
    '# TYPE nginx_ipng_zone_bytes_used gauge',
    // 4 MiB less 1000 free pages of 4 KiB
    'nginx_ipng_zone_bytes_used 98304',
    '# HELP nginx_ipng_zone_bytes_total Shared-memory zone capacity in bytes.',
    '# TYPE nginx_ipng_zone_bytes_total gauge',
    'nginx_ipng_zone_bytes_total 4194304',
    '# HELP nginx_ipng_zone_full_events_total Number of key insertions dropped because the zone was full.',
    '# TYPE nginx_ipng_zone_full_events_total counter',
    'nginx_ipng_zone_full_events_total 0',
    '# HELP nginx_ipng_flushes_total Number of per-worker flush ticks executed.',
    '# TYPE nginx_ipng_flushes_total counter',
    'nginx_ipng_flushes_total{worker="0"} 1',
    '# HELP nginx_ipng_flush_duration_seconds Histogram of flush durations.',
    '# TYPE nginx_ipng_flush_duration_seconds histogram',
    'nginx_ipng_flush_duration_seconds_bucket{worker="0",le="0.001"} 1',
    'nginx_ipng_flush_duration_seconds_bucket{worker="0",le="0.005"} 1',
    'nginx_ipng_flush_duration_seconds_bucket{worker="0",le="+Inf"} 1',
    'nginx_ipng_flush_duration_seconds_sum{worker="0"} 0',
    'nginx_ipng_flush_duration_seconds_count{worker="0"} 1',
    '# HELP nginx_ipng_scrape_duration_seconds Histogram of scrape handler runtimes.',
    '# TYPE nginx_ipng_scrape_duration_seconds histogram',
    `nginx_ipng_scrape_duration_seconds_bucket{le="0.001"} ${scrapes}`,
    `nginx_ipng_scrape_duration_seconds_bucket{le="0.005"} ${scrapes}`,
    `nginx_ipng_scrape_duration_seconds_bucket{le="+Inf"} ${scrapes}`,
    'nginx_ipng_scrape_duration_seconds_sum 0',
    `nginx_ipng_scrape_duration_seconds_count ${scrapes}`,
    '',
  ].join('\n');
}

/** The JSON of the same zone as expectedPrometheus. */
const EXPECTED_JSON = {
  schema: 1,
  by_source: {
    mg1: {
      vips: {
        '192.0.2.10': {
          rate_1s: 0,
          rate_10s: 0,
          rate_60s: 0,
          codes: {
            '200': { requests: 3, bytes_in: 300, bytes_out: 900 },
            '404': { requests: 1, bytes_in: 80, bytes_out: 0 },
          },
          request_duration_ms: { buckets: { '1': 2, '5': 2, '+Inf': 3 }, sum_ms: 12, count: 3 },
          upstream_response_ms: { buckets: { '1': 0, '5': 0, '+Inf': 0 }, sum_ms: 0, count: 0 },
        },
      },
    },
  },
  meta: { zone_bytes_used: 98304, zone_bytes_total: 4194304, zone_full_events: 0 },
};

describe('scrape, record layout (type=string zone, the shim)', () => {
  function filled() {
    const zone = ngx.zone('ipng_stats', 'string');
    const deltas =
      'w\n' +
      line('b', '1 5') +
      line('r', 'ipng_time', '', 2, 'mg1', '192.0.2.10', 3, '12 2 0 1', '') +
      line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 200, '3 300 900') +
      line('r', 'ipng', '', 3, 'mg1', '192.0.2.10', 404, '1 80 0');
    tick(fakePeriodicSession(SETTINGS, { ipng_stats_writer_deltas: [deltas] }));
    return zone;
  }

  it('answers the Prometheus text of the zone, marks itself uncounted, and observes its own duration', () => {
    const zone = filled();
    const first = scrapeWith({}, true);
    expect(first.status).toBe(200);
    expect(first.headersOut).toEqual({ 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    expect(first.body).toBe(expectedPrometheus(0));
    expect(first.variables.ipng_stats_skip).toBe('1');
    expect(zone.get('S0')).toBe('1,5;1,0,0;0');
    expect(scrapeWith({}, true).body).toBe(expectedPrometheus(1));
    expect(ngx.logs).toEqual([]);
  });

  it('answers JSON schema 1 for Accept: application/json, filtered by the query', () => {
    filled();
    const r = scrapeWith({ headersIn: { Accept: 'application/json' }, args: { source_tag: 'mg1' } }, true);
    expect(r.status).toBe(200);
    expect(r.headersOut).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(r.body!)).toEqual(EXPECTED_JSON);
    const other = scrapeWith({ headersIn: { Accept: 'application/json' }, args: { source_tag: 'other' } }, true);
    expect(other.body).toBe('{"schema":1,"by_source":{},"meta":{"zone_bytes_used":98304,"zone_bytes_total":4194304,"zone_full_events":0}}');
  });

  it('refuses other methods and a bad query, naming the reason', () => {
    filled();
    const post = scrapeWith({ method: 'POST' }, true);
    expect([post.status, post.body, post.headersOut.Allow]).toEqual([405, 'method POST not allowed: use GET, HEAD\n', 'GET, HEAD']);
    const bad = scrapeWith({ args: { vip: '300.1.1.1' } }, true);
    expect([bad.status, bad.body]).toEqual([400, 'invalid vip "300.1.1.1": not an IPv4 or IPv6 address\n']);
  });

  it('says once that the tick is missing when, with the shim, no worker ever flushed', () => {
    ngx.zone('ipng_stats', 'string');
    scrapeWith({}, true);
    scrapeWith({}, true);
    scrapeWith({}, true);
    expect(ngx.logs).toEqual([
      {
        level: ngx.ERR,
        message:
          'ipng-stats: the shim is loaded but no worker has flushed its counts into the zone: ' +
          'include nginx/ipng-stats-tick.conf in one server { } (reported once)',
      },
    ]);
  });
});

describe('scrape, counter layout (type=number zone, the njs recorder)', () => {
  function filled() {
    const zone = ngx.zone('ipng_stats', 'number');
    zone.incr('q' + PAIR + US + '200', 3);
    zone.incr('i' + PAIR + US + '200', 300);
    zone.incr('o' + PAIR + US + '200', 900);
    zone.incr('q' + PAIR + US + '404', 1);
    zone.incr('i' + PAIR + US + '404', 80);
    zone.incr('o' + PAIR + US + '404', 0);
    zone.incr('d' + PAIR + US + '1', 2);
    zone.incr('d' + PAIR + US + 'inf', 1);
    zone.incr('D' + PAIR, 12);
    tick(fakePeriodicSession(SETTINGS));
    return zone;
  }

  it('answers the same Prometheus text as the record layout for the same counts, and reserves its keys', () => {
    const zone = filled();
    const first = scrapeWith({}, false);
    expect(first.status).toBe(200);
    expect(first.body).toBe(expectedPrometheus(0));
    // The first scrape creates its own keys at 0, then observes itself.
    expect(zone.get('S1')).toBe(1);
    expect(zone.get('S5')).toBe(0);
    expect(zone.get('Sinf')).toBe(0);
    expect(zone.get('s')).toBe(0);
    expect(scrapeWith({}, false).body).toBe(expectedPrometheus(1));
    expect(ngx.logs).toEqual([]);
  });

  it('answers the same JSON as the record layout for the same counts', () => {
    filled();
    const r = scrapeWith({ headersIn: { Accept: 'application/json' } }, false);
    expect(JSON.parse(r.body!)).toEqual(EXPECTED_JSON);
  });
});
