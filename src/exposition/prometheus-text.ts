// The one writer of Prometheus text exposition format 0.0.4 that every
// metric family goes through (as prom-client has one for all its metric
// types): a family's `# HELP` and `# TYPE` lines, then its samples, each
// `name{labels} value`. A counter or gauge series is one sample, or
// several that differ in their last label; a histogram series is its
// `_bucket` lines, `_sum` and `_count`.
//
// Label text is passed already escaped (`a="1",b="2"`, '' for none) and
// values already formatted: a large scrape writes the same few label sets
// and codes thousands of times, so callers escape each once and keep it.
// A line that differs from its neighbours only in its last label is a
// common head and a tail (`200"} 17`); labelValueEnd makes the tail's
// start, for the scrape and for the tails the record layout stores ahead
// of it (pair-fragments.ts), so both are made by the same code.
import { RENDERED_ENTRY_SEPARATOR } from '../model/stats-model';
import type { RenderedHistogramParts } from '../model/stats-model';

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
  // As in escapeLabelValue: HELP texts rarely need it, and every family
  // of every scrape has one.
  if (help.indexOf('\\') < 0 && help.indexOf('\n') < 0) return help;
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
 * A tail's start: the last label's value, escaped, and the end of the
 * labels: `200"} `. The value follows it.
 */
export function labelValueEnd(value: string): string {
  return escapeLabelValue(value) + '"} ';
}

/**
 * The marks of a template (PrometheusText with headMarks), which the
 * shim's $ipng_stats_lines expands (native-shim/ngx_http_ipng_stats_lines.c):
 * HEAD_MARK head HEAD_MARK writes the head and makes it current, and
 * NEXT_LINE_MARK (RENDERED_ENTRY_SEPARATOR, what stored tails are joined
 * with) writes a newline and the current head.
 */
export const HEAD_MARK = '\x1c';
export const NEXT_LINE_MARK = RENDERED_ENTRY_SEPARATOR;

/** Whether text holds a template mark: then it cannot be part of a template. */
export function hasTemplateMark(text: string): boolean {
  return text.indexOf(HEAD_MARK) >= 0 || text.indexOf(NEXT_LINE_MARK) >= 0;
}

/**
 * The text of a scrape, written one whole family per call: its HELP and
 * TYPE lines, then every series of it (none: the family is documented
 * without samples). Series are given as parallel arrays, escaped label
 * text (`a="1",b="2"`, '' for none) beside what each series shows. A
 * family per call, not a series per call: in njs a function call costs
 * about as much as the line it would write.
 */
export class PrometheusText {
  // Pieces of the text, each ending with a newline, joined once at the
  // end. A series' lines go in as their first head and the rest joined
  // behind it (two pieces, not one concatenation): a scrape of the spec's
  // sizing would otherwise copy ~3.3 MB once more into ~1,400 strings.
  private out: string[] = [];

  /**
   * headMarks: write a template instead of the text: each series' lines
   * of joinedLines and histograms as their head between HEAD_MARKs and
   * their tails as given (joined by NEXT_LINE_MARK), for the shim to
   * expand. The caller makes sure no label holds a mark.
   */
  constructor(private readonly headMarks = false) {}

  private header(family: FamilyHeader): void {
    this.out.push('# HELP ' + family.name + ' ' + escapeHelp(family.help) + '\n# TYPE ' + family.name + ' ' + family.type + '\n');
  }

  /** A counter or gauge family: series i is `labels[i]` with `values[i]` (formatted). */
  samples(family: FamilyHeader, labels: string[], values: string[]): void {
    this.header(family);
    const name = family.name;
    const out = this.out;
    for (let i = 0; i < labels.length; i++) {
      out.push(labels[i] === '' ? name + ' ' + values[i] + '\n' : name + '{' + labels[i] + '} ' + values[i] + '\n');
    }
  }

  /**
   * A counter or gauge family whose series each have several lines that
   * differ only in their last label, `lastLabel`: series i writes one line
   * per entry of `tails[i]` (labelValueEnd + value). Most lines of a large
   * scrape are written here, each series' lines with one native join
   * behind their common head `name{labels,lastLabel="`.
   */
  lines(family: FamilyHeader, labels: string[], lastLabel: string, tails: string[][]): void {
    this.header(family);
    const out = this.out;
    const open = family.name + '{';
    const last = lastLabel + '="';
    for (let i = 0; i < labels.length; i++) {
      if (tails[i].length === 0) continue;
      const head = labels[i] === '' ? open + last : open + labels[i] + ',' + last;
      out.push(head, tails[i].join('\n' + head), '\n');
    }
  }

  /**
   * lines() for families whose series' tails may be stored text: series
   * i's tails either as the record layout stores them, joined by
   * RENDERED_ENTRY_SEPARATOR ('' for none), or made by the scrape (an
   * array). A template writes them joined by NEXT_LINE_MARK (stored text
   * as it is); the text joins them behind their head once.
   */
  joinedLines(family: FamilyHeader, labels: string[], lastLabel: string, tails: Array<string | string[]>): void {
    this.header(family);
    const out = this.out;
    const open = family.name + '{';
    const last = lastLabel + '="';
    for (let i = 0; i < labels.length; i++) {
      const t = tails[i];
      if (t.length === 0) continue;
      const head = labels[i] === '' ? open + last : open + labels[i] + ',' + last;
      if (this.headMarks) out.push(HEAD_MARK + head + HEAD_MARK, typeof t === 'string' ? t : t.join(NEXT_LINE_MARK), '\n');
      else out.push(head, (typeof t === 'string' ? t.split(RENDERED_ENTRY_SEPARATOR) : t).join('\n' + head), '\n');
    }
  }

  /**
   * A histogram family: series i is `labels[i]` with `histograms[i]`
   * (renderHistogram in prometheus.ts makes them): its `_bucket` lines,
   * `_sum` and `_count`.
   */
  histograms(family: FamilyHeader, labels: string[], histograms: RenderedHistogramParts[]): void {
    this.header(family);
    const bucket = family.name + '_bucket{';
    const sum = family.name + '_sum';
    const count = family.name + '_count';
    const out = this.out;
    for (let i = 0; i < labels.length; i++) {
      const bucketHead = labels[i] === '' ? bucket + 'le="' : bucket + labels[i] + ',le="';
      const braced = labels[i] === '' ? ' ' : '{' + labels[i] + '} ';
      out.push(
        this.headMarks ? HEAD_MARK + bucketHead + HEAD_MARK : bucketHead,
        this.headMarks ? histograms[i].bucketTails : histograms[i].bucketTails.split(RENDERED_ENTRY_SEPARATOR).join('\n' + bucketHead),
        '\n' + sum + braced + histograms[i].sum + '\n' + count + braced + histograms[i].count + '\n',
      );
    }
  }

  /** Text written as it is (no line of a family; e.g. other families' text). */
  raw(text: string): void {
    this.out.push(text);
  }

  /** Everything written, each line ended by a newline (a template with headMarks). */
  text(): string {
    return this.out.join('');
  }
}

/** A family with its samples given as numbers and label objects. */
export function formatFamily(family: MetricFamily): string {
  const labels: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < family.samples.length; i++) {
    labels.push(labelPairs(family.samples[i].labels));
    values.push(formatValue(family.samples[i].value));
  }
  const text = new PrometheusText();
  text.samples(family, labels, values);
  return text.text();
}
