// The counter zone in the record layout: `js_shared_dict_zone ...
// type=string`, one record per (source, vip) plus a few per-worker records
// (docs/zone-layout.md). Updates are read-modify-write, so every record has
// exactly one writer: the pair records the worker holding the shim's writer
// lease, the per-worker records their worker.
import { KEY_SEPARATOR, RECORD_KIND } from '../ipng/keys';
import { allItems, SharedDict } from '../platform/shared-dict';

export interface RecordZone {
  get(key: string): string | undefined;
  /**
   * Writes a record that exists, or creates one while the zone keeps its
   * reserve after it (canCreate); false when it was not written (then the
   * record is as it was). `exists` saves a lookup when the caller knows.
   */
  put(key: string, text: string, exists?: boolean): boolean;
  /** Adds to a record holding a decimal number (a per-worker counter). */
  addToNumber(key: string, delta: number): boolean;
  /** Inserts key only if absent; true for exactly one caller among all workers. */
  markOnce(key: string): boolean;
  /**
   * Creates key = text if absent (never overwrites): the few small
   * per-worker records, which may use the reserve.
   */
  reserve(key: string, text: string): void;
  /** Every record, read under one lock, long ones put back together. */
  entries(): Array<[string, string]>;
  /**
   * Deletes the pieces of long records that no record refers to (left by
   * a writer that died between writing them and switching the record to
   * them). Only the lease holder may call it, after entries().
   */
  dropOrphanChunks(): void;
  /**
   * Whether a record of textLength (new, or an existing one with a new
   * series in it) leaves the reserve that lets every existing record keep
   * being rewritten.
   */
  canCreate(textLength: number, newKey: boolean): boolean;
  capacityBytes(): number;
  freeBytes(): number;
}

// A full zone must never get to a failed allocation: nginx's slab
// allocator logs "[crit] ngx_slab_alloc() failed: no memory" for each one,
// and njs replaces a value by allocating the new one before freeing the
// old, so every write needs free memory, not only new keys.
//
// freeSpace() counts whole free pages, but a value above half a page needs
// that many *adjacent* free pages, which a fragmented zone may not have
// however many pages are free (measured: 7 free pages, a 2-page record
// failed). So no value is longer than CHUNK_CHARS (below half a page, so
// it takes a slot of a page, never a run of pages): a longer record is
// kept as pieces under their own keys and a head "@<generation> <pieces>"
// under the record's key. A rewrite writes the pieces of a new generation,
// then the head, then deletes the old pieces, so a reader's snapshot
// (items(), one lock) always holds every piece its head names.
//
// Each write is checked against the free pages: read once, lowered by
// every write's worst case, read again when the worst case says no. New
// series stop where the pages the largest record needs to be rewritten,
// and a margin for the other workers' own small records, would no longer
// be free (docs/zone-layout.md, "Full zone").
const PAGE = 4096;
const MARGIN_PAGES = 4;
const CHUNK_CHARS = 1900;
/** Slots per page: pieces (<= 2048 bytes), and key nodes (<= 512 bytes). */
const CHUNKS_PER_PAGE = 2;
const NODES_PER_PAGE = 8;
const HEAD = '@';

interface Head {
  generation: number;
  chunks: number;
}

function parseHead(text: string | undefined): Head | null {
  if (text === undefined || text.charAt(0) !== HEAD) return null;
  const space = text.indexOf(' ');
  const generation = Number(text.substring(1, space));
  const chunks = Number(text.substring(space + 1));
  if (space < 0 || !(generation >= 0) || !(chunks > 0)) return null;
  return { generation, chunks };
}

/** A piece's key short of its index: every piece of a record shares it. */
function chunkKeyPrefix(key: string, generation: number): string {
  return RECORD_KIND.chunk + key + KEY_SEPARATOR + generation + KEY_SEPARATOR;
}

function chunkKey(key: string, generation: number, i: number): string {
  return chunkKeyPrefix(key, generation) + i;
}

/** The most free pages storing a value of this length can take. */
export function pagesForValue(length: number): number {
  if (length <= CHUNK_CHARS) return 1;
  const chunks = Math.ceil(length / CHUNK_CHARS);
  return Math.ceil(chunks / CHUNKS_PER_PAGE) + Math.ceil(chunks / NODES_PER_PAGE) + 1;
}

export function recordZone(dict: SharedDict<string>): RecordZone {
  let freePages = -1;
  let largestLength = 0;
  let heads: Record<string, Head> = Object.create(null);
  // The last entries()'s pieces and long records when some piece was not
  // part of a record (null when every piece was): dropOrphanChunks looks
  // for the orphans only then, so no reader pays for finding none.
  let unusedPiecesIn: { pieces: Record<string, string>; long: Array<[string, Head]> } | null = null;

  function available(): number {
    if (freePages < 0) freePages = Math.floor(dict.freeSpace() / PAGE);
    return freePages;
  }
  function enough(needed: number, keep: number): boolean {
    if (available() >= needed + keep) return true;
    freePages = -1;
    return available() >= needed + keep;
  }
  function neededFor(length: number, newKey: boolean): number {
    return pagesForValue(length) + (newKey ? 1 : 0);
  }
  function reserved(): number {
    return pagesForValue(largestLength) + MARGIN_PAGES;
  }
  function set(key: string, text: string): boolean {
    try {
      dict.set(key, text);
      return true;
    } catch (e) {
      freePages = -1;
      return false;
    }
  }
  function deleteChunks(key: string, head: Head, upTo: number): void {
    for (let i = 0; i < upTo; i++) dict.delete(chunkKey(key, head.generation, i));
  }
  function store(key: string, text: string, old: Head | null): boolean {
    if (text.length <= CHUNK_CHARS) return set(key, text);
    const head: Head = { generation: old === null ? 1 : (old.generation + 1) % 1000000000, chunks: Math.ceil(text.length / CHUNK_CHARS) };
    for (let i = 0; i < head.chunks; i++) {
      if (!set(chunkKey(key, head.generation, i), text.substr(i * CHUNK_CHARS, CHUNK_CHARS))) {
        deleteChunks(key, head, i);
        return false;
      }
    }
    if (!set(key, HEAD + head.generation + ' ' + head.chunks)) {
      deleteChunks(key, head, head.chunks);
      return false;
    }
    heads[key] = head;
    return true;
  }
  function put(key: string, text: string, known?: boolean): boolean {
    const exists = known === undefined ? dict.has(key) : known;
    const needed = neededFor(text.length, !exists);
    if (!enough(needed, exists ? MARGIN_PAGES : reserved())) return false;
    const old = exists ? (heads[key] !== undefined ? heads[key] : parseHead(dict.get(key))) : null;
    if (!store(key, text, old)) return false;
    freePages -= needed;
    if (old !== null) {
      deleteChunks(key, old, old.chunks);
      if (text.length <= CHUNK_CHARS) delete heads[key];
    }
    if (text.length > largestLength) largestLength = text.length;
    return true;
  }
  return {
    get(key: string): string | undefined {
      return dict.get(key);
    },
    put,
    addToNumber(key: string, delta: number): boolean {
      const text = dict.get(key);
      const before = text === undefined ? 0 : Number(text);
      return put(key, String((isFinite(before) ? before : 0) + delta));
    },
    markOnce(key: string): boolean {
      if (!enough(neededFor(1, true), reserved())) return false;
      try {
        return dict.add(key, '1');
      } catch (e) {
        freePages = -1;
        return false;
      }
    },
    reserve(key: string, text: string): void {
      if (dict.has(key) || !enough(neededFor(text.length, true), MARGIN_PAGES)) return;
      try {
        dict.add(key, text);
        freePages -= neededFor(text.length, true);
      } catch (e) {
        freePages = -1;
      }
    },
    entries(): Array<[string, string]> {
      const items = allItems(dict);
      const chunks: Record<string, string> = Object.create(null);
      const out: Array<[string, string]> = [];
      const long: Array<[string, Head]> = [];
      let piecesRead = 0;
      let piecesUsed = 0;
      heads = Object.create(null);
      for (let i = 0; i < items.length; i++) {
        const key = items[i][0];
        const text = items[i][1];
        if (key.charAt(0) === RECORD_KIND.chunk) {
          chunks[key] = text;
          piecesRead++;
          continue;
        }
        const head = parseHead(text);
        if (head !== null) {
          long.push([key, head]);
          heads[key] = head;
          continue;
        }
        if (text.length > largestLength) largestLength = text.length;
        out.push([key, text]);
      }
      for (let i = 0; i < long.length; i++) {
        const key = long[i][0];
        const head = long[i][1];
        const parts: string[] = [];
        const prefix = chunkKeyPrefix(key, head.generation);
        for (let c = 0; c < head.chunks; c++) {
          const part = chunks[prefix + c];
          if (part !== undefined) parts.push(part);
        }
        // each piece's key names one record: no piece is counted twice
        piecesUsed += parts.length;
        // A record with a piece missing reads as absent, like one whose
        // lengths do not add up.
        if (parts.length !== head.chunks) continue;
        const text = parts.join('');
        if (text.length > largestLength) largestLength = text.length;
        out.push([key, text]);
      }
      unusedPiecesIn = piecesUsed === piecesRead ? null : { pieces: chunks, long };
      return out;
    },
    dropOrphanChunks(): void {
      if (unusedPiecesIn === null) return;
      const named: Record<string, boolean> = Object.create(null);
      const long = unusedPiecesIn.long;
      for (let i = 0; i < long.length; i++) {
        const prefix = chunkKeyPrefix(long[i][0], long[i][1].generation);
        for (let c = 0; c < long[i][1].chunks; c++) named[prefix + c] = true;
      }
      const pieces = Object.keys(unusedPiecesIn.pieces);
      for (let i = 0; i < pieces.length; i++) if (named[pieces[i]] !== true) dict.delete(pieces[i]);
      unusedPiecesIn = null;
    },
    canCreate(textLength: number, newKey: boolean): boolean {
      return enough(neededFor(textLength, newKey), reserved());
    },
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
