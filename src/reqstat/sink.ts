// The reqstat subsystem's part of the tick (pipeline/sinks.ts): the
// writer gets every worker's drained counts and stores the `reqstat`
// entries in their zones' dicts (zone-store.ts). A reqstat entry of the
// wrong shape (not two keys: the cut key and the whole key's identity,
// docs/wire-format.md; histograms, not 29 + the zone's indicators
// counters) or of a zone this configuration does not declare is counted
// as not understood. A configuration with reqstat zones and no ipng zone
// is paced by this sink: each worker keeps its last flush time in the
// first reqstat zone (LAST_FLUSH_PREFIX + worker), as ipng's store keeps
// its own. A zone's "d" lines (requests the shim's per-worker table could
// not count in it, docs/wire-format.md) are that zone's dropped requests,
// shown with the store's own drops and never as the wire's "x", which is
// ipng's.
import type { FlushContext, SubsystemSink } from '../pipeline/sink';
import { flushIsDue } from '../pipeline/flush-pacing';
import type { WireBatch } from '../pipeline/wire-reader';
import type { SharedDict } from '../platform/shared-dict';
import type { ReqstatZone } from './zone-config';
import { counterCount, dictName, findZone, keyCapacity, parseZones } from './zone-config';
import type { KeyDelta } from './zone-store';
import { flushZone } from './zone-store';

export const REQSTAT_SUBSYSTEM = 'reqstat';
/** The wire's record of a zone's requests that a worker's table dropped. */
export const ZONE_DROPS_RECORD = 'd';
const DECIMAL = /^[0-9]+$/;
/** A worker's last flush (ms) in the first zone's dict; written by that worker only. */
export const LAST_FLUSH_PREFIX = 'l';

/** Where the sink finds what it needs of nginx (the platform layer; fakes in tests). */
export interface ReqstatPlatform {
  /** $ipng_reqstat_zones of this configuration */
  zonesText: string | undefined;
  dict(name: string): SharedDict<string> | undefined;
  /** a [warn] line in the error log (the full-zone warning) */
  warn(message: string): void;
}

export interface ReqstatFlushSummary {
  notUnderstood: number;
  created: number;
  recycled: number;
  droppedKeys: number;
}

/** Stores a batch's reqstat entries; returns what it did (for tests and logs). */
export function flushReqstat(
  batch: WireBatch, ctx: FlushContext, zones: ReqstatZone[], platform: Pick<ReqstatPlatform, 'dict' | 'warn'>,
): ReqstatFlushSummary {
  const summary: ReqstatFlushSummary = { notUnderstood: 0, created: 0, recycled: 0, droppedKeys: 0 };
  const byZone: Record<string, KeyDelta[]> = Object.create(null);
  const order: ReqstatZone[] = [];
  for (let i = 0; i < batch.entries.length; i++) {
    const e = batch.entries[i];
    if (e.subsystem !== REQSTAT_SUBSYSTEM) continue;
    const zone = findZone(zones, e.zone);
    if (zone === null || e.keys.length !== 2 || e.histograms.length !== 0 || e.counters.length !== counterCount(zone)) {
      summary.notUnderstood++;
      continue;
    }
    let list = byZone[e.zone];
    if (list === undefined) {
      list = [];
      byZone[e.zone] = list;
      order.push(zone);
    }
    list.push({ key: e.keys[0], id: e.keys[1], counters: e.counters });
  }
  const tableDropped: Record<string, number> = Object.create(null);
  for (let i = 0; i < batch.other.length; i++) {
    const f = batch.other[i];
    if (f[0] !== ZONE_DROPS_RECORD || f[1] !== REQSTAT_SUBSYSTEM) continue;
    const zone = f.length === 4 && DECIMAL.test(f[3]) ? findZone(zones, f[2]) : null;
    if (zone === null) {
      summary.notUnderstood++;
      continue;
    }
    if (tableDropped[zone.name] === undefined) {
      tableDropped[zone.name] = 0;
      if (byZone[zone.name] === undefined) {
        byZone[zone.name] = [];
        order.push(zone);
      }
    }
    tableDropped[zone.name] += Number(f[3]);
  }
  for (let z = 0; z < order.length; z++) {
    const zone = order[z];
    const dict = platform.dict(dictName(zone.name));
    if (dict === undefined) {
      summary.notUnderstood += byZone[zone.name].length + (tableDropped[zone.name] === undefined ? 0 : 1);
      continue;
    }
    const outcome = flushZone(dict, zone.name, {
      counterCount: counterCount(zone),
      recycleTimes: zone.recycleTimes,
      recycleSeconds: zone.recycleSeconds,
      maxKeys: keyCapacity(zone.sizeBytes, zone.keyLength),
    }, byZone[zone.name], ctx.nowMs, tableDropped[zone.name] === undefined ? 0 : tableDropped[zone.name]);
    summary.created += outcome.created;
    summary.recycled += outcome.recycled;
    summary.droppedKeys += outcome.droppedKeys;
    if (outcome.warning !== null) platform.warn(outcome.warning);
  }
  return summary;
}

/** The sink for this configuration, or null when it declares no reqstat zone. */
export function reqstatSinkOf(platform: ReqstatPlatform): SubsystemSink | null {
  const parsed = parseZones(platform.zonesText);
  if (!parsed.ok) throw new Error('ipng-stats: $ipng_reqstat_zones: ' + parsed.reason);
  const zones = parsed.value;
  if (zones.length === 0) return null;
  const pacing = platform.dict(dictName(zones[0].name));
  return {
    name: REQSTAT_SUBSYSTEM,
    reads: [REQSTAT_SUBSYSTEM, ZONE_DROPS_RECORD],
    flushDue(ctx: FlushContext): boolean {
      if (pacing === undefined) return true;
      const last = pacing.get(LAST_FLUSH_PREFIX + ctx.worker);
      return flushIsDue(last === undefined ? undefined : Number(last), ctx.nowMs, ctx.intervalMs);
    },
    flush(batch: WireBatch, ctx: FlushContext): void {
      if (pacing !== undefined) {
        try {
          pacing.set(LAST_FLUSH_PREFIX + ctx.worker, String(ctx.nowMs));
        } catch (e) {
          // A full zone: the next tick flushes again, which costs a drain read.
        }
      }
      ctx.notUnderstood(flushReqstat(batch, ctx, zones, platform).notUnderstood);
    },
  };
}
