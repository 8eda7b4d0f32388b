import { describe, expect, it } from 'vitest';
import { METRIC_FAMILY_NAMES, renderPrometheus } from '../../../src/exposition/prometheus';
import { emptyModel, sampleModel } from './fixture';

const REQUEST_DURATION_HEADER =
  '# HELP nginx_ipng_request_duration_seconds Request duration histogram.\n' +
  '# TYPE nginx_ipng_request_duration_seconds histogram\n';

describe('renderPrometheus', () => {
  it('writes every family of the spec table, in order, with exact series', () => {
    expect(renderPrometheus(sampleModel())).toBe(
      '# HELP nginx_ipng_requests_total Request count per (source, vip, status_code).\n' +
        '# TYPE nginx_ipng_requests_total counter\n' +
        'nginx_ipng_requests_total{source_tag="mg1",vip="192.0.2.10",code="200"} 12345\n' +
        'nginx_ipng_requests_total{source_tag="mg1",vip="192.0.2.10",code="404"} 17\n' +
        'nginx_ipng_requests_total{source_tag="mg1",vip="2001:db8::1",code="200"} 3\n' +
        'nginx_ipng_requests_total{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",code="503"} 1\n' +
        '# HELP nginx_ipng_bytes_in_total Request bytes received (request line + headers + body).\n' +
        '# TYPE nginx_ipng_bytes_in_total counter\n' +
        'nginx_ipng_bytes_in_total{source_tag="mg1",vip="192.0.2.10",code="200"} 9876543\n' +
        'nginx_ipng_bytes_in_total{source_tag="mg1",vip="192.0.2.10",code="404"} 2048\n' +
        'nginx_ipng_bytes_in_total{source_tag="mg1",vip="2001:db8::1",code="200"} 300\n' +
        'nginx_ipng_bytes_in_total{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",code="503"} 10\n' +
        '# HELP nginx_ipng_bytes_out_total Response bytes sent (status line + headers + body).\n' +
        '# TYPE nginx_ipng_bytes_out_total counter\n' +
        'nginx_ipng_bytes_out_total{source_tag="mg1",vip="192.0.2.10",code="200"} 54321098\n' +
        'nginx_ipng_bytes_out_total{source_tag="mg1",vip="192.0.2.10",code="404"} 9216\n' +
        'nginx_ipng_bytes_out_total{source_tag="mg1",vip="2001:db8::1",code="200"} 3000\n' +
        'nginx_ipng_bytes_out_total{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",code="503"} 20\n' +
        REQUEST_DURATION_HEADER +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.001"} 10\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.009"} 40\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.25"} 4040\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="2.5"} 4120\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="10"} 4124\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="+Inf"} 4124\n' +
        'nginx_ipng_request_duration_seconds_sum{source_tag="mg1",vip="192.0.2.10"} 87.654\n' +
        'nginx_ipng_request_duration_seconds_count{source_tag="mg1",vip="192.0.2.10"} 4124\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="2001:db8::1",le="0.001"} 1\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="2001:db8::1",le="0.009"} 2\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="2001:db8::1",le="0.25"} 3\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="2001:db8::1",le="2.5"} 3\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="2001:db8::1",le="10"} 3\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="mg1",vip="2001:db8::1",le="+Inf"} 3\n' +
        'nginx_ipng_request_duration_seconds_sum{source_tag="mg1",vip="2001:db8::1"} 0.021\n' +
        'nginx_ipng_request_duration_seconds_count{source_tag="mg1",vip="2001:db8::1"} 3\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",le="0.001"} 0\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",le="0.009"} 0\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",le="0.25"} 0\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",le="2.5"} 0\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",le="10"} 0\n' +
        'nginx_ipng_request_duration_seconds_bucket{source_tag="we\\"ird\\\\tag",vip="198.51.100.7",le="+Inf"} 1\n' +
        'nginx_ipng_request_duration_seconds_sum{source_tag="we\\"ird\\\\tag",vip="198.51.100.7"} 12.345\n' +
        'nginx_ipng_request_duration_seconds_count{source_tag="we\\"ird\\\\tag",vip="198.51.100.7"} 1\n' +
        '# HELP nginx_ipng_upstream_response_seconds Upstream response time histogram.\n' +
        '# TYPE nginx_ipng_upstream_response_seconds histogram\n' +
        'nginx_ipng_upstream_response_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.001"} 2\n' +
        'nginx_ipng_upstream_response_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.009"} 2\n' +
        'nginx_ipng_upstream_response_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="0.25"} 7\n' +
        'nginx_ipng_upstream_response_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="2.5"} 7\n' +
        'nginx_ipng_upstream_response_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="10"} 7\n' +
        'nginx_ipng_upstream_response_seconds_bucket{source_tag="mg1",vip="192.0.2.10",le="+Inf"} 8\n' +
        'nginx_ipng_upstream_response_seconds_sum{source_tag="mg1",vip="192.0.2.10"} 12.009\n' +
        'nginx_ipng_upstream_response_seconds_count{source_tag="mg1",vip="192.0.2.10"} 8\n' +
        emptyHistogramLines('nginx_ipng_upstream_response_seconds', 'source_tag="mg1",vip="2001:db8::1"') +
        emptyHistogramLines('nginx_ipng_upstream_response_seconds', 'source_tag="we\\"ird\\\\tag",vip="198.51.100.7"') +
        '# HELP nginx_ipng_rate_1s EWMA requests/sec, 1-second decay.\n' +
        '# TYPE nginx_ipng_rate_1s gauge\n' +
        'nginx_ipng_rate_1s{source_tag="mg1",vip="192.0.2.10"} 42.3\n' +
        'nginx_ipng_rate_1s{source_tag="mg1",vip="2001:db8::1"} 0.3\n' +
        'nginx_ipng_rate_1s{source_tag="we\\"ird\\\\tag",vip="198.51.100.7"} 0\n' +
        '# HELP nginx_ipng_rate_10s EWMA requests/sec, 10-second decay.\n' +
        '# TYPE nginx_ipng_rate_10s gauge\n' +
        'nginx_ipng_rate_10s{source_tag="mg1",vip="192.0.2.10"} 40.1\n' +
        'nginx_ipng_rate_10s{source_tag="mg1",vip="2001:db8::1"} 0.333\n' +
        'nginx_ipng_rate_10s{source_tag="we\\"ird\\\\tag",vip="198.51.100.7"} 0\n' +
        '# HELP nginx_ipng_rate_60s EWMA requests/sec, 60-second decay.\n' +
        '# TYPE nginx_ipng_rate_60s gauge\n' +
        'nginx_ipng_rate_60s{source_tag="mg1",vip="192.0.2.10"} 39.8\n' +
        'nginx_ipng_rate_60s{source_tag="mg1",vip="2001:db8::1"} 2\n' +
        'nginx_ipng_rate_60s{source_tag="we\\"ird\\\\tag",vip="198.51.100.7"} 0\n' +
        '# HELP nginx_ipng_zone_bytes_used Shared-memory zone bytes currently allocated.\n' +
        '# TYPE nginx_ipng_zone_bytes_used gauge\n' +
        'nginx_ipng_zone_bytes_used 131072\n' +
        '# HELP nginx_ipng_zone_bytes_total Shared-memory zone capacity in bytes.\n' +
        '# TYPE nginx_ipng_zone_bytes_total gauge\n' +
        'nginx_ipng_zone_bytes_total 4194304\n' +
        '# HELP nginx_ipng_zone_full_events_total Number of key insertions dropped because the zone was full.\n' +
        '# TYPE nginx_ipng_zone_full_events_total counter\n' +
        'nginx_ipng_zone_full_events_total 0\n' +
        '# HELP nginx_ipng_flushes_total Number of per-worker flush ticks executed.\n' +
        '# TYPE nginx_ipng_flushes_total counter\n' +
        'nginx_ipng_flushes_total{worker="2"} 5\n' +
        'nginx_ipng_flushes_total{worker="10"} 7\n' +
        '# HELP nginx_ipng_flush_duration_seconds Histogram of flush durations.\n' +
        '# TYPE nginx_ipng_flush_duration_seconds histogram\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="2",le="0.001"} 5\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="2",le="0.009"} 5\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="2",le="0.25"} 5\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="2",le="2.5"} 5\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="2",le="10"} 5\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="2",le="+Inf"} 5\n' +
        'nginx_ipng_flush_duration_seconds_sum{worker="2"} 0.002\n' +
        'nginx_ipng_flush_duration_seconds_count{worker="2"} 5\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="10",le="0.001"} 6\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="10",le="0.009"} 7\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="10",le="0.25"} 7\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="10",le="2.5"} 7\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="10",le="10"} 7\n' +
        'nginx_ipng_flush_duration_seconds_bucket{worker="10",le="+Inf"} 7\n' +
        'nginx_ipng_flush_duration_seconds_sum{worker="10"} 0.009\n' +
        'nginx_ipng_flush_duration_seconds_count{worker="10"} 7\n' +
        '# HELP nginx_ipng_scrape_duration_seconds Histogram of scrape handler runtimes.\n' +
        '# TYPE nginx_ipng_scrape_duration_seconds histogram\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="0.001"} 1\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="0.009"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="0.25"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="2.5"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="10"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="+Inf"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_sum 0.006\n' +
        'nginx_ipng_scrape_duration_seconds_count 2\n',
    );
  });

  it('keeps HELP and TYPE of families without samples', () => {
    const text = renderPrometheus(emptyModel());
    const headers = text.split('\n').filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
    expect(headers).toEqual(METRIC_FAMILY_NAMES);
    expect(text).toContain(
      '# HELP nginx_ipng_flush_duration_seconds Histogram of flush durations.\n' +
        '# TYPE nginx_ipng_flush_duration_seconds histogram\n' +
        '# HELP nginx_ipng_scrape_duration_seconds Histogram of scrape handler runtimes.\n',
    );
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([
      'nginx_ipng_zone_bytes_used 0',
      'nginx_ipng_zone_bytes_total 1048576',
      'nginx_ipng_zone_full_events_total 0',
      'nginx_ipng_scrape_duration_seconds_bucket{le="0.001"} 0',
      'nginx_ipng_scrape_duration_seconds_bucket{le="0.009"} 0',
      'nginx_ipng_scrape_duration_seconds_bucket{le="0.25"} 0',
      'nginx_ipng_scrape_duration_seconds_bucket{le="2.5"} 0',
      'nginx_ipng_scrape_duration_seconds_bucket{le="10"} 0',
      'nginx_ipng_scrape_duration_seconds_bucket{le="+Inf"} 0',
      'nginx_ipng_scrape_duration_seconds_sum 0',
      'nginx_ipng_scrape_duration_seconds_count 0',
    ]);
  });

  it('lists the spec table names exactly', () => {
    expect(METRIC_FAMILY_NAMES).toEqual([
      'nginx_ipng_requests_total',
      'nginx_ipng_bytes_in_total',
      'nginx_ipng_bytes_out_total',
      'nginx_ipng_request_duration_seconds',
      'nginx_ipng_upstream_response_seconds',
      'nginx_ipng_rate_1s',
      'nginx_ipng_rate_10s',
      'nginx_ipng_rate_60s',
      'nginx_ipng_zone_bytes_used',
      'nginx_ipng_zone_bytes_total',
      'nginx_ipng_zone_full_events_total',
      'nginx_ipng_flushes_total',
      'nginx_ipng_flush_duration_seconds',
      'nginx_ipng_scrape_duration_seconds',
    ]);
  });

  it('writes the default bucket bounds the way Prometheus clients do', () => {
    const model = emptyModel();
    model.meta.scrapeDuration = {
      boundsMs: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      sumMs: 0,
    };
    const le = renderPrometheus(model)
      .split('\n')
      .filter((line) => line.startsWith('nginx_ipng_scrape_duration_seconds_bucket'))
      .map((line) => /le="([^"]*)"/.exec(line)![1]);
    expect(le).toEqual(['0.001', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  });

  it('reads a short counts array as zeros rather than failing the scrape', () => {
    const model = emptyModel();
    model.meta.scrapeDuration = { boundsMs: [1, 5], counts: [2], sumMs: 1 };
    expect(renderPrometheus(model)).toContain(
      'nginx_ipng_scrape_duration_seconds_bucket{le="0.001"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="0.005"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_bucket{le="+Inf"} 2\n' +
        'nginx_ipng_scrape_duration_seconds_sum 0.001\n' +
        'nginx_ipng_scrape_duration_seconds_count 2\n',
    );
  });
});

function emptyHistogramLines(name: string, labels: string): string {
  let text = '';
  for (const le of ['0.001', '0.009', '0.25', '2.5', '10', '+Inf']) text += `${name}_bucket{${labels},le="${le}"} 0\n`;
  return text + `${name}_sum{${labels}} 0\n${name}_count{${labels}} 0\n`;
}
