// Scenario 5: the cost of scraping at the spec's sizing. Real traffic fills
// the zone with 4 sources x 50 VIPs x 60 status codes = 12,000
// (source, vip, code) series plus their histograms: once in the spec's
// default 4m zone (does the sizing fit?) and once in a zone large enough to
// hold it all, where the Prometheus and the JSON scrape are timed (median
// of repeated scrapes) and counting throughput is compared with and
// without a scrape every second (interleaved rounds). The writer's flush
// in which all 12,000 series changed is timed in nginx (a flush interval
// long enough that one flush carries every change), and beside it the
// same flush in the njs CLI in the wire form before issue 16 and in
// today's (bench/writer-flush/njs-flush.mjs), measured in this run. That
// flush leaves the changed records counts-only (src/ipng/pair-record.ts),
// so the scrapes right after it, before the next flush renders them, are
// timed too: the scrape then renders every code itself.
//
//   npm run bench:scrape -- [--rounds 3] [--seconds 5] [--large-zone 16m] [--churn-rounds 3]
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep, startNginx } from '../scripts/nginx-process.mjs';
import { get, median } from './measure.mjs';
import { inNginx, njsFlush } from './writer-flush/njs-flush.mjs';
import { CODES, countingRound, SOURCES, seriesUrls, siteConfig, VIPS } from './scrape-site.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'large-zone': { type: 'string', default: '16m' },
    'churn-rounds': { type: 'string', default: '3' },
  },
});
/**
 * Starts nginx with a zone of `zoneSize`, sends one request per series,
 * waits for the flush, then sends them all again (`churnRounds` times
 * with a 10 s interval) and times the flush that carries them. With `stateDir`, the zone is also saved to a state
 * file there every second, and each save's cost is logged (info level).
 */
async function filled(zoneSize, stateDir, flushInterval = '1s', churnRounds = 1) {
  const state = stateDir
    ? `    ipng_stats_state_file ${join(stateDir, 'ipng-stats.state')};\n    ipng_stats_state_interval 1s;\n`
    : '';
  const nginx = await startNginx({
    ports: SOURCES + 1, workers: 1, product: true, shim: true, zoneSize,
    main: stateDir ? `error_log ${join(stateDir, 'info.log')} info;` : '',
    flushInterval, http: state + siteConfig(), prefixName: 'ipng-bench-scrape-', removeOnStop: true,
  });
  const jobs = seriesUrls(nginx.ports);
  let next = 0;
  const sendAll = async () => {
    next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < jobs.length) await get(jobs[next++]);
    }));
  };
  const intervalMs = Number(/^(\d+)s$/.exec(flushInterval)[1]) * 1000;
  await sendAll();
  await sleep(2 * intervalMs + 500); // two flush intervals: every delta is in the zone
  // Then once more: every series changes, which is the writer's worst
  // flush (every record decoded, added to, re-rendered). The flush
  // histogram's sum over that window is the time the writer spent.
  const flushTotals = async () => {
    const text = (await get(nginx.url('/metrics'))).body;
    return {
      seconds: Number(/^nginx_ipng_flush_duration_seconds_sum\{worker="0"\} (\S+)$/m.exec(text)?.[1]),
      count: Number(/^nginx_ipng_flush_duration_seconds_count\{worker="0"\} (\S+)$/m.exec(text)?.[1]),
    };
  };
  // Right after a flush, so that the traffic (a few seconds) ends before
  // the next one: that one flush then carries all 12,000 changes, and it
  // runs while the load generator is idle, so its time is the writer's
  // and not the scheduler's (the client and nginx share the 2 cores).
  // With churnRounds > 1 (a 10 s interval only) the same again, each time
  // after the flush that renders what the churn flush left counts-only.
  const churnFlushesMs = [];
  const renderFlushesMs = [];
  let flushedBefore = await flushTotals();
  let flushedAfter = flushedBefore;
  let trafficMs = 0;
  const rounds = intervalMs >= 10000 ? churnRounds : 1;
  for (let round = 0; round < rounds; round++) {
    if (intervalMs >= 10000) {
      const previous = flushedBefore;
      while (flushedBefore.count === previous.count) {
        await sleep(100);
        flushedBefore = await flushTotals();
      }
      if (round > 0) renderFlushesMs.push((flushedBefore.seconds - previous.seconds) * 1000);
    }
    const trafficStart = Date.now();
    await sendAll();
    trafficMs = Date.now() - trafficStart;
    flushedAfter = await flushTotals();
    if (intervalMs >= 10000) {
      // the one flush after the traffic
      while (flushedAfter.count === flushedBefore.count) {
        await sleep(100);
        flushedAfter = await flushTotals();
      }
    } else {
      await sleep(2 * intervalMs + 500);
      flushedAfter = await flushTotals();
    }
    churnFlushesMs.push((flushedAfter.seconds - flushedBefore.seconds) * 1000);
    if (round < rounds - 1) flushedBefore = flushedAfter;
  }
  const churnFlushMs = median(churnFlushesMs);
  // wall-clock time: a busy machine stretches it, so the load goes beside it
  const load = loadavg()[0];
  const churnFlushes = flushedAfter.count - flushedBefore.count;
  const body = (await get(nginx.url('/metrics'))).body;
  const value = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1]);
  return {
    nginx,
    series: body.split('\n').filter((l) => l.startsWith('nginx_ipng_requests_total{')).length,
    used: value('nginx_ipng_zone_bytes_used'),
    total: value('nginx_ipng_zone_bytes_total'),
    fullEvents: value('nginx_ipng_zone_full_events_total'),
    churnFlushMs,
    churnFlushesMs,
    renderFlushesMs,
    churnFlushes,
    flushTotals,
    lastFlush: flushedAfter,
    trafficMs,
    load,
  };
}

// Client side includes reading a ~4 MB body in Node; the product's own
// nginx_ipng_scrape_duration_seconds says how long nginx spent. Each
// scrape records its duration after rendering, so a reading scrape shows
// the totals of every earlier one.
function scrapeTotals(body) {
  return {
    seconds: Number(/^nginx_ipng_scrape_duration_seconds_sum (\S+)$/m.exec(body)[1]),
    count: Number(/^nginx_ipng_scrape_duration_seconds_count (\d+)$/m.exec(body)[1]),
    flushes: Number(/^nginx_ipng_flush_duration_seconds_count\{worker="0"\} (\S+)$/m.exec(body)?.[1]),
  };
}

/**
 * `n` Prometheus scrapes, then `n` JSON ones: the mean time of each in
 * nginx, the client's times, and the writer's flush count at the end
 * (of its flush-duration histogram).
 */
async function scrapeTimes(metrics, n) {
  const textMs = [];
  const jsonMs = [];
  const atStart = scrapeTotals((await get(metrics)).body);
  for (let i = 0; i < n; i++) textMs.push((await get(metrics)).ms);
  const afterText = scrapeTotals((await get(metrics)).body);
  for (let i = 0; i < n; i++) jsonMs.push((await get(metrics, { Accept: 'application/json' })).ms);
  const afterJson = scrapeTotals((await get(metrics)).body);
  // n + 1 text scrapes (the first reader's and the n), then 1 text + n JSON.
  const serverTextMs = ((afterText.seconds - atStart.seconds) * 1000) / (afterText.count - atStart.count);
  const serverJsonMs = ((afterJson.seconds - afterText.seconds) * 1000 - serverTextMs) / n;
  return { serverTextMs, serverJsonMs, textMs, jsonMs, flushes: afterJson.flushes };
}

function report(label, z) {
  console.log(`  ${label}: ${z.series} of ${SOURCES * VIPS * CODES} requests series counted, ` +
    `${z.used} of ${z.total} bytes used, ${z.fullEvents} new keys dropped (zone full); ` +
    `the ${z.churnFlushes} flushes while every series changed took ${z.churnFlushMs.toFixed(0)} ms in all`);
}

/** The state file's saves of a full zone, as the writer logged them (persistence/state-file.ts). */
function reportSaves(stateDir) {
  const saves = [...readFileSync(join(stateDir, 'info.log'), 'utf8')
    .matchAll(/ipng-stats: saved (\d+) items \((\d+) bytes\) to state file "[^"]*" in (\d+) ms/g)]
    .map((m) => ({ items: Number(m[1]), bytes: Number(m[2]), ms: Number(m[3]) }));
  const largest = Math.max(...saves.map((x) => x.items));
  const full = saves.filter((x) => x.items === largest);
  if (full.length === 0) return console.log('  state file: no save logged');
  const ms = full.map((x) => x.ms);
  console.log(`  state file save of the full zone (${largest} items, ${full[0].bytes} bytes): ` +
    `median ${median(ms)} ms, max ${Math.max(...ms)} ms over ${full.length} saves ` +
    `(items(), JSON, sha256, write and rename, in the writer's tick; no per-request work)`);
}

console.log(`== scenario 5: ${SOURCES} sources x ${VIPS} VIPs x ${CODES} codes = ${SOURCES * VIPS * CODES} series`);
// The workers (user nobody when started as root) write the state file.
const stateDir = mkdtempSync(join(tmpdir(), 'ipng-bench-state-'));
chmodSync(stateDir, 0o777);
const small = await filled('4m', stateDir);
try {
  report('spec default zone 4m', small);
  await sleep(3500); // a few more saves of the full zone
  reportSaves(stateDir);
} finally {
  await small.nginx.stop();
  rmSync(stateDir, { recursive: true, force: true });
}

// The flush in which every series changed: with a 10 s flush interval the
// ~12,000 requests (a few seconds, sent right after a flush) land in the
// next flush, which alone is timed.
const churn = await filled(values['large-zone'], undefined, '10s', Math.max(1, Number(values['churn-rounds'])));
let afterChurn;
try {
  // within the 10 s before the next flush renders what the churn flush left counts-only
  afterChurn = await scrapeTimes(churn.nginx.url('/metrics'), 3);
  // then that flush
  let next = await churn.flushTotals();
  while (next.count === churn.lastFlush.count) {
    await sleep(100);
    next = await churn.flushTotals();
  }
  churn.renderFlushesMs.push((next.seconds - churn.lastFlush.seconds) * 1000);
} finally {
  await churn.nginx.stop();
}
const flush = await njsFlush();
const handler = await inNginx(['entries', 'groups']);
const list = (ms) => ms.map((x) => x.toFixed(0)).join(', ');
console.log(`  the writer's flush in which all 12,000 series changed: ${churn.churnFlushMs.toFixed(0)} ms in nginx ` +
  `(median of ${churn.churnFlushesMs.length}: ${list(churn.churnFlushesMs)}; each the 1 flush after ` +
  `${(churn.trafficMs / 1000).toFixed(1)} s of traffic, nginx_ipng_flush_duration_seconds, ` +
  `load average ${churn.load.toFixed(2)}; ` +
  `target <= 50 ms)${churn.trafficMs > 9000 ? '; the traffic outlasted the flush interval, so the flush shared the cores with it' : ''}`);
console.log(`  the idle flush after it, which renders up to 50 of the records it left counts-only (IDLE_RENDERS_PER_FLUSH; the rest at the next idle flushes): ${median(churn.renderFlushesMs).toFixed(0)} ms ` +
  `in nginx (median of ${churn.renderFlushesMs.length}: ${list(churn.renderFlushesMs)})`);
console.log('  the same flush, the wire form before issue 16 / now, with a stand-in zone (bench/writer-flush/njs-flush.mjs): ' +
  `in nginx's njs (js_content, median of 5) ${median(handler.entries)} / ${median(handler.groups)} ms; ` +
  `in the njs CLI ${flush.milliseconds('entries')} / ${flush.milliseconds('groups')} ms`);
console.log(`  scrape right after that flush, every record counts-only (the scrape renders them; mean of 3, in nginx): ` +
  `prometheus ${afterChurn.serverTextMs.toFixed(1)} ms, json ${afterChurn.serverJsonMs.toFixed(1)} ms (target <= 50 ms)` +
  (afterChurn.flushes === churn.lastFlush.count ? '' : '; a flush ran meanwhile, so some were rendered already'));

const large = await filled(values['large-zone']);
try {
  report(`zone ${values['large-zone']}`, large);
  const metrics = large.nginx.url('/metrics');
  const times = await scrapeTimes(metrics, 11);
  console.log(`  scrape time in nginx (nginx_ipng_scrape_duration_seconds, mean): ` +
    `prometheus ${times.serverTextMs.toFixed(1)} ms, json ${times.serverJsonMs.toFixed(1)} ms (target <= 50 ms)`);
  console.log(`  scrape time client side (median of 11): prometheus ${median(times.textMs).toFixed(1)} ms, ` +
    `json ${median(times.jsonMs).toFixed(1)} ms`);

  const rounds = Number(values.rounds);
  const seconds = Math.min(60, Number(values.seconds));
  const quiet = [];
  const scraped = [];
  for (let r = 0; r < rounds; r++) {
    for (const withScrape of [false, true]) {
      const { rps, scrapes } = await countingRound(large.nginx, withScrape, seconds);
      (withScrape ? scraped : quiet).push(rps);
      const label = withScrape ? `scraped ${scrapes} times` : 'not scraped';
      console.log(`  round ${r + 1} ${label.padEnd(17)} ${rps.toFixed(0).padStart(8)} req/s`);
    }
  }
  const ratio = median(scraped.map((x, i) => x / quiet[i]));
  console.log(`  counting throughput scraped every second / not scraped: ${ratio.toFixed(3)} (target >= 0.95)`);
} finally {
  await large.nginx.stop();
}
