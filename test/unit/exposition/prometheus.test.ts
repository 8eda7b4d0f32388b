import { describe, expect, it } from 'vitest';
import { escapeLabelValue, formatFamily, formatValue } from '../../../src/exposition/prometheus';

describe('Prometheus text format', () => {
  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('writes HELP, TYPE and one line per sample', () => {
    const text = formatFamily({
      name: 'x_total',
      help: 'Help with \\ and\nnewline.',
      type: 'counter',
      samples: [
        { labels: { a: '1', b: 'q"' }, value: 3 },
        { labels: {}, value: 0.5 },
      ],
    });
    expect(text).toBe(
      '# HELP x_total Help with \\\\ and\\nnewline.\n' +
        '# TYPE x_total counter\n' +
        'x_total{a="1",b="q\\""} 3\n' +
        'x_total 0.5\n',
    );
  });

  it('spells infinities and NaN as Prometheus does', () => {
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(12)).toBe('12');
  });
});
