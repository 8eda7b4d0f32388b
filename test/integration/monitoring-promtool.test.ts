// promtool (Debian's prometheus package) on the shipped rule files:
// `promtool check rules` lints them, `promtool test rules` runs the unit
// tests of monitoring/tests/alerts_test.yaml (every alert, firing and
// quiet, with exact labels and annotations). A broken copy must fail both.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRulesPath, recordingRulesPath, ruleTestsPath } from '../harness/monitoring';
import { promtoolBinary, promtoolMissing } from '../harness/promtool';

const PROMTOOL_MISSING = promtoolMissing();

function promtool(...args: string[]): { status: number | null; output: string } {
  const res = spawnSync(promtoolBinary(), args, { encoding: 'utf8' });
  return { status: res.status, output: (res.stdout ?? '') + (res.stderr ?? '') };
}

describe.skipIf(PROMTOOL_MISSING !== null)(`promtool on monitoring/ ${PROMTOOL_MISSING ?? ''}`, () => {
  it('check rules: both files pass with their exact rule counts', () => {
    const res = promtool('check', 'rules', recordingRulesPath, alertRulesPath);
    expect(res.output).toBe(
      `Checking ${recordingRulesPath}\n  SUCCESS: 27 rules found\n\n` +
        `Checking ${alertRulesPath}\n  SUCCESS: 9 rules found\n\n`,
    );
    expect(res.status).toBe(0);
  });

  it('test rules: every alert unit test passes', () => {
    const res = promtool('test', 'rules', ruleTestsPath);
    expect(res.output).toBe(`Unit Testing:  ${ruleTestsPath}\n  SUCCESS\n\n`);
    expect(res.status).toBe(0);
  });

  it('a copy with a raised threshold fails its unit test; a broken expression fails check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipng-mixin-'));
    try {
      mkdirSync(join(dir, 'tests'));
      writeFileSync(join(dir, 'prometheus_rules.yaml'), readFileSync(recordingRulesPath, 'utf8'));
      writeFileSync(join(dir, 'prometheus_alerts.yaml'),
        readFileSync(alertRulesPath, 'utf8').replace('instance:nginx_ipng_zone_bytes_used:ratio > 0.9', 'instance:nginx_ipng_zone_bytes_used:ratio > 0.95'));
      writeFileSync(join(dir, 'tests', 'alerts_test.yaml'), readFileSync(ruleTestsPath, 'utf8'));
      const tested = promtool('test', 'rules', join(dir, 'tests', 'alerts_test.yaml'));
      expect(tested.status).toBe(1);
      expect(tested.output).toContain('alertname: IpngStatsZoneNearFull, time: 20m');

      writeFileSync(join(dir, 'prometheus_alerts.yaml'),
        readFileSync(alertRulesPath, 'utf8').replace('increase(nginx_ipng_zone_full_events_total[5m])', 'increase(nginx_ipng_zone_full_events_total[5m)'));
      const checked = promtool('check', 'rules', join(dir, 'prometheus_alerts.yaml'));
      expect(checked.status).toBe(1);
      expect(checked.output).toMatch(/unexpected|parse error/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
