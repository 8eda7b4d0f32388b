// The counter layout's store (a type=number zone, without the shim; see
// docs/zone-layout.md). The recorder adds straight into the zone, so a
// flush moves nothing: it counts itself per worker, and worker 0 alone
// also updates the EWMA rates and warns about a full zone, so rates are
// never decayed twice per interval and there is at most one warning per
// interval.
import { bucketLabel } from '../model/bucketing';
import { INF_LABEL, KIND, scrapeBucketKey, workerBucketKey, workerKey } from '../ipng/keys';
import { rateWrites } from '../ipng/rate-update';
import { buildCounterLayoutModel } from '../ipng/counter-layout-model';
import type { StatsModel } from '../model/stats-model';
import { CounterZone, counterZone } from './counter-zone';
import type { WireBatch } from '../pipeline/wire-reader';
import type { FlushResult, StatsStore } from './store';
import { warnIfMoreDropped } from './zone-full';

/** The one worker that updates rates and warns (and saves the state file). */
const HOUSEKEEPING_WORKER = 0;

export function counterStore(dict: NgxSharedDict<number>, name: string): StatsStore {
  const zone = counterZone(dict);
  return {
    name,
    zoneType: 'number',
    markOnce(key: string): boolean {
      return zone.markOnce(key);
    },
    lastFlushMs(worker: number): number | undefined {
      return zone.get(workerKey(KIND.flushedAt, worker));
    },
    reserve(worker: number, boundsMs: number[]): void {
      reserveFlushKeys(zone, worker, boundsMs);
    },
    flush(_batch: WireBatch, worker: number, nowMs: number, boundsMs: number[]): FlushResult {
      zone.set(workerKey(KIND.flushedAt, worker), nowMs);
      if (worker === HOUSEKEEPING_WORKER) {
        updateRates(zone, nowMs);
        warnIfZoneFull(zone, name);
      }
      const took = Date.now() - nowMs;
      zone.add(workerKey(KIND.flushes, worker), 1);
      zone.add(workerBucketKey(KIND.flushBucket, worker, bucketLabel(took, boundsMs)), 1);
      zone.add(workerKey(KIND.flushSum, worker), took);
      return { writer: worker === HOUSEKEEPING_WORKER, notUnderstood: 0 };
    },
    addCounters(keys: string[], deltas: number[]): boolean {
      for (let i = 0; i < keys.length; i++) zone.add(keys[i], deltas[i]);
      return true;
    },
    readModel(boundsMs: number[]): StatsModel {
      const model = buildCounterLayoutModel(
        { entries: zone.entries(), capacityBytes: zone.capacityBytes(), freeBytes: zone.freeBytes() },
        boundsMs,
      );
      // One lookup rather than a scan of the ~41,000 entries; the key is
      // only ever created, so this reads the same as the snapshot would.
      if (zone.get(KIND.scrapeSum) === undefined) reserveScrapeKeys(zone, boundsMs);
      return model;
    },
    observeScrape(_worker: number, tookMs: number, boundsMs: number[]): void {
      zone.add(scrapeBucketKey(bucketLabel(tookMs, boundsMs)), 1);
      zone.add(KIND.scrapeSum, tookMs);
    },
  };
}

function reserveFlushKeys(zone: CounterZone, worker: number, boundsMs: number[]): void {
  zone.add(KIND.zoneFullEvents, 0);
  zone.add(KIND.zoneFullWarned, 0);
  zone.add(workerKey(KIND.flushes, worker), 0);
  zone.add(workerKey(KIND.flushSum, worker), 0);
  for (let i = 0; i < boundsMs.length; i++) {
    zone.add(workerBucketKey(KIND.flushBucket, worker, String(boundsMs[i])), 0);
  }
  zone.add(workerBucketKey(KIND.flushBucket, worker, INF_LABEL), 0);
}

/**
 * The first scrape creates the keys it and the zone-full accounting will
 * write, so a zone that fills up later cannot drop them (the recorder only
 * adds to the zone-full events counter, it never creates it when full).
 */
function reserveScrapeKeys(zone: CounterZone, boundsMs: number[]): void {
  zone.add(KIND.zoneFullEvents, 0);
  zone.add(KIND.scrapeSum, 0);
  for (let i = 0; i < boundsMs.length; i++) zone.add(scrapeBucketKey(String(boundsMs[i])), 0);
  zone.add(scrapeBucketKey(INF_LABEL), 0);
}

function updateRates(zone: CounterZone, now: number): void {
  const lastUpdate = zone.get(KIND.rateUpdatedAt);
  const writes = rateWrites(zone.entries(), now, lastUpdate);
  for (let i = 0; i < writes.keys.length; i++) {
    zone.set(writes.keys[i], writes.values[i]);
  }
  zone.set(KIND.rateUpdatedAt, now);
}

function warnIfZoneFull(zone: CounterZone, zoneName: string): void {
  const events = zone.get(KIND.zoneFullEvents);
  if (events === undefined) return;
  const warned = zone.get(KIND.zoneFullWarned);
  const nowWarned = warnIfMoreDropped(zoneName, events, warned === undefined ? 0 : warned);
  if (nowWarned !== null) zone.set(KIND.zoneFullWarned, nowWarned);
}
