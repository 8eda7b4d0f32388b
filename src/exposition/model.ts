// What a scrape shows, independent of the output format. The zone reader
// (src/counters/) builds it from the shared zone; src/exposition/ renders
// it as Prometheus text or as JSON schema 1.

/** Bucket upper bounds and per-bucket counts; counts are NOT cumulative. */
export interface Histogram {
  /** upper bounds in milliseconds, strictly increasing; +Inf is implicit */
  boundsMs: number[];
  /** length boundsMs.length + 1; the last entry is the +Inf bucket */
  counts: number[];
  /** sum of observations in milliseconds */
  sumMs: number;
}

export interface CodeStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface VipStats {
  rate1s: number;
  rate10s: number;
  rate60s: number;
  /** keyed by status code as text, e.g. "200" */
  codes: Record<string, CodeStats>;
  requestDuration: Histogram;
  upstreamResponse: Histogram;
}

export interface StatsModel {
  /** source_tag -> vip (canonical text) -> stats */
  bySource: Record<string, Record<string, VipStats>>;
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

/** Scrape filters; an absent field matches everything. */
export interface ScrapeFilter {
  sourceTag?: string;
  /** already canonical */
  vip?: string;
}
