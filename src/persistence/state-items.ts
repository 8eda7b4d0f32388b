// Which of the zone's items a state file keeps, and how each is put back.
//
// Saved: everything but what describes the running processes rather than
// the counts: the workers' last flush times (`l`), the "bad setting
// already reported" marks (`!`, so a restart reports again) and the two
// keys of the state file itself (below).
//
// Restored, once per zone (the restore mark), before any worker's tick
// flushes (persistence/state-file.ts holds the flushes until it is done):
// - type=string (the record layout, with the shim): every record is
//   inserted where absent. Only the tick writes pair records, so they are
//   absent; a per-worker record a worker created meanwhile keeps its own.
// - type=number (the counter layout): the counters are added, because
//   without the shim the recorder counts from the first request, possibly
//   before the restore; everything else (rates, their bases, times,
//   warning marks) is inserted where absent.
import { KIND, RECORD_KIND } from '../ipng/keys';
import type { StateItem, ZoneType } from './state-format';

/** Keys of the state file's own, in the zone; kind characters no layout uses. */
export const STATE_KEY = {
  /** the restore: its start time (ms) while one worker restores, then 0 */
  restoreMark: 'R',
  /** time (ms) of the last save */
  savedAt: 'V',
} as const;

const NOT_SAVED = [KIND.flushedAt, RECORD_KIND.flushedAt, KIND.reported, STATE_KEY.restoreMark, STATE_KEY.savedAt];

/** The counter layout's kinds whose values are sums: restored by adding. */
const ADDED = [
  KIND.requests, KIND.bytesIn, KIND.bytesOut, KIND.durationBucket, KIND.upstreamBucket,
  KIND.durationSum, KIND.upstreamSum, KIND.zoneFullEvents, KIND.flushes, KIND.flushBucket,
  KIND.flushSum, KIND.scrapeBucket, KIND.scrapeSum,
];

export function isSaved(key: string): boolean {
  return NOT_SAVED.indexOf(key.charAt(0) as (typeof NOT_SAVED)[number]) === -1;
}

export function savedItems(items: StateItem[]): StateItem[] {
  const out: StateItem[] = [];
  for (let i = 0; i < items.length; i++) if (isSaved(items[i][0])) out.push(items[i]);
  return out;
}

export type Restore = 'add' | 'insert' | 'skip';

export function restoreOf(key: string, zone: ZoneType): Restore {
  if (!isSaved(key)) return 'skip';
  if (zone === 'string') return 'insert';
  return ADDED.indexOf(key.charAt(0) as (typeof ADDED)[number]) === -1 ? 'insert' : 'add';
}
