// A small StatsModel shared by the exposition unit tests: two sources (one
// with characters that need escaping), three VIPs, in the exposition order
// the zone reader produces (zone-model.test.ts checks that order), bounds
// that exercise the ms → s text (1 ms, 9 ms, 250 ms, 2.5 s, 10 s).
import type { Histogram, StatsModel, VipStats } from '../../../src/model/stats-model';

export const BOUNDS_MS = [1, 9, 250, 2500, 10000];

export function histogram(counts: number[], sumMs: number): Histogram {
  return { boundsMs: BOUNDS_MS, counts, sumMs };
}

function emptyHistogram(): Histogram {
  return histogram([0, 0, 0, 0, 0, 0], 0);
}

function vip(sourceTag: string, vipText: string, partial: Partial<VipStats>): VipStats {
  return {
    sourceTag,
    vip: vipText,
    rate1s: 0,
    rate10s: 0,
    rate60s: 0,
    codes: [],
    requestDuration: emptyHistogram(),
    upstreamResponse: emptyHistogram(),
    ...partial,
  };
}

export function sampleModel(): StatsModel {
  return {
    series: [
      vip('mg1', '192.0.2.10', {
        rate1s: 42.3,
        rate10s: 40.1,
        rate60s: 39.8,
        codes: [
          { code: '200', requests: 12345, bytesIn: 9876543, bytesOut: 54321098 },
          { code: '404', requests: 17, bytesIn: 2048, bytesOut: 9216 },
        ],
        requestDuration: histogram([10, 30, 4000, 80, 4, 0], 87654),
        upstreamResponse: histogram([2, 0, 5, 0, 0, 1], 12009),
      }),
      vip('mg1', '2001:db8::1', {
        rate1s: 0.1 + 0.2,
        rate10s: 1 / 3,
        rate60s: 2,
        codes: [{ code: '200', requests: 3, bytesIn: 300, bytesOut: 3000 }],
        requestDuration: histogram([1, 1, 1, 0, 0, 0], 1 + 9 + 11),
      }),
      vip('we"ird\\tag', '198.51.100.7', {
        codes: [{ code: '503', requests: 1, bytesIn: 10, bytesOut: 20 }],
        requestDuration: histogram([0, 0, 0, 0, 0, 1], 12345),
      }),
    ],
    meta: {
      zoneBytesUsed: 131072,
      zoneBytesTotal: 4194304,
      zoneFullEvents: 0,
      flushes: { '10': 7, '2': 5 },
      flushDuration: { '2': histogram([5, 0, 0, 0, 0, 0], 2), '10': histogram([6, 1, 0, 0, 0, 0], 9) },
      scrapeDuration: histogram([1, 1, 0, 0, 0, 0], 6),
    },
  };
}

export function emptyModel(): StatsModel {
  return {
    series: [],
    meta: {
      zoneBytesUsed: 0,
      zoneBytesTotal: 1048576,
      zoneFullEvents: 0,
      flushes: {},
      flushDuration: {},
      scrapeDuration: emptyHistogram(),
    },
  };
}
