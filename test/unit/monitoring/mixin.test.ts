// The shipped mixin (monitoring/) read as data: every PromQL expression
// parses with Prometheus's Lezer grammar after Grafana's variables are
// substituted, uses only metric names the product exports or the rules
// record, and the dashboard, recording rules and alerts follow the
// conventions the issue names. (A real scrape, promtool and a real
// Prometheus check the same files in test/integration/monitoring-*.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { METRIC_FAMILY_NAMES } from '../../../src/exposition/prometheus';
import {
  allRules,
  dashboard,
  dashboardQueries,
  type DashboardJson,
  parsePromql,
  rangeDurations,
  ruleExpressions,
  ruleGroups,
  alertRulesPath,
  recordingRulesPath,
  ruleTestsPath,
  substituteVariables,
  variableSelectors,
} from '../../harness/monitoring';

const HISTOGRAMS = ['nginx_ipng_request_duration_seconds', 'nginx_ipng_upstream_response_seconds',
  'nginx_ipng_flush_duration_seconds', 'nginx_ipng_scrape_duration_seconds'];

/** Sample names the renderer writes: histograms as their three series. */
function exportedSampleNames(): Set<string> {
  const names = new Set<string>();
  for (const family of METRIC_FAMILY_NAMES) {
    if (HISTOGRAMS.includes(family)) for (const suffix of ['_bucket', '_sum', '_count']) names.add(family + suffix);
    else names.add(family);
  }
  return names;
}

const everyExpression = () => [...dashboardQueries(), ...variableSelectors(), ...ruleExpressions()];

describe('PromQL of the mixin', () => {
  it('the parser reports broken PromQL as error nodes (the check can fail)', () => {
    expect(parsePromql('sum(rate(nginx_ipng_requests_total[5m])').errors).not.toEqual([]);
    expect(parsePromql('rate(nginx_ipng_requests_total[$__rate_interval])').errors).not.toEqual([]);
    expect(parsePromql('sum by (vip) (rate(nginx_ipng_requests_total{vip=~".+"}[1m]))'))
      .toEqual({ errors: [], metricNames: ['nginx_ipng_requests_total'] });
  });

  it('every expression of the dashboard and the rules parses after substituting Grafana variables', () => {
    const expressions = everyExpression();
    expect(expressions.length).toBeGreaterThan(50);
    const failures = expressions
      .map((e) => ({ ...e, errors: parsePromql(substituteVariables(e.expr)).errors }))
      .filter((e) => e.errors.length > 0)
      .map((e) => `${e.where}: error at ${e.errors.join(', ')} in ${substituteVariables(e.expr)}`);
    expect(failures).toEqual([]);
  });

  it('uses only metric names the product exports or the recording rules define', () => {
    const recorded = new Set(allRules().flatMap((r) => (r.record ? [r.record] : [])));
    const exported = exportedSampleNames();
    const unknown: string[] = [];
    for (const e of everyExpression()) {
      for (const name of parsePromql(substituteVariables(e.expr)).metricNames) {
        if (!exported.has(name) && !recorded.has(name)) unknown.push(`${e.where}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('uses every exported family somewhere', () => {
    const used = new Set(everyExpression().flatMap((e) => parsePromql(substituteVariables(e.expr)).metricNames));
    const unused = METRIC_FAMILY_NAMES.filter((family) =>
      !(used.has(family) || ['_bucket', '_sum', '_count'].some((s) => used.has(family + s))));
    // The EWMA gauges repeat what rate() computes from the counters; the
    // status page shows them.
    expect(unused).toEqual(['nginx_ipng_rate_1s', 'nginx_ipng_rate_10s', 'nginx_ipng_rate_60s']);
  });
});

describe('monitoring/dashboards/ipng-stats.json', () => {
  const d = dashboard();

  it('has the variables $datasource, job, instance (multi, allValue .+), source_tag and vip', () => {
    const vars = d.templating.list.map((v: DashboardJson) => ({
      name: v.name, type: v.type, multi: v.multi, includeAll: v.includeAll, allValue: v.allValue,
    }));
    expect(vars).toEqual([
      { name: 'datasource', type: 'datasource', multi: false, includeAll: false, allValue: undefined },
      { name: 'job', type: 'query', multi: false, includeAll: false, allValue: undefined },
      { name: 'instance', type: 'query', multi: true, includeAll: true, allValue: '.+' },
      { name: 'source_tag', type: 'query', multi: true, includeAll: true, allValue: '.+' },
      { name: 'vip', type: 'query', multi: true, includeAll: true, allValue: '.+' },
    ]);
    for (const v of d.templating.list.slice(1)) expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('every panel queries $datasource and has a unit; ids are unique', () => {
    const ids = d.panels.map((p: DashboardJson) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of d.panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(typeof panel.fieldConfig.defaults.unit, panel.title).toBe('string');
      expect(panel.fieldConfig.defaults.unit.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('every range selector is [$__rate_interval]; every selector filters by job and instance', () => {
    for (const q of dashboardQueries(d)) {
      const ranges = rangeDurations(q.expr);
      expect(ranges.every((r) => r === '$__rate_interval'), `${q.where}: ${q.expr}`).toBe(true);
      const selectors = [...q.expr.matchAll(/nginx_ipng_\w+\{([^}]*)\}/g)].map((m) => m[1]);
      expect(selectors.length, q.where).toBeGreaterThan(0);
      for (const s of selectors) expect(s, q.where).toMatch(/^job=~"\$job", instance=~"\$instance"/);
    }
  });

  it('has the panels the issue lists', () => {
    expect(d.panels.map((p: DashboardJson) => `${p.type}: ${p.title} [${p.fieldConfig.defaults.unit}]`)).toEqual([
      'timeseries: Requests per VIP [reqps]',
      'timeseries: Requests per source [reqps]',
      'timeseries: Responses per status code [reqps]',
      'timeseries: 5xx error ratio [percentunit]',
      'timeseries: Bytes in and out [Bps]',
      'heatmap: Request duration histogram [short]',
      'timeseries: Request duration quantiles [s]',
      'timeseries: Request duration p99 per VIP [s]',
      'timeseries: Upstream response time [s]',
      'timeseries: Zone use [bytes]',
      'timeseries: Zone fill ratio and dropped keys [percentunit]',
      'timeseries: Flushes per worker [ops]',
      'timeseries: Flush duration [s]',
      'timeseries: Scrape duration [s]',
    ]);
  });

  it('the heatmap reads the buckets as they are: format heatmap, le legend, no recalculation, seconds', () => {
    const heatmap = d.panels.find((p: DashboardJson) => p.type === 'heatmap');
    expect(heatmap.targets).toHaveLength(1);
    expect(heatmap.targets[0]).toMatchObject({ format: 'heatmap', legendFormat: '{{le}}' });
    expect(heatmap.targets[0].expr).toMatch(/^sum by \(le\) \(increase\(nginx_ipng_request_duration_seconds_bucket\{/);
    expect(heatmap.options.calculate).toBe(false);
    expect(heatmap.options.yAxis.unit).toBe('s');
  });

  it('the quantiles panel shows p50, p90 and p99 via histogram_quantile', () => {
    const panel = d.panels.find((p: DashboardJson) => p.title === 'Request duration quantiles');
    expect(panel.targets.map((t: DashboardJson) => [t.legendFormat, t.expr.slice(0, 25)])).toEqual([
      ['p50', 'histogram_quantile(0.5, s'],
      ['p90', 'histogram_quantile(0.9, s'],
      ['p99', 'histogram_quantile(0.99, '],
    ]);
  });
});

describe('monitoring/prometheus_rules.yaml', () => {
  const rules = ruleGroups(recordingRulesPath).flatMap((g) => g.rules);

  it('names every recording rule level:metric:operations', () => {
    for (const r of rules) expect(r.record).toMatch(/^[a-z_]+:nginx_ipng_[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it('aggregates fleets with sum without(instance ...) and divides sums, never averages ratios', () => {
    for (const r of rules) {
      const sums = [...r.expr.matchAll(/\b(sum|avg|max|min)\b\s*(by|without)?\s*(\([^)]*\))?/g)];
      for (const s of sums) {
        expect(`${r.record}: ${s[0]}`).toMatch(/: sum without\(instance(, (code|le))?\)$/);
      }
      if (r.record!.includes(':ratio_rate')) {
        // numerator and denominator: sums over the same window, divided
        const windows = new Set([...r.expr.matchAll(/\[(\w+)\]/g)].map((m) => m[1]));
        expect(windows.size, r.record).toBe(1);
        expect(r.record!.endsWith(`ratio_rate${[...windows][0]}`), r.record).toBe(true);
        expect(r.expr).toMatch(/\)\s*\/\s*sum without\(instance/);
      }
    }
    expect(rules.filter((r) => r.record!.includes('ratio_rate')).map((r) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `job_source_tag_vip:nginx_ipng_requests_5xx:ratio_rate${w}`)
        .concat(['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `job_source_tag_vip:nginx_ipng_request_duration_slow:ratio_rate${w}`)),
    );
  });
});

describe('monitoring/prometheus_alerts.yaml', () => {
  const alerts = ruleGroups(alertRulesPath).flatMap((g) => g.rules);

  it('CamelCase names with the IpngStats prefix, a severity and summary/description', () => {
    for (const a of alerts) {
      expect(a.alert).toMatch(/^IpngStats([A-Z][a-z0-9]+)+$/);
      expect(['critical', 'warning']).toContain(a.labels?.severity);
      expect(Object.keys(a.annotations ?? {}).sort()).toEqual(['description', 'summary']);
    }
    expect(alerts.map((a) => `${a.alert} ${a.labels?.severity}`)).toEqual([
      'IpngStatsErrorBudgetBurn critical',
      'IpngStatsErrorBudgetBurn warning',
      'IpngStatsLatencyBudgetBurn critical',
      'IpngStatsLatencyBudgetBurn warning',
      'IpngStatsZoneNearFull warning',
      'IpngStatsZoneDroppingKeys warning',
      'IpngStatsFlushesStopped critical',
      'IpngStatsFlushesMissing warning',
      'IpngStatsScrapeSlow warning',
    ]);
  });

  it('the burn-rate alerts pair a long and a short window (1h/5m, 6h/30m; 1d/2h, 3d/6h)', () => {
    const windows = (expr: string) => [...expr.matchAll(/ratio_rate(\w+)/g)].map((m) => m[1]);
    const burns = alerts.filter((a) => a.alert!.endsWith('BudgetBurn'));
    expect(burns.map((a) => `${a.labels?.severity} ${windows(a.expr).join(',')}`)).toEqual([
      'critical 1h,5m,6h,30m', 'warning 1d,2h,3d,6h', 'critical 1h,5m,6h,30m', 'warning 1d,2h,3d,6h',
    ]);
  });

  it('tests/alerts_test.yaml fires every alert of every severity and also checks a quiet case of each', () => {
    const tests = (parseYaml(readFileSync(ruleTestsPath, 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string> }> }> }>;
    }).tests.flatMap((t) => t.alert_rule_test);
    for (const a of alerts) {
      const firing = tests.filter((t) => t.alertname === a.alert && t.exp_alerts.some((e) => e.exp_labels.severity === a.labels?.severity));
      expect(firing.length, `${a.alert} ${a.labels?.severity} fires in a test`).toBeGreaterThan(0);
      const quiet = tests.filter((t) => t.alertname === a.alert && t.exp_alerts.length === 0);
      expect(quiet.length, `${a.alert} has a quiet case`).toBeGreaterThan(0);
    }
  });
});
