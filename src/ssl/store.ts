// The SSL zones in their njs dictionary (SSL_DICT, type=string), written
// by the shim's writer-lease holder only (pipeline/sink.ts), so a value
// is read, changed and written back without losing updates. Keys:
//   z␟ZONE       the zone's totals, connect .. cache_full, then the full
//                and resumed handshakes, space separated
//   gauges       JSON {ZONE: {PID: [sessions, last seen ms]}}: "number"
//                per live worker; a worker's entry goes when it reports
//                0 (it exits with 0) or stops reporting (killed)
//   f␟WORKER     this worker's last flush (ms): the flush's pacing
// The dictionary survives "nginx -s reload" (same name, size and type),
// and with it the totals; the new workers' contexts start at 0, and the
// shim hands over only changes, so nothing is counted twice.
import type { SharedDict } from '../platform/shared-dict';
import { allItems } from '../platform/shared-dict';
import { emptySslValues, SSL_HANDSHAKE_KINDS, SSL_TOTALS, SslZone } from './model';
import type { SslLines } from './wire';

const SEP = '\x1f';
const ZONE_PREFIX = 'z' + SEP;
const FLUSH_PREFIX = 'f' + SEP;
const GAUGES_KEY = 'gauges';
/** the numbers a zone's key holds: the totals, then the handshakes */
const STORED = SSL_TOTALS + SSL_HANDSHAKE_KINDS.length;

type Gauges = Record<string, Record<string, [number, number]>>;

export function lastSslFlushMs(dict: SharedDict<string>, worker: number): number | undefined {
  const v = dict.get(FLUSH_PREFIX + worker);
  return v === undefined ? undefined : Number(v);
}

export function markSslFlush(dict: SharedDict<string>, worker: number, nowMs: number): void {
  dict.set(FLUSH_PREFIX + worker, String(nowMs));
}

/**
 * How long a worker's session count stays without a report: a live
 * worker with sessions reports at each of its flushes, and the writer
 * reads them at its own.
 */
export function gaugeLifetimeMs(intervalMs: number): number {
  return 3 * intervalMs + 1000;
}

/** Adds a writer's batch: the deltas to the totals, the workers' session counts. */
export function applySslLines(dict: SharedDict<string>, lines: SslLines, nowMs: number, lifetimeMs: number): void {
  const sums: Record<string, number[]> = Object.create(null);
  const order: string[] = [];
  function sumOf(zone: string): number[] {
    let sum = sums[zone];
    if (sum === undefined) {
      sum = readTotals(dict.get(ZONE_PREFIX + zone));
      sums[zone] = sum;
      order.push(zone);
    }
    return sum;
  }
  for (let i = 0; i < lines.deltas.length; i++) {
    const sum = sumOf(lines.deltas[i].zone);
    for (let k = 0; k < SSL_TOTALS; k++) sum[k] += lines.deltas[i].totals[k];
  }
  for (let i = 0; i < lines.handshakes.length; i++) {
    const sum = sumOf(lines.handshakes[i].zone);
    for (let k = 0; k < SSL_HANDSHAKE_KINDS.length; k++) sum[SSL_TOTALS + k] += lines.handshakes[i].counts[k];
  }
  for (let i = 0; i < order.length; i++) dict.set(ZONE_PREFIX + order[i], sums[order[i]].join(' '));

  const before = dict.get(GAUGES_KEY);
  const gauges: Gauges = before === undefined ? {} : (JSON.parse(before) as Gauges);
  for (let i = 0; i < lines.gauges.length; i++) {
    const g = lines.gauges[i];
    let zone = gauges[g.zone];
    if (zone === undefined) {
      zone = {};
      gauges[g.zone] = zone;
    }
    if (g.value === 0) delete zone[g.pid];
    else zone[g.pid] = [g.value, nowMs];
  }
  const zones = Object.keys(gauges);
  for (let i = 0; i < zones.length; i++) {
    const zone = gauges[zones[i]];
    const pids = Object.keys(zone);
    for (let k = 0; k < pids.length; k++) {
      if (nowMs - zone[pids[k]][1] > lifetimeMs) delete zone[pids[k]];
    }
    if (Object.keys(zone).length === 0) delete gauges[zones[i]];
  }
  const after = JSON.stringify(gauges);
  if (after !== (before === undefined ? '{}' : before)) dict.set(GAUGES_KEY, after);
}

function readTotals(text: string | undefined): number[] {
  const totals: number[] = [];
  const parts = text === undefined ? [] : text.split(' ');
  for (let k = 0; k < STORED; k++) {
    const n = k < parts.length ? Number(parts[k]) : 0;
    totals.push(n >= 0 ? n : 0);
  }
  return totals;
}

function sessionsOf(gauges: Gauges, zone: string): number {
  const pids = gauges[zone];
  if (pids === undefined) return 0;
  let n = 0;
  const keys = Object.keys(pids);
  for (let i = 0; i < keys.length; i++) n += pids[keys[i]][0];
  return n;
}

function zoneOf(zone: string, totals: string | undefined, gauges: Gauges): SslZone {
  const values = emptySslValues();
  values[0] = sessionsOf(gauges, zone);
  const t = readTotals(totals);
  for (let k = 0; k < SSL_TOTALS; k++) values[k + 1] = t[k];
  return { zone, values, handshakes: t.slice(SSL_TOTALS) };
}

function readGauges(dict: SharedDict<string>): Gauges {
  const text = dict.get(GAUGES_KEY);
  return text === undefined ? {} : (JSON.parse(text) as Gauges);
}

/** One zone (escaped name); all zeros when nothing reached the zone yet. */
export function readSslZone(dict: SharedDict<string>, zone: string): SslZone {
  return zoneOf(zone, dict.get(ZONE_PREFIX + zone), readGauges(dict));
}

/**
 * The configured zones (escaped), in their order, all zeros for a zone
 * nothing reached yet; without that list, every zone in the dictionary by
 * name (a zone gone from the configuration stays in the dictionary).
 */
export function readSslZones(dict: SharedDict<string>, configured?: string[]): SslZone[] {
  if (configured !== undefined) {
    const gauges = readGauges(dict);
    const listed: SslZone[] = [];
    for (let i = 0; i < configured.length; i++) listed.push(zoneOf(configured[i], dict.get(ZONE_PREFIX + configured[i]), gauges));
    return listed;
  }
  const items = allItems(dict);
  let gauges: Gauges = {};
  const totals: Array<[string, string]> = [];
  for (let i = 0; i < items.length; i++) {
    const key = items[i][0];
    if (key === GAUGES_KEY) gauges = JSON.parse(items[i][1]) as Gauges;
    else if (key.slice(0, ZONE_PREFIX.length) === ZONE_PREFIX) totals.push([key.slice(ZONE_PREFIX.length), items[i][1]]);
  }
  totals.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const zones: SslZone[] = [];
  for (let i = 0; i < totals.length; i++) zones.push(zoneOf(totals[i][0], totals[i][1], gauges));
  return zones;
}
