// Where the no-shim mode's per-request cost lies, in instructions per
// request (valgrind's callgrind), which machine load does not change:
// stock nginx, the floor (a no-op js_set in a tiny module), the recorder
// module as nginx/ipng-stats-log-fallback.conf imports it, and the same
// with the whole bundle also imported at http level (the earlier form);
// and the shim's reqstat (Tengine's req_status_*: one zone keyed
// "$host,$server_addr:$server_port"; three zones and two indicators), with
// the shim alone (its ipng counting) for comparison.
// One nginx process (master_process off) per variant; `--requests` keepalive
// requests after 200 of warm-up; the counters are zeroed in between. What
// runs under nginx's timer handler (ngx_event_expire_timers, inclusive:
// js_periodic ticks) is counted apart from the requests: a tick runs by
// the clock, and under valgrind the requests take longer than they would.
// A variant with a tick (its display location) is also counted idle for
// --idle-seconds: its tick's instructions per second, which a worker pays
// beside its requests (bench/run.mjs's reqstat variants have it).
//
//   node bench/recorder-instructions.mjs [--requests 2000] [--only reqstat]
//                                        [--idle-seconds 10] [--keep-dumps DIR]
//                                        [--cache-sim]
//
// --cache-sim also simulates the caches (callgrind --cache-sim=yes) and
// prints each variant's first-level data cache misses (D1, reads and
// writes) and last-level misses (LL: instructions and data) per request.
//
// --keep-dumps copies each variant's callgrind dump into DIR (named after
// the variant), for callgrind_annotate.
//
// Every wait is bounded (nginx under valgrind starting, each curl run,
// callgrind_control, the process's exit): a stuck step fails the run with
// a message naming it instead of hanging.
//
// Needs valgrind (Debian package). The trixie loader is stripped; if
// valgrind refuses it, run `bash scripts/valgrind-shim.sh` once: it builds
// a loader with symbols into the runtime cache, which this script uses.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeEnv, repoRoot } from '../scripts/runtime-env.mjs';
import { freePort, portAnswers, sleep } from '../scripts/nginx-process.mjs';
import { callsOf, requireValgrind, runtimeCommand, timerPart } from './valgrind-runtime.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    only: { type: 'string', default: '' },
    'keep-dumps': { type: 'string', default: '' },
    'idle-seconds': { type: 'string', default: '10' },
    'cache-sim': { type: 'boolean', default: false },
  },
});
const idleSeconds = Math.max(2, Math.min(60, Number(values['idle-seconds'])));
const requests = Math.max(100, Math.min(20000, Number(values.requests)));

requireValgrind();
const env = readRuntimeEnv();
const nginxCommand = runtimeCommand(env.NGINX_BINARY, '/usr/sbin/nginx');

const dist = join(repoRoot, 'dist');
const nginxDir = join(repoRoot, 'nginx');
const VARIANTS = {
  stock: '',
  floor: `js_path ${join(repoRoot, 'bench', 'floor')};
    js_import floor from floor.js;
    js_set $ipng_bench_floor floor.noop;
    log_format ipng_bench_floor '$ipng_bench_floor';
    access_log /dev/null ipng_bench_floor if=$ipng_bench_floor;`,
  recorder: `js_path ${dist};
    js_shared_dict_zone zone=ipng_stats:16m type=number;
    include ${join(nginxDir, 'ipng-stats-log-fallback.conf')};`,
  'recorder, bundle at http level': `js_path ${dist};
    js_shared_dict_zone zone=ipng_stats:16m type=number;
    include ${join(nginxDir, 'ipng-stats.conf')};
    include ${join(nginxDir, 'ipng-stats-log-fallback.conf')};`,
  // the log spool (no njs per request), with its tick; @PREFIX@ is the
  // run's prefix, whose html/ is the requests' root directory
  'log spool': spoolLines(''),
  'log spool, open_file_cache': spoolLines('open_file_cache max=1000;'),
  // without the tick (the files only grow): the access_log half alone
  'log spool, no tick': spoolLines('', false),
  // the same access_log line without variables in its path (one file, no
  // buffer): what nginx's log write costs by itself
  'one access_log file, no buffer': `log_format ipng_stats_observation
        '$status $server_addr $request_length $bytes_sent $request_time $upstream_response_time';
    access_log @PREFIX@/plain.log ipng_stats_observation;`,
};

function spoolLines(extra, tick = true) {
  return `js_path ${dist};
    js_shared_dict_zone zone=ipng_stats:16m type=number;
    js_var $ipng_stats_spool_dir @PREFIX@/spool;
    include ${join(nginxDir, 'ipng-stats-log-spool.conf')};
    ${extra}
    ${tick ? `server {
        listen unix:@PREFIX@/tick.sock;
        include ${join(nginxDir, 'ipng-stats-tick.conf')};
    }` : ''}`;
}

// with the shim loaded too (its main lines below); ipng counts unless off
const SHIM_VARIANTS = {
  'shim, ipng counting': '',
  'shim, ipng off': 'ipng_stats off;',
  'reqstat, one zone': `
    req_status_zone server "$host,$server_addr:$server_port" 10m;
    req_status server;`,
  // as bench/run.mjs runs it: with its display location, which carries
  // the tick (@PORT2@ is a second port)
  'reqstat, one zone, with its display (tick)': `
    ipng_stats_bundle ${join(dist, 'ipng-stats.js')};
    req_status_zone server "$host,$server_addr:$server_port" 10m;
    req_status server;
    server { listen 127.0.0.1:@PORT2@; location = /us { req_status_show server; } }`,
  'reqstat, one zone, ipng off': `ipng_stats off;
    req_status_zone server "$host,$server_addr:$server_port" 10m;
    req_status server;`,
  'reqstat, 3 zones, 2 indicators': `
    req_status_zone server "$host,$server_addr:$server_port" 10m;
    req_status_zone uris "$uri" 10m;
    req_status_zone agents "$http_user_agent" 10m;
    req_status_zone_add_indicator server $request_length $body_bytes_sent;
    req_status server uris agents;`,
};
for (const [name, lines] of Object.entries(SHIM_VARIANTS)) VARIANTS[name] = lines;

// Bounds of the waits, generous for valgrind's slowdown (about 50x) on a
// busy 2-core machine.
const START_MS = 60_000;
const CONNECT_MS = 2_000;
const CURL_MS = 300_000;
const CONTROL_MS = 60_000;
const EXIT_MS = 30_000;

/** Resolves as `promise` does, or rejects naming `what` after `ms`. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** execFileSync with a bound; the error names the command. */
function run(command, args, ms) {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: ms, killSignal: 'SIGKILL' });
  } catch (e) {
    throw new Error(`${command} ${args.slice(0, 3).join(' ')}...: ${e.signal === 'SIGKILL' ? `killed after ${ms / 1000} s` : e.message}`);
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within EXIT_MS; never waits longer than twice that. */
async function stop(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  try {
    await within(exited, EXIT_MS, `nginx under valgrind (pid ${child.pid}) after SIGTERM`);
  } catch {
    child.kill('SIGKILL');
    await within(exited, EXIT_MS, `nginx under valgrind (pid ${child.pid}) after SIGKILL`);
  }
}

async function instructionsPerRequest(name, lines) {
  const prefix = mkdtempSync(join(tmpdir(), 'ipng-bench-cg-'));
  mkdirSync(join(prefix, 'html'));
  mkdirSync(join(prefix, 'spool'));
  const port = await freePort();
  const ticking = lines.includes('@PORT2@');
  const filled = ticking ? lines.split('@PORT2@').join(String(await freePort())) : lines;
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(prefix, t)};`).join(' ');
  const shim = name in SHIM_VARIANTS ? `\nload_module ${env.SHIM_MODULE};` : '';
  writeFileSync(join(prefix, 'nginx.conf'), `${name === 'stock' ? '' : `load_module ${env.NJS_MODULE};`}${shim}
master_process off;
worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} notice;
events { }
http {
    ${temp}
    ${name === 'stock' || name in SHIM_VARIANTS ? 'access_log off;' : ''}
    ${filled.split('@PREFIX@').join(prefix)}
    server { listen 127.0.0.1:${port}; location = / { return 200 "ok\\n"; } }
}
`);
  const out = join(prefix, 'callgrind.out');
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`,
    ...(values['cache-sim'] ? ['--cache-sim=yes'] : []), ...nginxCommand,
    '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const startBy = Date.now() + START_MS;
    while (!(await within(portAnswers(port), CONNECT_MS, `connecting to port ${port}`).catch(() => false))) {
      if (Date.now() > startBy || child.exitCode !== null) {
        throw new Error(`nginx under valgrind did not start within ${START_MS / 1000} s:\n${stderr}`);
      }
      await sleep(100);
    }
    const url = `http://127.0.0.1:${port}/`;
    // curl sends all its URLs over one keepalive connection.
    const send = (n) => run('curl', ['-s', '--max-time', String(CURL_MS / 1000),
      ...Array(n).fill(url).flatMap((u) => ['-o', '/dev/null', u])], CURL_MS + 5_000);
    send(200);
    if (ticking) await sleep(1500); // the first flushes after the warm-up
    let dumps = 0;
    const measure = async (work) => {
      run('callgrind_control', ['-z', String(child.pid)], CONTROL_MS);
      const started = Date.now();
      await work();
      const seconds = (Date.now() - started) / 1000;
      run('callgrind_control', ['-d', String(child.pid)], CONTROL_MS);
      dumps++;
      const dump = readdirSync(prefix).filter((f) => f.startsWith('callgrind.out.')).sort().pop();
      if (!dump || !dump.endsWith(`.${dumps}`)) throw new Error(`callgrind_control -d wrote no dump ${dumps} in ${prefix}`);
      const text = readFileSync(join(prefix, dump), 'utf8');
      const totals = /^(?:totals|summary): (\d+)(.*)$/m.exec(text);
      if (!totals) throw new Error(`no totals in ${dump}`);
      // with --cache-sim, every event's total, by name (Ir Dr Dw I1mr D1mr ...)
      const names = (/^events: (.*)$/m.exec(text)?.[1] ?? 'Ir').trim().split(/\s+/);
      const all = [totals[1], ...totals[2].trim().split(/\s+/).filter(Boolean)].map(Number);
      const events = Object.fromEntries(names.map((e, i) => [e, all[i] ?? 0]));
      const flushes = callsOf(text, 'ngx_http_ipng_stats_writer_deltas_variable');
      return { dump, total: Number(totals[1]), events, timers: timerPart(join(prefix, dump), CONTROL_MS), flushes, seconds };
    };
    const counted = await measure(async () => send(requests));
    const idle = ticking ? await measure(() => sleep(idleSeconds * 1000)) : null;
    if (values['keep-dumps']) {
      mkdirSync(values['keep-dumps'], { recursive: true });
      const base = `callgrind.${name.replace(/[^a-z0-9]+/gi, '-')}`;
      copyFileSync(join(prefix, counted.dump), join(values['keep-dumps'], `${base}.out`));
      if (idle) copyFileSync(join(prefix, idle.dump), join(values['keep-dumps'], `${base}.idle.out`));
    }
    const ev = counted.events;
    return {
      misses: values['cache-sim']
        ? { d1: ((ev.D1mr ?? 0) + (ev.D1mw ?? 0)) / requests, ll: ((ev.ILmr ?? 0) + (ev.DLmr ?? 0) + (ev.DLmw ?? 0)) / requests }
        : null,
      perRequest: (counted.total - counted.timers) / requests,
      tickPerSecond: idle ? idle.timers / idle.seconds : null,
      // the ticks that ran during the requests, each a flush with their counts
      flushWithCounts: ticking && counted.flushes > 0 ? counted.timers / counted.flushes : null,
    };
  } finally {
    try {
      await stop(child, exited);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  }
}

console.log(`instructions per request (callgrind, ${requests} keepalive requests to return 200, one process; ` +
  'ticks apart)');
const results = {};
for (const [name, lines] of Object.entries(VARIANTS)) {
  if (values.only && name !== 'stock' && !name.includes(values.only) && !name.startsWith('shim')) continue;
  const r = await instructionsPerRequest(name, lines);
  results[name] = r.perRequest;
  const over = name === 'stock' ? '' : `  (+${Math.round(results[name] - results.stock)} over stock)`;
  const tick = (r.tickPerSecond === null ? ''
    : `; idle, its tick: ${Math.round(r.tickPerSecond).toLocaleString('en')} a second`) +
    (r.flushWithCounts === null ? '' : `; a tick that flushes counts: ${Math.round(r.flushWithCounts).toLocaleString('en')}`);
  const misses = r.misses === null ? ''
    : `; cache misses a request (the tick included): D1 ${r.misses.d1.toFixed(1)}, LL ${r.misses.ll.toFixed(2)}`;
  console.log(`  ${name.padEnd(44)} ${Math.round(results[name]).toString().padStart(7)}${over}${tick}${misses}`);
}
