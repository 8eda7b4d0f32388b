// The one place that touches the ngx.shared counter zone.
import { KIND } from '../counters/keys';

export const ZONE_NAME = 'ipng_stats';

export interface CounterZone {
  /**
   * Adds delta to a counter, creating it at 0 first. When the key is new
   * and the zone has no room, the key is dropped, the drop is counted in
   * the zone-full events counter, and false is returned; counters that
   * already exist always keep counting.
   */
  add(key: string, delta: number): boolean;
  get(key: string): number | undefined;
  /** false when the key is new and there is no room (counted like add). */
  set(key: string, value: number): boolean;
  /** Inserts key = value only if absent; true for exactly one caller among all workers. */
  insertFirst(key: string, value: number): boolean;
  /** Every key in the zone, read under one lock. */
  entries(): Array<[string, number]>;
  capacityBytes(): number;
  freeBytes(): number;
}

function sharedDict(name: string): NgxSharedDict<number> {
  const dict = ngx.shared[name] as NgxSharedDict<number> | undefined;
  if (!dict) {
    throw new Error(
      'ipng-stats: no shared dict zone "' + name + '"; add ' +
        '"js_shared_dict_zone zone=' + name + ':4m type=number;" to the http block',
    );
  }
  return dict;
}

// The smallest allocation a key can take (node + key, slab-rounded; see
// docs/zone-layout.md), so capacity / this bounds the number of keys.
const MIN_BYTES_PER_KEY = 128;

// nginx's slab allocator logs "[crit] ngx_slab_alloc() failed: no memory"
// for every allocation that fails, and njs gives no way to silence it. So
// the bundle never lets an allocation fail: with less than one free slab
// page (freeSpace() counts whole free pages) the zone counts as full, and
// a key that does not exist yet is dropped without trying to create it.
// (Slots left in partly used pages are given up; see docs/zone-layout.md.)
const FULL_BELOW_FREE_BYTES = 4096;

export function counterZone(name: string = ZONE_NAME): CounterZone {
  const dict = sharedDict(name);
  // Checked once per handler run: one cheap call, not one per key.
  let full: boolean | undefined;
  function zoneIsFull(): boolean {
    if (full === undefined) full = dict.freeSpace() < FULL_BELOW_FREE_BYTES;
    return full;
  }
  /** In a full zone: true when key exists, else the drop is counted. */
  function existsOrDropped(key: string): boolean {
    if (dict.get(key) !== undefined) return true;
    countDrop(key);
    return false;
  }

  // incr/set only throw when a new key cannot be allocated (another
  // worker took the last page since the check above).
  function countDrop(key: string): void {
    if (key === KIND.zoneFullEvents) return;
    try {
      dict.incr(KIND.zoneFullEvents, 1);
    } catch (e) {
      // The events counter itself had no room: it is reserved by the first
      // tick and the first scrape, so this only happens before either ran.
    }
  }

  return {
    add(key: string, delta: number): boolean {
      if (zoneIsFull() && !existsOrDropped(key)) return false;
      try {
        dict.incr(key, delta);
        return true;
      } catch (e) {
        countDrop(key);
        return false;
      }
    },
    get(key: string): number | undefined {
      return dict.get(key) as number | undefined;
    },
    set(key: string, value: number): boolean {
      if (zoneIsFull() && !existsOrDropped(key)) return false;
      try {
        dict.set(key, value);
        return true;
      } catch (e) {
        countDrop(key);
        return false;
      }
    },
    insertFirst(key: string, value: number): boolean {
      if (zoneIsFull()) {
        if (dict.get(key) !== undefined) return false;
        countDrop(key);
        return false;
      }
      try {
        return dict.add(key, value);
      } catch (e) {
        countDrop(key);
        return false;
      }
    },
    entries(): Array<[string, number]> {
      // items() already returns [key, value] pairs; a type=number zone
      // holds numbers only. Copying them costs as much as reading them.
      return dict.items(Math.ceil(dict.capacity / MIN_BYTES_PER_KEY)) as Array<[string, number]>;
    },
    capacityBytes(): number {
      return dict.capacity;
    },
    freeBytes(): number {
      return dict.freeSpace();
    },
  };
}
