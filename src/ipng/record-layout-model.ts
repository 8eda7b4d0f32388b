// Builds the StatsModel from one snapshot of a record-layout zone (every
// record read under one lock by items()). Pure, like counter-layout-model.ts for the
// counter layout. At the spec's sizing the snapshot has ~210 records, one
// per (source, vip), whose codes are already rendered (pair-record.ts),
// or are left to the scrape to render when the record is counts-only.
import { emptyStatsModel, Histogram, StatsModel } from '../model/stats-model';
import { sortSeries } from '../model/series-order';
import { decodeHistogram } from './histogram-text';
import { isWorkerId, KEY_SEPARATOR, RECORD_KIND } from './keys';
import { pairStatsFromRecord } from './pair-record';
import { fieldLabel } from '../pipeline/wire-field';
import type { ZoneSnapshot } from './counter-layout-model';

export interface RecordSnapshot extends Omit<ZoneSnapshot, 'entries'> {
  entries: Array<[string, string]>;
}

function addInto(into: Histogram, h: Histogram): void {
  for (let i = 0; i < into.counts.length; i++) into.counts[i] += h.counts[i];
  into.sumMs += h.sumMs;
}

function decimal(text: string): number {
  const n = Number(text);
  return isFinite(n) ? n : 0;
}

export function buildRecordLayoutModel(snapshot: RecordSnapshot, boundsMs: number[]): StatsModel {
  const model = emptyStatsModel(snapshot.capacityBytes, snapshot.freeBytes, boundsMs);
  const boundsText = boundsMs.join(',');
  const entries = snapshot.entries;
  // The pair records' rates are shown as of the zone's last rate update.
  let ratesAt = 0;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i][0] === RECORD_KIND.rateUpdatedAt) ratesAt = decimal(entries[i][1]);
  }
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i][0];
    const text = entries[i][1];
    const kind = key.charAt(0);
    const rest = key.substring(1);
    if (kind === RECORD_KIND.pair) {
      const separator = rest.indexOf(KEY_SEPARATOR);
      if (separator < 0 || rest.indexOf(KEY_SEPARATOR, separator + 1) >= 0) continue;
      const tag = fieldLabel(rest.substring(0, separator));
      model.series.push(pairStatsFromRecord(tag, fieldLabel(rest.substring(separator + 1)), text, boundsMs, boundsText, ratesAt));
      continue;
    }
    if (!isWorkerId(rest)) continue;
    switch (kind) {
      case RECORD_KIND.flushes:
        model.meta.flushes[rest] = decimal(text);
        break;
      case RECORD_KIND.flushDuration:
        model.meta.flushDuration[rest] = decodeHistogram(text, boundsMs);
        break;
      case RECORD_KIND.scrapeDuration:
        addInto(model.meta.scrapeDuration, decodeHistogram(text, boundsMs));
        break;
      case RECORD_KIND.zoneFullEvents:
        model.meta.zoneFullEvents += decimal(text);
        break;
      default:
        break;
    }
  }
  sortSeries(model.series);
  return model;
}
