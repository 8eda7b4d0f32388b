// Builds the StatsModel from one snapshot of the zone (every key read
// under one lock by items()). Pure, so the whole key layout is unit-tested
// in Node.
//
// At the spec's sizing a snapshot has ~41,000 keys, 36,000 of them
// per-(source, vip, code) counters, so this loop is most of a scrape's
// cost in njs. Each key is therefore split as little as possible: a key's
// label text (the key without its kind character) is looked up in a
// table, and only the first key of each (source, vip, code) or
// (source, vip) is parsed into its fields.
import { emptyHistogram, emptyStatsModel, Histogram, StatsModel, VipStats, CodeStats } from '../model/stats-model';
import { sortSeries } from '../model/series-order';
import { bucketIndexForLabel } from '../model/bucketing';
import { isWorkerId, KEY_SEPARATOR, KIND, parseKey } from './keys';
import { fieldLabel } from '../pipeline/wire-field';

export interface ZoneSnapshot {
  entries: Array<[string, number]>;
  capacityBytes: number;
  freeBytes: number;
}

function addToBucket(h: Histogram, label: string, value: number): void {
  const index = bucketIndexForLabel(label, h.boundsMs);
  if (index >= 0) h.counts[index] += value;
}

export function buildCounterLayoutModel(snapshot: ZoneSnapshot, boundsMs: number[]): StatsModel {
  const model = emptyStatsModel(snapshot.capacityBytes, snapshot.freeBytes, boundsMs);
  const pairs = new PairTable(model.series, boundsMs);
  const codes = new CodeTable(pairs);

  function flushHistogram(worker: string): Histogram {
    let h = model.meta.flushDuration[worker];
    if (h === undefined) {
      h = emptyHistogram(boundsMs);
      model.meta.flushDuration[worker] = h;
    }
    return h;
  }

  const entries = snapshot.entries;
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i][0];
    const value = entries[i][1];
    switch (key.charAt(0)) {
      case KIND.requests: {
        const row = codes.row(key.substring(1));
        if (row !== null) row.requests += value;
        break;
      }
      case KIND.bytesIn: {
        const row = codes.row(key.substring(1));
        if (row !== null) row.bytesIn += value;
        break;
      }
      case KIND.bytesOut: {
        const row = codes.row(key.substring(1));
        if (row !== null) row.bytesOut += value;
        break;
      }
      case KIND.durationBucket: {
        const label = key.lastIndexOf(KEY_SEPARATOR);
        const stats = label < 0 ? null : pairs.stats(key.substring(1, label));
        if (stats !== null) addToBucket(stats.requestDuration, key.substring(label + 1), value);
        break;
      }
      case KIND.upstreamBucket: {
        const label = key.lastIndexOf(KEY_SEPARATOR);
        const stats = label < 0 ? null : pairs.stats(key.substring(1, label));
        if (stats !== null) addToBucket(stats.upstreamResponse, key.substring(label + 1), value);
        break;
      }
      case KIND.durationSum: {
        const stats = pairs.stats(key.substring(1));
        if (stats !== null) stats.requestDuration.sumMs += value;
        break;
      }
      case KIND.upstreamSum: {
        const stats = pairs.stats(key.substring(1));
        if (stats !== null) stats.upstreamResponse.sumMs += value;
        break;
      }
      case KIND.rate: {
        const label = key.lastIndexOf(KEY_SEPARATOR);
        const stats = label < 0 ? null : pairs.stats(key.substring(1, label));
        if (stats === null) break;
        const window = key.substring(label + 1);
        if (window === '1') stats.rate1s = value;
        else if (window === '10') stats.rate10s = value;
        else if (window === '60') stats.rate60s = value;
        break;
      }
      default:
        readZoneWideKey(key, value);
        break;
    }
  }

  // Zone-wide and per-worker keys: a handful per worker, parsed plainly.
  function readZoneWideKey(text: string, value: number): void {
    const key = parseKey(text);
    const f = key.fields;
    switch (key.kind) {
      case KIND.zoneFullEvents:
        if (f.length === 0) model.meta.zoneFullEvents = value;
        break;
      case KIND.flushes:
        if (f.length === 1 && isWorkerId(f[0])) model.meta.flushes[f[0]] = value;
        break;
      case KIND.flushBucket:
        if (f.length === 2 && isWorkerId(f[0])) addToBucket(flushHistogram(f[0]), f[1], value);
        break;
      case KIND.flushSum:
        if (f.length === 1 && isWorkerId(f[0])) flushHistogram(f[0]).sumMs += value;
        break;
      case KIND.scrapeBucket:
        if (f.length === 1) addToBucket(model.meta.scrapeDuration, f[0], value);
        break;
      case KIND.scrapeSum:
        if (f.length === 0) model.meta.scrapeDuration.sumMs += value;
        break;
      default:
        // rate bases, flush times, warning marks, foreign keys: not shown
        break;
    }
  }

  sortSeries(model.series);
  return model;
}

/**
 * The VipStats of each (source, vip), by its label text
 * `<source>\x1f<vip>`. null for a text that is not exactly two fields
 * (a malformed or foreign key), remembered like a valid one.
 */
class PairTable {
  private readonly byText: Record<string, VipStats | null> = Object.create(null);

  constructor(
    private readonly series: VipStats[],
    private readonly boundsMs: number[],
  ) {}

  stats(text: string): VipStats | null {
    const known = this.byText[text];
    if (known !== undefined) return known;
    const separator = text.indexOf(KEY_SEPARATOR);
    let stats: VipStats | null = null;
    if (separator >= 0 && text.indexOf(KEY_SEPARATOR, separator + 1) < 0) {
      stats = {
        sourceTag: fieldLabel(text.substring(0, separator)),
        vip: fieldLabel(text.substring(separator + 1)),
        rate1s: 0,
        rate10s: 0,
        rate60s: 0,
        codes: [],
        requestDuration: emptyHistogram(this.boundsMs),
        upstreamResponse: emptyHistogram(this.boundsMs),
      };
      this.series.push(stats);
    }
    this.byText[text] = stats;
    return stats;
  }
}

/**
 * The CodeStats of each (source, vip, code), by its label text
 * `<source>\x1f<vip>\x1f<code>`; null for a text that is not exactly
 * three fields.
 */
class CodeTable {
  private readonly byText: Record<string, CodeStats | null> = Object.create(null);

  constructor(private readonly pairs: PairTable) {}

  row(text: string): CodeStats | null {
    const known = this.byText[text];
    if (known !== undefined) return known;
    const separator = text.lastIndexOf(KEY_SEPARATOR);
    const stats = separator < 0 ? null : this.pairs.stats(text.substring(0, separator));
    let row: CodeStats | null = null;
    if (stats !== null) {
      row = { code: text.substring(separator + 1), requests: 0, bytesIn: 0, bytesOut: 0 };
      stats.codes.push(row);
    }
    this.byText[text] = row;
    return row;
  }
}
