// Periodic housekeeping, run by
//   js_periodic ipng.tick interval=100ms worker_affinity=all;
// (nginx/ipng-stats-tick.conf) in every worker. js_periodic's interval is
// fixed at configuration time, so it is only the base period: each worker
// flushes when its own last flush, kept in the zone, is one flush interval
// old. $ipng_stats_flush_interval is thus the one source of truth for the
// cadence (docs/configuration.md).
//
// A flush counts itself per worker (flushes, flush duration). What else
// it does, and which one worker updates the rates and warns about a full
// zone, is the zone layout's: the store's flush (store/store.ts).
import {
  resolveBuckets, resolveDefaultSource, resolveFlushInterval, resolveStateFile, resolveStateInterval,
} from '../config/settings';
import { renderPairFragments } from '../exposition/pair-fragments';
import { reportOnce } from '../store/report-once';
import { readSettingsText } from '../platform/settings';
import { workerId } from '../platform/worker';
import { zoneNameOf } from '../store/counter-zone';
import { openStore } from '../store/open-store';
import { restoredBeforeCounting, saveIfDue } from '../persistence/state-file';

/** The js_periodic interval in nginx/ipng-stats-tick.conf. */
export const BASE_TICK_MS = 100;

export default function tick(s: NginxPeriodicSession): void {
  const started = Date.now();
  const store = openStore(zoneNameOf(s), renderPairFragments);
  const settings = readSettingsText(s);
  const interval = resolveFlushInterval(settings.flushInterval);
  const buckets = resolveBuckets(settings.buckets);
  reportOnce(store, interval.problem);
  reportOnce(store, buckets.problem);
  // The recorder without the shim counts a bad value as the default
  // without saying so (it runs per request); the tick says it once.
  reportOnce(store, resolveDefaultSource(settings.defaultSource).problem);

  // The state file (persistence/state-file.ts): restored before this worker's
  // first flush, saved by the writer after its flush.
  const stateFile = resolveStateFile(settings.stateFile);
  reportOnce(store, stateFile.problem);
  const statePath = stateFile.value;
  const dict = ngx.shared[store.name] as NgxSharedDict<string | number>;
  if (statePath !== undefined && !restoredBeforeCounting(dict, store.zoneType, statePath, started)) return;

  const worker = workerId();
  const last = store.lastFlushMs(worker);
  if (!flushDue(last, started, interval.value)) return;
  if (last === undefined) store.reserve(worker, buckets.value);
  const writer = store.flush(s, worker, started, buckets.value);
  if (statePath !== undefined && writer) {
    const stateInterval = resolveStateInterval(settings.stateInterval);
    reportOnce(store, stateInterval.problem);
    saveIfDue(dict, store.zoneType, store, statePath, stateInterval.value, Date.now());
  }
}

/** Whether this worker's flush is due; half a base period of slack, so a 1s interval flushes every 1s and not every 1.1s. */
function flushDue(lastMs: number | undefined, nowMs: number, intervalMs: number): boolean {
  return lastMs === undefined || !(nowMs - lastMs < intervalMs - BASE_TICK_MS / 2);
}
