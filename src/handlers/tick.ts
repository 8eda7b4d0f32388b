// Periodic housekeeping, run by
//   js_periodic ipng.tick interval=100ms worker_affinity=all;
// (nginx/ipng-stats-tick.conf, or arranged by the shim in a display
// location) in every worker. The flush of the one pipeline: when every
// subsystem's pacing says this worker's flush is due
// (pipeline/flush-pacing.ts), it reads the shim's drain
// ($ipng_stats_writer_deltas) once, reads it (pipeline/wire-reader.ts) and
// hands the batch to each subsystem's sink (pipeline/sinks.ts). What a
// sink does with it, and which one worker writes the zone-wide counters,
// is the subsystem's: ipng's is ipng/sink.ts. Without the shim the drain
// is empty and only ipng exists.
import { resolveFlushInterval } from '../config/settings';
import { FlushContext, SubsystemSink } from '../pipeline/sink';
import { SINKS } from '../pipeline/sinks';
import { readWire, WireBatch } from '../pipeline/wire-reader';
import { logError } from '../platform/log';
import { readSettingsText } from '../platform/settings';
import { workerId } from '../platform/worker';
import { drainWriterDeltas } from '../platform/writer-drain';

export default function tick(s: NginxPeriodicSession): void {
  const sinks: SubsystemSink[] = [];
  for (let i = 0; i < SINKS.length; i++) {
    const sink = SINKS[i](s);
    if (sink !== null) sinks.push(sink);
  }
  if (sinks.length === 0) {
    throw new Error(
      'ipng-stats: the tick found no zone to flush into; declare one, e.g. "ipng_stats_zone ipng_stats:4m;" ' +
        '(with the shim) or "js_shared_dict_zone zone=ipng_stats:16m type=number;" (without it) in the http block',
    );
  }
  let notUnderstood = 0;
  const ctx: FlushContext = {
    nowMs: Date.now(),
    worker: workerId(),
    intervalMs: resolveFlushInterval(readSettingsText(s).flushInterval).value,
    log: logError,
    notUnderstood(lines: number): void {
      notUnderstood += lines;
    },
  };
  for (let i = 0; i < sinks.length; i++) {
    const due = sinks[i].flushDue;
    if (due !== undefined && !due.call(sinks[i], ctx)) return;
  }
  const batch = readWire(drainWriterDeltas(s));
  for (let i = 0; i < sinks.length; i++) sinks[i].flush(batch, ctx);
  notUnderstood += batch.notUnderstood + unread(batch, sinks);
  if (notUnderstood > 0) {
    logError(
      'ipng-stats: ' + notUnderstood + ' lines of $ipng_stats_writer_deltas not understood ' +
        '(is the shim from the same release as the bundle?)',
    );
  }
}

/** Lines of shapes and record types that no sink of this configuration reads. */
function unread(batch: WireBatch, sinks: SubsystemSink[]): number {
  const read: Record<string, boolean> = Object.create(null);
  for (let i = 0; i < sinks.length; i++) {
    const names = sinks[i].reads;
    if (names === undefined) return 0;
    for (let k = 0; k < names.length; k++) read[names[k]] = true;
  }
  let n = 0;
  for (let i = 0; i < batch.entries.length; i++) if (read[batch.entries[i].subsystem] !== true) n++;
  for (let i = 0; i < batch.other.length; i++) if (read[batch.other[i][0]] !== true) n++;
  return n;
}
