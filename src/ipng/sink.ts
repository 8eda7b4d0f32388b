// The ipng subsystem's part of the tick (pipeline/sinks.ts, first entry):
// its store, in the layout its zone's type picks (store/open-store.ts),
// flushed with the ipng entries of the batch the tick read; and the state
// file (persistence/state-file.ts), restored before this worker's first
// flush and saved by the writer after its flush. Without an ipng zone in
// the configuration there is no ipng sink.
import {
  resolveBuckets, resolveDefaultSource, resolveFlushInterval, resolveStateFile, resolveStateInterval,
} from '../config/settings';
import { PAIR_FRAGMENT_RENDERERS } from '../exposition/pair-fragments';
import { restoredBeforeCounting, saveIfDue } from '../persistence/state-file';
import { flushIsDue } from '../pipeline/flush-pacing';
import type { FlushContext, SubsystemSink } from '../pipeline/sink';
import type { WireBatch } from '../pipeline/wire-reader';
import { findSharedDict } from '../platform/open-dict';
import { logError } from '../platform/log';
import { readSettingsText } from '../platform/settings';
import { zoneNameOf } from '../platform/zone-name';
import { storeOf } from '../store/open-store';
import { logOnce, reportOnce } from '../store/report-once';
import { spoolDirOf } from '../platform/log-spool';
import { flushSpool } from './spool-flush';
import { IPNG_SHAPES } from './wire-entries';

export function openIpngSink(s: NginxPeriodicSession): SubsystemSink | null {
  const name = zoneNameOf(s);
  const opened = findSharedDict(name);
  if (opened === null) return null;
  const store = storeOf(opened, name, PAIR_FRAGMENT_RENDERERS);
  const dict = opened.dict as NgxSharedDict<string | number>;
  const settings = readSettingsText(s);
  const buckets = resolveBuckets(settings.buckets);
  // The tick reads the interval itself; a bad value is said here, where a zone keeps the mark.
  reportOnce(store, resolveFlushInterval(settings.flushInterval).problem);
  reportOnce(store, buckets.problem);
  // The recorder without the shim counts a bad value as the default
  // without saying so (it runs per request); the tick says it once.
  const defaultSource = resolveDefaultSource(settings.defaultSource);
  reportOnce(store, defaultSource.problem);
  const stateFile = resolveStateFile(settings.stateFile);
  reportOnce(store, stateFile.problem);
  const statePath = stateFile.value;
  const spoolDir = spoolDirOf(s);
  let firstFlush = false;

  function flushSpoolInto(dir: string): void {
    if (store.zoneType !== 'number') {
      // Leaves the files alone: the lines count once the zone is type=number.
      logOnce(store, 'spool', 'zone-type',
        'ipng-stats: $ipng_stats_spool_dir (ipng-stats-log-spool.conf) needs ' +
        '"js_shared_dict_zone zone=' + name + ':16m type=number;"; the zone is type=string, ' +
        'which only the shim fills: nothing is counted until then (reported once)');
      return;
    }
    const result = flushSpool(dir, store, defaultSource.value, buckets.value, logError);
    if (result.notUnderstood > 0) {
      logError('ipng-stats: ' + result.notUnderstood + ' lines of the spool files in ' + dir +
        ' not understood (is the access_log format ipng_stats_observation?)');
    }
  }

  return {
    name: 'ipng',
    reads: IPNG_SHAPES,
    flushDue(ctx: FlushContext): boolean {
      // The first worker here restores the state file; the others skip
      // their flushes meanwhile (their counts wait in the shim's tables).
      if (statePath !== undefined && !restoredBeforeCounting(dict, store.zoneType, statePath, ctx.nowMs)) return false;
      const last = store.lastFlushMs(ctx.worker);
      if (!flushIsDue(last, ctx.nowMs, ctx.intervalMs)) return false;
      firstFlush = last === undefined;
      return true;
    },
    flush(batch: WireBatch, ctx: FlushContext): void {
      if (firstFlush) store.reserve(ctx.worker, buckets.value);
      if (spoolDir !== undefined) flushSpoolInto(spoolDir);
      const result = store.flush(batch, ctx.worker, ctx.nowMs, buckets.value);
      ctx.notUnderstood(result.notUnderstood);
      if (statePath !== undefined && result.writer) {
        const stateInterval = resolveStateInterval(settings.stateInterval);
        reportOnce(store, stateInterval.problem);
        saveIfDue(dict, store.zoneType, store, statePath, stateInterval.value, Date.now());
      }
    },
  };
}
