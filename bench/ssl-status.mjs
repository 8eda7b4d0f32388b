// SSL status (docs/ssl-status.md) against stock nginx, side by side in one
// run, the targets of issue 15:
//
//   handshakes  worst-case handshake throughput: 1 worker, no keepalive,
//               TLS with every handshake a full one (tickets off, no
//               session cache), a tiny response; stock vs SSL status on,
//               interleaved rounds, the ratio of medians (target >= 0.98)
//   config      `nginx -t` on 10,000 TLS servers, all in zones, vs the
//               same servers on stock nginx: callgrind instructions
//               (target <= 1.05) and peak memory
//   timer       with those 10,000 servers loaded, the worker's CPU time
//               while idle, in alternating windows, with every server in a
//               zone vs one server in a zone (same tick and display): the
//               cost of reading 10,000 contexts at each flush (target <= 1%
//               of a core)
//
//   node bench/ssl-status.mjs [--part handshakes,config,timer]
//        [--servers 10000] [--zones 100] [--seconds 5] [--rounds 3]
//        [--window 10]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, wrk } from './measure.mjs';
import { nginxArgs, nginxBinary, writeNginxConfig } from '../scripts/nginx-prefix.mjs';
import { freePort, sleep, startNginx } from '../scripts/nginx-process.mjs';
import { readRuntimeEnv, repoRoot } from '../scripts/runtime-env.mjs';

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'handshakes,config,timer' },
    servers: { type: 'string', default: '10000' },
    zones: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '6' },
    window: { type: 'string', default: '10' },
  },
});
const parts = values.part.split(',');
const servers = Number(values.servers);
const zones = Number(values.zones);

const work = mkdtempSync(join(tmpdir(), 'ipng-bench-ssl-'));
const cert = join(work, 'cert.pem');
const key = join(work, 'key.pem');
// An EC key: the configurations load it 10,000 times (nginx 1.26 has no
// SSL object cache), and so does every handshake.
const made = spawnSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
  '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`openssl req: ${made.stderr}`);

const env = readRuntimeEnv();
const MODULES = `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`;
const PRODUCT = `    access_log off;
    ipng_stats off;
    ipng_stats_bundle ${join(repoRoot, 'dist', 'ipng-stats.js')};`;

function tlsServer(port, name, zone) {
  return `
    server {
        listen 127.0.0.1:${port} ssl;
        server_name ${name};
        ssl_certificate ${cert};
        ssl_certificate_key ${key};
        ssl_session_tickets off;
        ${zone ? `ssl_status_zone ${zone};` : ''}
        location / { return 200 "ok\\n"; }
    }`;
}

/** count TLS servers on one port; zoned: how many of them are in zones */
function manyServers(port, count, zoned) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(tlsServer(port, `s${i}.example.test`, i < zoned ? `z${i % zones}` : null));
  return out.join('');
}

function displayServer(port, zone) {
  return `\n    server { listen 127.0.0.1:${port}; location = /ssl { ssl_status ${zone}; } }`;
}

async function handshakes() {
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const variants = {
    stock: { product: false, main: '', http: '    access_log off;\n' + tlsServer('{{PORT}}', 'localhost', null) },
    ssl: {
      product: false,
      main: MODULES,
      http: PRODUCT + tlsServer('{{PORT}}', 'localhost', 'z') + displayServer('{{PORT1}}', 'z'),
      ports: 2,
    },
  };
  const run = {};
  for (const [name, v] of Object.entries(variants)) {
    run[name] = { n: await startNginx({ ...v, workers: 1, tick: false, flushInterval: null, prefixName: `ipng-bench-ssl-${name}-`, removeOnStop: true }), rps: [] };
  }
  try {
    const url = (n) => `https://127.0.0.1:${n.port}/`;
    const args = ['-t1', '-c16', '-H', 'Connection: close'];
    for (const r of Object.values(run)) await wrk(args, url(r.n), 1); // warm-up
    // the order alternates (ABBA...), so that a drift of the machine's load
    // does not favour the variant that runs first
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? [run.stock, run.ssl] : [run.ssl, run.stock];
      for (const r of order) r.rps.push((await wrk(args, url(r.n), seconds)).rps);
    }
    const stock = median(run.stock.rps);
    const ssl = median(run.ssl.rps);
    console.log(`handshakes (1 worker, no keepalive, full TLS handshakes, ${rounds} x ${seconds}s interleaved):`);
    console.log(`  stock ${stock.toFixed(0)}/s  ssl status ${ssl.toFixed(0)}/s  ratio ${(ssl / stock).toFixed(3)} (target >= 0.98)`);
    console.log(`  runs: stock ${run.stock.rps.map((x) => x.toFixed(0)).join(' ')}; ssl ${run.ssl.rps.map((x) => x.toFixed(0)).join(' ')}`);
    const shown = spawnSync('curl', ['-s', `http://127.0.0.1:${run.ssl.n.ports[1]}/ssl`], { encoding: 'utf8' }).stdout;
    console.log(`  the zone after the runs: ${shown.split('\n').filter((l) => /^accept/.test(l)).join(', ')}`);
  } finally {
    for (const r of Object.values(run)) await r.n.stop();
  }
}

function configTest(label, main, http) {
  const prefix = mkdtempSync(join(work, `config-${label}-`));
  writeNginxConfig({ prefix, http, workers: 1, product: false, tick: false, main });
  const args = ['-t', '-q', ...nginxArgs(prefix)];
  const cg = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--trace-children=yes', `--callgrind-out-file=${join(prefix, 'callgrind.%p')}`, nginxBinary(), ...args],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (cg.status !== 0) throw new Error(`nginx -t failed under valgrind (${label}):\n${cg.stderr.slice(-2000)}`);
  const instructions = [...cg.stderr.matchAll(/Collected : (\d+)/g)].map((m) => Number(m[1])).reduce((a, b) => a + b, 0);
  const rss = spawnSync(
    'python3',
    ['-c', 'import resource,subprocess,sys; r=subprocess.run(sys.argv[1:]); print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)', nginxBinary(), ...args],
    { encoding: 'utf8' },
  );
  const [status, maxRssKb] = rss.stdout.trim().split(' ').map(Number);
  if (status !== 0) throw new Error(`nginx -t failed (${label}): ${rss.stderr}`);
  return { instructions, maxRssKb };
}

async function config() {
  const port = await freePort();
  const stock = configTest('stock', '', '    access_log off;\n' + manyServers(port, servers, 0));
  const ssl = configTest('ssl', MODULES, PRODUCT + manyServers(port, servers, servers) + displayServer(port + 1, 'z0'));
  console.log(`config (nginx -t, ${servers} TLS servers, all in ${zones} zones; callgrind):`);
  console.log(`  stock ${stock.instructions} instructions, ${stock.maxRssKb} KB peak RSS`);
  console.log(`  ssl status ${ssl.instructions} instructions, ${ssl.maxRssKb} KB peak RSS`);
  console.log(`  ratio ${(ssl.instructions / stock.instructions).toFixed(4)} (target <= 1.05); memory ${(ssl.maxRssKb / stock.maxRssKb).toFixed(3)}x`);
}

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, clock ticks
}

function workerPid(prefix) {
  const master = readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim();
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', master], { encoding: 'utf8' }).stdout;
  return Number(ps.split('\n').find((l) => /worker process/.test(l)).trim().split(/\s+/)[0]);
}

async function timer() {
  const window = Number(values.window);
  const rounds = Number(values.rounds);
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim());
  const runs = {};
  // both configurations run at once; their idle workers are measured in
  // alternating windows, so that the machine's load hits both alike
  for (const [label, zoned] of [['all', servers], ['one', 1]]) {
    runs[label] = {
      n: await startNginx({
        workers: 1, product: false, tick: false, flushInterval: null, main: MODULES, ports: 2,
        http: PRODUCT + manyServers('{{PORT1}}', servers, zoned) + displayServer('{{PORT}}', 'z0'),
        prefixName: `ipng-bench-ssl-timer-${label}-`, removeOnStop: true,
      }),
      pct: [],
    };
  }
  try {
    await sleep(3000); // the first readings (every zone once) are not the steady state
    for (let i = 0; i < rounds; i++) {
      for (const label of i % 2 === 0 ? ['all', 'one'] : ['one', 'all']) {
        const pid = workerPid(runs[label].n.prefix);
        const before = cpuTicks(pid);
        await sleep(window * 1000);
        runs[label].pct.push(((cpuTicks(pid) - before) / hz / window) * 100);
      }
    }
  } finally {
    for (const r of Object.values(runs)) await r.n.stop();
  }
  const all = median(runs.all.pct);
  const one = median(runs.one.pct);
  console.log(`timer (1 worker, ${servers} TLS servers loaded, idle, flush interval 1s, ${rounds} x ${window}s windows):`);
  console.log(`  all ${servers} servers in ${zones} zones: ${all.toFixed(2)}% of a core (${runs.all.pct.map((x) => x.toFixed(2)).join(' ')})`);
  console.log(`  one server in a zone: ${one.toFixed(2)}% (${runs.one.pct.map((x) => x.toFixed(2)).join(' ')})`);
  console.log(`  reading ${servers} contexts at each flush: ${(all - one).toFixed(2)}% of a core (target <= 1%)`);
}

try {
  console.log(`nginx ${env.NGINX_IDENTITY || ''}; ${new Date().toISOString()}`);
  if (parts.includes('handshakes')) await handshakes();
  if (parts.includes('config')) await config();
  if (parts.includes('timer')) await timer();
} finally {
  rmSync(work, { recursive: true, force: true });
}
