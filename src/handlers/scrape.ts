// js_content handler of the scrape location: reads the zone once, renders
// Prometheus text (default) or JSON schema 1 (Accept: application/json),
// with the SSL zones when the configuration has some.
import { resolveBuckets } from '../config/settings';
import { workerId } from '../platform/worker';
import { JSON_CONTENT_TYPE, renderJson } from '../exposition/json';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../exposition/prometheus';
import { filterModel, parseScrapeQuery, wantsJson } from '../exposition/query';
import { PAIR_FRAGMENT_RENDERERS } from '../exposition/pair-fragments';
import { reportOnce } from '../store/report-once';
import { markScrapeRequest } from '../platform/request-scope';
import { refusedUnlessRead, respond } from '../platform/respond';
import { readRequest } from '../platform/request';
import { readSettingsText } from '../platform/settings';
import { zoneNameOf } from '../platform/zone-name';
import { openStore } from '../store/open-store';
import { sslScrapeJson, sslScrapeText } from '../ssl/scrape-part';
import type { StatsModel } from '../model/stats-model';

const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

export default function scrape(r: NginxHTTPRequest): void {
  const shimLoaded = markScrapeRequest(r);
  const started = Date.now();
  const req = readRequest(r);
  if (refusedUnlessRead(r, req.method)) return;
  const query = parseScrapeQuery(req.args);
  if (!query.ok) {
    respond(r, 400, { 'Content-Type': TEXT_CONTENT_TYPE }, query.reason + '\n');
    return;
  }

  const store = openStore(zoneNameOf(r), PAIR_FRAGMENT_RENDERERS);
  const buckets = resolveBuckets(readSettingsText(r).buckets);
  reportOnce(store, buckets.problem);
  const model = store.readModel(buckets.value, shimLoaded);

  const json = wantsJson(req.accept);
  const filtered = filterModel(model, query.filter);
  // SSL zones have no source or vip: a filtered scrape leaves them out.
  const unfiltered = query.filter.sourceTag === undefined && query.filter.vip === undefined;
  respond(r, 200, { 'Content-Type': json ? JSON_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE },
    json
      ? renderJson(filtered, unfiltered ? sslScrapeJson(r) : '')
      : prometheusBody(r, filtered, unfiltered ? sslScrapeText(r) : '', shimLoaded));

  // Shown by the next scrape: this one is already rendered.
  store.observeScrape(workerId(), Date.now() - started, buckets.value);
}

/**
 * The Prometheus text: with the shim, its $ipng_stats_lines puts each
 * series' head in front of its lines (a copy in C, where njs would split
 * and join every series' lines: most of a large scrape); from the same
 * pieces, so the text is the same. Rendered here without the shim, with
 * a shim that has no such variable (built before it), or when a label
 * holds a template mark.
 */
function prometheusBody(r: NginxHTTPRequest, model: StatsModel, trailer: string, shimLoaded: boolean): string | Buffer {
  if (shimLoaded) {
    const template = renderPrometheus(model, trailer, true);
    if (template !== null) {
      try {
        r.variables.ipng_stats_lines = template;
      } catch (e) {
        return renderPrometheus(model, trailer);
      }
      const text = r.rawVariables.ipng_stats_lines;
      if (text !== undefined) return text;
    }
  }
  return renderPrometheus(model, trailer);
}
