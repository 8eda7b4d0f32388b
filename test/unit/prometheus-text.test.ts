// The one Prometheus family writer (src/exposition/prometheus-text.ts):
// each kind of family it writes, line for line. formatFamily is in
// prometheus.test.ts; the whole scrape body in exposition-prometheus.test.ts.
import { describe, expect, it } from 'vitest';
import { labelPair, labelPairs, labelValueEnd, PrometheusText, seriesHead } from '../../src/exposition/prometheus-text';

describe('Prometheus family writer', () => {
  it('writes a counter family whose lines share a head, one tail per last-label value', () => {
    const text = new PrometheusText();
    text.family({ name: 'x_total', help: 'X.', type: 'counter' });
    const labels = labelPairs({ a: 'q"', b: '2' });
    text.lines(seriesHead('x_total', labels, 'code'), [labelValueEnd('200') + '3', labelValueEnd('4"4') + '1']);
    text.lines(seriesHead('x_total', labels, 'code'), []);
    expect(text.text()).toBe(
      '# HELP x_total X.\n' +
        '# TYPE x_total counter\n' +
        'x_total{a="q\\"",b="2",code="200"} 3\n' +
        'x_total{a="q\\"",b="2",code="4\\"4"} 1\n',
    );
  });

  it('writes gauges with and without labels', () => {
    const text = new PrometheusText();
    text.family({ name: 'g', help: 'G with \\ and\nnewline.', type: 'gauge' });
    text.sample('g', '', '1.5');
    text.sample('g', labelPair('worker', '0'), '2');
    expect(text.text()).toBe('# HELP g G with \\\\ and\\nnewline.\n# TYPE g gauge\ng 1.5\ng{worker="0"} 2\n');
  });

  it('writes a histogram series: cumulative buckets from their tails, then _sum and _count', () => {
    const text = new PrometheusText();
    text.family({ name: 'h_seconds', help: 'H.', type: 'histogram' });
    const parts = { bucketTails: ['0.001"} 2', '0.005"} 2', '+Inf"} 3'].join('\x1d'), sum: '0.012', count: '3' };
    text.histogram('h_seconds', labelPair('vip', '::1'), parts);
    text.histogram('h_seconds', '', parts);
    expect(text.text()).toBe(
      '# HELP h_seconds H.\n' +
        '# TYPE h_seconds histogram\n' +
        'h_seconds_bucket{vip="::1",le="0.001"} 2\n' +
        'h_seconds_bucket{vip="::1",le="0.005"} 2\n' +
        'h_seconds_bucket{vip="::1",le="+Inf"} 3\n' +
        'h_seconds_sum{vip="::1"} 0.012\n' +
        'h_seconds_count{vip="::1"} 3\n' +
        'h_seconds_bucket{le="0.001"} 2\n' +
        'h_seconds_bucket{le="0.005"} 2\n' +
        'h_seconds_bucket{le="+Inf"} 3\n' +
        'h_seconds_sum 0.012\n' +
        'h_seconds_count 3\n',
    );
  });

  it('writes a family without samples as its HELP and TYPE lines alone', () => {
    const text = new PrometheusText();
    text.family({ name: 'e_total', help: 'E.', type: 'counter' });
    expect(text.text()).toBe('# HELP e_total E.\n# TYPE e_total counter\n');
  });
});
