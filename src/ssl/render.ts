// The SSL status outputs: the original's text (default), JSON
// (Accept: application/json; schema/ssl-status-v1.schema.json) and
// Prometheus families (Accept: text/plain; version=0.0.4, ?format=prometheus,
// and in the main scrape).
import { fieldLabel } from '../pipeline/wire-field';
import { formatValue, labelPair, PrometheusText } from '../exposition/prometheus-text';
import { SSL_COUNTER_NAMES, SSL_HANDSHAKE_KINDS, SslZone } from './model';

export const SSL_TEXT_CONTENT_TYPE = 'text/plain';
/** The JSON's "schema" (schema/ssl-status-v1.schema.json), as the main scrape's JSON names its version. */
export const SSL_JSON_SCHEMA = 1;

/**
 * As the original writes it, byte for byte: `name: value \n` (a space
 * before each newline), twelve lines.
 */
export function renderSslText(zone: SslZone): string {
  let out = '';
  for (let i = 0; i < SSL_COUNTER_NAMES.length; i++) {
    out += SSL_COUNTER_NAMES[i] + ': ' + zone.values[i] + ' \n';
  }
  return out;
}

/**
 * `{"schema":1,"zones":{"NAME":{"number":0,...,"handshakes":{"full":0,"resumed":0}}}}`,
 * the zones in the given order.
 */
export function renderSslJson(zones: SslZone[]): string {
  return JSON.stringify({ schema: SSL_JSON_SCHEMA, zones: sslZonesObject(zones) }) + '\n';
}

/**
 * The main scrape's JSON member (schema/ipng-stats-v1.schema.json's
 * optional "ssl"): `,"ssl":{"zones":{...}}`, the same zones object as
 * renderSslJson; '' without zones.
 */
export function sslScrapeJsonMember(zones: SslZone[] | null): string {
  if (zones === null) return '';
  return ',"ssl":' + JSON.stringify({ zones: sslZonesObject(zones) });
}

function sslZonesObject(zones: SslZone[]): Record<string, Record<string, number | Record<string, number>>> {
  const out: Record<string, Record<string, number | Record<string, number>>> = {};
  for (let z = 0; z < zones.length; z++) {
    const counters: Record<string, number | Record<string, number>> = {};
    for (let i = 0; i < SSL_COUNTER_NAMES.length; i++) counters[SSL_COUNTER_NAMES[i]] = zones[z].values[i];
    const handshakes: Record<string, number> = {};
    for (let i = 0; i < SSL_HANDSHAKE_KINDS.length; i++) handshakes[SSL_HANDSHAKE_KINDS[i]] = zones[z].handshakes[i];
    counters.handshakes = handshakes;
    out[fieldLabel(zones[z].zone)] = counters;
  }
  return out;
}

const HELP: Record<string, string> = {
  number: 'Sessions in the internal session caches of the zone\'s SSL contexts, summed over live workers (SSL_CTX_sess_number)',
  connect: 'TLS handshakes started in client mode (SSL_CTX_sess_connect)',
  connect_good: 'TLS handshakes completed in client mode (SSL_CTX_sess_connect_good)',
  connect_renegotiate: 'Renegotiations started in client mode (SSL_CTX_sess_connect_renegotiate)',
  accept: 'TLS handshakes started in server mode (SSL_CTX_sess_accept)',
  accept_good: 'TLS handshakes completed in server mode (SSL_CTX_sess_accept_good)',
  accept_renegotiate: 'Renegotiations started in server mode (SSL_CTX_sess_accept_renegotiate)',
  hits: 'Sessions reused (SSL_CTX_sess_hits)',
  cb_hits: 'Sessions found in the external session cache, nginx\'s shared cache (SSL_CTX_sess_cb_hits)',
  misses: 'Sessions proposed by clients and not found in the cache (SSL_CTX_sess_misses)',
  timeouts: 'Sessions proposed by clients, found and expired (SSL_CTX_sess_timeouts)',
  cache_full: 'Sessions removed because the internal cache was full (SSL_CTX_sess_cache_full)',
};

/** The family name of a counter: nginx_ssl_number (a gauge), nginx_ssl_NAME_total (counters). */
export function sslFamilyName(index: number): string {
  return index === 0 ? 'nginx_ssl_number' : 'nginx_ssl_' + SSL_COUNTER_NAMES[index] + '_total';
}

/** The twelve families, one series per zone, through the one family writer. */
export function writeSslFamilies(out: PrometheusText, zones: SslZone[]): void {
  const labels: string[] = [];
  for (let z = 0; z < zones.length; z++) labels.push(labelPair('zone', fieldLabel(zones[z].zone)));
  for (let i = 0; i < SSL_COUNTER_NAMES.length; i++) {
    const values: string[] = [];
    for (let z = 0; z < zones.length; z++) values.push(formatValue(zones[z].values[i]));
    out.samples({ name: sslFamilyName(i), help: HELP[SSL_COUNTER_NAMES[i]], type: i === 0 ? 'gauge' : 'counter' }, labels, values);
  }
  const kindLabels: string[] = [];
  const kindValues: string[] = [];
  for (let z = 0; z < zones.length; z++) {
    for (let k = 0; k < SSL_HANDSHAKE_KINDS.length; k++) {
      kindLabels.push(labels[z] + ',' + labelPair('handshake', SSL_HANDSHAKE_KINDS[k]));
      kindValues.push(formatValue(zones[z].handshakes[k]));
    }
  }
  out.samples({ name: 'nginx_ssl_handshakes_total', help: HANDSHAKES_HELP, type: 'counter' }, kindLabels, kindValues);
}

const HANDSHAKES_HELP =
  'TLS handshakes of connections that carried requests, by the zone of the context they ended with (after SNI), ' +
  'full or resumed (SSL_session_reused at the first request)';

export function renderSslPrometheus(zones: SslZone[]): string {
  const out = new PrometheusText();
  writeSslFamilies(out, zones);
  return out.text();
}
