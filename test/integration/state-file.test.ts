// The state file (docs/zone-layout.md, "State file"): the zone's counters
// survive `nginx -s stop` and a kill -9 of the master and its workers,
// restored exactly once into the new zone; a file that is foreign, from
// another release or format, truncated or damaged is refused with one
// error-log line and counting starts from zero. Through a real nginx with
// 2 workers, with the shim (record layout) and without (counter layout).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test as plainTest } from 'vitest';
import { test, testConfig, NginxInstance } from '../harness/nginx';
import { httpGet, sendConcurrently } from '../harness/http';
import { afterNextFlush } from '../harness/flush';
import { samples, sampleValue, sleep } from './stats-support';
import { repoRoot } from './stats-support';

const PRODUCT_VERSION = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A directory the workers (user nobody when the tests run as root) can write. */
function stateDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipng-state-'));
  chmodSync(dir, 0o777);
  dirs.push(dir);
  return dir;
}

function config(shim: boolean, statePath: string): string {
  const state = shim
    ? `ipng_stats_state_file ${statePath};\n    ipng_stats_state_interval 1s;`
    : `js_var $ipng_stats_state_file "${statePath}";\n    js_var $ipng_stats_state_interval "1s";`;
  return `
    ${state}
    server {
        listen 127.0.0.1:{{PORT}} reuseport;
        location = /ok { return 200 "ok\\n"; }
        location = /missing { return 404; }
        location = /metrics { js_content ipng.scrape; }
    }`;
}

function savedAt(path: string): number {
  if (!existsSync(path)) return -1;
  const m = / saved=(\d+) /.exec(readFileSync(path, 'utf8').slice(0, 300));
  return m ? Number(m[1]) : -1;
}

/** Resolves once the writer saved the zone at or after `sinceMs`. */
async function savedSince(path: string, sinceMs: number): Promise<void> {
  const until = Date.now() + 5000;
  while (savedAt(path) < sinceMs) {
    if (Date.now() > until) throw new Error(`no save of ${path} since ${sinceMs}`);
    await sleep(50);
  }
}

async function requestLines(n: NginxInstance): Promise<string[]> {
  return samples((await httpGet(n.url('/metrics'))).body, 'nginx_ipng_requests_total');
}

/** Counts known traffic, waits until the zone holds it and a save has it. */
async function countAndSave(n: NginxInstance, statePath: string): Promise<string> {
  await sendConcurrently(7, 4, () => httpGet(n.url('/ok')));
  await sendConcurrently(3, 3, () => httpGet(n.url('/missing')));
  await afterNextFlush(n.url('/metrics'));
  await savedSince(statePath, Date.now());
  return (await httpGet(n.url('/metrics'))).body;
}

function killAll(n: NginxInstance): void {
  const master = Number(readFileSync(join(n.prefix, 'nginx.pid'), 'utf8').trim());
  // The harness starts the master in a process group of its own.
  process.kill(-master, 'SIGKILL');
}

async function gone(n: NginxInstance): Promise<void> {
  const master = Number(readFileSync(join(n.prefix, 'nginx.pid'), 'utf8').trim());
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-master, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  throw new Error('nginx did not go away');
}

const EXPECTED_LINES = [
  'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 7',
  'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 3',
];

describe('state file', () => {
  for (const shim of [true, false]) {
    const layout = shim ? 'shim, record layout' : 'no shim, counter layout';

    test(`counters survive nginx -s stop and a fresh start, exactly once (${layout})`, async ({ nginx }) => {
      const statePath = join(stateDirectory(), 'ipng-stats.state');
      const first = await nginx({ http: config(shim, statePath), shim });
      const before = await countAndSave(first, statePath);
      expect(samples(before, 'nginx_ipng_requests_total')).toEqual(EXPECTED_LINES);
      await first.stop(); // SIGTERM to the master: what `nginx -s stop` sends

      const second = await nginx({ http: config(shim, statePath), shim });
      await afterNextFlush(second.url('/metrics'));
      const after = (await httpGet(second.url('/metrics'))).body;
      expect(samples(after, 'nginx_ipng_requests_total')).toEqual(EXPECTED_LINES);
      const count = 'nginx_ipng_request_duration_seconds_count{source_tag="direct",vip="127.0.0.1"}';
      expect(sampleValue(after, count)).toBe(10);
      expect(sampleValue(after, 'nginx_ipng_bytes_out_total{source_tag="direct",vip="127.0.0.1",code="200"}'))
        .toBe(sampleValue(before, 'nginx_ipng_bytes_out_total{source_tag="direct",vip="127.0.0.1",code="200"}'));

      // Counting resumes on top, nothing twice: 2 more, and later saves keep it.
      await sendConcurrently(2, 2, () => httpGet(second.url('/ok')));
      await afterNextFlush(second.url('/metrics'));
      await savedSince(statePath, Date.now());
      expect(await requestLines(second)).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 9',
        EXPECTED_LINES[1],
      ]);
      expect(second.errorLog()).not.toMatch(/state file.*refused|cannot (read|write) state file/);
    });

    test(`a reload keeps the zone and restores nothing: nothing counted twice (${layout})`, async ({ nginx }) => {
      const statePath = join(stateDirectory(), 'ipng-stats.state');
      const n = await nginx({ http: config(shim, statePath), shim });
      await countAndSave(n, statePath);
      await n.reload();
      await afterNextFlush(n.url('/metrics'));
      await savedSince(statePath, Date.now());
      expect(await requestLines(n)).toEqual(EXPECTED_LINES);
    });

    test(`a reload that turns the state file on does not restore into the counting zone (${layout})`, async ({ nginx }) => {
      const statePath = join(stateDirectory(), 'ipng-stats.state');
      const first = await nginx({ http: config(shim, statePath), shim });
      await countAndSave(first, statePath);
      await first.stop();

      // Counting without a state file, then a reload that turns it on: the
      // zone already counts, so the old file must not be added to it.
      const second = await nginx({ http: config(shim, statePath).replace(/^.*state_(file|interval).*$/gm, ''), shim });
      await sendConcurrently(2, 2, () => httpGet(second.url('/ok')));
      await afterNextFlush(second.url('/metrics'));
      const conf = join(second.prefix, 'nginx.conf');
      writeFileSync(conf, readFileSync(conf, 'utf8').replace('http {', `http {\n${config(shim, statePath).split('server {')[0]}`));
      await second.reload();
      await afterNextFlush(second.url('/metrics'));
      await savedSince(statePath, Date.now());
      expect(await requestLines(second)).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 2',
      ]);
    });

    test(`counters survive kill -9 of the master and its workers (${layout})`, async ({ nginx }) => {
      const statePath = join(stateDirectory(), 'ipng-stats.state');
      const first = await nginx({ http: config(shim, statePath), shim });
      await countAndSave(first, statePath);
      killAll(first);
      await gone(first);

      const second = await nginx({ http: config(shim, statePath), shim });
      await afterNextFlush(second.url('/metrics'));
      expect(await requestLines(second)).toEqual(EXPECTED_LINES);
    });
  }

  test('a bad state file is refused with one error-log line and counting starts from zero', async ({ nginx }) => {
    const statePath = join(stateDirectory(), 'ipng-stats.state');
    const first = await nginx({ http: config(true, statePath), shim: true });
    await countAndSave(first, statePath);
    await first.stop();
    const good = readFileSync(statePath, 'utf8');
    const newline = good.indexOf('\n');
    const header = good.slice(0, newline);
    const body = good.slice(newline + 1);
    // One digit of the body changed: same length, another checksum.
    const digitAt = body.search(/[0-9]/);
    const damagedBody = body.slice(0, digitAt) + String((Number(body[digitAt]) + 1) % 10) + body.slice(digitAt + 1);
    expect(damagedBody.length).toBe(body.length);

    const cases: Array<{ name: string; text: string; shim: boolean; reason: string }> = [
      { name: 'foreign', text: 'hello, I am somebody else\'s file\n', shim: true,
        reason: 'not an njs-ipng-stats state file (its first line is not a state header)' },
      { name: 'another product version', text: header.replace(` product=${PRODUCT_VERSION} `, ' product=0.0.1 ') + '\n' + body,
        shim: true, reason: `written by njs-ipng-stats 0.0.1, this is ${PRODUCT_VERSION}` },
      { name: 'another format', text: header.replace(' format=1 ', ' format=2 ') + '\n' + body, shim: true,
        reason: 'state format 2, this release reads format 1' },
      { name: 'truncated', text: good.slice(0, good.length - 100), shim: true,
        reason: `truncated: the body is ${body.length - 100} characters, the header says ${body.length}` },
      { name: 'damaged', text: header + '\n' + damagedBody, shim: true, reason: 'damaged: the checksum does not match' },
      { name: 'another zone type', text: good, shim: false,
        reason: 'saved from a type=string zone, this zone is type=number' },
    ];
    for (const c of cases) {
      writeFileSync(statePath, c.text);
      const n = await nginx({ http: config(c.shim, statePath), shim: c.shim });
      await afterNextFlush(n.url('/metrics'));
      const refusals = n.errorLog().split('\n').filter((l) => l.includes('ipng-stats: state file'));
      expect(refusals, c.name).toHaveLength(1);
      expect(refusals[0], c.name).toMatch(/\[error\]/);
      expect(refusals[0], c.name).toContain(
        `ipng-stats: state file "${statePath}" refused: ${c.reason}; counting starts from zero`);
      expect(await requestLines(n), c.name).toEqual([]);
      await sendConcurrently(1, 1, () => httpGet(n.url('/ok')));
      await afterNextFlush(n.url('/metrics'));
      expect(await requestLines(n), c.name).toEqual([
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 1',
      ]);
      await n.stop();
    }
  });
});

describe('state file settings', () => {
  /** nginx -t with the shim; the first [emerg] message without its "in FILE:LINE" tail. */
  function emerg(lines: string): string {
    const res = testConfig({ http: `    ${lines}\n    server { listen 127.0.0.1:{{PORT}}; }`, ports: [8080], shim: true });
    expect(res.status, res.output).not.toBe(0);
    const line = res.output.split('\n').find((l) => l.includes('[emerg]')) ?? res.output;
    return line.replace(/^nginx: \[emerg\] /, '').replace(/ in \/\S+nginx\.conf:\d+$/, '');
  }

  plainTest('nginx -t accepts a state file in an existing directory and an interval of at least 1s', () => {
    const dir = stateDirectory();
    const res = testConfig({
      http: `    ipng_stats_state_file ${dir}/s.state;\n    ipng_stats_state_interval 1s;\n    server { listen 127.0.0.1:{{PORT}}; }`,
      ports: [8080],
      shim: true,
    });
    expect(res.output).toContain('test is successful');
  });

  const cases: Array<[string, string, string]> = [
    ['a directory, not a file', 'ipng_stats_state_file /tmp/;',
      'invalid value "/tmp/" in "ipng_stats_state_file": it must name a file, e.g. /var/lib/nginx/ipng-stats.state'],
    ['a directory that does not exist', 'ipng_stats_state_file /nonexistent-ipng/s.state;',
      'the directory of "ipng_stats_state_file" "/nonexistent-ipng/s.state" does not exist: create "/nonexistent-ipng", ' +
        'writable by the worker processes\' user (2: No such file or directory)'],
    ['twice', 'ipng_stats_state_file /tmp/a; ipng_stats_state_file /tmp/b;', '"ipng_stats_state_file" directive is duplicate'],
    ['an interval below 1s', 'ipng_stats_state_interval 500ms;', '"ipng_stats_state_interval" must be at least 1s, got "500ms"'],
    ['an interval that is not a duration', 'ipng_stats_state_interval often;',
      'invalid value "often" in "ipng_stats_state_interval": it must be an nginx duration such as 30s or 5m'],
  ];
  for (const [name, line, message] of cases) {
    plainTest(`nginx -t refuses ${name}`, () => {
      expect(emerg(line)).toBe(message);
    });
  }

  test('without the shim a bad js_var is reported once and no state file is written', async ({ nginx }) => {
    const n = await nginx({
      http: `
    js_var $ipng_stats_state_file "relative.state";
    server {
        listen 127.0.0.1:{{PORT}} reuseport;
        location = /metrics { js_content ipng.scrape; }
    }`,
      shim: false,
    });
    await afterNextFlush(n.url('/metrics'));
    const lines = n.errorLog().split('\n').filter((l) => l.includes('invalid ipng_stats_state_file'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'ipng-stats: invalid ipng_stats_state_file "relative.state": must be an absolute path (starting with "/") ' +
        '(not an absolute path); using the default "off" instead (reported once per value)');
    // Refused, so never written: not next to the workers (their working
    // directory is the test runner's) nor in the prefix.
    expect(existsSync(join(process.cwd(), 'relative.state'))).toBe(false);
    expect(existsSync(join(n.prefix, 'relative.state'))).toBe(false);
  });
});
