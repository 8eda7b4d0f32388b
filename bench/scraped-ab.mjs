// Scenario 5's "counting while scraped" (bench/scrape-cost.mjs: wrk -t1
// -c16 on `/`, a Prometheus scrape of the 12,000 series every second, one
// worker, 1 s flush interval, 16m zone) for two or more checkouts in ONE
// run: every checkout's nginx is started and filled first, then the rounds
// alternate between them (the order reversed every round), so that a
// machine that gets busier or quieter during the run moves every
// checkout's rounds alike. Separate runs one after another cannot tell a
// change of a few percent from drift.
//
//   node bench/scraped-ab.mjs [--rounds 5] [--seconds 5] DIR [DIR...]
//
// Each DIR is a checkout with its own npm ci, provision and build (e.g.
// `git worktree add /tmp/old COMMIT`); `.` is this one. Prints each
// round's ratio, the worker's CPU time (user/system, ms) and minor page
// faults in the scraped round, and each checkout's median ratio.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { get, median } from './measure.mjs';
import { countingRound, SOURCES, seriesUrls, siteConfig } from './scrape-site.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
  },
});
if (positionals.length === 0) {
  console.error('usage: node bench/scraped-ab.mjs [--rounds 5] [--seconds 5] DIR [DIR...]');
  process.exit(2);
}
const rounds = Math.max(1, Math.min(50, Number(values.rounds)));
const seconds = Math.max(1, Math.min(60, Number(values.seconds)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICKS_MS = 10; // /proc/PID/stat counts CPU time in 1/100 s (USER_HZ)

function workerStat(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // after "pid (comm) ": state is field 0, minflt 7, utime 11, stime 12
  return { minflt: Number(f[7]), utime: Number(f[11]), stime: Number(f[12]) };
}

const checkouts = [];
try {
  for (const dir of positionals) {
    const root = resolve(dir);
    // each checkout's own harness, so its own dist/, shim and runtime
    const { startNginx } = await import(`${root}/scripts/nginx-process.mjs`);
    const nginx = await startNginx({
      ports: SOURCES + 1, workers: 1, product: true, shim: true, zoneSize: '16m', flushInterval: '1s',
      http: siteConfig(), prefixName: 'ipng-bench-ab-', removeOnStop: true,
    });
    const c = { root, nginx, ratios: [] };
    checkouts.push(c);
    const urls = seriesUrls(nginx.ports);
    for (let pass = 0; pass < 2; pass++) {
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < urls.length) await get(urls[next++]);
      }));
      await sleep(2500); // two flush intervals: every delta is in the zone
    }
    const master = readFileSync(`${nginx.prefix}/nginx.pid`, 'utf8').trim();
    const workers = execFileSync('pgrep', ['-P', master], { encoding: 'utf8' }).trim().split('\n');
    if (workers.length !== 1) throw new Error(`${root}: expected one worker, found ${workers.join(' ')}`);
    c.worker = Number(workers[0]);
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? checkouts : [...checkouts].reverse();
    for (const c of order) {
      const rps = {};
      let scrapedStat = '';
      for (const withScrape of [false, true]) {
        const before = workerStat(c.worker);
        const round = await countingRound(c.nginx, withScrape, seconds);
        rps[withScrape] = round.rps;
        const scrapes = round.scrapes;
        const after = workerStat(c.worker);
        if (withScrape) {
          scrapedStat = `${scrapes} scrapes, worker CPU user ${(after.utime - before.utime) * TICKS_MS} ` +
            `system ${(after.stime - before.stime) * TICKS_MS} ms, ${after.minflt - before.minflt} minor faults`;
        }
      }
      const ratio = rps[true] / rps[false];
      c.ratios.push(ratio);
      console.log(`  round ${r + 1} ${c.root}: not scraped ${rps[false].toFixed(0)} req/s, ` +
        `scraped ${rps[true].toFixed(0)} req/s, ratio ${ratio.toFixed(3)} (${scrapedStat}; load ${loadavg()[0].toFixed(2)})`);
    }
  }
  for (const c of checkouts) {
    console.log(`${c.root}: counting throughput scraped every second / not scraped: median ${median(c.ratios).toFixed(3)} ` +
      `(${c.ratios.map((x) => x.toFixed(3)).join(' ')})`);
  }
} finally {
  for (const c of checkouts) await c.nginx.stop();
}
