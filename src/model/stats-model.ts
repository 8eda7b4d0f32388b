// What a scrape shows, independent of the output format. The zone reader
// (src/ipng/) builds it from the shared zone; src/exposition/ renders
// it as Prometheus text or as JSON schema 1.
//
// The model is already in exposition order (see series-order.ts): both
// renderers write it front to back, so a scrape sorts once, where the
// model is built, and never per output format or per metric family.

/** Bucket upper bounds and per-bucket counts; counts are NOT cumulative. */
export interface Histogram {
  /** upper bounds in milliseconds, strictly increasing; +Inf is implicit */
  boundsMs: number[];
  /** length boundsMs.length + 1; the last entry is the +Inf bucket */
  counts: number[];
  /** sum of observations in milliseconds */
  sumMs: number;
}

/** All-zero counts for `boundsMs` (+Inf included). */
export function emptyHistogram(boundsMs: number[]): Histogram {
  const counts: number[] = [];
  for (let i = 0; i <= boundsMs.length; i++) counts.push(0);
  return { boundsMs: boundsMs.slice(), counts, sumMs: 0 };
}

export interface CodeStats {
  /** status code as text, e.g. "200" */
  code: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

/** Separates the per-code entries of a RenderedCodes text. */
export const RENDERED_ENTRY_SEPARATOR = '\x1d';

/**
 * The per-code counters of one (source, vip) as the record layout stores
 * them: already rendered when the zone's writer writes them (pair-fragments.ts),
 * so a scrape joins a few strings per (source, vip) instead of formatting
 * every code. Codes are in exposition order.
 */
export interface RenderedCodes {
  /** Prometheus line tails `<code>"} <n>`, one per code, RENDERED_ENTRY_SEPARATOR between */
  requests: string;
  bytesIn: string;
  bytesOut: string;
  /** JSON members `"<code>":{"requests":..,"bytes_in":..,"bytes_out":..}`, comma separated */
  json: string;
}

/** A histogram's Prometheus parts (see renderHistogram in prometheus.ts). */
export interface RenderedHistogramParts {
  bucketTails: string;
  sum: string;
  count: string;
}

export interface RenderedHistograms {
  requestDuration: RenderedHistogramParts;
  upstreamResponse: RenderedHistogramParts;
  requestDurationJson: string;
  upstreamResponseJson: string;
}

/** Everything counted for one (source, vip) pair. */
export interface VipStats {
  sourceTag: string;
  /** canonical address text */
  vip: string;
  rate1s: number;
  rate10s: number;
  rate60s: number;
  /** one entry per status code seen, sorted by code */
  codes: CodeStats[];
  /** the record layout's form of `codes` (then `codes` is empty) */
  rendered?: RenderedCodes;
  /**
   * a counts-only record's codes section, split: code, requests, bytes
   * in, bytes out, then the next code, sorted by code, the counts decimal
   * text (then `codes` is empty and `rendered` absent); the scrape renders
   * only the form it serves from it
   */
  codesSection?: string[];
  /**
   * the record layout's histograms, already rendered in the current
   * bounds (then requestDuration and upstreamResponse are empty)
   */
  renderedHistograms?: RenderedHistograms;
  requestDuration: Histogram;
  upstreamResponse: Histogram;
}

export interface StatsModel {
  /** every (source, vip) pair, sorted by source_tag, then vip */
  series: VipStats[];
  meta: {
    zoneBytesUsed: number;
    zoneBytesTotal: number;
    zoneFullEvents: number;
    /** worker id as text -> flush ticks executed */
    flushes: Record<string, number>;
    /** worker id as text -> histogram of flush durations */
    flushDuration: Record<string, Histogram>;
    scrapeDuration: Histogram;
  };
}

/** A model with no series and nothing counted yet, for either zone layout's reader. */
export function emptyStatsModel(capacityBytes: number, freeBytes: number, boundsMs: number[]): StatsModel {
  return {
    series: [],
    meta: {
      zoneBytesUsed: capacityBytes - freeBytes,
      zoneBytesTotal: capacityBytes,
      zoneFullEvents: 0,
      flushes: {},
      flushDuration: {},
      scrapeDuration: emptyHistogram(boundsMs),
    },
  };
}

/** Whether two bounds lists are the same numbers. */
export function sameBounds(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Scrape filters; an absent field matches everything. */
export interface ScrapeFilter {
  sourceTag?: string;
  /** already canonical */
  vip?: string;
}
