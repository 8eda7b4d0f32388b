// The counter zone in the record layout: `js_shared_dict_zone ...
// type=string`, one record per (source, vip) plus a few per-worker records
// (docs/zone-layout.md). Updates are read-modify-write, so every record has
// exactly one writer: the pair records the worker holding the shim's writer
// lease, the per-worker records their worker.
import { RECORD_KIND } from '../counters/keys';
import { allItems } from './shared-dict';

export interface RecordZone {
  get(key: string): string | undefined;
  /**
   * Writes a record. A key that does not exist yet is only created while
   * the zone has room (hasRoomForNewKeys); false when it was not written.
   */
  put(key: string, text: string): boolean;
  /** Adds to a record holding a decimal number (a per-worker counter). */
  addToNumber(key: string, delta: number): boolean;
  /** Inserts key only if absent; true for exactly one caller among all workers. */
  markOnce(key: string): boolean;
  /** Creates key = text if absent and the zone has room (never overwrites). */
  reserve(key: string, text: string): void;
  /** Every record, read under one lock. */
  entries(): Array<[string, string]>;
  /** Whether new keys (and new codes inside a pair record) may be created. */
  hasRoomForNewKeys(): boolean;
  capacityBytes(): number;
  freeBytes(): number;
}

// Records grow in place as their numbers gain digits and are replaced by a
// new allocation before the old one is freed (njs allocates, then frees).
// New keys stop while fewer than this many bytes are free, so that the
// records that exist can always be rewritten: a pair record of the spec's
// 60 codes takes 2-3 slab pages, and one flush rewrites one at a time.
const NEW_KEYS_BELOW_FREE_BYTES = 16 * 4096;

export function recordZone(dict: NgxSharedDict<string>): RecordZone {
  let room: boolean | undefined;
  function hasRoom(): boolean {
    if (room === undefined) room = dict.freeSpace() >= NEW_KEYS_BELOW_FREE_BYTES;
    return room;
  }
  function put(key: string, text: string): boolean {
    if (!hasRoom() && dict.get(key) === undefined) return false;
    try {
      dict.set(key, text);
      return true;
    } catch (e) {
      return false;
    }
  }
  return {
    get(key: string): string | undefined {
      return dict.get(key) as string | undefined;
    },
    put,
    addToNumber(key: string, delta: number): boolean {
      const text = dict.get(key) as string | undefined;
      const before = text === undefined ? 0 : Number(text);
      return put(key, String((isFinite(before) ? before : 0) + delta));
    },
    markOnce(key: string): boolean {
      if (!hasRoom()) return false;
      try {
        return dict.add(key, '1');
      } catch (e) {
        return false;
      }
    },
    reserve(key: string, text: string): void {
      if (!hasRoom()) return;
      try {
        dict.add(key, text);
      } catch (e) {
        // no room after all: the key is created by a later flush
      }
    },
    entries(): Array<[string, string]> {
      return allItems(dict);
    },
    hasRoomForNewKeys: hasRoom,
    capacityBytes(): number {
      return dict.capacity;
    },
    freeBytes(): number {
      return dict.freeSpace();
    },
  };
}

/** The per-worker zone-full counter: a worker counts the keys it dropped. */
export function zoneFullKey(worker: number | string): string {
  return RECORD_KIND.zoneFullEvents + worker;
}
