// `promtool check metrics` (Debian package `prometheus`) on a scrape body:
// the exposition is parsed by Prometheus's own parser and linted.
//
//   TEST_PROMTOOL=/path/promtool   use another promtool
import { spawn, spawnSync } from 'node:child_process';

/**
 * Lint findings the spec makes unavoidable, tolerated line by line (each
 * must match a whole output line). The spec's metric table names a gauge
 * `nginx_ipng_zone_bytes_total`; promtool's lint rule for gauges with a
 * `_total` suffix flags it. Anything else promtool says fails the check.
 */
export const SPEC_MANDATED_LINT_FINDINGS: readonly string[] = [
  'nginx_ipng_zone_bytes_total non-counter metrics should not have "_total" suffix',
];

export function promtoolBinary(): string {
  return process.env.TEST_PROMTOOL ?? 'promtool';
}

/** null when promtool runs, else why not (for a test's skip note). */
export function promtoolMissing(): string | null {
  const res = spawnSync(promtoolBinary(), ['--version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    return `promtool not available (${res.error?.message ?? res.stderr.trim()}): apt-get install prometheus, or npm run provision`;
  }
  return null;
}

/**
 * Resolves when promtool accepts `text` with no finding other than
 * `tolerate`; rejects with promtool's full output otherwise (parse errors
 * and lint warnings alike).
 */
export function checkMetrics(text: string, tolerate: readonly string[] = SPEC_MANDATED_LINT_FINDINGS): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtoolBinary(), ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('close', (status) => {
      const findings = output.split('\n').filter((line) => line.trim() !== '' && !tolerate.includes(line));
      // 0: clean; 3: lint findings only (then every one must be tolerated); 1: parse error.
      if ((status === 0 || status === 3) && findings.length === 0) {
        resolve();
        return;
      }
      reject(new Error(`promtool check metrics failed (exit ${status}):\n${output}\n--- checked text (first 2000 chars) ---\n${text.slice(0, 2000)}`));
    });
    child.stdin.on('error', () => { /* promtool exited early; close reports it */ });
    child.stdin.end(text);
  });
}
