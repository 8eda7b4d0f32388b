// Scenario 5: the cost of scraping at the spec's sizing. Real traffic fills
// the zone with 4 sources x 50 VIPs x 60 status codes = 12,000
// (source, vip, code) series plus their histograms: once in the spec's
// default 4m zone (does the sizing fit?) and once in a zone large enough to
// hold it all, where the Prometheus and the JSON scrape are timed (median
// of repeated scrapes) and counting throughput is compared with and
// without a scrape every second (interleaved rounds).
//
//   npm run bench:scrape -- [--rounds 3] [--seconds 5] [--large-zone 16m]
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { sleep, startNginx } from '../scripts/nginx-process.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'large-zone': { type: 'string', default: '16m' },
  },
});
const SOURCES = 4;
const VIPS = 50;
const CODES = 60;
// 60 status codes nginx can return with a body-less `return`.
const codes = [];
for (let c = 200; codes.length < CODES; c++) if (c !== 204 && c !== 304) codes.push(c);

/** GET with a fresh connection; resolves with status, body and elapsed ms. */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end();
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const vipAddress = (v) => `127.0.1.${v + 1}`;

function siteConfig() {
  const locations = codes.map((c) => `        location = /c${c} { return ${c}; }`).join('\n');
  const servers = [];
  for (let s = 0; s < SOURCES; s++) {
    // 127.0.0.1 only lets the harness see the port answer; no traffic goes there.
    const listens = [`        listen 127.0.0.1:{{PORT${s + 1}}} ipng_source_tag=src${s};`];
    for (let v = 0; v < VIPS; v++) listens.push(`        listen ${vipAddress(v)}:{{PORT${s + 1}}} ipng_source_tag=src${s};`);
    servers.push(`    server {\n${listens.join('\n')}\n${locations}\n    }`);
  }
  return `
    server {
        listen 127.0.0.1:{{PORT}};
        location = / { return 200 "ok\\n"; }
        location = /metrics { js_content ipng.scrape; }
    }
${servers.join('\n')}
`;
}

/** Starts nginx with a zone of `zoneSize`, sends one request per series, waits for the flush. */
async function filled(zoneSize) {
  const nginx = await startNginx({
    ports: SOURCES + 1, workers: 1, product: true, shim: true, zoneSize,
    flushInterval: '1s', http: siteConfig(), prefixName: 'ipng-bench-scrape-',
  });
  const jobs = [];
  for (let s = 0; s < SOURCES; s++) {
    for (let v = 0; v < VIPS; v++) for (const c of codes) jobs.push(`http://${vipAddress(v)}:${nginx.ports[s + 1]}/c${c}`);
  }
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < jobs.length) await get(jobs[next++]);
  }));
  await sleep(2500); // two flush intervals: every delta is in the zone
  const body = (await get(nginx.url('/metrics'))).body;
  const value = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1]);
  return {
    nginx,
    series: body.split('\n').filter((l) => l.startsWith('nginx_ipng_requests_total{')).length,
    used: value('nginx_ipng_zone_bytes_used'),
    total: value('nginx_ipng_zone_bytes_total'),
    fullEvents: value('nginx_ipng_zone_full_events_total'),
  };
}

function report(label, z) {
  console.log(`  ${label}: ${z.series} of ${SOURCES * VIPS * CODES} requests series counted, ` +
    `${z.used} of ${z.total} bytes used, ${z.fullEvents} new keys dropped (zone full)`);
}

console.log(`== scenario 5: ${SOURCES} sources x ${VIPS} VIPs x ${CODES} codes = ${SOURCES * VIPS * CODES} series`);
const small = await filled('4m');
try {
  report('spec default zone 4m', small);
} finally {
  await small.nginx.stop();
}

const large = await filled(values['large-zone']);
try {
  report(`zone ${values['large-zone']}`, large);
  const metrics = large.nginx.url('/metrics');
  const textMs = [];
  const jsonMs = [];
  for (let i = 0; i < 11; i++) {
    textMs.push((await get(metrics)).ms);
    jsonMs.push((await get(metrics, { Accept: 'application/json' })).ms);
  }
  console.log(`  scrape time (client side, median of 11): prometheus ${median(textMs).toFixed(1)} ms, ` +
    `json ${median(jsonMs).toFixed(1)} ms (target <= 50 ms)`);

  const rounds = Number(values.rounds);
  const seconds = Math.min(60, Number(values.seconds));
  const quiet = [];
  const scraped = [];
  for (let r = 0; r < rounds; r++) {
    for (const withScrape of [false, true]) {
      let scraping = withScrape;
      const scraper = (async () => {
        while (scraping) {
          await get(metrics);
          await sleep(1000);
        }
      })();
      const out = execFileSync('wrk', ['-t1', '-c16', `-d${seconds}s`, large.nginx.url('/')], { encoding: 'utf8' });
      scraping = false;
      await scraper;
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
      (withScrape ? scraped : quiet).push(rps);
      console.log(`  round ${r + 1} ${withScrape ? 'scraped every 1s' : 'not scraped     '} ${rps.toFixed(0).padStart(8)} req/s`);
    }
  }
  const ratio = median(scraped.map((x, i) => x / quiet[i]));
  console.log(`  counting throughput scraped every second / not scraped: ${ratio.toFixed(3)} (target >= 0.95)`);
} finally {
  await large.nginx.stop();
}
