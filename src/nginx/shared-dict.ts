// Reading a whole ngx.shared dictionary, for either zone layout.

// The smallest allocation a key can take (node + key, slab-rounded; see
// docs/zone-layout.md), so capacity / this bounds the number of keys.
const MIN_BYTES_PER_KEY = 128;

/**
 * Every [key, value] pair, read under one lock. items() already returns
 * pairs; its default count limit (1024) is lifted to the most keys the
 * zone can hold.
 */
export function allItems<V extends string | number>(dict: NgxSharedDict<V>): Array<[string, V]> {
  return dict.items(Math.ceil(dict.capacity / MIN_BYTES_PER_KEY)) as Array<[string, V]>;
}
