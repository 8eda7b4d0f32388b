// The zone-full warning, the same for both layouts: one writer compares
// the keys dropped so far with the count it last warned about.
import { warnZoneFull } from '../platform/log';

/**
 * Warns when more keys were dropped than at the last warning; returns the
 * count to remember as warned, or null when there is nothing new.
 */
export function warnIfMoreDropped(zoneName: string, dropped: number, warned: number): number | null {
  if (dropped <= warned) return null;
  warnZoneFull(zoneName, dropped - warned, dropped);
  return dropped;
}
