// The mixin against the real product: a real nginx (with the shim, as
// `npm start` runs it) counts bounded traffic to two VIPs (200, 404, 503
// and proxied requests); its real scrape exports every metric name the
// dashboard and the rules use; a real Prometheus loads the shipped rule
// files, evaluates every rule without error, records every recording rule,
// puts the 5xx burn-rate alert into pending for the VIP that answered 503
// and answers every dashboard query with a number.
import { describe, expect } from 'vitest';
import { httpGet, sendConcurrently } from '../harness/http';
import {
  allRules,
  alertRulesPath,
  dashboardQueries,
  exposedSampleNames,
  parsePromql,
  recordingRulesPath,
  ruleExpressions,
  substituteVariables,
  variableSelectors,
} from '../harness/monitoring';
import { prometheusMissing, test, type LoadedRule } from '../harness/prometheus';
import { sleep } from '../../scripts/nginx-process.mjs';

const PROMETHEUS_MISSING = prometheusMissing();

const SITE = `server {
    listen 127.0.0.1:{{PORT}} reuseport;
    listen [::1]:{{PORT}} reuseport;
    location = /ok { return 200 "ok\\n"; }
    location = /missing { return 404; }
    location = /unavailable { return 503; }
    location = /proxied { proxy_pass http://127.0.0.1:{{PORT}}/ok; }
    location = /metrics { allow 127.0.0.1; deny all; js_content ipng.scrape; }
}`;

/** 20 requests: 10 x 200 and 4 proxied (to 127.0.0.1), 3 x 404 and 3 x 503 to ::1. */
async function sendRound(port: number): Promise<void> {
  const paths = ['/ok', '/ok', '/proxied', '/ok', '/ok', '/proxied', '/ok', '/ok', '/proxied', '/ok', '/ok', '/proxied', '/ok', '/ok'];
  await sendConcurrently(paths.length, 2, (i) => httpGet(`http://127.0.0.1:${port}${paths[i]}`));
  await sendConcurrently(6, 2, (i) => httpGet(`http://[::1]:${port}${i % 2 === 0 ? '/missing' : '/unavailable'}`));
}

describe('the monitoring mixin on a real nginx and a real Prometheus', () => {
  test('every metric used is exported; rules load and record; every dashboard query has data', async ({ nginx, prometheus, skip }) => {
    skip(PROMETHEUS_MISSING !== null, PROMETHEUS_MISSING ?? '');
    const n = await nginx({ http: SITE });
    const p = await prometheus({
      target: `127.0.0.1:${n.port}`,
      ruleFiles: [recordingRulesPath, alertRulesPath],
      evaluationInterval: '1s',
    });
    await p.waitForTargetUp();

    // Traffic after the first scrapes, in rounds a second apart, so that
    // every counter grows between two scrapes (rate() sees it).
    const rounds = 4;
    for (let i = 0; i < rounds; i++) {
      await sendRound(n.port);
      await sleep(1000);
    }
    const total = await p.queryUntil('sum(nginx_ipng_requests_total)',
      (r) => r.length === 1 && r[0].value === rounds * 24);
    expect(total[0].value).toBe(96); // 20 sent + 4 proxied subrequests to /ok per round

    // The metric names, against the real scrape body.
    const scrape = await httpGet(n.url('/metrics'));
    expect(scrape.status).toBe(200);
    const exposed = exposedSampleNames(scrape.body);
    const recorded = new Set(allRules().flatMap((r) => (r.record ? [r.record] : [])));
    const used = new Set([...dashboardQueries(), ...variableSelectors(), ...ruleExpressions()]
      .flatMap((e) => parsePromql(substituteVariables(e.expr)).metricNames));
    const missing = [...used].filter((name) => !recorded.has(name) && !exposed.has(name)).sort();
    expect(missing, `not in the scrape:\n${scrape.body}`).toEqual([]);
    expect([...used].filter((name) => exposed.has(name)).sort()).toEqual([
      'nginx_ipng_bytes_in_total', 'nginx_ipng_bytes_out_total',
      'nginx_ipng_flush_duration_seconds_bucket', 'nginx_ipng_flush_duration_seconds_count', 'nginx_ipng_flush_duration_seconds_sum',
      'nginx_ipng_flushes_total',
      'nginx_ipng_request_duration_seconds_bucket', 'nginx_ipng_request_duration_seconds_count',
      'nginx_ipng_requests_total',
      'nginx_ipng_scrape_duration_seconds_bucket', 'nginx_ipng_scrape_duration_seconds_count', 'nginx_ipng_scrape_duration_seconds_sum',
      'nginx_ipng_upstream_response_seconds_bucket',
      'nginx_ipng_zone_bytes_total', 'nginx_ipng_zone_bytes_used', 'nginx_ipng_zone_full_events_total',
    ]);

    // Every rule loaded and evaluated without error, every recording rule
    // has produced series.
    await sleep(2500); // two evaluation rounds after the last traffic
    const groups = await p.rules();
    expect(groups.map((g) => g.name).sort()).toEqual([
      'ipng-stats-health.alerts', 'ipng-stats-slo.alerts', 'ipng-stats-slo.rules',
      'ipng-stats-traffic.rules', 'ipng-stats-zone.rules',
    ]);
    const loaded: LoadedRule[] = groups.flatMap((g) => g.rules);
    expect(loaded).toHaveLength(36);
    expect(loaded.filter((r) => r.health !== 'ok' || (r.lastError ?? '') !== '')
      .map((r) => `${r.name}: ${r.health} ${r.lastError}`)).toEqual([]);
    for (const name of recorded) {
      const result = await p.queryUntil(name);
      expect(result.length, name).toBeGreaterThan(0);
    }
    const ratio5m = await p.query('job_source_tag_vip:nginx_ipng_requests_5xx:ratio_rate5m');
    expect(ratio5m.map((s) => [s.metric.vip, s.value])).toEqual([['127.0.0.1', 0], ['::1', 0.5]]);

    // 3 of every 6 requests to ::1 were 503: the fast-burn pair is over
    // 14.4x the 0.1% budget, so the page alert is pending (for: 2m).
    const burn = await p.queryUntil('ALERTS{alertname="IpngStatsErrorBudgetBurn"}',
      (r) => r.length === 2);
    expect(burn.map((s) => [s.metric.severity, s.metric.vip, s.metric.alertstate]).sort()).toEqual([
      ['critical', '::1', 'pending'], ['warning', '::1', 'pending'],
    ]);
    expect((await p.query('ALERTS')).map((s) => s.metric.alertname).sort())
      .toEqual(['IpngStatsErrorBudgetBurn', 'IpngStatsErrorBudgetBurn']);

    // Every dashboard query and variable selector answers with at least
    // one number, with "All" selected and $__rate_interval at 1m.
    const empty: string[] = [];
    for (const q of [...dashboardQueries(), ...variableSelectors()]) {
      const promql = substituteVariables(q.expr);
      const result = await p.query(promql);
      if (!result.some((s) => Number.isFinite(s.value))) empty.push(`${q.where}: ${promql} -> ${JSON.stringify(result)}`);
    }
    expect(empty).toEqual([]);
  });
});
