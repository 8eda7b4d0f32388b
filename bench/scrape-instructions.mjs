// Scenario 5's "counting while scraped" in instructions (valgrind's
// callgrind), which machine load does not change: nginx (the harness's
// configuration with the shim, a 1 s flush interval, the 12,000 series of
// bench/scrape-site.mjs in a 16m zone) runs under callgrind as one process
// (master_process off: callgrind_control reaches no forked process), and a
// fixed script is counted in phases, each between a zeroing and a dump:
//
//   idle       nothing but the tick (its flushes move no counts)
//   requests   --requests keepalive requests to `/` (curl, one connection)
//   scrapes    --scrapes Prometheus scrapes, one at a time
//   mixed      the requests in --scrapes parts, a scrape after each part
//
// Flushes are paced by the clock, and valgrind slows everything, so each
// phase's tick is split off by where it runs: the js_periodic tick runs
// under nginx's timer handler (ngx_event_expire_timers, inclusive), the
// requests and scrapes under its event handlers (the rest). Flushes are
// counted by the shim's drain of the writer deltas (once per flush). So:
// per flush = the timer part / flushes; per request = the rest of the
// requests phase / requests; per scrape likewise; and the mixed phase's
// rest against the sum of its parts says whether a scrape makes the
// requests around it cost more.
//
//   node bench/scrape-instructions.mjs [--requests 20000] [--scrapes 5]
//                                      [--idle-seconds 20] [--keep-dumps DIR]
//
// To compare two versions, run it in each checkout (e.g. one made with
// `git worktree add /tmp/old COMMIT`, then npm ci, provision and build
// there). --keep-dumps copies each phase's dump into DIR for
// callgrind_annotate. Needs valgrind (Debian package); see
// bench/recorder-instructions.mjs for the loader with symbols.
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeEnv } from '../scripts/runtime-env.mjs';
import { writeNginxConfig } from '../scripts/nginx-prefix.mjs';
import { fillPorts, freePort, portAnswers, sleep } from '../scripts/nginx-process.mjs';
import { get } from './measure.mjs';
import { SOURCES, seriesUrls, siteConfig } from './scrape-site.mjs';
import { callsOf, requireValgrind, runtimeCommand, timerPart } from './valgrind-runtime.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    scrapes: { type: 'string', default: '5' },
    'idle-seconds': { type: 'string', default: '20' },
    'keep-dumps': { type: 'string', default: '' },
  },
});
const requests = Math.max(100, Math.min(100000, Number(values.requests)));
const scrapes = Math.max(1, Math.min(20, Number(values.scrapes)));
const idleSeconds = Math.max(5, Math.min(120, Number(values['idle-seconds'])));

requireValgrind();
const env = readRuntimeEnv();
const nginxCommand = runtimeCommand(env.NGINX_BINARY, '/usr/sbin/nginx');

// The shim's drain of the writer deltas runs once per flush of the worker.
const DRAIN_FUNCTION = 'ngx_http_ipng_stats_writer_deltas_variable';

const prefix = mkdtempSync(join(tmpdir(), 'ipng-bench-scrape-cg-'));
const ports = [];
for (let i = 0; i <= SOURCES; i++) ports.push(await freePort());
const conf = writeNginxConfig({
  prefix, workers: 1, product: true, shim: true, zoneSize: '16m', flushInterval: '1s', http: siteConfig(),
});
// One process (master_process off): callgrind_control reaches no process
// that valgrind forked, so the worker is the process valgrind started.
writeFileSync(conf, fillPorts(readFileSync(conf, 'utf8'), ports).replace('master_process on;', 'master_process off;'));

const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(prefix, 'callgrind.%p.out')}`,
  ...nginxCommand, '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')],
{ stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
const exited = new Promise((resolve) => child.once('exit', resolve));

const url = (path) => `http://127.0.0.1:${ports[0]}${path}`;
const metric = (body, re) => Number(re.exec(body)?.[1]);

/** curl sends all its URLs over one keepalive connection. */
function sendRoot(n) {
  for (let done = 0; done < n; done += 2000) {
    const k = Math.min(2000, n - done);
    execFileSync('curl', ['-s', ...Array(k).fill(url('/')).flatMap((u) => ['-o', '/dev/null', u])]);
  }
}

let dumps = 0;
async function phase(name, pid, work) {
  execFileSync('callgrind_control', ['-z', String(pid)], { stdio: 'ignore' });
  const t0 = Date.now();
  await work();
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
  dumps++;
  const wanted = `callgrind.${pid}.out.${dumps}`;
  for (let i = 0; !existsSync(join(prefix, wanted)); i++) {
    if (i > 300) throw new Error(`no dump ${wanted} in ${prefix}: ${readdirSync(prefix).join(' ')}`);
    await sleep(100);
  }
  const file = wanted;
  let text = readFileSync(join(prefix, file), 'utf8');
  // the totals line comes last: then the dump is complete
  for (let i = 0; !/^totals: \d+$/m.test(text); i++) {
    if (i > 100) throw new Error(`dump ${file} has no totals line`);
    await sleep(100);
    text = readFileSync(join(prefix, file), 'utf8');
  }
  const total = Number(/^totals: (\d+)$/m.exec(text)[1]);
  if (values['keep-dumps']) {
    mkdirSync(values['keep-dumps'], { recursive: true });
    copyFileSync(join(prefix, file), join(values['keep-dumps'], `callgrind.${name}.out`));
  }
  const flushes = callsOf(text, DRAIN_FUNCTION);
  return { name, total, timers: timerPart(join(prefix, file), 300_000), flushes, seconds: (Date.now() - t0) / 1000 };
}

try {
  for (let i = 0; !(await portAnswers(ports[0])); i++) {
    if (i > 1200 || child.exitCode !== null) throw new Error(`nginx under valgrind did not start:\n${stderr}`);
    await sleep(100);
  }
  const pid = child.pid;
  // Fill: one request per series, twice (every record exists, then every
  // series changed once more), as bench/scrape-cost.mjs does.
  const urls = seriesUrls(ports);
  for (let round = 0; round < 2; round++) {
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < urls.length) await get(urls[next++]);
    }));
    await sleep(3000);
  }
  let body = (await get(url('/metrics'))).body;
  const series = body.split('\n').filter((l) => l.startsWith('nginx_ipng_requests_total{')).length;
  console.log(`callgrind, one worker, ${series} requests series in the zone; ` +
    `the counting traffic: ${requests} keepalive requests to /, ${scrapes} Prometheus scrapes`);
  sendRoot(200);
  await sleep(3000); // the fill's last changes flushed

  const requestsPerPart = requests / scrapes;
  const results = [];
  results.push(await phase('idle', pid, () => sleep(idleSeconds * 1000)));
  results.push(await phase('requests', pid, async () => sendRoot(requests)));
  results.push(await phase('scrapes', pid, async () => {
    for (let i = 0; i < scrapes; i++) await get(url('/metrics'));
  }));
  results.push(await phase('mixed', pid, async () => {
    for (let i = 0; i < scrapes; i++) {
      sendRoot(requestsPerPart);
      await get(url('/metrics'));
    }
  }));
  body = (await get(url('/metrics'))).body;
  const scrapeMs = metric(body, /^nginx_ipng_scrape_duration_seconds_sum (\S+)$/m) * 1000 /
    metric(body, /^nginx_ipng_scrape_duration_seconds_count (\d+)$/m);

  const m = (x) => `${(x / 1e6).toFixed(1)} M`;
  const rest = (r) => r.total - r.timers;
  for (const r of results) {
    console.log(`  ${r.name.padEnd(9)} ${m(r.total).padStart(10)} in all: tick ${m(r.timers).padStart(10)} ` +
      `(${String(r.flushes).padStart(3)} flushes, ${m(r.flushes > 0 ? r.timers / r.flushes : 0)} each), ` +
      `requests and scrapes ${m(rest(r)).padStart(9)}; ${r.seconds.toFixed(0)} s under valgrind`);
  }
  const perRequest = rest(results[1]) / requests;
  const perScrape = rest(results[2]) / scrapes;
  console.log(`  per idle flush: ${m(results[0].timers / Math.max(1, results[0].flushes))} ` +
    `(the tick's 100 ms runs between flushes included)`);
  console.log(`  per request: ${Math.round(perRequest)}`);
  console.log(`  per scrape: ${m(perScrape)}`);
  const expected = perRequest * requests + perScrape * scrapes;
  console.log(`  mixed phase: ${m(rest(results[3]))} for requests and scrapes, their parts alone ${m(expected)} ` +
    `(ratio ${(rest(results[3]) / expected).toFixed(3)})`);
  console.log(`  scrape time in nginx under valgrind (mean of all): ${scrapeMs.toFixed(0)} ms`);
} finally {
  child.kill('SIGTERM');
  await exited;
  rmSync(prefix, { recursive: true, force: true });
}
