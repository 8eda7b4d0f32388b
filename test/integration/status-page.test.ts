// The live status page (ipng.status) in a real browser: Debian's
// chromium, driven by playwright-core (never a downloaded browser), over a
// real nginx with the product. Bounded traffic to two sources and two
// VIPs; the rows and their exact totals appear and grow, rates, quantiles,
// sparklines, zone use and flush health are shown, the filters narrow the
// rows, a zone reset shows n/a. Any console error or page error fails the
// test. Screenshots are kept in test-results/status-page-*.png.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { writeNginxConfig } from '../../scripts/nginx-prefix.mjs';
import { fillPorts, sleep } from '../../scripts/nginx-process.mjs';
import { httpGet, httpRequest } from '../harness/http';
import { test } from '../harness/nginx';
import { repoRoot } from './stats-support';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';

// A duration as status-page/stats.ts formatMs writes it: 3 significant
// digits (2 decimals below 10 ms, 1 below 100 ms, none above). Which one
// a live page shows depends on the machine's load, so all three match.
const MS_TEXT = /^(\d{3,}|\d\d\.\d|\d\.\d\d) ms$/;

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_MISSING = existsSync(CHROMIUM) ? null : `${CHROMIUM} not installed: apt-get install chromium, or npm run provision`;
export const SCREENSHOT_DIR = join(repoRoot, 'test-results');

// {{PORT}}: the default source on two VIPs, the page and the scrape;
// {{PORT1}}: a second source ("edge").
const SITE = `server {
    listen 127.0.0.1:{{PORT}};
    listen [::1]:{{PORT}};
    location = /ok { return 200 "ok\\n"; }
    location = /moved { return 301 /ok; }
    location = /missing { return 404; }
    location = /unavailable { return 503; }
    location = /metrics { allow 127.0.0.1; allow ::1; deny all; js_content ipng.scrape; }
    location = /status { allow 127.0.0.1; allow ::1; deny all; js_content ipng.status; }
}
server {
    listen 127.0.0.1:{{PORT1}} ipng_source_tag=edge;
    location = /ok { return 200 "ok\\n"; }
}`;

/**
 * One round, 16 requests: direct/127.0.0.1 gets 6 x 200, 1 x 301, 2 x 404
 * and 1 x 503; direct/::1 gets 3 x 200; edge/127.0.0.1 gets 3 x 200.
 */
async function sendRound(port: number, edgePort: number): Promise<void> {
  const sends: Array<[string, number]> = [
    ...Array.from({ length: 6 }, (): [string, number] => [`http://127.0.0.1:${port}/ok`, 200]),
    [`http://127.0.0.1:${port}/moved`, 301],
    [`http://127.0.0.1:${port}/missing`, 404],
    [`http://127.0.0.1:${port}/missing`, 404],
    [`http://127.0.0.1:${port}/unavailable`, 503],
    ...Array.from({ length: 3 }, (): [string, number] => [`http://[::1]:${port}/ok`, 200]),
    ...Array.from({ length: 3 }, (): [string, number] => [`http://127.0.0.1:${edgePort}/ok`, 200]),
  ];
  for (const [url, status] of sends) expect((await httpGet(url)).status).toBe(status);
}

function row(page: Page, sourceTag: string, vip: string) {
  return page.locator(`#rows tr[data-source-tag="${sourceTag}"][data-vip="${vip}"]`);
}

/** The text of one cell: its rate line, and its total line if it has one. */
async function cell(page: Page, sourceTag: string, vip: string, col: string): Promise<string> {
  return (await row(page, sourceTag, vip).locator(`td[data-col="${col}"]`).innerText()).replace(/\s*\n\s*/g, ' | ');
}

async function rowTexts(page: Page): Promise<string[]> {
  return page.locator('#rows tr').evaluateAll((trs) =>
    trs.map((tr) => `${tr.getAttribute('data-source-tag')} ${tr.getAttribute('data-vip')}`));
}

async function totals(page: Page, sourceTag: string, vip: string): Promise<string> {
  const parts: string[] = [];
  parts.push(await cell(page, sourceTag, vip, 'requests'));
  for (const cls of ['2xx', '3xx', '4xx', '5xx']) parts.push(`${cls} ${(await cell(page, sourceTag, vip, cls)).split(' | ')[1]}`);
  return parts.join(', ');
}

describe.skipIf(CHROMIUM_MISSING !== null)(`status page in Chromium ${CHROMIUM_MISSING ?? ''}`, () => {
  test('shows rows that grow with the traffic, zone and flush health, filters, and n/a after a reset', async ({ nginx, onTestFinished }) => {
    const n = await nginx({ http: SITE, ports: 2 });
    const [port, edgePort] = n.ports;

    // The page's HTML itself, as nginx serves it.
    const served = await httpGet(n.url('/status'));
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(served.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    expect(served.body).toContain('<meta name="ipng-json-url" content="metrics">');
    expect(served.body).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//); // no external assets
    const post = await httpRequest(n.url('/status'), { method: 'POST' });
    expect(post.status).toBe(405);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 520 } });
    const problems: string[] = [];
    page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`); });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
    const requested: string[] = [];
    page.on('request', (req) => requested.push(req.url()));

    await page.goto(n.url('/status'));
    await expect.poll(() => page.locator('#rows tr.empty').count()).toBe(1);
    expect(await page.locator('#status-line').innerText()).toMatch(/^updated \d\d:\d\d:\d\d from http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    await sendRound(port, edgePort);
    await expect.poll(() => rowTexts(page)).toEqual(['direct 127.0.0.1', 'direct ::1', 'edge 127.0.0.1']);
    await expect.poll(() => totals(page, 'direct', '127.0.0.1')).toBe('10, 2xx 6, 3xx 1, 4xx 2, 5xx 1');
    await expect.poll(() => totals(page, 'direct', '::1')).toBe('3, 2xx 3, 3xx 0, 4xx 0, 5xx 0');
    await expect.poll(() => totals(page, 'edge', '127.0.0.1')).toBe('3, 2xx 3, 3xx 0, 4xx 0, 5xx 0');

    // Rates between reads: the traffic came between two reads, so the
    // read after it shows a rate above 0 (and the ones after, 0 again).
    await sendRound(port, edgePort);
    await expect.poll(() => totals(page, 'direct', '127.0.0.1')).toBe('20, 2xx 12, 3xx 2, 4xx 4, 5xx 2');
    await expect.poll(() => totals(page, 'direct', '::1')).toBe('6, 2xx 6, 3xx 0, 4xx 0, 5xx 0');
    await expect.poll(() => totals(page, 'edge', '127.0.0.1')).toBe('6, 2xx 6, 3xx 0, 4xx 0, 5xx 0');
    // 2 of the 20 requests in the last 10 s answered 5xx.
    await expect.poll(() => cell(page, 'direct', '127.0.0.1', 'ratio5xx')).toBe('10.0%');
    expect(await cell(page, 'direct', '::1', 'ratio5xx')).toBe('0%');
    expect(await cell(page, 'direct', '127.0.0.1', 'p50')).toMatch(MS_TEXT);
    expect(await cell(page, 'direct', '127.0.0.1', 'p99')).toMatch(MS_TEXT);
    expect(await cell(page, 'direct', '127.0.0.1', 'rps')).toMatch(/^\d+(\.\d)?\/s$/);
    expect(await cell(page, 'direct', '127.0.0.1', 'bytesIn')).toMatch(/^\d+(\.\d)?( KiB| B)\/s \| \d+(\.\d)? (B|KiB)$/);
    // The sparkline has drawn a line of the rates read so far.
    expect(await row(page, 'direct', '127.0.0.1').locator('td.spark polyline').count()).toBeGreaterThan(0);

    // Zone use and flush health (2 workers, flushing every 100 ms).
    expect(await page.locator('#zone-text').innerText()).toMatch(/^\d+(\.\d)? KiB of 4\.0 MiB \(\d+\.\d\d%\)$/);
    expect(await page.locator('#zone-full').innerText()).toBe('no keys dropped');
    await expect.poll(() => page.locator('#flush-workers .chip.ok').count()).toBe(2);
    const chips = await page.locator('#flush-workers .chip').allInnerTexts();
    expect(chips).toHaveLength(2);
    chips.forEach((chip, worker) => expect(chip).toMatch(new RegExp(`^worker ${worker}: \\d+(\\.\\d)?/s(, ${MS_TEXT.source.slice(1, -1)})?$`)));
    expect(await page.locator('#scrape-mean').innerText()).toMatch(MS_TEXT);

    // Six more rounds, about 0.6 s apart: the totals grow again and the
    // sparklines get a shape.
    for (let i = 0; i < 6; i++) {
      await sendRound(port, edgePort);
      await sleep(600);
    }
    await expect.poll(() => totals(page, 'direct', '127.0.0.1')).toBe('80, 2xx 48, 3xx 8, 4xx 16, 5xx 8');
    await expect.poll(() => totals(page, 'edge', '127.0.0.1')).toBe('24, 2xx 24, 3xx 0, 4xx 0, 5xx 0');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'status-page-traffic.png'), fullPage: true });

    // Filters: source_tag narrows the rows (and goes into the page's URL);
    // the JSON endpoint does the filtering.
    await page.fill('#filter-source-tag', 'edge');
    await page.press('#filter-source-tag', 'Enter');
    await expect.poll(() => rowTexts(page)).toEqual(['edge 127.0.0.1']);
    expect(new URL(page.url()).search).toBe('?source_tag=edge');
    await page.fill('#filter-source-tag', '');
    await page.fill('#filter-vip', '::1');
    await page.press('#filter-vip', 'Enter');
    await expect.poll(() => rowTexts(page)).toEqual(['direct ::1']);
    await page.fill('#filter-vip', '');
    await page.press('#filter-vip', 'Enter');
    await expect.poll(() => rowTexts(page)).toEqual(['direct 127.0.0.1', 'direct ::1', 'edge 127.0.0.1']);

    // A reload with another zone size starts a fresh zone: the counters go
    // down, and the page says n/a rather than a negative rate.
    writeNginxConfig({ prefix: n.prefix, http: fillPorts(SITE, n.ports), zoneSize: '5m', flushInterval: '100ms' });
    await n.reload();
    await expect.poll(() => page.locator('#rows tr.empty').count(), { timeout: 10000 }).toBe(1);
    expect((await httpGet(`http://127.0.0.1:${port}/ok`)).status).toBe(200);
    // The first read after the reset: 1 request where there were 20.
    const resetRow = async () => [await totals(page, 'direct', '127.0.0.1'), await cell(page, 'direct', '127.0.0.1', 'rps'),
      await cell(page, 'direct', '127.0.0.1', '2xx'), await cell(page, 'direct', '127.0.0.1', 'ratio5xx'),
      await cell(page, 'direct', '127.0.0.1', 'p99')].join(' / ');
    await expect.poll(resetRow, { timeout: 5000, interval: 20 })
      .toBe('1, 2xx 1, 3xx 0, 4xx 0, 5xx 0 / n/a / n/a | 1 / n/a / n/a');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'status-page-reset.png'), fullPage: true });
    // The read after it has rates again.
    await expect.poll(() => cell(page, 'direct', '127.0.0.1', 'rps')).toMatch(/^\d+(\.\d)?\/s$/);
    expect(await page.locator('#zone-text').innerText()).toMatch(/ of 5\.0 MiB /);

    // Only the page and its two endpoints were requested.
    const paths = new Set(requested.map((u) => { const url = new URL(u); return `${url.host === `127.0.0.1:${port}` ? '' : url.host}${url.pathname}`; }));
    expect([...paths].sort()).toEqual(['/metrics', '/status']);
    expect(problems).toEqual([]);
  });
});

describe('the status page with the spec form (ipng_stats_zone, ipng_stats;)', () => {
  test('js_content ipng_stats.status after the first ipng_stats; serves the page; its JSON URL reads the zone', async ({ nginx }) => {
    const env = readRuntimeEnv();
    const n = await nginx({
      product: false,
      tick: false,
      flushInterval: null,
      main: `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`,
      http: `    access_log off;
    js_path ${join(repoRoot, 'dist')};
    ipng_stats_zone ipng:4m;
    server {
        listen 127.0.0.1:{{PORT}};
        location = /ok { return 200 "ok\\n"; }
        location = /stats/metrics { ipng_stats; }
        location = /stats/status {
            js_var $ipng_stats_status_json "metrics";
            js_content ipng_stats.status;
        }
    }`,
    });
    const page = await httpGet(n.url('/stats/status'));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<meta name="ipng-json-url" content="metrics">');
    expect((await httpGet(n.url('/ok'))).status).toBe(200);
    const jsonUrl = new URL('metrics', n.url('/stats/status')).href;
    expect(jsonUrl).toBe(n.url('/stats/metrics'));
    for (let i = 0; i < 50; i++) {
      const json = JSON.parse((await httpGet(jsonUrl, { Accept: 'application/json' })).body);
      if (json.by_source.direct !== undefined) {
        expect(json.by_source.direct.vips['127.0.0.1'].codes['200'].requests).toBe(1);
        return;
      }
      await sleep(100);
    }
    throw new Error('the request to /ok never reached the JSON');
  });
});
