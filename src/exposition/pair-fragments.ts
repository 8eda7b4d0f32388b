// The scrape's text of one (source, vip), rendered when the record layout
// writes the pair's record rather than at every scrape: a scrape of the
// spec's 12,000 series then joins ~1,000 strings instead of formatting
// 36,000 numbers. The record layout's writer is given renderPairFragments
// (store/open-store.ts), so storage does not depend on the renderers; the
// scrape reads the fragments back as RenderedCodes and RenderedHistograms
// (model.ts), in this order.
import { FRAGMENT } from '../ipng/pair-sections';
import { jsonCodeHead, jsonCodeMembers, jsonHistogram } from './json';
import { RENDERED_ENTRY_SEPARATOR } from '../model/stats-model';
import type { CodeStats, Histogram } from '../model/stats-model';
import type { PairRenderers } from '../ipng/pair-record';
import { BucketBoundsText, codeLineTails, renderHistogram } from './prometheus';
import { labelValueEnd } from './prometheus-text';

/** What the fragments are rendered from: one pair's counts. */
export interface PairCounts {
  /** sorted by code (exposition order) */
  codes: CodeStats[];
  requestDuration: Histogram;
  upstreamResponse: Histogram;
}

// The texts the renderers cache per code and per bucket bound, kept for
// one handler run (njs keeps module state for one run only): the same few
// codes recur in every record, and at the spec's sizing a flush may
// re-render 12,000 codes. The bounds' texts are made at first use: the njs
// CLI that checks the bundle rejects a `new` while the module loads.
const codeSuffixes: Record<string, string> = Object.create(null);
const codeHeads: Record<string, string> = Object.create(null);
/**
 * The same, each with the separator in front that it follows in its
 * fragment: [the Prometheus tail's start, the JSON member's start] (one
 * lookup per code, not two).
 */
const codeStarts: Record<string, string[]> = Object.create(null);
let leTexts: BucketBoundsText | null = null;

/**
 * The fragments, each at its place in ipng/pair-sections.ts FRAGMENT:
 * Prometheus line tails of requests, bytes in and bytes out per code; the
 * codes' JSON members; request duration's Prometheus bucket tails and
 * "<sum> <count>"; the same for upstream response; both histograms as JSON.
 */
export function renderPairFragments(p: PairCounts): string[] {
  const E = RENDERED_ENTRY_SEPARATOR;
  const out: string[] = [];
  out[FRAGMENT.requestsTails] = codeLineTails(p.codes, 'requests', codeSuffixes).join(E);
  out[FRAGMENT.bytesInTails] = codeLineTails(p.codes, 'bytesIn', codeSuffixes).join(E);
  out[FRAGMENT.bytesOutTails] = codeLineTails(p.codes, 'bytesOut', codeSuffixes).join(E);
  out[FRAGMENT.codesJson] = jsonCodeMembers(p.codes, codeHeads);
  const histograms = renderHistogramFragments(p.requestDuration, p.upstreamResponse);
  for (let i = 0; i < histograms.length; i++) out[FRAGMENT.requestDurationBuckets + i] = histograms[i];
  return out;
}

/**
 * The code fragments (FRAGMENT.requestsTails .. codesJson) of a pair's
 * codes given flat, as the record's codes section holds them: code,
 * requests, bytes in, bytes out, then the next code, sorted by code, the
 * counts finite integers. The same text as renderPairFragments, in one
 * pass and without an object per code: the writer's usual path
 * (ipng/pair-merge.ts), where a flush may render 12,000 codes.
 */
export function renderCodeFragments(flat: Array<string | number>): string[] {
  // Arrays of their final length filled by index (in njs an assignment
  // costs less than a push), each line one concatenation of texts (the
  // merge leaves the counts as decimal text, so nothing is converted
  // twice), and every line starts with the separator it follows in its
  // fragment (E before a tail, "," before a member), cut off the first.
  const n = flat.length;
  const codes = n / 4;
  const requests: Array<string | number> = new Array(codes);
  const bytesIn: Array<string | number> = new Array(codes);
  const bytesOut: Array<string | number> = new Array(codes);
  const json: Array<string | number> = new Array(codes);
  for (let i = 0, c = 0; i < n; i += 4, c++) {
    const code = flat[i] as string;
    let starts = codeStarts[code];
    if (starts === undefined) {
      starts = [RENDERED_ENTRY_SEPARATOR + labelValueEnd(code), ',' + jsonCodeHead(code)];
      codeStarts[code] = starts;
    }
    const tailStart = starts[0];
    const r = flat[i + 1];
    const bi = flat[i + 2];
    const bo = flat[i + 3];
    requests[c] = tailStart + r;
    bytesIn[c] = tailStart + bi;
    bytesOut[c] = tailStart + bo;
    json[c] = starts[1] + r + ',"bytes_in":' + bi + ',"bytes_out":' + bo + '}';
  }
  const out: string[] = [];
  out[FRAGMENT.requestsTails] = requests.join('').substring(RENDERED_ENTRY_SEPARATOR.length);
  out[FRAGMENT.bytesInTails] = bytesIn.join('').substring(RENDERED_ENTRY_SEPARATOR.length);
  out[FRAGMENT.bytesOutTails] = bytesOut.join('').substring(RENDERED_ENTRY_SEPARATOR.length);
  out[FRAGMENT.codesJson] = json.join('').substring(1);
  return out;
}

/**
 * The histogram fragments (FRAGMENT.requestDurationBuckets ..
 * upstreamResponseJson, from index 0).
 */
export function renderHistogramFragments(requestDuration: Histogram, upstreamResponse: Histogram): string[] {
  const duration = renderHistogramParts(requestDuration);
  const upstream = renderHistogramParts(upstreamResponse);
  const at = FRAGMENT.requestDurationBuckets;
  const out: string[] = [];
  out[FRAGMENT.requestDurationBuckets - at] = duration[0];
  out[FRAGMENT.requestDurationSumCount - at] = duration[1];
  out[FRAGMENT.upstreamResponseBuckets - at] = upstream[0];
  out[FRAGMENT.upstreamResponseSumCount - at] = upstream[1];
  out[FRAGMENT.requestDurationJson - at] = duration[2];
  out[FRAGMENT.upstreamResponseJson - at] = upstream[2];
  return out;
}

/** One histogram's fragments: Prometheus bucket tails, "<sum> <count>", JSON. */
export function renderHistogramParts(h: Histogram): string[] {
  if (leTexts === null) leTexts = new BucketBoundsText();
  const rendered = renderHistogram(h, leTexts);
  return [rendered.bucketTails, rendered.sum + ' ' + rendered.count, jsonHistogram(h)];
}

/** What the record layout's writer is given to render with (store/open-store.ts). */
export const PAIR_FRAGMENT_RENDERERS: PairRenderers = {
  pair: renderPairFragments,
  codes: renderCodeFragments,
  histogram: renderHistogramParts,
};
