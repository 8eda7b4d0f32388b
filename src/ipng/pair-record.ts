// The record layout's value for one (source, vip): everything counted for
// the pair in one string, written by the one worker that holds the shim's
// writer lease (docs/zone-layout.md, "Record layout"). The text is a
// header, the format version `v<n>` and the lengths of the sections
// separated by spaces, then RECORD_SECTION_SEPARATOR, then the sections
// back to back:
//   0  rates   "<rate_1s> <rate_10s> <rate_60s> <base> <total> <at>";
//              total is the pair's request count, base its value at the
//              pair's last rate update, at that update's time (ms): the
//              rates are as of then, and a reader decays them to the
//              zone's last update (shownRates), so an idle pair is not
//              rewritten. (Before version 3 there was no <at>: the rates
//              were moved at every update, and are as of the last one.)
//   1  request-duration histogram (histogram-text.ts)
//   2  upstream-response histogram
//   3  codes   "<code> <requests> <bytes_in> <bytes_out>" per code, sorted,
//              all space separated (one split reads them all)
//   4..13      the pair rendered for the scrape, by the renderer the
//              writer is given (exposition/pair-fragments.ts), or absent
//              (a record of sections 0-3 only: its counts changed since
//              it was last rendered; see "counts-only" below):
//   4..7       the codes (RenderedCodes): Prometheus tails for requests,
//              bytes in, bytes out, then the JSON members
//   8..13      the histograms in the bounds of sections 1-2: request
//              duration's Prometheus bucket tails, "<sum> <count>", the
//              same for upstream, then both as JSON
// (the order is defined once, in pair-sections.ts)
// The lengths let a reader cut the sections out without scanning them:
// njs's indexOf() and split() walk a string character by character, and
// a scrape reads ~200 records of several KB. Sections 4-7 repeat section 3
// so that a scrape of the spec's 12,000
// series joins ~1,000 strings instead of formatting 36,000 numbers: the
// formatting happens once per change, in the writer, not once per scrape.
// Counts-only: the writer's usual path (pair-merge.ts) writes a changed
// pair's counts alone, and renders the fragments at the first flush in
// which the pair did not change (recordInCurrentFormat); a scrape in
// between renders a counts-only record itself (pairStatsFromRecord). A
// series that changes every second is then rendered per scrape, not per
// flush, and a flush in which every series changed renders nothing.
import type { CodeStats, Histogram, RenderedHistogramParts, VipStats } from '../model/stats-model';
import type { PairDelta } from './wire-entries';
import { addBucketCounts, decodeHistogram, encodeHistogram, textOfBounds } from './histogram-text';
import { COUNT_SECTION, COUNT_SECTIONS, FRAGMENT, PAIR_SECTIONS } from './pair-sections';
import { decayedRate, RATE_WINDOWS_S } from './rates';

export const RECORD_SECTION_SEPARATOR = '\x1e';
const C = COUNT_SECTION;
/** A fragment's section. */
const F = {
  requestsTails: COUNT_SECTIONS + FRAGMENT.requestsTails,
  bytesInTails: COUNT_SECTIONS + FRAGMENT.bytesInTails,
  bytesOutTails: COUNT_SECTIONS + FRAGMENT.bytesOutTails,
  codesJson: COUNT_SECTIONS + FRAGMENT.codesJson,
  requestDurationBuckets: COUNT_SECTIONS + FRAGMENT.requestDurationBuckets,
  requestDurationSumCount: COUNT_SECTIONS + FRAGMENT.requestDurationSumCount,
  upstreamResponseBuckets: COUNT_SECTIONS + FRAGMENT.upstreamResponseBuckets,
  upstreamResponseSumCount: COUNT_SECTIONS + FRAGMENT.upstreamResponseSumCount,
  requestDurationJson: COUNT_SECTIONS + FRAGMENT.requestDurationJson,
  upstreamResponseJson: COUNT_SECTIONS + FRAGMENT.upstreamResponseJson,
};

/**
 * Renders the scrape's fragments of a pair's counts (sections 4-13, in
 * that order): exposition/pair-fragments.ts renderPairFragments. The
 * writer is given it, so storage does not depend on exposition.
 */
export type PairFragmentRenderer = (p: PairTotals) => string[];

/**
 * What the writer and the scrape render with (exposition/pair-fragments.ts
 * PAIR_FRAGMENT_RENDERERS; storage does not import exposition): every
 * fragment of a pair's counts, only its code fragments from the codes
 * section's flat form (code, requests, bytes in, bytes out, ...), one
 * histogram's fragments.
 */
export interface PairRenderers {
  pair: PairFragmentRenderer;
  codes(flat: Array<string | number>): string[];
  /** one histogram's fragments: Prometheus bucket tails, "<sum> <count>", JSON */
  histogram(h: Histogram): string[];
}

/**
 * The version of what encodePairRecord writes, the pre-rendered sections
 * included. Bump it with every change of the stored text for the same
 * totals (a renderer's output too): a record of another version is shown
 * from its counts (sections 0-3), never from its stored text, and the
 * writer re-renders it at its next flush, changed or not. Records written
 * before versions existed have none and read as version 1. Version 3:
 * a record may be counts-only (sections 0-3), to be rendered.
 */
export const RECORD_FORMAT_VERSION = 3;
const VERSION_MARK = 'v';
const VERSION_HEAD = VERSION_MARK + RECORD_FORMAT_VERSION + ' ';

export interface RateState {
  /** as of `at` */
  rates: number[];
  /** total at the pair's last rate update */
  base: number;
  /** requests counted so far */
  total: number;
  /** time (ms) of the pair's last rate update; 0: the zone's last update (a record before version 3) */
  at: number;
}

export interface PairTotals {
  /** sorted by code (exposition order) */
  codes: CodeStats[];
  requestDuration: Histogram;
  upstreamResponse: Histogram;
  rate: RateState;
}

/** The record's sections, cut by the header's lengths; [] when damaged. */
export function recordSections(text: string): string[] {
  const cut = text.indexOf(RECORD_SECTION_SEPARATOR);
  if (cut < 0) return [];
  const lengths = text.substring(0, cut).split(' ');
  const out: string[] = [];
  // unary plus is Number() without a call, which costs more in njs; a
  // string's length is a property lookup there, so it is read once
  const end = text.length;
  let from = cut + 1;
  for (let i = lengths[0].charAt(0) === VERSION_MARK ? 1 : 0; i < lengths.length; i++) {
    const to = from + +lengths[i];
    if (!(to <= end)) return [];
    out.push(text.substring(from, to));
    from = to;
  }
  return from === end ? out : [];
}

export function joinRecordSections(parts: string[]): string {
  const lengths: number[] = [];
  for (let i = 0; i < parts.length; i++) lengths.push(parts[i].length);
  return lengths.join(' ') + RECORD_SECTION_SEPARATOR + parts.join('');
}

/** The format version in a record's header (1: written before versions). */
export function recordFormatVersion(text: string): number {
  if (text.charAt(0) !== VERSION_MARK) return 1;
  const version = Number(text.substring(1, text.indexOf(' ')));
  return version > 0 ? version : 0;
}

export function isCurrentFormat(text: string): boolean {
  return text.substring(0, VERSION_HEAD.length) === VERSION_HEAD;
}

/** Whether `s`, the sections of `text`, are a record in the current format, rendered or counts-only. */
export function isCurrentRecord(text: string, s: string[]): boolean {
  return (s.length === PAIR_SECTIONS || s.length === COUNT_SECTIONS) && isCurrentFormat(text);
}

export function versionedRecord(sections: string[]): string {
  return VERSION_HEAD + joinRecordSections(sections);
}

/** Whether a record is in the current format and counts-only (sections 0-3). */
export function isCountsOnlyRecord(text: string): boolean {
  return isCurrentFormat(text) && recordSections(text).length === COUNT_SECTIONS;
}

/** A record in the current format with its fragments left out: counts-only. */
export function countsOnlyRecord(text: string): string {
  return versionedRecord(recordSections(text).slice(0, COUNT_SECTIONS));
}

function decodeRates(text: string | undefined): RateState {
  const f = text ? text.split(' ') : [];
  // six fields, or five before version 3
  const fields = f.length === 6 || f.length === 5 ? f.length : 0;
  // unary plus and x - x === 0 (finite): calls of Number() and isFinite() cost more in njs
  const n = (i: number) => {
    const x = i < fields && f[i] !== '' ? +f[i] : 0;
    return x - x === 0 ? x : 0;
  };
  return { rates: [n(0), n(1), n(2)], base: n(3), total: n(4), at: n(5) };
}

function encodeRates(r: RateState): string {
  return r.rates[0] + ' ' + r.rates[1] + ' ' + r.rates[2] + ' ' + r.base + ' ' + r.total + ' ' + r.at;
}

/**
 * The rates as of `shownAtMs` (the zone's last rate update): decayed from
 * the pair's last update on, as the updates in between would have moved
 * them with no request (one step over their time together: the same
 * exponential, up to the rounding of the last bits).
 */
function shownRates(r: RateState, shownAtMs: number): number[] {
  if (!(r.at > 0 && shownAtMs > r.at)) return r.rates;
  const out: number[] = [];
  for (let w = 0; w < RATE_WINDOWS_S.length; w++) out.push(decayedRate(r.rates[w], 0, shownAtMs - r.at, RATE_WINDOWS_S[w]));
  return out;
}

/**
 * A codes section split into its flat form (code, requests, bytes in,
 * bytes out, then the next code), or null when it is not whole codes.
 */
function flatCodes(text: string): string[] | null {
  const flat = text === '' ? [] : text.split(' ');
  return flat.length % 4 === 0 ? flat : null;
}

function decodeCodes(text: string | undefined): CodeStats[] {
  const codes: CodeStats[] = [];
  if (!text) return codes;
  const f = text.split(' ');
  for (let i = 0; i + 3 < f.length; i += 4) {
    codes.push({ code: f[i], requests: Number(f[i + 1]), bytesIn: Number(f[i + 2]), bytesOut: Number(f[i + 3]) });
  }
  return codes;
}

/** The whole record, for the writer (an absent record is all zeros). */
export function decodePairRecord(text: string | undefined, boundsMs: number[]): PairTotals {
  const s = text ? recordSections(text) : [];
  return {
    rate: decodeRates(s[C.rates]),
    requestDuration: decodeHistogram(s[C.requestDuration], boundsMs),
    upstreamResponse: decodeHistogram(s[C.upstreamResponse], boundsMs),
    codes: decodeCodes(s[C.codes]),
  };
}

export function encodePairRecord(p: PairTotals, renderFragments: PairFragmentRenderer): string {
  const canonical: string[] = [];
  for (let i = 0; i < p.codes.length; i++) {
    const c = p.codes[i];
    canonical.push(c.code + ' ' + c.requests + ' ' + c.bytesIn + ' ' + c.bytesOut);
  }
  const sections: string[] = [];
  sections[C.rates] = encodeRates(p.rate);
  sections[C.requestDuration] = encodeHistogram(p.requestDuration);
  sections[C.upstreamResponse] = encodeHistogram(p.upstreamResponse);
  sections[C.codes] = canonical.join(' ');
  const fragments = renderFragments(p);
  for (let i = 0; i < fragments.length; i++) sections[COUNT_SECTIONS + i] = fragments[i];
  return versionedRecord(sections);
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
  if (added) {
    // Native sort of the code texts (no comparator: a comparator call per
    // comparison costs more than the rest of this function in njs).
    // (Object.keys() is slow in njs too; the codes are collected by hand.)
    const order: string[] = [];
    for (let i = 0; i < p.codes.length; i++) order.push(p.codes[i].code);
    order.sort();
    for (let i = 0; i < order.length; i++) p.codes[i] = byCode[order[i]];
  }
  for (let i = 0; i < d.duration.length; i++) {
    addBucketCounts(p.requestDuration, d.duration[i].bounds, d.duration[i].counts, d.duration[i].sumMs);
  }
  for (let i = 0; i < d.upstream.length; i++) {
    addBucketCounts(p.upstreamResponse, d.upstream[i].bounds, d.upstream[i].counts, d.upstream[i].sumMs);
  }
  return dropped;
}

/**
 * The record with its rates updated at a flush at `nowMs` (the zone's
 * previous rate update at `lastUpdateMs`, 0: none, when only the base and
 * time are recorded), or null when nothing changed: a pair without new
 * requests keeps its record, and a reader decays its rates.
 */
export function recordWithUpdatedRates(text: string, nowMs: number, lastUpdateMs: number): string | null {
  const s = recordSections(text);
  if (!isCurrentRecord(text, s)) return null;
  const moved = movedRates(decodeRates(s[C.rates]), nowMs, lastUpdateMs);
  if (moved === null) return null;
  s[C.rates] = moved;
  return versionedRecord(s);
}

/**
 * The rates section updated (as recordWithUpdatedRates), or null when it
 * stays. The requests since the pair's last update (total - base) came in
 * the time since the zone's last one; until then the rates decayed as
 * with no request.
 */
function movedRates(r: RateState, nowMs: number, lastUpdateMs: number): string | null {
  if (r.base === r.total) {
    if (r.at > 0) return null;
    // a record before version 3: its rates are as of the zone's last update
    r.at = lastUpdateMs > 0 ? lastUpdateMs : nowMs;
    return encodeRates(r);
  }
  const requests = Math.max(0, r.total - r.base);
  if (lastUpdateMs > 0 && nowMs > lastUpdateMs) {
    const from = r.at > 0 ? r.at : lastUpdateMs;
    for (let w = 0; w < RATE_WINDOWS_S.length; w++) {
      const windowS = RATE_WINDOWS_S[w];
      const prev = from < lastUpdateMs ? decayedRate(r.rates[w], 0, lastUpdateMs - from, windowS) : r.rates[w];
      r.rates[w] = decayedRate(prev, requests, nowMs - lastUpdateMs, windowS);
    }
  }
  r.base = r.total;
  r.at = nowMs;
  return encodeRates(r);
}

/**
 * A rates section after `requests` more were counted at a flush at
 * `nowMs`: the text the writer's flush stores, the same as
 * encodePairRecord and then recordWithUpdatedRates give.
 */
export function ratesAfterFlush(text: string | undefined, requests: number, nowMs: number, lastUpdateMs: number): string {
  const r = decodeRates(text);
  r.total += requests;
  const moved = movedRates(r, nowMs, lastUpdateMs);
  return moved === null ? encodeRates(r) : moved;
}

/**
 * The record rendered in this bundle's format, or null when it already is:
 * a counts-only record gets its fragments, a record of another version is
 * re-rendered from its counts. (The counts are read in the current bounds,
 * as a flush that changes the record reads them.)
 */
export function recordInCurrentFormat(text: string, boundsMs: number[], renderers: PairRenderers): string | null {
  const s = recordSections(text);
  const current = isCurrentFormat(text);
  if (current && s.length === PAIR_SECTIONS) return null;
  if (current && s.length === COUNT_SECTIONS) {
    const rendered = renderedSections(s, boundsMs, renderers);
    if (rendered !== null) return versionedRecord(rendered);
  }
  return encodePairRecord(decodePairRecord(text, boundsMs), renderers.pair);
}

/**
 * What the writer stores for a pair without new counts, or null when that
 * is the record as it is: a counts-only record rendered, a record of
 * another version re-rendered (as recordInCurrentFormat), and the rates
 * updated (as recordWithUpdatedRates: only a record before version 3
 * gets its rates' time), cut and joined once. `render` false leaves a
 * counts-only record so.
 */
export function idleRecord(
  text: string, boundsMs: number[], renderers: PairRenderers, nowMs: number, lastUpdateMs: number, render = true,
): string | null {
  const s = recordSections(text);
  if (isCurrentRecord(text, s)) {
    const rendered = s.length === COUNT_SECTIONS && render ? renderedSections(s, boundsMs, renderers) : s;
    if (rendered !== null) {
      const moved = movedRates(decodeRates(s[C.rates]), nowMs, lastUpdateMs);
      if (moved === null && rendered === s) return null;
      if (moved !== null) rendered[C.rates] = moved;
      return versionedRecord(rendered);
    }
  }
  const rerendered = encodePairRecord(decodePairRecord(text, boundsMs), renderers.pair);
  const moved = recordWithUpdatedRates(rerendered, nowMs, lastUpdateMs);
  return moved === null ? rerendered : moved;
}

/**
 * A counts-only record's sections with its fragments rendered from the
 * codes section's flat form and the histograms, or null when its codes or
 * histograms do not read as written by this bundle in these bounds (then
 * the general decode and encode re-buckets them).
 */
function renderedSections(s: string[], boundsMs: number[], renderers: PairRenderers): string[] | null {
  const bounds = textOfBounds(boundsMs);
  if (histogramBoundsText(s[C.requestDuration]) !== bounds || histogramBoundsText(s[C.upstreamResponse]) !== bounds) {
    return null;
  }
  const flat = flatCodes(s[C.codes]);
  if (flat === null) return null;
  const out = s.slice(0, COUNT_SECTIONS);
  const codes = renderers.codes(flat);
  for (let i = 0; i < codes.length; i++) out[COUNT_SECTIONS + i] = codes[i];
  const duration = renderers.histogram(decodeHistogram(s[C.requestDuration], boundsMs));
  const upstream = renderers.histogram(decodeHistogram(s[C.upstreamResponse], boundsMs));
  out[F.requestDurationBuckets] = duration[0];
  out[F.requestDurationSumCount] = duration[1];
  out[F.requestDurationJson] = duration[2];
  out[F.upstreamResponseBuckets] = upstream[0];
  out[F.upstreamResponseSumCount] = upstream[1];
  out[F.upstreamResponseJson] = upstream[2];
  return out;
}

/** A histogram's stored parts: its bucket tails and "<sum> <count>". */
function histogramParts(bucketTails: string, sumAndCount: string): RenderedHistogramParts {
  const space = sumAndCount.indexOf(' ');
  return { bucketTails, sum: sumAndCount.substring(0, space), count: sumAndCount.substring(space + 1) };
}

/**
 * What a scrape shows of one record: the codes stay rendered text, and so
 * do the histograms while they were written in the current bounds (else
 * they are decoded, re-bucketed, and rendered by the scrape). A
 * counts-only record's codes go to the scrape as its codes section split
 * (codesSection), from which it renders only the form it serves, and its
 * histograms decoded. A record of another format version is shown from
 * its counts alone: its stored text may be another bundle's rendering.
 * The rates are shown as of `ratesShownAtMs`, the zone's last rate
 * update (its `T` record).
 */
export function pairStatsFromRecord(
  sourceTag: string, vip: string, text: string, boundsMs: number[], boundsText: string, ratesShownAtMs = 0,
): VipStats {
  const s = recordSections(text);
  const current = isCurrentFormat(text);
  const rendered = current && s.length === PAIR_SECTIONS;
  const flat = current && s.length === COUNT_SECTIONS ? flatCodes(s[C.codes]) : null;
  const codesSection = flat === null ? undefined : flat;
  const rates = shownRates(decodeRates(s[C.rates]), ratesShownAtMs);
  const stats: VipStats = {
    sourceTag,
    vip,
    rate1s: rates[0],
    rate10s: rates[1],
    rate60s: rates[2],
    codes: rendered || codesSection !== undefined ? [] : decodeCodes(s[C.codes]),
    requestDuration: NOT_DECODED,
    upstreamResponse: NOT_DECODED,
  };
  if (rendered) {
    stats.rendered = { requests: s[F.requestsTails], bytesIn: s[F.bytesInTails], bytesOut: s[F.bytesOutTails], json: s[F.codesJson] };
  } else if (codesSection !== undefined) {
    stats.codesSection = codesSection;
  }
  if (
    rendered && histogramBoundsText(s[C.requestDuration]) === boundsText &&
    histogramBoundsText(s[C.upstreamResponse]) === boundsText
  ) {
    stats.renderedHistograms = {
      requestDuration: histogramParts(s[F.requestDurationBuckets], s[F.requestDurationSumCount]),
      upstreamResponse: histogramParts(s[F.upstreamResponseBuckets], s[F.upstreamResponseSumCount]),
      requestDurationJson: s[F.requestDurationJson],
      upstreamResponseJson: s[F.upstreamResponseJson],
    };
  } else {
    stats.requestDuration = decodeHistogram(s[C.requestDuration], boundsMs);
    stats.upstreamResponse = decodeHistogram(s[C.upstreamResponse], boundsMs);
  }
  return stats;
}

/**
 * What a rendered record's histograms are in the model: the renderers
 * use the rendered parts (VipStats.renderedHistograms) instead, and an
 * empty histogram per record would cost a scrape of 200 records ~9 M
 * instructions (two arrays each) for nothing. Never written to.
 */
const NOT_DECODED: Histogram = { boundsMs: [], counts: [], sumMs: 0 };

/** The bounds part of a histogram text ("1,5,10" of "1,5,10;..."). */
export function histogramBoundsText(text: string | undefined): string | null {
  if (!text) return null;
  const cut = text.indexOf(';');
  return cut < 0 ? null : text.substring(0, cut);
}
