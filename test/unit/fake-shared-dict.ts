// An ngx.shared dictionary as njs 0.8.9 behaves for what the product
// calls, for Node unit tests: the one fake dictionary (handlers/fake-ngx.ts
// puts it under a fake `ngx`; the store tests use it alone). The real
// thing is exercised through nginx by test/integration/.

const PAGE = 4096;
// njs's default count limit of keys() and items().
const DEFAULT_ITEMS = 1024;

/**
 * Optional limits, to make the fake full:
 * - `valueLength`: a longer string value is refused (throws, as njs does
 *   when an allocation fails);
 * - `entries`: from this many entries on, freeSpace() reports
 *   NEAR_FULL_PAGES (below any store's reserve for new keys, enough to
 *   rewrite values in place), and a new key is refused
 *   ENTRIES_PAST_FULL entries later.
 */
export interface FakeDictLimits {
  valueLength?: number;
  entries?: number;
}

const NEAR_FULL_PAGES = 3;
const ENTRIES_PAST_FULL = 8;

/**
 * An ngx.shared dictionary as njs 0.8.9 behaves for what the bundle calls:
 * `type` decides what values it takes (type=number: numbers, and `incr`;
 * type=string: strings, no `incr`), `items()` returns at most 1024
 * entries unless given a count, and freeSpace() is whole free pages
 * (set `freePages` to make it full).
 */
export class FakeSharedDict<V extends string | number = string | number> {
  readonly map = new Map<string, V>();
  freePages = 1000;

  constructor(
    readonly name: string,
    readonly type: 'number' | 'string',
    readonly capacity: number,
    readonly limits: FakeDictLimits = {},
  ) {}

  private allocate(key: string, value: V): void {
    const { valueLength, entries } = this.limits;
    if (valueLength !== undefined && typeof value === 'string' && value.length > valueLength) {
      // njs needs adjacent pages for a value above half a page: refused here
      throw new Error('no memory (fake): value above ' + valueLength + ' characters');
    }
    if (entries !== undefined && !this.map.has(key) && this.map.size >= entries + ENTRIES_PAST_FULL) {
      throw new Error('no memory (fake): ' + this.map.size + ' entries');
    }
  }

  private checked(value: unknown): V {
    if (this.type === 'number' && typeof value !== 'number') throw new TypeError('shared dict value is not a number');
    if (this.type === 'string' && typeof value !== 'string') throw new TypeError('shared dict value is not a string');
    return value as V;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: V): this {
    this.allocate(key, value);
    this.map.set(key, this.checked(value));
    return this;
  }
  add(key: string, value: V): boolean {
    if (this.map.has(key)) return false;
    this.allocate(key, value);
    this.map.set(key, this.checked(value));
    return true;
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  incr(key: string, delta: number, init = 0): number {
    if (this.type !== 'number') throw new TypeError('shared dict is not a number dict');
    const before = this.map.get(key);
    const after = (before === undefined ? init : (before as number)) + delta;
    this.map.set(key, after as V);
    return after;
  }
  items(maxCount = DEFAULT_ITEMS): Array<[string, V]> {
    return [...this.map.entries()].slice(0, maxCount);
  }
  keys(maxCount = DEFAULT_ITEMS): string[] {
    return [...this.map.keys()].slice(0, maxCount);
  }
  size(): number {
    return this.map.size;
  }
  freeSpace(): number {
    const { entries } = this.limits;
    if (entries !== undefined && this.map.size >= entries) return NEAR_FULL_PAGES * PAGE;
    return this.freePages * PAGE;
  }
  /** The contents as a plain object in key order, for exact comparison. */
  contents(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const key of [...this.map.keys()].sort()) out[key] = this.map.get(key)!;
    return out;
  }
}
