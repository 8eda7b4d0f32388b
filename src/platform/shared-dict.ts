// Reading a whole ngx.shared dictionary, for either zone layout.

// The smallest allocation a key can take (node + key, slab-rounded; see
// docs/zone-layout.md), so capacity / this bounds the number of keys.
const MIN_BYTES_PER_KEY = 128;

/**
 * Every [key, value] pair, read under one lock. items() already returns
 * pairs; its default count limit (1024) is lifted to the most keys the
 * zone can hold.
 */
export function allItems<V extends string | number>(dict: SharedDict<V>): Array<[string, V]> {
  return dict.items(Math.ceil(dict.capacity / MIN_BYTES_PER_KEY));
}

/**
 * What the bundle uses of an ngx.shared dictionary (njs's NgxSharedDict),
 * written out so that code using it also type-checks, and runs, in Node
 * tests against a fake.
 */
export interface SharedDict<V extends string | number> {
  readonly capacity: number;
  freeSpace(): number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): unknown;
  add(key: string, value: V): boolean;
  delete(key: string): boolean;
  items(maxCount?: number): Array<[string, V]>;
}
