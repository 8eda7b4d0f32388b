// js_content handler of a req_status_show location (the shim puts it
// there: the user writes no js_content): Tengine's lines by default,
// JSON or Prometheus text on request (exposition/query.ts
// chooseDisplayFormat).
import { chooseDisplayFormat } from '../exposition/query';
import { readRequest } from '../platform/request';
import { markScrapeRequest } from '../platform/request-scope';
import { refusedUnlessRead, respond } from '../platform/respond';
import { reqstatShowFieldsText, reqstatShowText, reqstatZonesText, stringDict } from '../platform/reqstat-variables';
import { shownZone } from '../reqstat/display-model';
import type { ShownZone } from '../reqstat/display-model';
import { REQSTAT_JSON_CONTENT_TYPE, renderReqstatJson } from '../reqstat/json';
import { REQSTAT_PROMETHEUS_CONTENT_TYPE, renderReqstatPrometheus } from '../reqstat/prometheus';
import { renderTengineZone, TENGINE_CONTENT_TYPE } from '../reqstat/tengine-text';
import { allColumns, dictName, findZone, parseShowFields, parseShowZones, parseZones } from '../reqstat/zone-config';
import { readZone } from '../reqstat/zone-store';

const TEXT = 'text/plain; charset=utf-8';

function fail(r: NginxHTTPRequest, status: number, message: string): void {
  respond(r, status, { 'Content-Type': TEXT }, message + '\n');
}

export default function reqstatShow(r: NginxHTTPRequest): void {
  // Like the scrape, the display's own requests are not counted by ipng.
  markScrapeRequest(r);
  const req = readRequest(r);
  if (refusedUnlessRead(r, req.method)) return;
  const query = chooseDisplayFormat(req.args, req.accept, 'tengine');
  if (!query.ok) {
    fail(r, 400, query.reason);
    return;
  }
  const zones = parseZones(reqstatZonesText(r));
  if (!zones.ok) {
    fail(r, 500, 'ipng-stats: $ipng_reqstat_zones: ' + zones.reason);
    return;
  }
  const shown: ShownZone[] = [];
  const names = parseShowZones(reqstatShowText(r));
  for (let i = 0; i < names.length; i++) {
    const zone = findZone(zones.value, names[i]);
    const dict = zone === null ? undefined : stringDict(dictName(zone.name));
    if (zone !== null && dict !== undefined) shown.push(shownZone(zone, readZone(dict)));
  }

  if (query.format === 'json') {
    respond(r, 200, { 'Content-Type': REQSTAT_JSON_CONTENT_TYPE }, renderReqstatJson(shown));
    return;
  }
  if (query.format === 'prometheus') {
    respond(r, 200, { 'Content-Type': REQSTAT_PROMETHEUS_CONTENT_TYPE }, renderReqstatPrometheus(shown));
    return;
  }
  const fieldsText = reqstatShowFieldsText(r);
  const parts: string[] = [];
  for (let i = 0; i < shown.length; i++) {
    const columns = parseShowFields(fieldsText, shown[i].zone);
    if (!columns.ok) {
      fail(r, 500, 'ipng-stats: $ipng_reqstat_show_fields: ' + columns.reason);
      return;
    }
    const all = fieldsText === undefined || fieldsText === '';
    parts.push(renderTengineZone(shown[i], all ? allColumns(shown[i].zone) : columns.value, all));
  }
  respond(r, 200, { 'Content-Type': TENGINE_CONTENT_TYPE }, parts.join(''));
}
