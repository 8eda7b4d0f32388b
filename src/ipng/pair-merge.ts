// The writer's usual path for a (source, vip) that changed: its members
// from the shim's "m" lines (ipng/wire-entries.ts), already sorted by
// status and in the order the record's codes section keeps, merged into
// the record's text in one pass (docs/zone-layout.md, "Per flush of the
// lease holder"). No object per code: the codes section's split and the
// members' split are walked side by side and added. The result is
// counts-only (pair-record.ts): the fragments are rendered later, by the
// writer's first flush in which the pair did not change or by a scrape
// before it. Rendered (recordInCurrentFormat), it is the text the general
// path (decodePairRecord, applyPairDelta, encodePairRecord, then the
// rates) gives for the same counts; test/unit/ipng/pair-merge.test.ts
// holds the two side by side. A record this path does not take (another
// format version, histograms in other bounds, members that are not
// sorted status codes with three counts, "r" lines of the shape) goes the
// general way.
import type { HistogramDelta } from './wire-entries';
import { addBucketCounts, decodeHistogram, encodeHistogram, textOfBounds } from './histogram-text';
import { histogramBoundsText, isCurrentRecord, ratesAfterFlush, recordSections, versionedRecord } from './pair-record';
import { COUNT_SECTION, PAIR_SECTIONS } from './pair-sections';
import { isStatusCode, PairDelta } from './wire-entries';

export interface MergedRecord {
  text: string;
  /** the record gained a code (a new (source, vip, code) series) */
  newCodes: boolean;
  /** requests added */
  requests: number;
  /** the record before had its fragments (was not counts-only) */
  wasRendered: boolean;
}

const C = COUNT_SECTION;
/** Per code in the codes section and in a member list: code, requests, bytes in, bytes out. */
const STRIDE = 4;

/**
 * `before` (the record, or undefined) with the pair's deltas added at a
 * flush at `nowMs`, its rates updated (the zone's previous rate update at
 * `lastUpdateMs`, 0: none), counts-only; null when this path does not
 * take it.
 */
export function mergePairRecord(
  before: string | undefined, d: PairDelta, boundsMs: number[], nowMs: number, lastUpdateMs: number,
): MergedRecord | null {
  if (d.codes.length > 0 || d.members.length === 0) return null;
  let s: string[] = [];
  if (before !== undefined) {
    s = recordSections(before);
    if (!isCurrentRecord(before, s)) return null;
    const bounds = textOfBounds(boundsMs);
    if (histogramBoundsText(s[C.requestDuration]) !== bounds || histogramBoundsText(s[C.upstreamResponse]) !== bounds) {
      return null;
    }
  }
  let codes: Array<string | number> = before !== undefined && s[C.codes] !== '' ? s[C.codes].split(' ') : [];
  let requests = 0;
  let newCodes = false;
  for (let m = 0; m < d.members.length; m++) {
    const merged = mergeMembers(codes, d.members[m]);
    if (merged === null) return null;
    codes = merged.codes;
    requests += merged.requests;
    if (merged.newCodes) newCodes = true;
  }

  const sections: string[] = [];
  sections[C.rates] = ratesAfterFlush(before !== undefined ? s[C.rates] : undefined, requests, nowMs, lastUpdateMs);
  sections[C.codes] = codes.join(' ');
  // A histogram that saw nothing keeps its section (the upstream one,
  // where nothing is proxied).
  sections[C.requestDuration] = mergedHistogram(s, C.requestDuration, d.duration, boundsMs);
  sections[C.upstreamResponse] = mergedHistogram(s, C.upstreamResponse, d.upstream, boundsMs);
  return { text: versionedRecord(sections), newCodes, requests, wasRendered: s.length === PAIR_SECTIONS };
}

/**
 * One histogram's section: the record's (`s`, empty for a new record)
 * with the deltas added, or as it was when there are none.
 */
function mergedHistogram(s: string[], section: number, deltas: HistogramDelta[], boundsMs: number[]): string {
  if (s.length > 0 && deltas.length === 0) return s[section];
  const h = decodeHistogram(s.length > 0 ? s[section] : undefined, boundsMs);
  for (let i = 0; i < deltas.length; i++) addBucketCounts(h, deltas[i].bounds, deltas[i].counts, deltas[i].sumMs);
  return encodeHistogram(h);
}

interface MergedCodes {
  codes: Array<string | number>;
  requests: number;
  newCodes: boolean;
}

/**
 * A codes section's flat array with one member text added, or null when
 * the members are not status codes in strictly ascending order each with
 * three counts (decimal, not negative). The codes the record has are
 * added in place (the usual case: a flush adds to series that exist);
 * new ones are then inserted in order.
 */
function mergeMembers(codes: Array<string | number>, members: string): MergedCodes | null {
  // The text as a whole, natively: no empty field, no sign. Each count
  // alone is then only tested for NaN (unary plus of a non-number).
  if (
    members.indexOf('  ') >= 0 || members.indexOf('-') >= 0 ||
    members.charAt(0) === ' ' || members.charAt(members.length - 1) === ' '
  ) {
    return null;
  }
  const d = members.split(' ');
  if (d.length % STRIDE !== 0) return null;
  const n = codes.length;
  let added: Array<string | number> | null = null;
  let i = 0;
  // the last new code; the order of codes the record has needs no check:
  // every member code so far is below codes[i], and a match is at i or after
  let lastNew = '';
  let requests = 0;
  for (let j = 0; j < d.length; j += STRIDE) {
    const code = d[j];
    // unary plus: a call of Number() costs more in njs than the conversion
    const r = +d[j + 1];
    const bytesIn = +d[j + 2];
    const bytesOut = +d[j + 3];
    if (!(r + bytesIn + bytesOut >= 0)) return null;
    requests += r;
    // the usual case first: the member is the record's next code
    if (codes[i] !== code) {
      while (i < n && codes[i] < code) i += STRIDE;
      if (i >= n || codes[i] !== code) {
        // a new code: above every member code before it, a status code
        // (the record's codes are status codes already)
        if (!(code > lastNew) || (i > 0 && !(code > codes[i - STRIDE])) || !isStatusCode(code)) return null;
        lastNew = code;
        if (added === null) added = [];
        added.push(code, r, bytesIn, bytesOut);
        continue;
      }
    }
    // as decimal text at once: the codes section and three fragments
    // show each count, and a join converts a number every time
    codes[i + 1] = '' + (+codes[i + 1] + r);
    codes[i + 2] = '' + (+codes[i + 2] + bytesIn);
    codes[i + 3] = '' + (+codes[i + 3] + bytesOut);
    i += STRIDE;
  }
  if (added === null) return { codes, requests, newCodes: false };
  return { codes: insertCodes(codes, added), requests, newCodes: true };
}

/** Two sorted flat code lists with no code in common, as one. */
function insertCodes(codes: Array<string | number>, added: Array<string | number>): Array<string | number> {
  const out: Array<string | number> = [];
  let i = 0;
  for (let j = 0; j < added.length; j += STRIDE) {
    while (i < codes.length && codes[i] < added[j]) {
      out.push(codes[i], codes[i + 1], codes[i + 2], codes[i + 3]);
      i += STRIDE;
    }
    out.push(added[j], added[j + 1], added[j + 2], added[j + 3]);
  }
  while (i < codes.length) {
    out.push(codes[i], codes[i + 1], codes[i + 2], codes[i + 3]);
    i += STRIDE;
  }
  return out;
}
