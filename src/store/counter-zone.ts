// The counter zone in the counter layout: `js_shared_dict_zone ...
// type=number`, one number per counter, `incr` from any worker
// (docs/zone-layout.md). store/open-store.ts picks the layout.
import { KIND } from '../ipng/keys';
import { allItems } from '../platform/shared-dict';
import { MARGIN_PAGES, PAGE } from './counter-zone-margin';

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
  /** insertFirst(key, 1): the "say it once" mark (report-once.ts). */
  markOnce(key: string): boolean;
  /** Every key in the zone, read under one lock. */
  entries(): Array<[string, number]>;
  capacityBytes(): number;
  freeBytes(): number;
}

// nginx's slab allocator logs "[crit] ngx_slab_alloc() failed: no memory"
// for every allocation that fails, and njs gives no way to silence it. So
// the bundle never lets an allocation fail. A number value never exceeds
// a slot of a page, so a write takes at most one free page (a new key's
// node); freeSpace() counts whole free pages. It is read once, lowered by
// one page per write (the worst case), and read again when that says the
// zone is full: only then is a key that does not exist yet dropped
// without trying to create it. MARGIN_PAGES covers the other workers
// writing at the same time. (Slots left in partly used pages are given
// up; see docs/zone-layout.md.)

export function counterZone(dict: NgxSharedDict<number>): CounterZone {
  let freePages = -1;
  function zoneIsFull(): boolean {
    if (freePages < 0) freePages = Math.floor(dict.freeSpace() / PAGE);
    if (freePages > MARGIN_PAGES) {
      freePages--;
      return false;
    }
    freePages = Math.floor(dict.freeSpace() / PAGE);
    if (freePages > MARGIN_PAGES) {
      freePages--;
      return false;
    }
    return true;
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

  function insertFirst(key: string, value: number): boolean {
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
    markOnce(key: string): boolean {
      return insertFirst(key, 1);
    },
    insertFirst,
    entries(): Array<[string, number]> {
      // A type=number zone holds numbers only. Copying them costs as much
      // as reading them.
      return allItems(dict);
    },
    capacityBytes(): number {
      return dict.capacity;
    },
    freeBytes(): number {
      return dict.freeSpace();
    },
  };
}
