// The record layout's value for one (source, vip): everything counted for
// the pair in one string, written by the one worker that holds the shim's
// writer lease (docs/zone-layout.md, "Record layout"). Sections, separated
// by RECORD_SECTION_SEPARATOR:
//   0  rates   "<rate_1s> <rate_10s> <rate_60s> <base> <total>"; total is
//              the pair's request count, base its value at the last rate
//              update
//   1  request-duration histogram (histogram-record.ts)
//   2  upstream-response histogram
//   3  codes   "<code> <requests> <bytes_in> <bytes_out>" per code, sorted
//   4..7       the same codes rendered for the scrape (RenderedCodes):
//              Prometheus tails for requests, bytes in, bytes out, then
//              the JSON members
// Sections 4-7 repeat section 3 so that a scrape of the spec's 12,000
// series joins ~1,000 strings instead of formatting 36,000 numbers: the
// formatting happens once per change, in the writer, not once per scrape.
import type { CodeStats, Histogram, VipStats } from '../exposition/model';
import { RENDERED_ENTRY_SEPARATOR } from '../exposition/model';
import { codeLineTail } from '../exposition/prometheus';
import { jsonCodeMember } from '../exposition/json';
import type { PairDelta } from './deltas';
import { addBucketCounts, decodeHistogram, encodeHistogram } from './histogram-record';
import { decayedRate, RATE_WINDOWS_S } from './rates';

export const RECORD_SECTION_SEPARATOR = '\x1e';
const SECTIONS = 8;

export interface RateState {
  rates: number[];
  /** total at the last rate update */
  base: number;
  /** requests counted so far */
  total: number;
}

export interface PairTotals {
  /** sorted by code (exposition order) */
  codes: CodeStats[];
  requestDuration: Histogram;
  upstreamResponse: Histogram;
  rate: RateState;
}

function decodeRates(text: string | undefined): RateState {
  const f = text ? text.split(' ') : [];
  const n = (i: number) => (f.length === 5 && f[i] !== '' && isFinite(Number(f[i])) ? Number(f[i]) : 0);
  return { rates: [n(0), n(1), n(2)], base: n(3), total: n(4) };
}

function encodeRates(r: RateState): string {
  return r.rates[0] + ' ' + r.rates[1] + ' ' + r.rates[2] + ' ' + r.base + ' ' + r.total;
}

function decodeCodes(text: string | undefined): CodeStats[] {
  const codes: CodeStats[] = [];
  if (!text) return codes;
  const entries = text.split(RENDERED_ENTRY_SEPARATOR);
  for (let i = 0; i < entries.length; i++) {
    const f = entries[i].split(' ');
    if (f.length !== 4) continue;
    codes.push({ code: f[0], requests: Number(f[1]), bytesIn: Number(f[2]), bytesOut: Number(f[3]) });
  }
  return codes;
}

/** The whole record, for the writer (an absent record is all zeros). */
export function decodePairRecord(text: string | undefined, boundsMs: number[]): PairTotals {
  const s = text ? text.split(RECORD_SECTION_SEPARATOR) : [];
  return {
    rate: decodeRates(s[0]),
    requestDuration: decodeHistogram(s[1], boundsMs),
    upstreamResponse: decodeHistogram(s[2], boundsMs),
    codes: decodeCodes(s[3]),
  };
}

export function encodePairRecord(p: PairTotals): string {
  const canonical: string[] = [];
  const requests: string[] = [];
  const bytesIn: string[] = [];
  const bytesOut: string[] = [];
  const json: string[] = [];
  for (let i = 0; i < p.codes.length; i++) {
    const c = p.codes[i];
    canonical.push(c.code + ' ' + c.requests + ' ' + c.bytesIn + ' ' + c.bytesOut);
    requests.push(codeLineTail(c.code, c.requests));
    bytesIn.push(codeLineTail(c.code, c.bytesIn));
    bytesOut.push(codeLineTail(c.code, c.bytesOut));
    json.push(jsonCodeMember(c));
  }
  const S = RECORD_SECTION_SEPARATOR;
  const E = RENDERED_ENTRY_SEPARATOR;
  return (
    encodeRates(p.rate) + S +
    encodeHistogram(p.requestDuration) + S +
    encodeHistogram(p.upstreamResponse) + S +
    canonical.join(E) + S +
    requests.join(E) + S + bytesIn.join(E) + S + bytesOut.join(E) + S +
    json.join(',')
  );
}

function compareCodes(a: CodeStats, b: CodeStats): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/**
 * Adds one pair's deltas. A code the record does not have yet is only
 * created when `newCodesAllowed` (the zone is not full); otherwise its
 * requests are dropped, and their number is returned (each is one refused
 * insertion of a (source, vip, code) series, which is what
 * nginx_ipng_zone_full_events_total counts in this layout). Existing codes
 * and the histograms always count.
 */
export function applyPairDelta(p: PairTotals, d: PairDelta, newCodesAllowed: boolean): number {
  const byCode: Record<string, CodeStats> = Object.create(null);
  for (let i = 0; i < p.codes.length; i++) byCode[p.codes[i].code] = p.codes[i];
  let dropped = 0;
  let added = false;
  for (let i = 0; i < d.codes.length; i++) {
    const delta = d.codes[i];
    let row = byCode[delta.code];
    if (row === undefined) {
      if (!newCodesAllowed) {
        dropped += delta.requests;
        continue;
      }
      row = { code: delta.code, requests: 0, bytesIn: 0, bytesOut: 0 };
      byCode[delta.code] = row;
      p.codes.push(row);
      added = true;
    }
    row.requests += delta.requests;
    row.bytesIn += delta.bytesIn;
    row.bytesOut += delta.bytesOut;
    p.rate.total += delta.requests;
  }
  if (added) p.codes.sort(compareCodes);
  for (let i = 0; i < d.duration.length; i++) {
    addBucketCounts(p.requestDuration, d.duration[i].bounds, d.duration[i].counts, d.duration[i].sumMs);
  }
  for (let i = 0; i < d.upstream.length; i++) {
    addBucketCounts(p.upstreamResponse, d.upstream[i].bounds, d.upstream[i].counts, d.upstream[i].sumMs);
  }
  return dropped;
}

/**
 * The record with its rates moved on by `elapsedMs` (0: only the base is
 * recorded, as at the first update), or null when nothing changed, so an
 * idle pair whose rates are 0 is not rewritten.
 */
export function recordWithUpdatedRates(text: string, elapsedMs: number): string | null {
  const cut = text.indexOf(RECORD_SECTION_SEPARATOR);
  if (cut < 0) return null;
  const r = decodeRates(text.substring(0, cut));
  const requests = Math.max(0, r.total - r.base);
  let changed = r.base !== r.total;
  if (elapsedMs > 0) {
    for (let w = 0; w < RATE_WINDOWS_S.length; w++) {
      const next = decayedRate(r.rates[w], requests, elapsedMs, RATE_WINDOWS_S[w]);
      if (next !== r.rates[w]) changed = true;
      r.rates[w] = next;
    }
  }
  if (!changed) return null;
  r.base = r.total;
  return encodeRates(r) + text.substring(cut);
}

/** What a scrape shows of one record: the codes stay rendered text. */
export function pairStatsFromRecord(sourceTag: string, vip: string, text: string, boundsMs: number[]): VipStats {
  const s = text.split(RECORD_SECTION_SEPARATOR);
  const ok = s.length === SECTIONS;
  const rate = decodeRates(s[0]);
  return {
    sourceTag,
    vip,
    rate1s: rate.rates[0],
    rate10s: rate.rates[1],
    rate60s: rate.rates[2],
    codes: [],
    rendered: ok
      ? { requests: s[4], bytesIn: s[5], bytesOut: s[6], json: s[7] }
      : { requests: '', bytesIn: '', bytesOut: '', json: '' },
    requestDuration: decodeHistogram(s[1], boundsMs),
    upstreamResponse: decodeHistogram(s[2], boundsMs),
  };
}
