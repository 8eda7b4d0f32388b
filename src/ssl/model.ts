// SSL status (docs/ssl-status.md): the twelve OpenSSL session counters of
// the SSL status module (andreydomas/ngx_http_ssl_status_module), per
// zone, in the order and with the names it prints them. The shim reads
// them per worker (native-shim/ngx_http_ipng_stats_ssl.c); "number" is a
// gauge (the sessions in the contexts' internal caches now), the others
// count since the zone was first seen.

export const SSL_COUNTER_NAMES = [
  'number',
  'connect',
  'connect_good',
  'connect_renegotiate',
  'accept',
  'accept_good',
  'accept_renegotiate',
  'hits',
  'cb_hits',
  'misses',
  'timeouts',
  'cache_full',
];

/** The counters after "number": deltas on the wire, totals in the zone. */
export const SSL_TOTALS = SSL_COUNTER_NAMES.length - 1;

/** The njs dictionary the shim declares for every SSL zone (NGX_HTTP_IPNG_STATS_SSL_DICT). */
export const SSL_DICT = 'ipng_ssl_status';

/**
 * Beyond the original: the handshakes of the connections that carried
 * requests, by the zone of the context they ended with (after SNI), full
 * or resumed; counted by the shim at a connection's first request.
 */
export const SSL_HANDSHAKE_KINDS = ['full', 'resumed'];

/** One zone's values, as the original prints them: number first. */
export interface SslZone {
  /** escaped, as on the wire (docs/wire-format.md) */
  zone: string;
  /** SSL_COUNTER_NAMES.length values, in that order */
  values: number[];
  /** SSL_HANDSHAKE_KINDS.length counts, in that order */
  handshakes: number[];
}

export function emptySslValues(): number[] {
  const values: number[] = [];
  for (let i = 0; i < SSL_COUNTER_NAMES.length; i++) values.push(0);
  return values;
}
