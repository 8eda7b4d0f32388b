// The njs side's one storage interface: each zone layout (docs/zone-layout.md)
// implements it, and the handlers open a store once (open-store.ts) and
// call it without knowing which layout is behind it.
//
// - counter-store.ts: a type=number zone, without the shim; the recorder
//   adds straight into it, so a flush moves nothing.
// - record-store.ts: a type=string zone, with the shim; the holder of the
//   shim's writer lease writes every (source, vip) record.
import type { StatsModel } from '../model/stats-model';
import type { OnceMarks } from './report-once';
import type { ZoneType } from '../persistence/state-format';
import type { WireBatch } from '../pipeline/wire-reader';

export interface FlushResult {
  /** this worker wrote the zone-wide counters this time (it is the one that then saves the state file) */
  writer: boolean;
  /** entries of the ipng shapes that could not be read */
  notUnderstood: number;
}

export interface StatsStore extends OnceMarks {
  /** The ngx.shared zone's name. */
  readonly name: string;
  /** The zone's declared type, which the state file records. */
  readonly zoneType: ZoneType;
  /** When this worker last flushed; undefined before its first flush. */
  lastFlushMs(worker: number): number | undefined;
  /**
   * Creates, at a worker's first flush while the zone still has room,
   * every key the flushes and the zone-full accounting write later, so
   * that a full zone cannot drop them.
   */
  reserve(worker: number, boundsMs: number[]): void;
  /**
   * This worker's flush at nowMs of the shim's batch (empty without the
   * shim), counted with its duration.
   */
  flush(batch: WireBatch, worker: number, nowMs: number, boundsMs: number[]): FlushResult;
  /**
   * Adds deltas[i] to the counter keys[i] (ipng/keys.ts, as the recorder
   * writes them): the log spool's counts (ipng/spool-flush.ts). false when
   * the layout keeps no such counters (the record layout, which only the
   * shim's writer fills).
   */
  addCounters(keys: string[], deltas: number[]): boolean;
  /**
   * The model a scrape renders. shimLoaded: whether the shim runs, so a
   * missing tick is worth a warning.
   */
  readModel(boundsMs: number[], shimLoaded: boolean): StatsModel;
  /** Counts one scrape of this worker that took tookMs. */
  observeScrape(worker: number, tookMs: number, boundsMs: number[]): void;
}
