// Opens the ngx.shared zone the counters live in; its declared type
// picks the layout (store/open-store.ts).

/** An ngx.shared zone by its declared type, which picks the layout. */
export type TypedDict =
  | { type: 'string'; dict: NgxSharedDict<string> }
  | { type: 'number'; dict: NgxSharedDict<number> };

export function openSharedDict(name: string): TypedDict {
  const opened = findSharedDict(name);
  if (opened === null) {
    throw new Error(
      'ipng-stats: no shared dict zone "' + name + '"; add ' +
        '"ipng_stats_zone ' + name + ':4m;" (with the shim) or ' +
        '"js_shared_dict_zone zone=' + name + ':16m type=number;" (without it) to the http block',
    );
  }
  return opened;
}

/** The zone, or null when the configuration declares none of that name. */
export function findSharedDict(name: string): TypedDict | null {
  const dict = ngx.shared[name] as NgxSharedDict<number | string> | undefined;
  if (!dict) return null;
  // `type` is in njs since 0.8.0; njs-types does not declare it.
  if ((dict as unknown as { type?: string }).type === 'string') {
    return { type: 'string', dict: dict as NgxSharedDict<string> };
  }
  return { type: 'number', dict: dict as NgxSharedDict<number> };
}
