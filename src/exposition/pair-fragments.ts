// The scrape's text of one (source, vip), rendered when the record layout
// writes the pair's record rather than at every scrape: a scrape of the
// spec's 12,000 series then joins ~1,000 strings instead of formatting
// 36,000 numbers. The record layout's writer is given renderPairFragments
// (store/open-store.ts), so storage does not depend on the renderers; the
// scrape reads the fragments back as RenderedCodes and RenderedHistograms
// (model.ts), in this order.
import { FRAGMENT } from '../ipng/pair-sections';
import { jsonCodeMembers, jsonHistogram } from './json';
import { RENDERED_ENTRY_SEPARATOR } from '../model/stats-model';
import type { CodeStats, Histogram } from '../model/stats-model';
import { BucketBoundsText, codeLineTails, renderHistogram } from './prometheus';

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
let leTexts: BucketBoundsText | null = null;

/**
 * The fragments, each at its place in ipng/pair-sections.ts FRAGMENT:
 * Prometheus line tails of requests, bytes in and bytes out per code; the
 * codes' JSON members; request duration's Prometheus bucket tails and
 * "<sum> <count>"; the same for upstream response; both histograms as JSON.
 */
export function renderPairFragments(p: PairCounts): string[] {
  const E = RENDERED_ENTRY_SEPARATOR;
  if (leTexts === null) leTexts = new BucketBoundsText();
  const duration = renderHistogram(p.requestDuration, leTexts);
  const upstream = renderHistogram(p.upstreamResponse, leTexts);
  const out: string[] = [];
  out[FRAGMENT.requestsTails] = codeLineTails(p.codes, 'requests', codeSuffixes).join(E);
  out[FRAGMENT.bytesInTails] = codeLineTails(p.codes, 'bytesIn', codeSuffixes).join(E);
  out[FRAGMENT.bytesOutTails] = codeLineTails(p.codes, 'bytesOut', codeSuffixes).join(E);
  out[FRAGMENT.codesJson] = jsonCodeMembers(p.codes, codeHeads);
  out[FRAGMENT.requestDurationBuckets] = duration.bucketTails;
  out[FRAGMENT.requestDurationSumCount] = duration.sum + ' ' + duration.count;
  out[FRAGMENT.upstreamResponseBuckets] = upstream.bucketTails;
  out[FRAGMENT.upstreamResponseSumCount] = upstream.sum + ' ' + upstream.count;
  out[FRAGMENT.requestDurationJson] = jsonHistogram(p.requestDuration);
  out[FRAGMENT.upstreamResponseJson] = jsonHistogram(p.upstreamResponse);
  return out;
}
