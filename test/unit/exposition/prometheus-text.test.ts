// The one Prometheus family writer (src/exposition/prometheus-text.ts):
// each kind of family it writes, line for line. formatFamily is in
// prometheus.test.ts; the whole scrape body in exposition-prometheus.test.ts.
import { describe, expect, it } from 'vitest';
import { labelPair, labelPairs, labelValueEnd, PrometheusText } from '../../../src/exposition/prometheus-text';

describe('Prometheus family writer', () => {
  it('writes a counter family whose series have a line per last-label value, behind one head', () => {
    const text = new PrometheusText();
    text.lines({ name: 'x_total', help: 'X.', type: 'counter' }, [labelPairs({ a: 'q"', b: '2' }), labelPair('a', '3'), ''], 'code', [
      [labelValueEnd('200') + '3', labelValueEnd('4"4') + '1'],
      [],
      [labelValueEnd('500') + '7'],
    ]);
    expect(text.text()).toBe(
      '# HELP x_total X.\n' +
        '# TYPE x_total counter\n' +
        'x_total{a="q\\"",b="2",code="200"} 3\n' +
        'x_total{a="q\\"",b="2",code="4\\"4"} 1\n' +
        'x_total{code="500"} 7\n',
    );
  });

  it('writes gauges with and without labels', () => {
    const text = new PrometheusText();
    text.samples({ name: 'g', help: 'G with \\ and\nnewline.', type: 'gauge' }, ['', labelPair('worker', '0')], ['1.5', '2']);
    expect(text.text()).toBe('# HELP g G with \\\\ and\\nnewline.\n# TYPE g gauge\ng 1.5\ng{worker="0"} 2\n');
  });

  it('writes a histogram family: per series its cumulative buckets from their tails, then _sum and _count', () => {
    const text = new PrometheusText();
    const parts = { bucketTails: ['0.001"} 2', '0.005"} 2', '+Inf"} 3'].join('\x1d'), sum: '0.012', count: '3' };
    text.histograms({ name: 'h_seconds', help: 'H.', type: 'histogram' }, [labelPair('vip', '::1'), ''], [parts, parts]);
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

  it('writes a family without series as its HELP and TYPE lines alone', () => {
    const text = new PrometheusText();
    text.samples({ name: 'e_total', help: 'E.', type: 'counter' }, [], []);
    text.histograms({ name: 'h', help: 'H.', type: 'histogram' }, [], []);
    expect(text.text()).toBe('# HELP e_total E.\n# TYPE e_total counter\n# HELP h H.\n# TYPE h histogram\n');
  });
});
