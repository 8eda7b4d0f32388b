// Scenario 5's site: 4 sources x 50 VIPs x 60 status codes = 12,000
// (source, vip, code) series, one URL each, plus a server with `/` (the
// counting traffic) and `/metrics` (the scrape), and its counting round.
// Shared by bench/scrape-cost.mjs and bench/scraped-ab.mjs (wall clock)
// and bench/scrape-instructions.mjs (callgrind), so that all measure the
// same zone the same way.
import { sleep } from '../scripts/nginx-process.mjs';
import { get, wrk } from './measure.mjs';

export const SOURCES = 4;
export const VIPS = 50;
export const CODES = 60;
// 60 status codes nginx can return with a body-less `return`.
export const codes = [];
for (let c = 200; codes.length < CODES; c++) if (c !== 204 && c !== 304) codes.push(c);

export const vipAddress = (v) => `127.0.1.${v + 1}`;

/** The http-level servers; {{PORT}} is `/` and `/metrics`, {{PORTn}} source n-1's. */
export function siteConfig() {
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

/** One URL per series, given the sources' ports (ports[1..SOURCES]). */
export function seriesUrls(ports) {
  const urls = [];
  for (let s = 0; s < SOURCES; s++) {
    for (let v = 0; v < VIPS; v++) for (const c of codes) urls.push(`http://${vipAddress(v)}:${ports[s + 1]}/c${c}`);
  }
  return urls;
}

/**
 * Scenario 5's counting round: wrk -t1 -c16 on `/` for `seconds`, with a
 * Prometheus scrape every second when `withScrape` (as a Prometheus would,
 * one at a time). Returns wrk's rate and the number of scrapes.
 */
export async function countingRound(nginx, withScrape, seconds) {
  let scraping = withScrape;
  let scrapes = 0;
  const scraper = (async () => {
    while (scraping) {
      await get(nginx.url('/metrics'));
      scrapes++;
      await sleep(1000);
    }
  })();
  const { rps } = await wrk(['-t1', '-c16'], nginx.url('/'), seconds);
  scraping = false;
  await scraper;
  return { rps, scrapes };
}
