// The state file's nginx half, run by the tick (handlers/tick.ts): the
// restore, once per zone before any worker flushes, and the save, by the
// tick's writer at most once per state interval. Neither adds work per
// request. Format and rules: persistence/state-format.ts, state-items.ts;
// docs/zone-layout.md, "State file".
import crypto from 'crypto';
import fs from 'fs';
import { decodeState, encodeState, StateItem, ZoneType } from './state-format';
import { restoreOf, savedItems, STATE_KEY } from './state-items';
import { allItems } from '../platform/shared-dict';
import { logError, logInfo, logWarning } from '../platform/log';
import { logOnce, OnceMarks } from '../store/report-once';

/** The product's version (package.json), set by esbuild.config.mjs. */
declare const IPNG_STATS_VERSION: string;

/** A restore not finished after this long was cut short (its worker died): the others go on. */
const STALE_RESTORE_MS = 10000;
/** Free bytes kept while restoring, as the counting code keeps them (store/counter-zone.ts). */
const RESTORE_BELOW_FREE_BYTES = 4096;
/** Saves are due this early, so a 60s interval saves every 60s, not every 60.1s (the tick's base period is 100ms). */
const SAVE_SLACK_MS = 50;

type Dict = NgxSharedDict<string | number>;

function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex') as string;
}

function zoneValue(zone: ZoneType, ms: number): string | number {
  return zone === 'string' ? String(ms) : ms;
}

/**
 * Whether this worker's tick may flush: true once the state file was
 * restored (or found absent or refused) in this zone. The first worker to
 * get here restores, synchronously, and the others skip their flushes
 * meanwhile (with the shim their counts wait in its per-worker tables).
 */
export function restoredBeforeCounting(dict: Dict, zone: ZoneType, path: string, nowMs: number): boolean {
  const mark = dict.get(STATE_KEY.restoreMark);
  if (mark !== undefined) {
    const started = Number(mark);
    if (started === 0) return true;
    if (nowMs - started < STALE_RESTORE_MS) return false;
    dict.set(STATE_KEY.restoreMark, zoneValue(zone, 0));
    return true;
  }
  try {
    if (!dict.add(STATE_KEY.restoreMark, zoneValue(zone, nowMs))) return false;
  } catch (e) {
    return true; // no room for the mark: nothing could be restored either
  }
  // A zone whose workers flushed before (a reload that turned the state
  // file on, a zone kept across reloads) is not empty: restoring into it
  // would count twice.
  if (dict.get('l0') === undefined) restore(dict, zone, path, nowMs);
  dict.set(STATE_KEY.restoreMark, zoneValue(zone, 0));
  return true;
}

function restore(dict: Dict, zone: ZoneType, path: string, nowMs: number): void {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8') as string;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code !== 'ENOENT') {
      logError('ipng-stats: cannot read state file "' + path + '": ' + err.message + '; counting starts from zero');
    }
    return;
  }
  const decoded = decodeState(text, zone, IPNG_STATS_VERSION, sha256Hex);
  if (!decoded.ok) {
    logError('ipng-stats: state file "' + path + '" refused: ' + decoded.reason + '; counting starts from zero');
    return;
  }
  const items = decoded.items;
  let restored = 0;
  for (let i = 0; i < items.length; i++) {
    if (restoreItem(dict, zone, items[i])) restored++;
    else if (dict.freeSpace() < RESTORE_BELOW_FREE_BYTES) break;
  }
  const ageSeconds = Math.round((nowMs - decoded.header.savedMs) / 1000);
  if (restored < items.length) {
    logWarning(
      'ipng-stats: restored ' + restored + ' of ' + items.length + ' items from state file "' + path +
        '" (saved ' + ageSeconds + ' s ago); the rest did not fit or already existed',
    );
  } else {
    logInfo('ipng-stats: restored ' + restored + ' items from state file "' + path +
      '" (saved ' + ageSeconds + ' s ago)');
  }
}

function restoreItem(dict: Dict, zone: ZoneType, item: StateItem): boolean {
  const how = restoreOf(item[0], zone);
  if (how === 'skip') return true;
  if (dict.freeSpace() < RESTORE_BELOW_FREE_BYTES && dict.get(item[0]) === undefined) return false;
  try {
    if (how === 'add') {
      dict.incr(item[0], item[1] as number);
      return true;
    }
    return dict.add(item[0], item[1]);
  } catch (e) {
    return false;
  }
}

/**
 * The writer's save: at most once per interval (the time of the last one
 * is in the zone, so a new writer after a worker's exit keeps the pace).
 * Written to a temporary file next to the state file, then renamed over
 * it, so a reader never sees half a file.
 */
export function saveIfDue(dict: Dict, zone: ZoneType, marks: OnceMarks, path: string, intervalMs: number, nowMs: number): void {
  const last = dict.get(STATE_KEY.savedAt);
  if (last !== undefined && nowMs - Number(last) < intervalMs - SAVE_SLACK_MS) return;
  try {
    dict.set(STATE_KEY.savedAt, zoneValue(zone, nowMs));
  } catch (e) {
    return; // a full zone: no room for the mark, so no save this time
  }
  const started = Date.now();
  const items = savedItems(allItems(dict));
  const text = encodeState(items, zone, IPNG_STATS_VERSION, nowMs, sha256Hex);
  const temporary = path + '.' + process.pid + '.tmp';
  try {
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, path);
    // What a save costs, for bench/scrape-cost.mjs (at info level only).
    logInfo('ipng-stats: saved ' + items.length + ' items (' + text.length + ' bytes) to state file "' +
      path + '" in ' + (Date.now() - started) + ' ms');
  } catch (e) {
    const err = e as { code?: string; message?: string };
    logOnce(marks, 'state-save', path + ' ' + err.code,
      'ipng-stats: cannot write state file "' + path + '": ' + err.message +
        ' (the worker processes\' user must be able to create files in its directory; reported once)');
    try {
      fs.unlinkSync(temporary);
    } catch (e2) {
      // never created
    }
  }
}
