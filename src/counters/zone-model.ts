// Builds the StatsModel from one snapshot of the zone (every key read
// under one lock by items()). Pure, so the whole key layout is unit-tested
// in Node.
import { Histogram, StatsModel, VipStats } from '../exposition/model';
import { bucketIndexForLabel } from './bucketing';
import { KIND, parseKey } from './keys';

export interface ZoneSnapshot {
  entries: Array<[string, number]>;
  capacityBytes: number;
  freeBytes: number;
}

export function emptyHistogram(boundsMs: number[]): Histogram {
  const counts: number[] = [];
  for (let i = 0; i <= boundsMs.length; i++) counts.push(0);
  return { boundsMs: boundsMs.slice(), counts, sumMs: 0 };
}

function addToBucket(h: Histogram, label: string, value: number): void {
  const index = bucketIndexForLabel(label, h.boundsMs);
  if (index >= 0) h.counts[index] += value;
}

function isWorkerId(text: string): boolean {
  return /^\d+$/.test(text);
}

export function buildModel(snapshot: ZoneSnapshot, boundsMs: number[]): StatsModel {
  const model: StatsModel = {
    bySource: {},
    meta: {
      zoneBytesUsed: snapshot.capacityBytes - snapshot.freeBytes,
      zoneBytesTotal: snapshot.capacityBytes,
      zoneFullEvents: 0,
      flushes: {},
      flushDuration: {},
      scrapeDuration: emptyHistogram(boundsMs),
    },
  };

  function vipStats(sourceTag: string, vip: string): VipStats {
    let vips = model.bySource[sourceTag];
    if (vips === undefined) {
      vips = {};
      model.bySource[sourceTag] = vips;
    }
    let stats = vips[vip];
    if (stats === undefined) {
      stats = {
        rate1s: 0,
        rate10s: 0,
        rate60s: 0,
        codes: {},
        requestDuration: emptyHistogram(boundsMs),
        upstreamResponse: emptyHistogram(boundsMs),
      };
      vips[vip] = stats;
    }
    return stats;
  }

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
    const value = entries[i][1];
    const key = parseKey(entries[i][0]);
    const f = key.fields;
    switch (key.kind) {
      case KIND.requests:
      case KIND.bytesIn:
      case KIND.bytesOut: {
        if (f.length !== 3) break;
        const codes = vipStats(f[0], f[1]).codes;
        let c = codes[f[2]];
        if (c === undefined) {
          c = { requests: 0, bytesIn: 0, bytesOut: 0 };
          codes[f[2]] = c;
        }
        if (key.kind === KIND.requests) c.requests += value;
        else if (key.kind === KIND.bytesIn) c.bytesIn += value;
        else c.bytesOut += value;
        break;
      }
      case KIND.durationBucket:
        if (f.length === 3) addToBucket(vipStats(f[0], f[1]).requestDuration, f[2], value);
        break;
      case KIND.upstreamBucket:
        if (f.length === 3) addToBucket(vipStats(f[0], f[1]).upstreamResponse, f[2], value);
        break;
      case KIND.durationSum:
        if (f.length === 2) vipStats(f[0], f[1]).requestDuration.sumMs += value;
        break;
      case KIND.upstreamSum:
        if (f.length === 2) vipStats(f[0], f[1]).upstreamResponse.sumMs += value;
        break;
      case KIND.rate: {
        if (f.length !== 3) break;
        const stats = vipStats(f[0], f[1]);
        if (f[2] === '1') stats.rate1s = value;
        else if (f[2] === '10') stats.rate10s = value;
        else if (f[2] === '60') stats.rate60s = value;
        break;
      }
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
  return model;
}
