// The record layout's store (a type=string zone, with the shim; see
// docs/zone-layout.md). Every worker's tick reads $ipng_stats_writer_deltas
// at its flush and hands the batch here; the shim gives all workers'
// counts to the one worker that holds its writer lease and "" to the
// others, so exactly one process
// rewrites the (source, vip) records, the rates and the zone-full warning
// mark. Each worker still writes its own per-worker records (flushes,
// flush and scrape duration, the keys it dropped).
import { ipngDeltas, memberCodeDeltas, PairDelta } from '../ipng/wire-entries';
import { mergePairRecord } from '../ipng/pair-merge';
import { observeInText } from '../ipng/histogram-text';
import { pairRecordKey, RECORD_KIND } from '../ipng/keys';
import {
  applyPairDelta, countsOnlyRecord, decodePairRecord, encodePairRecord, idleRecord, isCountsOnlyRecord, PairRenderers,
  recordInCurrentFormat, recordWithUpdatedRates,
} from '../ipng/pair-record';
import { buildRecordLayoutModel } from '../ipng/record-layout-model';
import type { StatsModel } from '../model/stats-model';
import { RecordZone, recordZone, zoneFullKey } from './record-zone';
import { logOnce } from './report-once';
import { workerId } from '../platform/worker';
import type { WireBatch } from '../pipeline/wire-reader';
import type { FlushResult, StatsStore } from './store';
import { warnIfMoreDropped } from './zone-full';

/**
 * renderers render what the pair records keep pre-rendered for the
 * scrape (exposition/pair-fragments.ts).
 */
export function recordStore(dict: NgxSharedDict<string>, name: string, renderers: PairRenderers): StatsStore {
  const zone = recordZone(dict);
  return {
    name,
    zoneType: 'string',
    markOnce(key: string): boolean {
      return zone.markOnce(key);
    },
    lastFlushMs(worker: number): number | undefined {
      const text = zone.get(RECORD_KIND.flushedAt + worker);
      return text === undefined ? undefined : Number(text);
    },
    reserve(worker: number): void {
      reserveWorkerRecords(zone, worker);
    },
    addCounters(): boolean {
      return false;
    },
    flush(batch: WireBatch, worker: number, nowMs: number, boundsMs: number[]): FlushResult {
      zone.put(RECORD_KIND.flushedAt + worker, String(nowMs));
      const result = flushRecords(batch, zone, name, worker, nowMs, boundsMs, renderers);
      zone.addToNumber(RECORD_KIND.flushes + worker, 1);
      observe(zone, RECORD_KIND.flushDuration + worker, Date.now() - nowMs, boundsMs);
      return result;
    },
    readModel(boundsMs: number[], shimLoaded: boolean): StatsModel {
      return readRecordModel(zone, boundsMs, shimLoaded);
    },
    observeScrape(worker: number, tookMs: number, boundsMs: number[]): void {
      observe(zone, RECORD_KIND.scrapeDuration + worker, tookMs, boundsMs);
    },
  };
}

function observe(zone: RecordZone, key: string, tookMs: number, boundsMs: number[]): void {
  zone.put(key, observeInText(zone.get(key), boundsMs, tookMs));
}

function readRecordModel(zone: RecordZone, boundsMs: number[], shimLoaded: boolean): StatsModel {
  const model = buildRecordLayoutModel(
    { entries: zone.entries(), capacityBytes: zone.capacityBytes(), freeBytes: zone.freeBytes() },
    boundsMs,
  );
  // A worker's scrape-duration record exists from its first scrape or
  // flush on; the first scrape may come before the first 100 ms tick.
  if (Object.keys(model.meta.flushes).length === 0 && zone.get(RECORD_KIND.scrapeDuration + workerId()) !== undefined) {
    if (shimLoaded) warnTickMissing(zone);
  }
  return model;
}

function warnTickMissing(zone: RecordZone): void {
  logOnce(
    zone,
    'tick',
    'missing',
    'ipng-stats: the shim is loaded but no worker has flushed its counts into the zone: ' +
      'include nginx/ipng-stats-tick.conf in one server { } (reported once)',
  );
}

/**
 * Creates this worker's records, and the lease holder's zone-wide ones
 * (any worker may become the holder), at the worker's first flush while
 * the zone still has room, so that a full zone cannot drop them later.
 */
function reserveWorkerRecords(zone: RecordZone, worker: number): void {
  zone.reserve(RECORD_KIND.flushes + worker, '0');
  zone.reserve(zoneFullKey(worker), '0');
  zone.reserve(RECORD_KIND.flushDuration + worker, '');
  zone.reserve(RECORD_KIND.scrapeDuration + worker, '');
  zone.reserve(RECORD_KIND.flushedAt + worker, '0');
  zone.reserve(RECORD_KIND.zoneFullWarned, '0');
  zone.reserve(RECORD_KIND.rateUpdatedAt, '0');
}

/** The batch's ipng entries into the records; the writer (the shim's lease holder) alone writes them. */
function flushRecords(
  batch: WireBatch, zone: RecordZone, zoneName: string, worker: number, nowMs: number, boundsMs: number[],
  renderers: PairRenderers,
): FlushResult {
  const deltas = ipngDeltas(batch.entries, batch.groups);
  let dropped = batch.dropped;
  let notUnderstood = deltas.notUnderstood;
  if (batch.writer) {
    const written = writeRecords(zone, zoneName, deltas.pairs, nowMs, boundsMs, renderers);
    dropped += written.dropped;
    notUnderstood += written.notUnderstood;
  }
  if (dropped > 0) zone.addToNumber(zoneFullKey(worker), dropped);
  return { writer: batch.writer, notUnderstood };
}

/**
 * The pair's members as code deltas, for the general path; returns the
 * member texts (each one "m" line) that are not status codes with three
 * counts, which count nothing.
 */
function membersAsCodes(p: PairDelta): number {
  let malformed = 0;
  for (let i = 0; i < p.members.length; i++) {
    const codes = memberCodeDeltas(p.members[i]);
    if (codes === null) malformed++;
    else for (let k = 0; k < codes.length; k++) p.codes.push(codes[k]);
  }
  p.members = [];
  return malformed;
}

function ratedText(text: string, nowMs: number, lastUpdateMs: number): string {
  const moved = recordWithUpdatedRates(text, nowMs, lastUpdateMs);
  return moved === null ? text : moved;
}

/** How many counts-only records an idle flush renders at most (writeRecords). */
export const IDLE_RENDERS_PER_FLUSH = 50;

function requestsOf(p: PairDelta): number {
  let n = 0;
  for (let i = 0; i < p.codes.length; i++) n += p.codes[i].requests;
  return n;
}

/**
 * The lease holder's part: adds the deltas into the pair records, renders
 * the idle ones left counts-only, moves the rates of the pairs with new
 * requests (an idle pair's rates decay when read: pair-record.ts), and
 * warns (at most once per flush) when keys were dropped since the last
 * warning. One snapshot of the zone serves all of it. Returns the
 * requests whose (source, vip, code) series could not be created for lack
 * of room, and the "m" lines whose members were not understood.
 */
function writeRecords(
  zone: RecordZone, zoneName: string, pairs: PairDelta[], nowMs: number, boundsMs: number[],
  renderers: PairRenderers,
): { dropped: number; notUnderstood: number } {
  const renderFragments = renderers.pair;
  let notUnderstood = 0;
  const records: Record<string, string> = Object.create(null);
  let lastRateUpdate: number | undefined;
  let fullEvents = 0;
  let warned = 0;
  const entries = zone.entries();
  zone.dropOrphanChunks();
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i][0];
    const kind = key.charAt(0);
    if (kind === RECORD_KIND.pair) records[key] = entries[i][1];
    else if (kind === RECORD_KIND.zoneFullEvents) fullEvents += Number(entries[i][1]) || 0;
    else if (key === RECORD_KIND.rateUpdatedAt) lastRateUpdate = Number(entries[i][1]);
    else if (key === RECORD_KIND.zoneFullWarned) warned = Number(entries[i][1]) || 0;
  }
  // 0: reserved, never updated yet
  const lastUpdateMs = lastRateUpdate === undefined || !isFinite(lastRateUpdate) || lastRateUpdate <= 0 ? 0 : lastRateUpdate;

  let dropped = 0;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    const key = pairRecordKey(p.sourceTag, p.vip);
    const before = records[key];
    const exists = before !== undefined;
    delete records[key];
    // The usual path: the members merged into the record's text in one
    // pass, counts-only (rendered at the pair's next idle flush, or by a
    // scrape before it). A new record or a new code needs room, measured
    // rendered (the form the record takes at its next idle flush), so it
    // is written rendered; without room, the general path below keeps
    // what exists and counts the rest.
    const merged = mergePairRecord(before, p, boundsMs, nowMs, lastUpdateMs);
    if (merged !== null && exists && !merged.newCodes) {
      // Near full (no room for a new series), the record keeps its form
      // (rendered or counts-only): the other has another slab size, and
      // could take a page of the reserve that rewrites keep.
      const keepRendered = merged.wasRendered && !zone.canCreate(merged.text.length, false);
      const rendered = keepRendered ? recordInCurrentFormat(merged.text, boundsMs, renderers) : null;
      if (!zone.put(key, rendered === null ? merged.text : rendered, true)) dropped += merged.requests;
      continue;
    }
    if (merged !== null) {
      const rendered = recordInCurrentFormat(merged.text, boundsMs, renderers);
      const text = rendered === null ? merged.text : rendered;
      if (zone.canCreate(text.length, !exists)) {
        if (!zone.put(key, text, exists)) dropped += merged.requests;
        continue;
      }
    }
    notUnderstood += membersAsCodes(p);
    const totals = decodePairRecord(before, boundsMs);
    const codesBefore = totals.codes.length;
    applyPairDelta(totals, p, true);
    let text = ratedText(encodePairRecord(totals, renderFragments), nowMs, lastUpdateMs);
    // Each request is either written or counted as refused, once.
    let refused = 0;
    if ((!exists || totals.codes.length > codesBefore) && !zone.canCreate(text.length, !exists)) {
      if (!exists) {
        dropped += requestsOf(p);
        continue;
      }
      const kept = decodePairRecord(before, boundsMs);
      refused = applyPairDelta(kept, p, false);
      text = ratedText(encodePairRecord(kept, renderFragments), nowMs, lastUpdateMs);
      // in the form it had (near full: the other form's slab size could
      // take a page of the reserve that rewrites keep)
      if (isCountsOnlyRecord(before as string)) text = countsOnlyRecord(text);
    }
    if (!zone.put(key, text, exists)) refused = requestsOf(p);
    dropped += refused;
  }
  // Idle pairs too: a counts-only record (changed since it was last
  // rendered) gets its fragments, and a record written by an older bundle
  // is re-rendered in this one's format (pair-record.ts,
  // RECORD_FORMAT_VERSION).
  // At most IDLE_RENDERS_PER_FLUSH of them per flush: after a flush in
  // which every pair changed, rendering all ~200 at once would cost the
  // next flush about as much as the churn itself; the rest stay
  // counts-only, which a scrape renders, until a later idle flush.
  const idle = Object.keys(records);
  let renders = 0;
  for (let i = 0; i < idle.length; i++) {
    // Near full, a counts-only record stays so (a scrape renders it): its
    // rendered text has another slab size, and could take a page of the
    // reserve that rewrites keep.
    // (`render` matters only to a counts-only record, so the record is cut
    // into its sections once, by idleRecord, unless it was rewritten.)
    const text = records[idle[i]];
    const render = renders < IDLE_RENDERS_PER_FLUSH && zone.canCreate(text.length, false);
    const updated = idleRecord(text, boundsMs, renderers, nowMs, lastUpdateMs, render);
    if (updated !== null) {
      zone.put(idle[i], updated, true);
      if (render && isCountsOnlyRecord(text)) renders++;
    }
  }
  zone.put(RECORD_KIND.rateUpdatedAt, String(nowMs));

  // fullEvents is the snapshot's; this flush's drops are added after it.
  const nowWarned = warnIfMoreDropped(zoneName, fullEvents + dropped, warned);
  if (nowWarned !== null) zone.put(RECORD_KIND.zoneFullWarned, String(nowWarned));
  return { dropped, notUnderstood };
}
