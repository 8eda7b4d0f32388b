// The SSL zones in the product's main scrape (ipng_stats; / ipng.scrape),
// so that one Prometheus job (or one JSON consumer) sees everything:
// appended to its Prometheus text, and as the optional "ssl" member of its
// JSON, when the configuration has SSL zones.
import { findSharedDict } from '../platform/open-dict';
import { sslZonesOf } from '../platform/ssl-zone';
import { SSL_DICT } from './model';
import { renderSslPrometheus, sslScrapeJsonMember } from './render';
import type { SslZone } from './model';
import { readSslZones } from './store';

/** The SSL families' text, '' without SSL zones: the configured zones only. */
export function sslScrapeText(r: NginxHTTPRequest): string {
  const zones = configuredSslZones(r);
  return zones === null ? '' : renderSslPrometheus(zones);
}

/** The JSON's `,"ssl":{"zones":{...}}` member, '' without SSL zones. */
export function sslScrapeJson(r: NginxHTTPRequest): string {
  return sslScrapeJsonMember(configuredSslZones(r));
}

/** null when the configuration has no SSL zone (no dictionary). */
function configuredSslZones(r: NginxHTTPRequest): SslZone[] | null {
  const opened = findSharedDict(SSL_DICT);
  if (opened === null || opened.type !== 'string') return null;
  return readSslZones(opened.dict, sslZonesOf(r));
}
