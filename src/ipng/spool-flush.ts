// The tick's half of the log-spool form of the no-shim mode
// (nginx/ipng-stats-log-spool.conf): at each flush of this worker, the
// lines its nginx logged since the last one, and those of exited workers
// (platform/log-spool.ts), are added to the zone's counters
// (ipng/spool-lines.ts), under the keys the recorder writes, so the
// scrape reads them as it always did.
import { escapeText } from '../pipeline/wire-field';
import { adoptExitedSpools, takeOwnSpool } from '../platform/log-spool';
import type { StatsStore } from '../store/store';
import { spoolIncrements } from './spool-lines';

export interface SpoolFlushResult {
  requests: number;
  notUnderstood: number;
}

/** defaultSource: the resolved source tag (raw); log: an error-log writer. */
export function flushSpool(
  dir: string, store: StatsStore, defaultSource: string, boundsMs: number[], log: (message: string) => void,
): SpoolFlushResult {
  const texts = adoptExitedSpools(dir, log);
  texts.push(takeOwnSpool(dir));
  const sourceTag = escapeText(defaultSource);
  const result: SpoolFlushResult = { requests: 0, notUnderstood: 0 };
  for (let i = 0; i < texts.length; i++) {
    if (texts[i] === '') continue;
    const inc = spoolIncrements(texts[i], sourceTag, boundsMs);
    result.requests += inc.requests;
    result.notUnderstood += inc.notUnderstood;
    if (inc.keys.length > 0 && !store.addCounters(inc.keys, inc.deltas)) {
      // Before reading the next file: what is read cannot be put back.
      result.notUnderstood += inc.requests;
    }
  }
  return result;
}
