// Reads the settings variables outside the recorder: the tick and the
// scrape handler. ($ipng_stats_* are the shim's directives, or js_var
// lines without it; an undefined variable reads as undefined.)

export interface SettingsText {
  buckets: string | undefined;
  flushInterval: string | undefined;
  defaultSource: string | undefined;
  /** $ipng_stats_state_file, $ipng_stats_state_interval */
  stateFile: string | undefined;
  stateInterval: string | undefined;
}

export function readSettingsText(r: NginxHTTPRequest | NginxPeriodicSession): SettingsText {
  const vars = r.variables;
  return {
    buckets: vars.ipng_stats_buckets,
    flushInterval: vars.ipng_stats_flush_interval,
    defaultSource: vars.ipng_stats_default_source,
    stateFile: vars.ipng_stats_state_file,
    stateInterval: vars.ipng_stats_state_interval,
  };
}

/** $ipng_stats_status_json: where the status page reads the JSON (a js_var; unset: the default). */
export function readStatusJsonUrl(r: NginxHTTPRequest): string | undefined {
  return r.variables.ipng_stats_status_json;
}
