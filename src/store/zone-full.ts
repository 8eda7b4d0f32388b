// The zone-full warning, the same for both layouts: one writer compares
// the keys dropped so far with the count it last warned about.
import { logWarning } from '../platform/log';

/**
 * Warns when more keys were dropped than at the last warning; returns the
 * count to remember as warned, or null when there is nothing new.
 */
export function warnIfMoreDropped(zoneName: string, dropped: number, warned: number): number | null {
  if (dropped <= warned) return null;
  warnZoneFull(zoneName, dropped - warned, dropped);
  return dropped;
}

/** The full-zone warning, written at most once per flush by one worker. */
function warnZoneFull(zoneName: string, sinceLastWarning: number, total: number): void {
  logWarning(
    'ipng-stats: shared dict zone "' + zoneName + '" is full: ' + sinceLastWarning +
      ' new counters dropped since the last warning (' + total + ' in total); existing ' +
      'counters keep counting; enlarge js_shared_dict_zone zone=' + zoneName + ' and reload',
  );
}
