// A real Prometheus server (Debian package `prometheus`) for one test: on
// 127.0.0.1 at a free port (never :9090), private data directory and
// generated prometheus.yml, scraping one target every second. Always
// stopped after the test, its whole process group, data removed.
//
//   TEST_PROMETHEUS=/path/prometheus   use another Prometheus binary
//   TEST_PROMETHEUS_LEAVE=1            keep the data dir (prometheus.yml, log)
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, test as nginxTest } from './nginx';
import { sleep } from '../../scripts/nginx-process.mjs';

/** A generated prometheus.yml scraping one target, or a given one. */
export type PrometheusOptions = GeneratedConfigOptions | { config: string };

interface GeneratedConfigOptions {
  /** host:port of the scrape target, e.g. 127.0.0.1:8080 */
  target: string;
  /** default /metrics */
  metricsPath?: string;
  /** query string parameters of each scrape, e.g. { source_tag: 'mg1' } */
  params?: Record<string, string>;
  /** default 1s */
  scrapeInterval?: string;
  /** rule files to load (absolute paths), e.g. the mixin's */
  ruleFiles?: string[];
  /** default 1m */
  evaluationInterval?: string;
}

/** One rule as /api/v1/rules reports it. */
export interface LoadedRule {
  name: string;
  query: string;
  type: 'recording' | 'alerting';
  health: string;
  lastError?: string;
  labels?: Record<string, string>;
  /** alerting rules: inactive, pending or firing */
  state?: string;
  alerts?: Array<{ labels: Record<string, string>; state: string }>;
}

/** One element of an instant vector. */
export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  url: string;
  dataDir: string;
  log(): string;
  /** Instant query through /api/v1/query; throws on an API error or a non-vector result. */
  query(promql: string): Promise<VectorSample[]>;
  /** Repeats `query` until `done` accepts the result (default: non-empty) or the time runs out. */
  queryUntil(promql: string, done?: (result: VectorSample[]) => boolean, timeoutMs?: number): Promise<VectorSample[]>;
  /** The rule groups Prometheus loaded, with each rule's health and state. */
  rules(): Promise<Array<{ name: string; file: string; rules: LoadedRule[] }>>;
  /** Resolves once the target has been scraped successfully (health "up"). */
  waitForTargetUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function prometheusBinary(): string {
  return process.env.TEST_PROMETHEUS ?? 'prometheus';
}

/** null when the Prometheus server binary runs, else why not (for a test's skip note). */
export function prometheusMissing(): string | null {
  const res = spawnSync(prometheusBinary(), ['--version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    return `prometheus server not available (${res.error?.message ?? res.stderr.trim()}): apt-get install prometheus, or npm run provision`;
  }
  return null;
}


function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function prometheusYml(opts: PrometheusOptions): string {
  if ('config' in opts) return opts.config;
  const interval = opts.scrapeInterval ?? '1s';
  const lines = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    `  evaluation_interval: ${opts.evaluationInterval ?? '1m'}`,
  ];
  if (opts.ruleFiles !== undefined && opts.ruleFiles.length > 0) {
    lines.push('rule_files:');
    for (const file of opts.ruleFiles) lines.push(`  - ${JSON.stringify(file)}`);
  }
  lines.push(
    'scrape_configs:',
    '  - job_name: ipng',
    `    metrics_path: ${JSON.stringify(opts.metricsPath ?? '/metrics')}`,
  );
  const params = Object.entries(opts.params ?? {});
  if (params.length > 0) {
    lines.push('    params:');
    for (const [name, value] of params) lines.push(`      ${JSON.stringify(name)}: [${JSON.stringify(value)}]`);
  }
  lines.push('    static_configs:', `      - targets: [${JSON.stringify(opts.target)}]`, '');
  return lines.join('\n');
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  const body = await res.text();
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`${url}: HTTP ${res.status}, not JSON: ${body.slice(0, 500)}`);
  }
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ipng-prometheus-'));
  const configPath = join(dataDir, 'prometheus.yml');
  const logPath = join(dataDir, 'prometheus.log');
  writeFileSync(configPath, prometheusYml(opts));
  const logFd = openSync(logPath, 'w');
  // Own process group, so that stop() reaches everything it started.
  const child: ChildProcess = spawn(
    prometheusBinary(),
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    { detached: true, stdio: ['ignore', logFd, logFd], cwd: dataDir },
  );
  closeSync(logFd);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const pgid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  // Kept once the data dir is removed, for a failed test's report.
  let logAtStop: string | null = null;
  const log = () => {
    if (logAtStop !== null) return logAtStop;
    try { return readFileSync(logPath, 'utf8'); } catch { return ''; }
  };

  const stop = async (): Promise<void> => {
    if (!exited) {
      try { process.kill(-pgid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exitedPromise, sleep(10000)]);
    }
    for (let i = 0; i < 50 && processGroupAlive(pgid); i++) await sleep(100);
    if (processGroupAlive(pgid)) {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* raced with exit */ }
    }
    if (process.env.TEST_PROMETHEUS_LEAVE !== '1') {
      logAtStop = log();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited) throw new Error(`prometheus exited during start-up\n--- ${logPath} ---\n${log()}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      const output = log();
      await stop();
      throw new Error(`prometheus not ready on ${url} within 30 s\n${output}`);
    }
    await sleep(100);
  }

  const query = async (promql: string): Promise<VectorSample[]> => {
    const answer = await getJson(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    if (answer.status !== 'success') throw new Error(`query ${promql}: ${answer.errorType}: ${answer.error}`);
    if (answer.data.resultType !== 'vector') throw new Error(`query ${promql}: result is a ${answer.data.resultType}, not a vector`);
    return answer.data.result.map((r: { metric: Record<string, string>; value: [number, string] }) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  };

  const queryUntil = async (
    promql: string,
    done: (result: VectorSample[]) => boolean = (result) => result.length > 0,
    timeoutMs = 20000,
  ): Promise<VectorSample[]> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const result = await query(promql);
      if (done(result)) return result;
      if (Date.now() > until) {
        throw new Error(`query ${promql}: no acceptable answer within ${timeoutMs} ms; last: ${JSON.stringify(result)}`);
      }
      await sleep(250);
    }
  };

  const waitForTargetUp = async (timeoutMs = 20000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const answer = await getJson(`${url}/api/v1/targets?state=active`);
      const targets: Array<{ health: string; lastError: string }> = answer.data?.activeTargets ?? [];
      if (targets.length > 0 && targets.every((t) => t.health === 'up')) return;
      last = JSON.stringify(targets.map((t) => ({ health: t.health, lastError: t.lastError })));
      if (Date.now() > until) throw new Error(`scrape target not up within ${timeoutMs} ms: ${last}`);
      await sleep(250);
    }
  };

  const rules = async () => {
    const answer = await getJson(`${url}/api/v1/rules`);
    if (answer.status !== 'success') throw new Error(`rules: ${answer.errorType}: ${answer.error}`);
    return answer.data.groups;
  };

  return { url, dataDir, log, query, queryUntil, rules, waitForTargetUp, stop };
}

/**
 * The nginx fixture's `test`, plus `prometheus(opts)`: servers started
 * in a test are stopped after it (nginx's instances too); a failed test
 * prints the Prometheus log.
 */
export const test = nginxTest.extend<{ prometheus: (opts: PrometheusOptions) => Promise<PrometheusServer> }>({
  prometheus: async ({ onTestFailed }, use) => {
    const started: PrometheusServer[] = [];
    onTestFailed(() => {
      for (const p of started) console.error(`--- prometheus ${p.url} log ---\n${p.log()}`);
    });
    try {
      await use(async (opts) => {
        const server = await startPrometheus(opts);
        started.push(server);
        return server;
      });
    } finally {
      for (const p of started) await p.stop();
    }
  },
});
