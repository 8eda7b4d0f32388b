// The reqstat subsystem's sink (pipeline contract, section 2): the
// tick's writer hands it every worker's drained counts; it stores the
// `reqstat` entries in their zones' dicts (zone-store.ts). A reqstat
// entry of the wrong shape (not one key, no histograms, 29 + the zone's
// indicators counters) or of a zone this configuration does not declare
// is counted as not understood.
import type { SharedDict } from '../platform/shared-dict';
import type { FlushContext, SubsystemSink, WireBatch } from '../pipeline/sink';
import type { ReqstatZone } from './zone-config';
import { counterCount, dictName, parseZones } from './zone-config';
import type { KeyDelta } from './zone-store';
import { flushZone } from './zone-store';

export const REQSTAT_SUBSYSTEM = 'reqstat';

/** Where the sink finds what it needs of nginx (the platform layer; fakes in tests). */
export interface ReqstatPlatform {
  /** $ipng_reqstat_zones of this configuration */
  zonesText(): string | undefined;
  dict(name: string): SharedDict<string> | undefined;
}

export interface ReqstatFlushSummary {
  notUnderstood: number;
  created: number;
  recycled: number;
  droppedKeys: number;
}

/** Stores a batch's reqstat entries; returns what it did (for tests and logs). */
export function flushReqstat(batch: WireBatch, ctx: FlushContext, platform: ReqstatPlatform): ReqstatFlushSummary {
  const summary: ReqstatFlushSummary = { notUnderstood: 0, created: 0, recycled: 0, droppedKeys: 0 };
  let zones: ReqstatZone[] | null = null;
  const byZone: Record<string, KeyDelta[]> = Object.create(null);
  const order: string[] = [];
  for (let i = 0; i < batch.entries.length; i++) {
    const e = batch.entries[i];
    if (e.subsystem !== REQSTAT_SUBSYSTEM) continue;
    if (zones === null) {
      const parsed = parseZones(platform.zonesText());
      if (!parsed.ok) ctx.log('ipng-stats: $ipng_reqstat_zones: ' + parsed.reason);
      zones = parsed.ok ? parsed.value : [];
    }
    const zone = findZone(zones, e.zone);
    if (zone === null || e.keys.length !== 1 || e.histograms.length !== 0 || e.counters.length !== counterCount(zone)) {
      summary.notUnderstood++;
      continue;
    }
    let list = byZone[e.zone];
    if (list === undefined) {
      list = [];
      byZone[e.zone] = list;
      order.push(e.zone);
    }
    list.push({ key: e.keys[0], counters: e.counters });
  }
  for (let z = 0; z < order.length; z++) {
    const zone = findZone(zones as ReqstatZone[], order[z]) as ReqstatZone;
    const dict = platform.dict(dictName(zone.name));
    if (dict === undefined) {
      summary.notUnderstood += byZone[zone.name].length;
      continue;
    }
    const outcome = flushZone(dict, zone.name, {
      counterCount: counterCount(zone),
      recycleTimes: zone.recycleTimes,
      recycleSeconds: zone.recycleSeconds,
    }, byZone[zone.name], ctx.nowMs);
    summary.created += outcome.created;
    summary.recycled += outcome.recycled;
    summary.droppedKeys += outcome.droppedKeys;
    if (outcome.warning !== null) ctx.log(outcome.warning);
  }
  return summary;
}

function findZone(zones: ReqstatZone[], name: string): ReqstatZone | null {
  for (let i = 0; i < zones.length; i++) if (zones[i].name === name) return zones[i];
  return null;
}

/** The sink for src/pipeline/sinks.ts, reading nginx through `platform`. */
export function reqstatSink(platform: ReqstatPlatform): SubsystemSink {
  return {
    name: REQSTAT_SUBSYSTEM,
    flush(batch: WireBatch, ctx: FlushContext): void {
      flushReqstat(batch, ctx, platform);
    },
  };
}
