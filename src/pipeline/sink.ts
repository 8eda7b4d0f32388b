// TEMPORARY copy of the pipeline contract's types (pipeline-contract.md,
// sections 1-2) until issue-11-relayout lands; replaced by its files.
export interface WireHistogram { bounds: string[]; sumMs: number; counts: number[] }
export interface WireEntry {
  subsystem: string;
  zone: string;
  keys: string[];
  counters: number[];
  histograms: (WireHistogram | null)[];
}
export interface WireBatch {
  writer: boolean;
  entries: WireEntry[];
  dropped: number;
  notUnderstood: number;
  other: string[][];
}
export interface FlushContext { nowMs: number; worker: number; intervalMs: number; log: (msg: string) => void }
export interface SubsystemSink {
  name: string;
  flush(batch: WireBatch, ctx: FlushContext): void;
}
