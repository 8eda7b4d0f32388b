// Which ngx.shared zone the ipng subsystem counts into.

/** The zone's name when the configuration names none (the explicit form's). */
export const ZONE_NAME = 'ipng_stats';

/**
 * The counter zone's name: $ipng_stats_zone, which the shim sets to the
 * NAME of `ipng_stats_zone NAME:SIZE` (and to ipng_stats without that
 * line). Without the shim the variable is unknown, unless the user sets it
 * with js_var.
 */
export function zoneNameOf(r: NginxHTTPRequest | NginxPeriodicSession): string {
  const name = r.variables.ipng_stats_zone;
  return name ? name : ZONE_NAME;
}
