// Side-by-side throughput benchmark, run interleaved (stock, floor,
// product, fallback, then floor, product, fallback, stock, ...: each round
// starts one variant later) so that machine noise hits every variant
// alike. Prints requests/s per run and the median of the per-round ratios
// to stock. Variants, all the same nginx binary:
//   stock     no njs, no shim, access_log off
//   floor     a log-phase js_set that does nothing, evaluated by access_log
//             if= (what any per-request njs hook costs)
//   product   what users run: shim + bundle, full metric set
//   fallback  no shim, as users are told to write it: the log spool
//             (nginx/ipng-stats-log-spool.conf; nginx's access log per
//             worker, the tick adds it up: no njs per request) with the
//             open_file_cache line docs/configuration.md suggests, the
//             bundle imported only in the scrape and tick locations
//   fallback-no-ofc  (not run by default) the same without
//             open_file_cache: nginx then tests the root directory with a
//             stat() before each write of a log whose path has variables
//   fallback-recorder  (not run by default) the older no-shim form: the
//             njs recorder module per request
//   fallback-bundle  (not run by default) the oldest: the recorder with
//             the bundle imported at http level
//   reqstat   a Tengine user's configuration (not run by default): one
//             req_status zone keyed "$host,$server_addr:$server_port" and
//             a req_status_show location, nothing else of the product's
//   reqstat3  three req_status zones and two indicators
//
//   npm run bench -- [--scenario 1,2,3,4] [--rounds 3] [--seconds 5]
//                    [--variants floor,product,fallback,fallback-no-ofc,fallback-recorder,fallback-bundle]
//   npm run bench -- --scenario 1,2 --variants reqstat,reqstat3
//
// Load comes from wrk (Debian package) on loopback only; every run is
// bounded by --seconds. See docs/performance.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeEnv, repoRoot } from '../scripts/runtime-env.mjs';
import { sleep, startNginx } from '../scripts/nginx-process.mjs';
import { get, median, wrk } from './measure.mjs';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: '1,2,3,4' },
    rounds: { type: 'string', default: process.env.IPNG_BENCH_ROUNDS || '3' },
    seconds: { type: 'string', default: process.env.IPNG_BENCH_SECONDS || '5' },
    // stock always runs: every ratio is to it
    variants: { type: 'string', default: 'floor,product,fallback' },
  },
});
const rounds = Math.max(1, Number(values.rounds));
const seconds = Math.min(60, Math.max(1, Number(values.seconds)));

const TINY_SITE = `
    server {
        listen 127.0.0.1:{{PORT}} backlog=4096;
        location = / { return 200 "ok\\n"; }
    }
`;

// Same front server, proxying to a separate stock nginx (the upstream), so
// that $upstream_response_time is set and the upstream histogram is active.
const PROXY_SITE = `
    upstream backend {
        server 127.0.0.1:@UPSTREAM_PORT@;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:{{PORT}} backlog=4096;
        location = / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
`;

// The display of reqstat variants, on the second port: it carries the tick
// and shows the zone "server", where every request counts once.
const REQSTAT_SHOW_SERVER = `
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { req_status_show server; }
    }
`;

const METRICS_SERVER = `
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /metrics { include ${join(repoRoot, 'nginx', 'ipng-stats-scrape.conf')}; }
    }
`;

/** @type {Record<string, {title: string, workers: number, site: string, wrk: string[], upstream?: boolean}>} */
const SCENARIOS = {
  1: { title: 'worst case: 1 worker, keepalive, tiny return 200', workers: 1, site: TINY_SITE, wrk: ['-t1', '-c16'] },
  2: { title: '2 workers, keepalive, more connections', workers: 2, site: TINY_SITE, wrk: ['-t2', '-c64'] },
  3: { title: 'no keepalive: a new connection per request', workers: 1, site: TINY_SITE, wrk: ['-t1', '-c16', '-H', 'Connection: close'] },
  4: { title: 'proxy_pass to a local upstream (upstream histogram active)', workers: 1, site: PROXY_SITE, wrk: ['-t1', '-c16'], upstream: true },
};

function variantOptions(variant, scenario, upstreamPort) {
  const http = scenario.site.split('@UPSTREAM_PORT@').join(String(upstreamPort ?? 0));
  const env = readRuntimeEnv();
  switch (variant) {
    case 'stock':
      return { http: `    access_log off;\n${http}`, workers: scenario.workers, product: false };
    case 'floor':
      // Evaluated once per request by access_log if= (the shim no longer
      // calls njs per request); returns '' so nothing is written.
      return {
        http: `    js_path ${join(repoRoot, 'bench', 'floor')};
    js_import floor from floor.js;
    js_set $ipng_bench_floor floor.noop;
    log_format ipng_bench_floor '$ipng_bench_floor';
    access_log /dev/null ipng_bench_floor if=$ipng_bench_floor;
${http}`,
        workers: scenario.workers,
        product: false,
        main: `load_module ${env.NJS_MODULE};`,
      };
    // flushInterval: null keeps the default users get (1s). A second port
    // serves the scrape, so the run can check that every request counted.
    case 'product':
      return { http: http + METRICS_SERVER, ports: 2, workers: scenario.workers, product: true, shim: true, flushInterval: null };
    // The no-shim form users are told to write: the log spool, no njs per
    // request (noShimForm: 'spool'), with the open_file_cache line of
    // docs/configuration.md; -no-ofc without it.
    case 'fallback':
    case 'fallback-no-ofc':
      return {
        http: (variant === 'fallback' ? '    open_file_cache max=1000;\n' : '') + http + METRICS_SERVER,
        ports: 2, workers: scenario.workers, product: true, shim: false,
        flushInterval: null, bundleAtHttp: false, noShimForm: 'spool',
      };
    // The older no-shim form: the small njs recorder module at http level
    // (bundleAtHttp: false), run per request.
    case 'fallback-recorder':
      return {
        http: http + METRICS_SERVER, ports: 2, workers: scenario.workers, product: true, shim: false,
        flushInterval: null, bundleAtHttp: false,
      };
    // The older no-shim form (ipng-stats.conf and the fallback include at
    // http level): every request's VM also holds the bundle. Not run by
    // default; `--variants fallback,fallback-bundle` compares the two.
    case 'fallback-bundle':
      return { http: http + METRICS_SERVER, ports: 2, workers: scenario.workers, product: true, shim: false, flushInterval: null };
    // Tengine's directives only: the shim counts per request in C, the
    // bundle runs in the tick and the show location
    case 'reqstat':
    case 'reqstat3': {
      const zones = variant === 'reqstat'
        ? `    req_status_zone server "$host,$server_addr:$server_port" 10m;
    req_status server;`
        : `    req_status_zone server "$host,$server_addr:$server_port" 10m;
    req_status_zone uris "$uri" 10m;
    req_status_zone agents "$http_user_agent" 10m;
    req_status_zone_add_indicator server $request_length $body_bytes_sent;
    req_status server uris agents;`;
      return {
        http: `    access_log off;
    ipng_stats_bundle ${join(repoRoot, 'dist', 'ipng-stats.js')};
${zones}
${http}${REQSTAT_SHOW_SERVER}`,
        ports: 2, workers: scenario.workers, product: false, flushInterval: null,
        main: `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`,
      };
    }
    default:
      throw new Error(variant);
  }
}

/** No-shim variants beside `fallback`, run only when --variants names them. */
const OTHER_FALLBACKS = ['fallback-no-ofc', 'fallback-recorder', 'fallback-bundle'];

async function countedRequests(metricsUrl) {
  const { body } = await get(metricsUrl);
  let total = 0;
  for (const line of body.split('\n')) {
    if (line.startsWith('nginx_ipng_requests_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** req_total summed over the show's lines: the 29 columns (and indicators) end each line. */
async function reqstatCounted(showUrl, indicators) {
  const { body } = await get(showUrl);
  let total = 0;
  for (const line of body.split('\n').filter(Boolean)) {
    const f = line.split(',');
    total += Number(f[f.length - 29 - indicators + 3]);
  }
  return total;
}

async function runScenario(id) {
  const scenario = SCENARIOS[id];
  console.log(`\n== scenario ${id}: ${scenario.title}`);
  const started = [];
  try {
    let upstreamPort;
    if (scenario.upstream) {
      const upstream = await startNginx({
        http: `    access_log off;\n${TINY_SITE}`,
        workers: 1,
        product: false,
        prefixName: 'ipng-bench-upstream-', removeOnStop: true,
      });
      started.push(upstream);
      upstreamPort = upstream.port;
    }
    const variants = ['stock', ...values.variants.split(',').map((v) => v.trim()).filter((v) => v && v !== 'stock')];
    const servers = {};
    for (const v of variants) {
      servers[v] = await startNginx({ ...variantOptions(v, scenario, upstreamPort), prefixName: `ipng-bench-${v}-`, removeOnStop: true });
      started.push(servers[v]);
    }
    const completed = Object.fromEntries(variants.map((v) => [v, 0]));
    for (const v of variants) {
      completed[v] += (await wrk(scenario.wrk, servers[v].url('/'), 1)).completed; // warm-up, not timed
    }
    const runs = Object.fromEntries(['stock', 'floor', 'product', 'fallback', 'reqstat', 'reqstat3', ...variants].map((v) => [v, []]));
    for (let round = 1; round <= rounds; round++) {
      // Each round starts one variant later (stock first in round 1, the
      // next variant first in round 2, ...), so that no variant always runs
      // first in a round, or always right after the same other variant.
      const start = (round - 1) % variants.length;
      for (const v of [...variants.slice(start), ...variants.slice(0, start)]) {
        const r = await wrk(scenario.wrk, servers[v].url('/'), seconds);
        runs[v].push(r.rps);
        completed[v] += r.completed;
        console.log(`  round ${round} ${v.padEnd(8)} ${r.rps.toFixed(0).padStart(8)} req/s ${r.errors}`);
      }
    }
    const ratio = (v) => (runs[v].length ? median(runs[v].map((x, i) => x / runs.stock[i])) : NaN);
    const result = {
      id, title: scenario.title, runs,
      floorRatio: ratio('floor'), productRatio: ratio('product'), fallbackRatio: ratio('fallback'),
      reqstatRatio: ratio('reqstat'), reqstat3Ratio: ratio('reqstat3'),
    };
    console.log(`  median ratio floor/stock    ${result.floorRatio.toFixed(3)}`);
    console.log(`  median ratio product/stock  ${result.productRatio.toFixed(3)}`);
    console.log(`  median ratio fallback/stock ${result.fallbackRatio.toFixed(3)}`);
    for (const v of ['reqstat', 'reqstat3'].filter((x) => servers[x])) {
      console.log(`  median ratio ${v}/stock ${' '.repeat(9 - v.length)}${ratio(v).toFixed(3)}`);
    }
    result.otherRatios = {};
    for (const v of OTHER_FALLBACKS.filter((x) => servers[x])) {
      result.otherRatios[v] = ratio(v);
      console.log(`  median ratio ${v}/stock ${result.otherRatios[v].toFixed(3)}`);
    }
    await sleep(2500); // two flush intervals: the shim's deltas and the spool's lines are in the zone
    for (const v of ['product', 'fallback', ...OTHER_FALLBACKS].filter((x) => servers[x])) {
      const counted = await countedRequests(`http://127.0.0.1:${servers[v].ports[1]}/metrics`);
      // wrk stops with requests in flight: nginx may count a few it did not see complete.
      const verdict = counted >= completed[v] ? 'ok' : 'FEWER COUNTED THAN COMPLETED';
      console.log(`  ${v}: counted ${counted} requests, wrk saw ${completed[v]} complete (${verdict})`);
      result[`${v}Counted`] = { counted, completed: completed[v] };
    }
    for (const v of ['reqstat', 'reqstat3'].filter((x) => servers[x])) {
      const counted = await reqstatCounted(`http://127.0.0.1:${servers[v].ports[1]}/us`, v === 'reqstat3' ? 2 : 0);
      // the first zone's lines: every request once (the /us fetch counts too)
      const verdict = counted >= completed[v] ? 'ok' : 'FEWER COUNTED THAN COMPLETED';
      console.log(`  ${v}: counted ${counted} requests in zone "server", wrk saw ${completed[v]} complete (${verdict})`);
      result[`${v}Counted`] = { counted, completed: completed[v] };
    }
    return result;
  } finally {
    for (const n of started) await n.stop();
  }
}

if (spawnSync('wrk', ['-v']).error) {
  console.error('wrk is not installed (Debian package wrk): run `npm run provision`');
  process.exit(2);
}

const ids = values.scenario.split(',').map((s) => s.trim()).filter(Boolean);
const results = [];
for (const id of ids) {
  if (!SCENARIOS[id]) throw new Error(`unknown scenario ${id}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  results.push(await runScenario(id));
}

console.log('\nsummary (median of per-round ratios to stock nginx, same binary, same run)');
console.log('scenario  floor/stock  product/stock  fallback/stock  reqstat/stock  reqstat3/stock');
for (const r of results) {
  console.log(`${String(r.id).padEnd(10)}${r.floorRatio.toFixed(3).padStart(11)}  ` +
    `${r.productRatio.toFixed(3).padStart(13)}  ${r.fallbackRatio.toFixed(3).padStart(14)}  ` +
    `${r.reqstatRatio.toFixed(3).padStart(13)}  ${r.reqstat3Ratio.toFixed(3).padStart(14)}`);
}
for (const v of OTHER_FALLBACKS.filter((x) => results.some((r) => r.otherRatios[x] !== undefined))) {
  console.log(`${v}/stock: ${results.map((r) => `scenario ${r.id} ${r.otherRatios[v].toFixed(3)}`).join(', ')}`);
}
const outDir = join(repoRoot, 'build', 'bench');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(outFile, JSON.stringify({ rounds, seconds, results }, null, 2));
console.log(`raw results: ${outFile}`);
