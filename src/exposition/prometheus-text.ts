// The one writer of Prometheus text exposition format 0.0.4 that every
// metric family goes through (as prom-client has one for all its metric
// types): a family's `# HELP` and `# TYPE` lines, then its samples, each
// `name{labels} value`. Counters and gauges are plain samples; a histogram
// series is its `_bucket` lines, `_sum` and `_count`.
//
// Label text is passed already escaped (`a="1",b="2"`, '' for none) and
// values already formatted: a large scrape writes the same few label sets
// and codes thousands of times, so callers escape each once and keep it.
// The pieces a line is built from (seriesHead, labelValueEnd) are exported
// too, so that text stored ahead of a scrape (the record layout's per-code
// lines, pair-record.ts) is made by the same code as the scrape's own.
import { RENDERED_ENTRY_SEPARATOR } from './model';
import type { RenderedHistogramParts } from './model';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface FamilyHeader {
  name: string;
  help: string;
  type: MetricType;
}

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily extends FamilyHeader {
  samples: Sample[];
}

export function escapeLabelValue(value: string): string {
  // Almost no value needs escaping, and in njs three indexOf calls cost a
  // tenth of three regex replacements: that is most of a large scrape.
  if (value.indexOf('\\') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value !== value) return 'NaN';
  return String(value);
}

/** One label as text: `name="value"`, the value escaped. */
export function labelPair(name: string, value: string): string {
  return name + '="' + escapeLabelValue(value) + '"';
}

/** Every label as text, in the object's order: `a="1",b="2"`, '' for none. */
export function labelPairs(labels: Labels): string {
  const names = Object.keys(labels);
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(labelPair(names[i], labels[names[i]]));
  return parts.join(',');
}

/**
 * The start of the lines of one series that differ only in their last
 * label: `name{labels,last="`. A line is this head, then a tail.
 */
export function seriesHead(name: string, labels: string, lastLabel: string): string {
  return name + '{' + (labels === '' ? '' : labels + ',') + lastLabel + '="';
}

/**
 * A tail's start: the last label's value, escaped, and the end of the
 * labels: `200"} `. The value follows it.
 */
export function labelValueEnd(value: string): string {
  return escapeLabelValue(value) + '"} ';
}

export class PrometheusText {
  private out: string[] = [];

  family(family: FamilyHeader): void {
    this.out.push('# HELP ' + family.name + ' ' + escapeHelp(family.help));
    this.out.push('# TYPE ' + family.name + ' ' + family.type);
  }

  /** One sample: `labels` escaped ('' for none), `value` formatted. */
  sample(name: string, labels: string, value: string): void {
    this.out.push(labels === '' ? name + ' ' + value : name + '{' + labels + '} ' + value);
  }

  /**
   * The lines of one series that share `head` (seriesHead), one per tail
   * (labelValueEnd + value). Most lines of a large scrape are written
   * here, with one native join instead of a concatenation per line.
   */
  lines(head: string, tails: string[]): void {
    if (tails.length === 0) return;
    this.out.push(head + tails.join('\n' + head));
  }

  /**
   * One histogram series (renderHistogram in prometheus.ts makes its
   * parts): `labels` escaped, '' for none.
   */
  histogram(name: string, labels: string, histogram: RenderedHistogramParts): void {
    this.lines(seriesHead(name + '_bucket', labels, 'le'), histogram.bucketTails.split(RENDERED_ENTRY_SEPARATOR));
    this.sample(name + '_sum', labels, histogram.sum);
    this.sample(name + '_count', labels, histogram.count);
  }

  /** Everything written, each line ended by a newline. */
  text(): string {
    this.out.push('');
    return this.out.join('\n');
  }
}

/** A family with its samples given as numbers and label objects. */
export function formatFamily(family: MetricFamily): string {
  const text = new PrometheusText();
  text.family(family);
  for (let i = 0; i < family.samples.length; i++) {
    const sample = family.samples[i];
    text.sample(family.name, labelPairs(sample.labels), formatValue(sample.value));
  }
  return text.text();
}
