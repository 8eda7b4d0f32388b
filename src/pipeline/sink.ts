// What a subsystem gives the tick (handlers/tick.ts): its sink. The tick
// reads the shim's drain once per flush, reads it with readWire, and hands
// the one batch to every sink of pipeline/sinks.ts whose zone this
// configuration has.
import type { WireBatch } from './wire-reader';

export interface FlushContext {
  nowMs: number;
  worker: number;
  /** $ipng_stats_flush_interval, in ms */
  intervalMs: number;
  /** an [error] line in nginx's error log */
  log: (msg: string) => void;
  /**
   * Counts entries of the sink's own shapes that it could not read (wrong
   * number of keys, counters or histograms); the tick logs the flush's
   * total once. (An addition to the session's pipeline contract.)
   */
  notUnderstood: (lines: number) => void;
}

export interface SubsystemSink {
  /** for logs */
  name: string;
  /**
   * The shapes of "r" lines, and the record types of other lines, that
   * this sink reads. A line that no sink of this configuration reads is
   * counted as not understood. Optional (an addition to the contract):
   * without it, the tick counts nothing for this sink.
   */
  reads?: string[];
  /**
   * Whether this worker's flush is due, from what the subsystem keeps in
   * its own zone (its last flush time, pipeline/flush-pacing.ts; a state
   * restore in progress). Called before the drain is read: the tick reads
   * it only when every sink that has this method says yes, and when none
   * has one, at every tick (100 ms). So it only answers: the flush's
   * time is recorded by flush(), which runs only when every sink said yes.
   * Optional (an addition to the contract): it is what paces a
   * configuration without an ipng zone.
   */
  flushDue?(ctx: FlushContext): boolean;
  /** writer worker only: the batch holds every worker's counts */
  flush(batch: WireBatch, ctx: FlushContext): void;
}
