// The SSL families in the product's main scrape (ipng_stats; / ipng.scrape),
// so that one Prometheus job sees everything: appended to its Prometheus
// text when the configuration has SSL zones.
import { findSharedDict } from '../platform/open-dict';
import { sslZonesOf } from '../platform/ssl-zone';
import { SSL_DICT } from './model';
import { renderSslPrometheus } from './render';
import { readSslZones } from './store';

/** The SSL families' text, '' without SSL zones: the configured zones only. */
export function sslScrapeText(r: NginxHTTPRequest): string {
  const opened = findSharedDict(SSL_DICT);
  if (opened === null || opened.type !== 'string') return '';
  return renderSslPrometheus(readSslZones(opened.dict, sslZonesOf(r)));
}
