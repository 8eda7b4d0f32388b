// A reqstat zone's keys in its njs dict `reqstat_NAME` (type=string),
// written only by the tick's writer (the worker holding the shim's writer
// lease, which gets every worker's counts), so that read-modify-write of
// a key's counters needs no lock. The value format is key-entry.ts; the
// zone's bookkeeping is one more entry, META_KEY (below).
//
// Full zone. nginx's slab allocator logs "[crit] ngx_slab_alloc() failed"
// for every allocation that fails, so no write may fail: a new key is
// created only while the zone holds fewer keys than its capacity (as many
// as Tengine's zone of the same size, zone-config.ts keyCapacity) and keeps
// RESERVE free pages after it (room for the existing keys' values to grow
// as their counters gain digits; njs allocates a new value before it
// frees the old). Otherwise the new key
// takes the place of the least recently visited key below the recycling
// threshold (recycling.ts), keeping that key's display slot, as Tengine
// recycles a node in place; with no such key the new key's requests are
// not counted in this zone, and the drop is counted.
import type { SharedDict } from '../platform/shared-dict';
import { allItems } from '../platform/shared-dict';
import { addCounters, countersOf, decodeKeyEntry, encodeKeyEntry, KEY_PREFIX, META_PREFIX, resized, storeKeyOf } from './key-entry';
import type { RecycleCandidate } from './recycling';
import { drainPerSecond, recycleOrder, visited } from './recycling';
import { FIELD } from './fields';

export const META_KEY = META_PREFIX;

const PAGE = 4096;
/** Allocations a new key makes: its node (with the key) and its value. */
const PAGES_PER_NEW_KEY = 2;
/** The least kept free for the values of existing keys, in pages. */
const MIN_RESERVE_PAGES = 4;

/** Pages kept free for existing keys' growth: a sixteenth of the zone, at least MIN_RESERVE_PAGES. */
export function reservePages(capacityBytes: number): number {
  const pages = Math.ceil(capacityBytes / PAGE / 16);
  return pages > MIN_RESERVE_PAGES ? pages : MIN_RESERVE_PAGES;
}

export interface ZoneMeta {
  /** the SEQ of the next key that takes a new slot */
  nextSeq: number;
  /** keys stored */
  keys: number;
  /** how many counters every stored key has (29 + the zone's indicators at the last flush) */
  counters: number;
  /** keys that took the place of an idle key */
  recycledKeys: number;
  /** new keys not stored: the zone was full and no key was idle enough */
  droppedKeys: number;
  /** the requests of those keys, not counted in this zone */
  droppedRequests: number;
  /** droppedRequests when the last full-zone warning was written */
  warnedRequests: number;
}

export function emptyMeta(): ZoneMeta {
  return { nextSeq: 0, keys: 0, counters: 0, recycledKeys: 0, droppedKeys: 0, droppedRequests: 0, warnedRequests: 0 };
}

export function decodeMeta(text: string | undefined): ZoneMeta {
  const meta = emptyMeta();
  if (text === undefined) return meta;
  const p = text.split(' ');
  const n = (i: number): number => {
    const v = Number(p[i]);
    return v >= 0 ? v : 0;
  };
  meta.nextSeq = n(0);
  meta.recycledKeys = n(1);
  meta.droppedKeys = n(2);
  meta.droppedRequests = n(3);
  meta.warnedRequests = n(4);
  meta.keys = n(5);
  meta.counters = n(6);
  return meta;
}

export function encodeMeta(meta: ZoneMeta): string {
  return meta.nextSeq + ' ' + meta.recycledKeys + ' ' + meta.droppedKeys + ' ' + meta.droppedRequests + ' ' + meta.warnedRequests + ' ' + meta.keys + ' ' + meta.counters;
}

/** One key's counts of one flush (the wire's escaped KEY, its identity, its counters). */
export interface KeyDelta {
  key: string;
  /** the whole key's identity when KEY was cut, else '' */
  id: string;
  counters: number[];
}

export interface ZoneSettings {
  /** counters per key: the 29 built-ins and the zone's indicators */
  counterCount: number;
  recycleTimes: number;
  recycleSeconds: number;
  /** keys the zone holds at most (zone-config.ts keyCapacity) */
  maxKeys: number;
}

export interface FlushOutcome {
  updated: number;
  created: number;
  recycled: number;
  droppedKeys: number;
  droppedRequests: number;
  /** set when the drop count grew: the warning to log (at most one per flush) */
  warning: string | null;
}

/** Sums the deltas of keys that recur (a drain may hold several workers' blocks). */
export function mergeDeltas(deltas: KeyDelta[]): KeyDelta[] {
  const byKey: Record<string, KeyDelta> = Object.create(null);
  const out: KeyDelta[] = [];
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i];
    const storeKey = storeKeyOf(d.key, d.id);
    const seen = byKey[storeKey];
    if (seen === undefined) {
      const copy = { key: d.key, id: d.id, counters: d.counters.slice() };
      byKey[storeKey] = copy;
      out.push(copy);
      continue;
    }
    for (let c = 0; c < d.counters.length; c++) {
      seen.counters[c] = (c < seen.counters.length ? seen.counters[c] : 0) + d.counters[c];
    }
  }
  return out;
}

/**
 * Stores one flush's deltas of one zone; see the file comment for a full
 * zone. tableDropped: requests of this zone that the shim's per-worker
 * tables could not count (the wire's "d" lines), counted as dropped
 * requests of the zone.
 */
export function flushZone(
  dict: SharedDict<string>, zoneName: string, settings: ZoneSettings, deltas: KeyDelta[], nowMs: number,
  tableDropped = 0,
): FlushOutcome {
  const outcome: FlushOutcome = { updated: 0, created: 0, recycled: 0, droppedKeys: 0, droppedRequests: 0, warning: null };
  const metaText = dict.get(META_KEY);
  const meta = decodeMeta(metaText);
  meta.droppedRequests += tableDropped;
  outcome.droppedRequests += tableDropped;
  const perSecond = drainPerSecond(settings.recycleTimes, settings.recycleSeconds);
  const reserve = reservePages(dict.capacity);
  const touched: Record<string, boolean> = Object.create(null);
  let freePages = -1;
  let candidates: RecycleCandidate[] | null = null;
  let nextCandidate = 0;

  function roomFor(pages: number, keep: number): boolean {
    if (freePages < 0) freePages = Math.floor(dict.freeSpace() / PAGE);
    if (freePages >= pages + keep) return true;
    freePages = Math.floor(dict.freeSpace() / PAGE);
    return freePages >= pages + keep;
  }
  function write(storeKey: string, text: string): boolean {
    try {
      dict.set(storeKey, text);
      return true;
    } catch (e) {
      freePages = -1;
      return false;
    }
  }
  function victim(): RecycleCandidate | null {
    if (candidates === null) {
      const items = allItems(dict);
      const entries: Array<[string, number, number, number]> = [];
      let keys = 0;
      for (let i = 0; i < items.length; i++) {
        const key = items[i][0];
        if (key.charAt(0) !== KEY_PREFIX) continue;
        keys++;
        if (touched[key]) continue;
        const e = decodeKeyEntry(items[i][1]);
        if (e !== null) entries.push([key, e.seq, e.lastVisitMs, e.excess]);
      }
      candidates = recycleOrder(entries, nowMs, perSecond);
      // The count is kept in the bookkeeping; the scan corrects any drift.
      meta.keys = keys;
    }
    while (nextCandidate < candidates.length) {
      const c = candidates[nextCandidate++];
      if (!touched[c.storeKey]) return c;
    }
    return null;
  }

  function drop(requests: number): void {
    meta.droppedKeys++;
    meta.droppedRequests += requests;
    outcome.droppedKeys++;
    outcome.droppedRequests += requests;
  }

  if (meta.counters !== settings.counterCount) resizeAll(dict, settings.counterCount, meta);

  const merged = mergeDeltas(deltas);
  for (let i = 0; i < merged.length; i++) {
    const d = merged[i];
    const storeKey = storeKeyOf(d.key, d.id);
    const visits = d.counters.length > FIELD.reqTotal ? d.counters[FIELD.reqTotal] : 0;
    touched[storeKey] = true;
    const text = dict.get(storeKey);
    const old = text === undefined ? null : decodeKeyEntry(text);
    if (old !== null) {
      old.counters = addCounters(old.counters, d.counters, settings.counterCount);
      old.excess = visited(old.excess, old.lastVisitMs, nowMs, perSecond, visits);
      old.lastVisitMs = nowMs;
      if (write(storeKey, encodeKeyEntry(old))) outcome.updated++;
      else drop(visits);
      continue;
    }
    const entry = {
      seq: -1,
      lastVisitMs: nowMs,
      excess: 1000 * visits,
      counters: countersOf(d.counters, settings.counterCount),
    };
    if (meta.keys < settings.maxKeys && roomFor(PAGES_PER_NEW_KEY, reserve)) {
      entry.seq = meta.nextSeq;
      if (write(storeKey, encodeKeyEntry(entry))) {
        meta.nextSeq++;
        meta.keys++;
        freePages -= PAGES_PER_NEW_KEY;
        outcome.created++;
        continue;
      }
    }
    // Recycling frees the victim's two slots before the new key takes
    // two, usually of the same sizes; PAGES_PER_NEW_KEY free pages cover
    // the case where they differ.
    const v = roomFor(PAGES_PER_NEW_KEY, 0) ? victim() : null;
    if (v !== null) {
      dict.delete(v.storeKey);
      entry.seq = v.seq;
      if (write(storeKey, encodeKeyEntry(entry))) {
        freePages -= PAGES_PER_NEW_KEY;
        meta.recycledKeys++;
        outcome.recycled++;
        continue;
      }
    }
    drop(visits);
  }

  if (outcome.droppedKeys > 0) {
    outcome.warning =
      'ipng-stats: req_status_zone "' + zoneName + '" is full: ' + counted(outcome.droppedKeys, 'new key') + ' (' +
      counted(meta.droppedRequests - meta.warnedRequests, 'request') + ') not counted since the last warning, ' +
      counted(meta.droppedRequests, 'request') + ' in total; no key was idle enough to recycle ' +
      '(req_status_zone_recycle ' + zoneName + ' ' + settings.recycleTimes + ' ' + settings.recycleSeconds +
      '); existing keys keep counting; enlarge the zone and reload';
    meta.warnedRequests = meta.droppedRequests;
  }
  const newMeta = encodeMeta(meta);
  if (newMeta !== metaText) write(META_KEY, newMeta);
  return outcome;
}

/**
 * Gives every stored key the zone's number of counters (a reload that
 * kept the zone added or removed an indicator): once, at the first flush
 * after it, so that the show can trust every key to have as many as the
 * zone's bookkeeping says.
 */
function resizeAll(dict: SharedDict<string>, count: number, meta: ZoneMeta): void {
  const items = allItems(dict);
  for (let i = 0; i < items.length; i++) {
    if (items[i][0].charAt(0) !== KEY_PREFIX) continue;
    const entry = decodeKeyEntry(items[i][1]);
    if (entry === null || entry.counters.length === count) continue;
    entry.counters = resized(entry.counters, count);
    try {
      dict.set(items[i][0], encodeKeyEntry(entry));
    } catch (e) {
      // No room to rewrite it: the show pads or cuts it (display-model.ts).
    }
  }
  meta.counters = count;
}

function counted(n: number, what: string): string {
  return n + ' ' + what + (n === 1 ? '' : 's');
}

/** Everything a display needs of a zone, read under one lock. */
export interface ZoneSnapshot {
  /** [dict key, value] of every key */
  items: Array<[string, string]>;
  meta: ZoneMeta;
  capacityBytes: number;
  freeBytes: number;
}

export function readZone(dict: SharedDict<string>): ZoneSnapshot {
  const all = allItems(dict);
  const items: Array<[string, string]> = [];
  let meta = emptyMeta();
  for (let i = 0; i < all.length; i++) {
    const key = all[i][0];
    if (key.charAt(0) === KEY_PREFIX) items.push(all[i]);
    else if (key === META_KEY) meta = decodeMeta(all[i][1]);
  }
  return { items, meta, capacityBytes: dict.capacity, freeBytes: dict.freeSpace() };
}
