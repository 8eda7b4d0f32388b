// How counters are named in the shared zone (docs/zone-layout.md).
//
// A key is one kind character followed by its label values, separated by
// 0x1f. Label values are in the escaped form of docs/wire-format.md
// (pipeline/wire-field.ts), which never contains 0x1f, so keys split back whatever
// bytes a tag holds. Kind characters are chosen per counter so that every
// record touches as few keys as possible: the per-(source, vip) request
// total is the sum of its per-code counters and a histogram's count is the
// sum of its buckets, so neither has a key of its own.

export const KEY_SEPARATOR = '\x1f';

/** Kind characters; each is the first character of its keys. */
export const KIND = {
  // per (source, vip, code)
  requests: 'q',
  bytesIn: 'i',
  bytesOut: 'o',
  // per (source, vip, bucket bound): NON-cumulative counts
  durationBucket: 'd',
  upstreamBucket: 'u',
  // per (source, vip): sums in milliseconds
  durationSum: 'D',
  upstreamSum: 'U',
  // per (source, vip, window): EWMA requests/s, written by the rate tick
  rate: 'r',
  // per (source, vip): request total at the last rate update
  rateBase: 't',
  // zone-wide
  zoneFullEvents: 'Z',
  zoneFullWarned: 'W',
  rateUpdatedAt: 'T',
  // per worker
  flushedAt: 'l',
  flushes: 'f',
  flushBucket: 'F',
  flushSum: 'G',
  // scrape duration histogram
  scrapeBucket: 'S',
  scrapeSum: 's',
  // "this bad setting value was already reported"
  reported: '!',
} as const;

/**
 * Kind characters of the record layout (a `type=string` zone with the
 * shim's writer lease; docs/zone-layout.md). Values are text.
 */
export const RECORD_KIND = {
  // per (source, vip): everything counted for the pair (pair-record.ts)
  pair: 'P',
  // per worker: flushes, flush-duration and scrape-duration histograms,
  // keys this worker dropped because the zone was full, last flush time
  flushes: 'f',
  flushDuration: 'F',
  scrapeDuration: 'S',
  zoneFullEvents: 'Z',
  flushedAt: 'l',
  // a piece of a long record (record-zone.ts): C<record key>␟<generation>␟<i>
  chunk: 'C',
  // written by the lease holder
  rateUpdatedAt: 'T',
  zoneFullWarned: 'W',
  reported: '!',
} as const;

/** Bucket keys name their upper bound in ms, or INF_LABEL for +Inf. */
export { INF_LABEL } from '../model/bucketing';

const S = KEY_SEPARATOR;

export function codeKey(kind: string, sourceTag: string, vip: string, code: number | string): string {
  return kind + sourceTag + S + vip + S + code;
}

export function pairKey(kind: string, sourceTag: string, vip: string): string {
  return kind + sourceTag + S + vip;
}

export function pairBucketKey(kind: string, sourceTag: string, vip: string, boundLabel: string): string {
  return kind + sourceTag + S + vip + S + boundLabel;
}

export function rateKey(sourceTag: string, vip: string, windowSeconds: number): string {
  return KIND.rate + sourceTag + S + vip + S + windowSeconds;
}

export function workerKey(kind: string, worker: number | string): string {
  return kind + worker;
}

export function workerBucketKey(kind: string, worker: number | string, boundLabel: string): string {
  return kind + worker + S + boundLabel;
}

export function scrapeBucketKey(boundLabel: string): string {
  return KIND.scrapeBucket + boundLabel;
}

export function reportedKey(setting: string, value: string): string {
  // Bounded, so a huge bad value cannot make a huge key.
  return KIND.reported + setting + S + value.slice(0, 64);
}

/** The record layout's key of a (source, vip) record. */
export function pairRecordKey(sourceTag: string, vip: string): string {
  return RECORD_KIND.pair + sourceTag + S + vip;
}

export interface ParsedKey {
  kind: string;
  fields: string[];
}

/** Splits any key back into its kind and label values (never throws). */
export function parseKey(key: string): ParsedKey {
  return { kind: key.charAt(0), fields: key.length > 1 ? key.slice(1).split(S) : [] };
}

/** A worker's number as keys carry it (ngx.worker_id, in decimal). */
export function isWorkerId(text: string): boolean {
  return /^\d+$/.test(text);
}
