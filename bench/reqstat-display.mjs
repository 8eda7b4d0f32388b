// reqstat's display and memory (issue 14's targets), in a real nginx with
// 2 workers, the shim and the bundle:
//   - display: a zone seeded with 10,000 keys by real requests, then the
//     show (Tengine lines, JSON, Prometheus) fetched repeatedly; the
//     median time per format, next to stock nginx serving the same bytes
//     from a file in the same run (the ratio is what the show's njs adds);
//   - memory: 1,010 keys of 152 bytes (the default key length) sent into a
//     1 MB zone: how many it keeps, and how many bytes it still has free;
//     the same with keys of 200 bytes (cut to 152, with their identity).
//
//   npm run bench:reqstat -- [--keys 10000] [--fetches 21]
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeEnv, repoRoot } from '../scripts/runtime-env.mjs';
import { sleep, startNginx } from '../scripts/nginx-process.mjs';
import { get, median } from './measure.mjs';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    fetches: { type: 'string', default: '21' },
  },
});
const KEYS = Number(values.keys);
const FETCHES = Number(values.fetches);

function config(staticDir) {
  const env = readRuntimeEnv();
  return {
    workers: 2, ports: 3, product: false, tick: false, flushInterval: null, removeOnStop: true,
    main: `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`,
    http: `
    js_path ${join(repoRoot, 'dist')};
    ipng_stats off;
    ipng_stats_flush_interval 100ms;
    access_log off;
    req_status_zone hosts "$host" 10m;
    req_status_zone long "$host" 1m;
    req_status_zone cut "$host" 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        location / { req_status hosts; return 200 "x"; }
        location /long { req_status long; return 200 "x"; }
        location /cut { req_status cut; return 200 "x"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /hosts { req_status_show hosts; }
        location = /long { req_status_show long; }
        location = /cut { req_status_show cut; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        root ${staticDir};
    }`,
  };
}

/** Sends `count` requests with distinct Host headers, `lanes` at a time. */
async function seed(url, count, host) {
  let next = 0;
  const lanes = Array.from({ length: 16 }, async () => {
    while (next < count) {
      const i = next++;
      const res = await get(url, { Host: host(i) });
      if (res.status !== 200) throw new Error(`seed request ${i}: ${res.status}`);
    }
  });
  await Promise.all(lanes);
}

async function shownKeys(url) {
  const res = await get(url, { Accept: 'application/json' });
  return JSON.parse(res.body).zones[0];
}

const staticDir = mkdtempSync(join(tmpdir(), 'ipng-reqstat-bench-'));
chmodSync(staticDir, 0o755);
const n = await startNginx(config(staticDir));
try {
  const app = `http://127.0.0.1:${n.ports[0]}`;
  const show = `http://127.0.0.1:${n.ports[1]}`;
  const stock = `http://127.0.0.1:${n.ports[2]}`;

  const seedStarted = Date.now();
  await seed(`${app}/`, KEYS, (i) => `host-${i}.example`);
  for (let i = 0; i < 100 && (await shownKeys(`${show}/hosts`)).keys.length < KEYS; i++) await sleep(100);
  const zone = await shownKeys(`${show}/hosts`);
  console.log(`seeded ${zone.keys.length} keys into a 10 MB zone in ${Date.now() - seedStarted} ms`);

  console.log(`display of ${zone.keys.length} keys: median of ${FETCHES} fetches, next to stock nginx serving the same bytes from a file`);
  for (const [name, headers] of [['tengine', {}], ['json', { Accept: 'application/json' }], ['prometheus', { Accept: 'text/plain; version=0.0.4' }]]) {
    const sample = await get(`${show}/hosts`, headers);
    writeFileSync(join(staticDir, `${name}.txt`), sample.body);
    chmodSync(join(staticDir, `${name}.txt`), 0o644);
    const shown = [];
    const served = [];
    for (let i = 0; i < FETCHES; i++) {
      shown.push((await get(`${show}/hosts`, headers)).ms);
      served.push((await get(`${stock}/${name}.txt`)).ms);
    }
    const m = median(shown);
    const s = median(served);
    console.log(`  ${name.padEnd(10)} ${String(sample.body.length).padStart(9)} bytes: ${m.toFixed(1)} ms (stock file: ${s.toFixed(1)} ms, ratio ${(m / s).toFixed(1)})`);
  }

  // 152 bytes: as long as the key length; 200: cut to 152, each with the
  // identity of its whole key (docs/reqstat.md), 17 more bytes a key
  for (const [zone, length] of [['long', 152], ['cut', 200]]) {
    const key = (i) => `k${String(i).padStart(5, '0')}-`.padEnd(length, 'x');
    await seed(`${app}/${zone}`, 1010, key);
    let shown = await shownKeys(`${show}/${zone}`);
    for (let i = 0; i < 50 && shown.keys.length + shown.keys_dropped < 1010; i++) {
      await sleep(100);
      shown = await shownKeys(`${show}/${zone}`);
    }
    const kept = shown.keys.length;
    console.log(
      `memory: 1,010 keys of ${length} bytes into a 1 MB zone (key length 152): ${kept} kept (${kept} keys per MB), ` +
        `${shown.keys_dropped} dropped, ${shown.free_bytes} of ${shown.size_bytes} bytes still free`,
    );
  }
} finally {
  await n.stop();
  rmSync(staticDir, { recursive: true, force: true });
}
