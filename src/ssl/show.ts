// js_content handler of an "ssl_status ZONE" location (the shim arranges
// it): the zone in the original's text, or JSON, or Prometheus text.
// GET and HEAD only, as the original.
import { PROMETHEUS_CONTENT_TYPE } from '../exposition/prometheus';
import { JSON_CONTENT_TYPE } from '../exposition/json';
import { chooseDisplayFormat } from '../exposition/query';
import { escapeText } from '../pipeline/wire-field';
import { findSharedDict } from '../platform/open-dict';
import { markScrapeRequest } from '../platform/request-scope';
import { readRequest } from '../platform/request';
import { refusedUnlessRead, respond } from '../platform/respond';
import { sslZoneOf } from '../platform/ssl-zone';
import { emptySslValues, SSL_DICT, SslZone } from './model';
import { renderSslJson, renderSslPrometheus, renderSslText, SSL_TEXT_CONTENT_TYPE } from './render';
import { readSslZone } from './store';

const ERROR_CONTENT_TYPE = 'text/plain; charset=utf-8';

export default function sslStatus(r: NginxHTTPRequest): void {
  markScrapeRequest(r);
  const req = readRequest(r);
  if (refusedUnlessRead(r, req.method)) return;
  const choice = chooseDisplayFormat(req.args, req.accept, 'text');
  if (!choice.ok) {
    respond(r, 400, { 'Content-Type': ERROR_CONTENT_TYPE }, choice.reason + '\n');
    return;
  }
  const name = sslZoneOf(r);
  if (name === undefined) {
    respond(r, 500, { 'Content-Type': ERROR_CONTENT_TYPE }, 'ipng-stats: sslStatus runs only in an "ssl_status ZONE;" location\n');
    return;
  }
  const zone = escapeText(name);
  const opened = findSharedDict(SSL_DICT);
  const shown: SslZone = opened !== null && opened.type === 'string'
    ? readSslZone(opened.dict, zone)
    : { zone, values: emptySslValues(), handshakes: [0, 0] };
  if (choice.format === 'json') respond(r, 200, { 'Content-Type': JSON_CONTENT_TYPE }, renderSslJson([shown]));
  else if (choice.format === 'prometheus') respond(r, 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }, renderSslPrometheus([shown]));
  else respond(r, 200, { 'Content-Type': SSL_TEXT_CONTENT_TYPE }, renderSslText(shown));
}
