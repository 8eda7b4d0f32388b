// Periodic housekeeping, run by
//   js_periodic ipng.tick interval=100ms worker_affinity=all;
// (nginx/ipng-stats-tick.conf) in every worker. js_periodic's interval is
// fixed at configuration time, so it is only the base period: each worker
// flushes when its own last flush, kept in the zone, is one flush interval
// old. $ipng_stats_flush_interval is thus the one source of truth for the
// cadence (docs/configuration.md).
//
// A flush counts itself per worker (flushes, flush duration). Worker 0
// alone also updates the EWMA rates and warns about a full zone, so rates
// are never decayed twice per interval and there is at most one warning
// per interval.
//
// That is the counter layout (a type=number zone), used without the shim:
// the recorder adds straight into the zone and a flush moves nothing (a
// shim with a type=number zone fails nginx -t). In the record layout
// (type=string, with the shim) the lease holder of the shim writes all
// counts, rates and warnings instead of worker 0: see
// record-layout-flush.ts.
import {
  resolveBuckets, resolveDefaultSource, resolveFlushInterval, resolveStateFile, resolveStateInterval,
} from '../config/settings';
import { bucketLabel } from '../counters/bucketing';
import { INF_LABEL, KIND, RECORD_KIND, workerBucketKey, workerKey } from '../counters/keys';
import { rateWrites } from '../counters/rate-update';
import { warnZoneFull } from '../nginx/log';
import { reportOnce } from '../nginx/report-once';
import { readSettingsText } from '../nginx/settings';
import { workerId } from '../nginx/worker';
import { RecordZone } from '../nginx/record-zone';
import { CounterZone, openZone, zoneNameOf } from '../nginx/zone';
import { countRecordFlush, flushRecords, reserveWorkerRecords } from './record-layout-flush';
import { restoredBeforeCounting, saveIfDue } from './state';

/** The js_periodic interval in nginx/ipng-stats-tick.conf. */
export const BASE_TICK_MS = 100;

/** The one worker that updates rates and warns. */
const HOUSEKEEPING_WORKER = 0;

export default function tick(s: NginxPeriodicSession): void {
  const started = Date.now();
  const opened = openZone(zoneNameOf(s));
  const settings = readSettingsText(s);
  const interval = resolveFlushInterval(settings.flushInterval);
  const buckets = resolveBuckets(settings.buckets);
  reportOnce(opened.zone, interval.problem);
  reportOnce(opened.zone, buckets.problem);
  // The recorder without the shim counts a bad value as the default
  // without saying so (it runs per request); the tick says it once.
  reportOnce(opened.zone, resolveDefaultSource(settings.defaultSource).problem);

  // The state file (handlers/state.ts): restored before this worker's
  // first flush, saved by the writer after its flush.
  const stateFile = resolveStateFile(settings.stateFile);
  reportOnce(opened.zone, stateFile.problem);
  const statePath = stateFile.value;
  const dict = ngx.shared[opened.name] as NgxSharedDict<string | number>;
  const zoneType = opened.layout === 'record' ? 'string' : 'number';
  if (statePath !== undefined && !restoredBeforeCounting(dict, zoneType, statePath, started)) return;

  const writer =
    opened.layout === 'record'
      ? recordLayoutTick(s, opened.zone, opened.name, started, interval.value, buckets.value)
      : counterLayoutTick(opened.zone, opened.name, started, interval.value, buckets.value);
  if (statePath !== undefined && writer) {
    const stateInterval = resolveStateInterval(settings.stateInterval);
    reportOnce(opened.zone, stateInterval.problem);
    saveIfDue(dict, zoneType, opened.zone, statePath, stateInterval.value, Date.now());
  }
}

/** Whether this worker's flush is due; half a base period of slack, so a 1s interval flushes every 1s and not every 1.1s. */
function flushDue(lastMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return lastMs === undefined || !(nowMs - lastMs < intervalMs - BASE_TICK_MS / 2);
}

/** Returns whether this worker flushed as the writer (the lease holder). */
function recordLayoutTick(s: NginxPeriodicSession, zone: RecordZone, zoneName: string, started: number, intervalMs: number, boundsMs: number[]): boolean {
  const worker = workerId();
  const flushedAtKey = RECORD_KIND.flushedAt + worker;
  const lastText = zone.get(flushedAtKey);
  if (!flushDue(lastText === undefined ? undefined : Number(lastText), started, intervalMs)) return false;
  if (lastText === undefined) reserveWorkerRecords(zone, worker);
  zone.put(flushedAtKey, String(started));
  const writer = flushRecords(s, zone, zoneName, worker, started, boundsMs);
  countRecordFlush(zone, worker, Date.now() - started, boundsMs);
  return writer;
}

/** Returns whether this worker flushed as the housekeeping worker (the writer of rates and the state file). */
function counterLayoutTick(zone: CounterZone, zoneName: string, started: number, intervalMs: number, boundsMs: number[]): boolean {
  const worker = workerId();
  const flushedAtKey = workerKey(KIND.flushedAt, worker);
  const last = zone.get(flushedAtKey);
  if (!flushDue(last, started, intervalMs)) return false;
  zone.set(flushedAtKey, started);
  if (last === undefined) reserveKeys(zone, worker, boundsMs);

  if (worker === HOUSEKEEPING_WORKER) {
    updateRates(zone, started);
    warnIfZoneFull(zone, zoneName);
  }

  const took = Date.now() - started;
  zone.add(workerKey(KIND.flushes, worker), 1);
  zone.add(workerBucketKey(KIND.flushBucket, worker, bucketLabel(took, boundsMs)), 1);
  zone.add(workerKey(KIND.flushSum, worker), took);
  return worker === HOUSEKEEPING_WORKER;
}

/**
 * Creates, at a worker's first flush, every key the flush and the
 * zone-full accounting write later, so that a full zone cannot make them
 * disappear or be counted as drops.
 */
function reserveKeys(zone: CounterZone, worker: number, boundsMs: number[]): void {
  zone.add(KIND.zoneFullEvents, 0);
  zone.add(KIND.zoneFullWarned, 0);
  zone.add(workerKey(KIND.flushes, worker), 0);
  zone.add(workerKey(KIND.flushSum, worker), 0);
  for (let i = 0; i < boundsMs.length; i++) {
    zone.add(workerBucketKey(KIND.flushBucket, worker, String(boundsMs[i])), 0);
  }
  zone.add(workerBucketKey(KIND.flushBucket, worker, INF_LABEL), 0);
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
  const before = warned === undefined ? 0 : warned;
  if (events <= before) return;
  warnZoneFull(zoneName, events - before, events);
  zone.set(KIND.zoneFullWarned, events);
}
