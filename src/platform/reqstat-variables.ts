// The reqstat configuration the shim hands to njs (docs/shim.md), read as
// text; src/reqstat/zone-config.ts parses it.

type WithVariables = NginxHTTPRequest | NginxPeriodicSession;

export function reqstatZonesText(r: WithVariables): string | undefined {
  return r.variables.ipng_reqstat_zones;
}

export function reqstatShowText(r: NginxHTTPRequest): string | undefined {
  return r.variables.ipng_reqstat_show;
}

export function reqstatShowFieldsText(r: NginxHTTPRequest): string | undefined {
  return r.variables.ipng_reqstat_show_fields;
}

/** A reqstat zone's njs dict (type=string), or undefined when not declared. */
export function stringDict(name: string): NgxSharedDict<string> | undefined {
  return ngx.shared[name] as NgxSharedDict<string> | undefined;
}
