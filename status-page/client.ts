// The status page's script (bundled into the page by esbuild.config.mjs;
// no external assets). Every second it reads the JSON endpoint (rows) and
// the flush families of the Prometheus text (health), and redraws.
import {
  flushHealth,
  formatByteRate,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  formatRatio,
  type FlushCounters,
  NOT_AVAILABLE,
  parseFlushCounters,
  readStats,
  RowTracker,
  type RowView,
  STATUS_CLASSES,
  type StatsJson,
} from './stats';

const POLL_MS = 1000;
/** flush health compares with the read this many polls ago */
const HEALTH_WINDOW_READS = 5;
/**
 * The unspecified address is never a VIP ($server_addr is a real local
 * address), so the text read with it holds only the zone, flush and scrape
 * families: small, whatever the number of series.
 */
const NO_SERIES_FILTER = '::';

const jsonUrl = new URL(document.querySelector<HTMLMetaElement>('meta[name="ipng-json-url"]')!.content, location.href);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const sourceInput = byId<HTMLInputElement>('filter-source-tag');
const vipInput = byId<HTMLInputElement>('filter-vip');
const rowsBody = byId<HTMLTableSectionElement>('rows');
const statusLine = byId<HTMLElement>('status-line');

const tracker = new RowTracker();
const flushReads: Array<{ at: number; counters: FlushCounters }> = [];
const seen = { source: new Set<string>(), vip: new Set<string>() };

function filters(): { source_tag?: string; vip?: string } {
  const f: { source_tag?: string; vip?: string } = {};
  if (sourceInput.value.trim() !== '') f.source_tag = sourceInput.value.trim();
  if (vipInput.value.trim() !== '') f.vip = vipInput.value.trim();
  return f;
}

function endpoint(params: Record<string, string>): string {
  const url = new URL(jsonUrl.href);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

async function fetchText(url: string, accept: string): Promise<string> {
  const res = await fetch(url, { headers: { Accept: accept }, cache: 'no-store' });
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${body.trim()}`);
  return body;
}

async function poll(): Promise<void> {
  const started = Date.now();
  try {
    const f = filters();
    const [json, text] = await Promise.all([
      fetchText(endpoint(f), 'application/json'),
      fetchText(endpoint({ vip: NO_SERIES_FILTER }), 'text/plain'),
    ]);
    const at = Date.now();
    const doc = JSON.parse(json) as StatsJson;
    renderRows(tracker.update(readStats(doc, at)));
    renderZone(doc.meta);
    flushReads.push({ at, counters: parseFlushCounters(text) });
    if (flushReads.length > HEALTH_WINDOW_READS + 1) flushReads.shift();
    renderHealth(flushReads.length > 1 ? flushReads[0] : null, flushReads[flushReads.length - 1]);
    statusLine.textContent = `updated ${new Date(at).toLocaleTimeString('en-GB')} from ${endpoint(f)}`;
    statusLine.className = 'ok';
  } catch (err) {
    statusLine.textContent = `not updated: ${(err as Error).message}`;
    statusLine.className = 'bad';
  }
  setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function rateCell(text: string, total?: string): HTMLTableCellElement {
  const td = el('td', 'num');
  td.append(el('span', text === NOT_AVAILABLE ? 'rate na' : 'rate', text));
  if (total !== undefined) td.append(el('span', 'total', total));
  return td;
}

function renderRows(views: RowView[]): void {
  const rows: HTMLTableRowElement[] = [];
  for (const v of views) {
    seen.source.add(v.sourceTag);
    seen.vip.add(v.vip);
    const tr = el('tr');
    tr.dataset.sourceTag = v.sourceTag;
    tr.dataset.vip = v.vip;
    const pending = !v.haveRates;
    const rate = (x: number | null) => (pending ? '…' : formatRate(x));
    tr.append(el('td', 'source', v.sourceTag), el('td', 'vip', v.vip));
    tr.append(rateCell(formatCount(v.counters.requests)));
    tr.cells[2].dataset.col = 'requests';
    tr.append(rateCell(rate(v.requestsPerSec)));
    tr.cells[3].dataset.col = 'rps';
    for (const cls of STATUS_CLASSES) {
      const cell = rateCell(rate(v.classPerSec === null ? null : v.classPerSec[cls]), formatCount(v.counters.classes[cls]));
      cell.dataset.col = cls;
      if (cls === '5xx' && v.classPerSec !== null && v.classPerSec[cls] > 0) cell.classList.add('bad');
      tr.append(cell);
    }
    const ratio = rateCell(v.reset ? NOT_AVAILABLE : formatRatio(v.errorRatio));
    ratio.dataset.col = 'ratio5xx';
    if (v.errorRatio !== null && v.errorRatio > 0) ratio.classList.add('bad');
    tr.append(ratio);
    const bytes = (x: number | null) => (pending ? '…' : formatByteRate(x));
    const bytesIn = rateCell(bytes(v.bytesInPerSec), formatBytes(v.counters.bytesIn));
    bytesIn.dataset.col = 'bytesIn';
    const bytesOut = rateCell(bytes(v.bytesOutPerSec), formatBytes(v.counters.bytesOut));
    bytesOut.dataset.col = 'bytesOut';
    tr.append(bytesIn, bytesOut);
    const p50 = rateCell(v.reset ? NOT_AVAILABLE : formatMs(v.p50Ms));
    p50.dataset.col = 'p50';
    const p99 = rateCell(v.reset ? NOT_AVAILABLE : formatMs(v.p99Ms));
    p99.dataset.col = 'p99';
    tr.append(p50, p99);
    const spark = el('td', 'spark');
    spark.append(sparkline(v.sparkline));
    tr.append(spark);
    rows.push(tr);
  }
  if (rows.length === 0) {
    const tr = el('tr', 'empty');
    const td = el('td', undefined, 'No traffic counted yet for this filter.');
    td.colSpan = 14;
    tr.append(td);
    rows.push(tr);
  }
  rowsBody.replaceChildren(...rows);
  fillDatalist('sources', seen.source);
  fillDatalist('vips', seen.vip);
}

const SVG = 'http://www.w3.org/2000/svg';
const SPARK_W = 120;
const SPARK_H = 28;

function sparkline(points: Array<number | null>): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(SPARK_W));
  svg.setAttribute('height', String(SPARK_H));
  svg.setAttribute('viewBox', `0 0 ${SPARK_W} ${SPARK_H}`);
  svg.setAttribute('role', 'img');
  const max = Math.max(1, ...points.map((p) => p ?? 0));
  svg.setAttribute('aria-label', `requests per second, last ${points.length} s, peak ${formatRate(max)}`);
  const baseline = document.createElementNS(SVG, 'line');
  baseline.setAttribute('class', 'base');
  baseline.setAttribute('x1', '0');
  baseline.setAttribute('x2', String(SPARK_W));
  baseline.setAttribute('y1', String(SPARK_H - 0.5));
  baseline.setAttribute('y2', String(SPARK_H - 0.5));
  svg.append(baseline);
  // One filled line per run of known values: a reset leaves a gap.
  let run: string[] = [];
  const flush = () => {
    if (run.length > 1) {
      const first = run[0].split(',')[0];
      const last = run[run.length - 1].split(',')[0];
      const area = document.createElementNS(SVG, 'polygon');
      area.setAttribute('points', `${first},${SPARK_H} ${run.join(' ')} ${last},${SPARK_H}`);
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', run.join(' '));
      svg.append(area, line);
    }
    run = [];
  };
  const step = SPARK_W / 59;
  const offset = SPARK_W - step * (points.length - 1);
  points.forEach((p, i) => {
    if (p === null) {
      flush();
      return;
    }
    run.push(`${(offset + i * step).toFixed(1)},${(SPARK_H - 1 - (p / max) * (SPARK_H - 3)).toFixed(1)}`);
  });
  flush();
  return svg;
}

function fillDatalist(id: string, values: Set<string>): void {
  const list = byId<HTMLDataListElement>(id);
  if (list.options.length === values.size) return;
  list.replaceChildren(...[...values].sort().map((v) => {
    const o = el('option');
    o.value = v;
    return o;
  }));
}

function renderZone(meta: StatsJson['meta']): void {
  const share = meta.zone_bytes_total > 0 ? meta.zone_bytes_used / meta.zone_bytes_total : 0;
  byId('zone-text').textContent =
    `${formatBytes(meta.zone_bytes_used)} of ${formatBytes(meta.zone_bytes_total)} (${formatRatio(share)})`;
  const bar = byId('zone-bar');
  bar.style.width = `${Math.min(100, share * 100).toFixed(1)}%`;
  bar.className = share > 0.9 ? 'bad' : share > 0.75 ? 'warn' : 'ok';
  const full = byId('zone-full');
  full.textContent = meta.zone_full_events === 0 ? 'no keys dropped' : `${formatCount(meta.zone_full_events)} keys dropped (zone full)`;
  full.className = meta.zone_full_events === 0 ? 'ok' : 'bad';
}

function renderHealth(
  before: { at: number; counters: FlushCounters } | null,
  after: { at: number; counters: FlushCounters },
): void {
  const health = flushHealth(before, after);
  const list = byId('flush-workers');
  if (health.workers.length === 0) {
    list.replaceChildren(el('span', 'bad', 'no flushes: include nginx/ipng-stats-tick.conf in one server'));
  } else {
    list.replaceChildren(...health.workers.map((w) => {
      const state = w.advancing === null ? 'pending' : w.advancing ? 'ok' : 'bad';
      const text = `worker ${w.worker}: ${w.advancing === false ? 'stalled' : formatRate(w.perSec)}` +
        (w.meanMs === null ? '' : `, ${formatMs(w.meanMs)}`);
      const chip = el('span', `chip ${state}`, text);
      chip.dataset.worker = w.worker;
      return chip;
    }));
  }
  byId('scrape-mean').textContent = formatMs(health.scrapeMeanMs);
}

function restart(): void {
  const url = new URL(location.href);
  const f = filters();
  for (const name of ['source_tag', 'vip'] as const) {
    if (f[name] === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, f[name]!);
  }
  history.replaceState(null, '', url.href);
  tracker.clear();
}

const initial = new URLSearchParams(location.search);
sourceInput.value = initial.get('source_tag') ?? '';
vipInput.value = initial.get('vip') ?? '';
byId<HTMLFormElement>('filters').addEventListener('submit', (e) => e.preventDefault());
sourceInput.addEventListener('change', restart);
vipInput.addEventListener('change', restart);
byId('json-link').setAttribute('href', jsonUrl.href);
byId('json-link').textContent = jsonUrl.pathname;
void poll();
