// The tick's flush in the record layout (a type=string zone; see
// docs/zone-layout.md). Every worker reads $ipng_stats_writer_deltas; the
// shim gives all workers' counts to the one worker that holds its writer
// lease and "" to the others, so exactly one process rewrites the
// (source, vip) records, the rates and the zone-full warning mark. Each
// worker still writes its own per-worker records (flushes, flush duration,
// the keys it dropped).
import { parseDeltas, PairDelta } from '../counters/deltas';
import { observeInText } from '../counters/histogram-record';
import { pairRecordKey, RECORD_KIND } from '../counters/keys';
import { applyPairDelta, decodePairRecord, encodePairRecord, recordInCurrentFormat, recordWithUpdatedRates } from '../counters/pair-record';
import { logError, warnZoneFull } from '../nginx/log';
import { RecordZone, zoneFullKey } from '../nginx/record-zone';
import { drainWriterDeltas } from '../nginx/shim-deltas';

/**
 * Creates this worker's records, and the lease holder's zone-wide ones
 * (any worker may become the holder), at the worker's first flush while
 * the zone still has room, so that a full zone cannot drop them later.
 */
export function reserveWorkerRecords(zone: RecordZone, worker: number): void {
  zone.reserve(RECORD_KIND.flushes + worker, '0');
  zone.reserve(zoneFullKey(worker), '0');
  zone.reserve(RECORD_KIND.flushDuration + worker, '');
  zone.reserve(RECORD_KIND.scrapeDuration + worker, '');
  zone.reserve(RECORD_KIND.flushedAt + worker, '0');
  zone.reserve(RECORD_KIND.zoneFullWarned, '0');
  zone.reserve(RECORD_KIND.rateUpdatedAt, '0');
}

/** Returns whether this worker is the writer (holds the shim's lease). */
export function flushRecords(s: NginxPeriodicSession, zone: RecordZone, zoneName: string, worker: number, nowMs: number, boundsMs: number[]): boolean {
  const deltas = parseDeltas(drainWriterDeltas(s));
  let dropped = deltas.dropped;
  if (deltas.writer) dropped += writeRecords(zone, zoneName, deltas.pairs, nowMs, boundsMs);
  if (dropped > 0) zone.addToNumber(zoneFullKey(worker), dropped);
  if (deltas.malformed > 0) {
    logError(
      'ipng-stats: ' + deltas.malformed + ' lines of $ipng_stats_writer_deltas not understood ' +
        '(is the shim from the same release as the bundle?)',
    );
  }
  return deltas.writer;
}

function ratedText(text: string, elapsedMs: number): string {
  const moved = recordWithUpdatedRates(text, elapsedMs);
  return moved === null ? text : moved;
}

function requestsOf(p: PairDelta): number {
  let n = 0;
  for (let i = 0; i < p.codes.length; i++) n += p.codes[i].requests;
  return n;
}

/**
 * The lease holder's part: adds the deltas into the pair records, moves
 * every record's rates on, and warns (at most once per flush) when keys
 * were dropped since the last warning. One snapshot of the zone serves all
 * three. Returns the requests whose (source, vip, code) series could not
 * be created for lack of room.
 */
function writeRecords(zone: RecordZone, zoneName: string, pairs: PairDelta[], nowMs: number, boundsMs: number[]): number {
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
  const elapsedMs = lastRateUpdate === undefined || !isFinite(lastRateUpdate) || lastRateUpdate <= 0 ? 0 : nowMs - lastRateUpdate;

  let dropped = 0;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    const key = pairRecordKey(p.sourceTag, p.vip);
    const before = records[key];
    const exists = before !== undefined;
    delete records[key];
    const totals = decodePairRecord(before, boundsMs);
    const codesBefore = totals.codes.length;
    applyPairDelta(totals, p, true);
    let text = ratedText(encodePairRecord(totals), elapsedMs);
    // Each request is either written or counted as refused, once.
    let refused = 0;
    if ((!exists || totals.codes.length > codesBefore) && !zone.canCreate(text.length, !exists)) {
      if (!exists) {
        dropped += requestsOf(p);
        continue;
      }
      const kept = decodePairRecord(before, boundsMs);
      refused = applyPairDelta(kept, p, false);
      text = ratedText(encodePairRecord(kept), elapsedMs);
    }
    if (!zone.put(key, text, exists)) refused = requestsOf(p);
    dropped += refused;
  }
  // Idle pairs too: a record written by an older bundle is re-rendered
  // in this one's format (pair-record.ts, RECORD_FORMAT_VERSION).
  const idle = Object.keys(records);
  for (let i = 0; i < idle.length; i++) {
    const rerendered = recordInCurrentFormat(records[idle[i]], boundsMs);
    const current = rerendered === null ? records[idle[i]] : rerendered;
    const moved = recordWithUpdatedRates(current, elapsedMs);
    if (moved !== null) zone.put(idle[i], moved, true);
    else if (rerendered !== null) zone.put(idle[i], rerendered, true);
  }
  zone.put(RECORD_KIND.rateUpdatedAt, String(nowMs));

  // fullEvents is the snapshot's; this flush's drops are added after it.
  const total = fullEvents + dropped;
  if (total > warned) {
    warnZoneFull(zoneName, total - warned, total);

    zone.put(RECORD_KIND.zoneFullWarned, String(total));
  }
  return dropped;
}

/** This worker's flush: counted, and its duration observed. */
export function countRecordFlush(zone: RecordZone, worker: number, tookMs: number, boundsMs: number[]): void {
  zone.addToNumber(RECORD_KIND.flushes + worker, 1);
  const key = RECORD_KIND.flushDuration + worker;
  zone.put(key, observeInText(zone.get(key), boundsMs, tookMs));
}
