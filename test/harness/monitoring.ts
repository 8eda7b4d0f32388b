// The shipped monitoring mixin (monitoring/) as data for the tests: every
// PromQL expression of the dashboard and of the rule files, with Grafana's
// variables substituted, parsed by Prometheus's own Lezer grammar.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

export const monitoringDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'monitoring');
export const dashboardPath = join(monitoringDir, 'dashboards', 'ipng-stats.json');
export const recordingRulesPath = join(monitoringDir, 'prometheus_rules.yaml');
export const alertRulesPath = join(monitoringDir, 'prometheus_alerts.yaml');
export const ruleTestsPath = join(monitoringDir, 'tests', 'alerts_test.yaml');

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export function ruleGroups(path: string): RuleGroup[] {
  return (parseYaml(readFileSync(path, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export function allRules(): Rule[] {
  return [...ruleGroups(recordingRulesPath), ...ruleGroups(alertRulesPath)].flatMap((g) => g.rules);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export type DashboardJson = any;

export function dashboard(): DashboardJson {
  return JSON.parse(readFileSync(dashboardPath, 'utf8'));
}

/** Where an expression comes from, for a failing test's message. */
export interface Expression {
  where: string;
  expr: string;
  /** the panel target's `format` (dashboard queries only) */
  format?: string;
}

export function dashboardQueries(d: DashboardJson = dashboard()): Expression[] {
  const out: Expression[] = [];
  for (const panel of d.panels) {
    for (const target of panel.targets ?? []) {
      out.push({ where: `panel "${panel.title}" target ${target.refId}`, expr: target.expr, format: target.format });
    }
  }
  return out;
}

/**
 * The series selector inside each query variable's `label_values(SELECTOR,
 * label)` (Grafana's function, not PromQL; the selector is PromQL).
 */
export function variableSelectors(d: DashboardJson = dashboard()): Expression[] {
  const out: Expression[] = [];
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(v.query);
    if (m === null) throw new Error(`variable ${v.name}: query is not label_values(selector, label): ${v.query}`);
    out.push({ where: `variable ${v.name}`, expr: m[1] });
  }
  return out;
}

export function ruleExpressions(): Expression[] {
  return allRules().map((r) => ({ where: `rule ${r.record ?? r.alert}`, expr: r.expr }));
}

/**
 * Grafana's substitution of the dashboard's variables as an operator
 * with "All" selected sees it: multi-value variables become their
 * allValue, $__rate_interval a duration.
 */
export interface VariableValues {
  job: string;
  instance: string;
  source_tag: string;
  vip: string;
  __rate_interval: string;
}

export const DEFAULT_VARIABLES: VariableValues = {
  job: 'ipng',
  instance: '.+',
  source_tag: '.+',
  vip: '.+',
  __rate_interval: '1m',
};

export function substituteVariables(expr: string, values: VariableValues = DEFAULT_VARIABLES): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, braced, bare, bracketed) => {
    const name = (braced ?? bare ?? bracketed) as keyof VariableValues;
    if (!(name in values)) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
    return values[name];
  });
}

export interface ParsedExpression {
  /** offsets of Lezer error nodes; empty when the expression parses */
  errors: number[];
  /** metric names of every vector selector */
  metricNames: string[];
}

export function parsePromql(expr: string): ParsedExpression {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  const metricNames: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metricNames.push(expr.slice(node.from, node.to));
      }
    },
  });
  return { errors, metricNames };
}

/** The durations written inside `[...]` of range selectors, as written. */
export function rangeDurations(expr: string): string[] {
  return [...expr.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
}

/** Metric names of the sample lines of a Prometheus text exposition. */
export function exposedSampleNames(body: string): Set<string> {
  const names = new Set<string>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (m !== null) names.add(m[0]);
  }
  return names;
}
