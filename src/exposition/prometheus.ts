// Prometheus text exposition format 0.0.4.

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Sample[];
}

export function escapeLabelValue(value: string): string {
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

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) {
    parts.push(names[i] + '="' + escapeLabelValue(labels[names[i]]) + '"');
  }
  return '{' + parts.join(',') + '}';
}

export function formatFamily(family: MetricFamily): string {
  let text = '# HELP ' + family.name + ' ' + escapeHelp(family.help) + '\n';
  text += '# TYPE ' + family.name + ' ' + family.type + '\n';
  for (let i = 0; i < family.samples.length; i++) {
    const sample = family.samples[i];
    text += family.name + formatLabels(sample.labels) + ' ' + formatValue(sample.value) + '\n';
  }
  return text;
}
