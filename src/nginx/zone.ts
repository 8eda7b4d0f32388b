// The one place that touches the ngx.shared counter zone.

export const ZONE_NAME = 'ipng_stats';

export interface CounterZone {
  add(key: string, delta: number): void;
  /** Every key in the zone, read under one lock. */
  entries(): Array<[string, number]>;
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

export function counterZone(name: string): CounterZone {
  const dict = sharedDict(name);
  return {
    add(key: string, delta: number): void {
      dict.incr(key, delta);
    },
    entries(): Array<[string, number]> {
      // items() stops at maxCount; no zone holds more keys than its bytes.
      const items = dict.items(dict.capacity);
      const out: Array<[string, number]> = [];
      for (let i = 0; i < items.length; i++) {
        out.push([items[i][0], items[i][1] as number]);
      }
      return out;
    },
  };
}
