// The SSL zones of the configuration, as the shim says them:
// $ipng_stats_ssl_zone (the zone an ssl_status location shows) and
// $ipng_stats_ssl_zones (every zone).

/** The zone's name as written in nginx.conf, or undefined outside an ssl_status location. */
export function sslZoneOf(r: NginxHTTPRequest): string | undefined {
  const name = r.variables.ipng_stats_ssl_zone;
  return name ? name : undefined;
}

/**
 * Every configured SSL zone, escaped as on the wire, in declaration order
 * ($ipng_stats_ssl_zones, fields separated by 0x1f); undefined without
 * the variable (no SSL zone, or a shim without SSL status).
 */
export function sslZonesOf(r: NginxHTTPRequest): string[] | undefined {
  const text = r.variables.ipng_stats_ssl_zones;
  return text ? text.split('\x1f') : undefined;
}
