// Scenario 5's site: 4 sources x 50 VIPs x 60 status codes = 12,000
// (source, vip, code) series, one URL each, plus a server with `/` (the
// counting traffic) and `/metrics` (the scrape). Shared by
// bench/scrape-cost.mjs (wall clock) and bench/scrape-instructions.mjs
// (callgrind), so that both measure the same zone.
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
