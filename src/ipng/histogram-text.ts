// A histogram as text, for the record layout (docs/zone-layout.md):
//   <bounds ms, comma separated>;<per-bucket counts, +Inf last>;<sum ms>
// e.g. "1,5,10;3,0,2,1;118". The bounds travel with the counts, so a
// record written under another ipng_stats_buckets is re-bucketed when it
// is read: each old bucket goes to the smallest current bound at or above
// it (or +Inf), which keeps the cumulative counts true and count and sum
// exact (the same rule as the counter layout, bucketing.ts).
import { emptyHistogram, Histogram, sameBounds } from '../model/stats-model';
import { bucketIndex, bucketIndexForLabel } from '../model/bucketing';
import { INF_LABEL } from './keys';

export function encodeHistogram(h: Histogram): string {
  return textOfBounds(h.boundsMs) + ';' + h.counts.join(',') + ';' + h.sumMs;
}

// The text of the last bounds list seen: a flush decodes and encodes
// hundreds of histograms over one list. lastBoundsGiven is the array it
// was last asked with (a bounds list is never changed once made), so the
// usual call compares one reference, not every bound; lastBounds is the
// copy the histograms decoded here share, so that the renderers' caches
// of the same kind (exposition/prometheus.ts, json.ts) also see one array.
let lastBoundsGiven: number[] | null = null;
let lastBounds: number[] = [];
let lastBoundsText = '';

/** The bounds part of a histogram text in these bounds ("1,5,10"). */
export function textOfBounds(boundsMs: number[]): string {
  if (boundsMs === lastBoundsGiven || boundsMs === lastBounds) return lastBoundsText;
  if (!sameBounds(boundsMs, lastBounds)) {
    lastBounds = boundsMs.slice();
    lastBoundsText = boundsMs.join(',');
  }
  lastBoundsGiven = boundsMs;
  return lastBoundsText;
}

// The bucket index in the current bounds of each label of the last label
// list seen: a flush adds hundreds of histograms that share one list.
let cachedLabels: string[] | null = null;
let cachedBounds: number[] = [];
let cachedIndexes: number[] = [];

function indexesFor(labels: string[], boundsMs: number[]): number[] {
  if (labels === cachedLabels && (boundsMs === cachedBounds || sameBounds(boundsMs, cachedBounds))) return cachedIndexes;
  const indexes: number[] = [];
  for (let i = 0; i <= labels.length; i++) {
    indexes.push(bucketIndexForLabel(i < labels.length ? labels[i] : INF_LABEL, boundsMs));
  }
  cachedLabels = labels;
  cachedBounds = boundsMs;
  cachedIndexes = indexes;
  return indexes;
}


/** Adds counts given per bound label (+Inf last) into `into`. */
export function addBucketCounts(into: Histogram, boundLabels: string[], counts: number[], sumMs: number): void {
  const indexes = indexesFor(boundLabels, into.boundsMs);
  for (let i = 0; i < counts.length; i++) {
    if (!counts[i]) continue;
    const index = i < indexes.length ? indexes[i] : into.boundsMs.length;
    if (index >= 0) into.counts[index] += counts[i];
  }
  into.sumMs += sumMs;
}

/** The histogram in `text`, in the current bounds; empty for '' or garbage. */
export function decodeHistogram(text: string | undefined, boundsMs: number[]): Histogram {
  const parts = text ? text.split(';') : [];
  if (parts.length === 3 && parts[0] === textOfBounds(boundsMs)) {
    const counts: Array<string | number> = parts[1].split(',');
    if (counts.length === boundsMs.length + 1) {
      // unary plus: a call of Number() costs more in njs than the
      // conversion; the shared copy of the bounds (textOfBounds)
      for (let i = 0; i < counts.length; i++) counts[i] = +counts[i];
      return { boundsMs: lastBounds, counts: counts as number[], sumMs: +parts[2] };
    }
  }
  const h = emptyHistogram(boundsMs);
  if (parts.length !== 3) return h;
  const counts = parts[1].split(',');
  const labels = parts[0] === '' ? [] : parts[0].split(',');
  if (counts.length !== labels.length + 1) return h;
  const numbers: number[] = [];
  for (let i = 0; i < counts.length; i++) numbers.push(+counts[i]);
  addBucketCounts(h, labels, numbers, +parts[2]);
  return h;
}

/** One observation of `ms` into a histogram in text form. */
export function observeInText(text: string | undefined, boundsMs: number[], ms: number): string {
  const h = decodeHistogram(text, boundsMs);
  h.counts[bucketIndex(ms, boundsMs)] += 1;
  h.sumMs += ms;
  return encodeHistogram(h);
}
