// Which SSL zone an ssl_status location shows: $ipng_stats_ssl_zone, set by
// the shim from the location's "ssl_status ZONE".

/** The zone's name as written in nginx.conf, or undefined outside an ssl_status location. */
export function sslZoneOf(r: NginxHTTPRequest): string | undefined {
  const name = r.variables.ipng_stats_ssl_zone;
  return name ? name : undefined;
}
