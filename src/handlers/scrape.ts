// js_content handler of the scrape location: reads the zone once, renders
// Prometheus text (default) or JSON schema 1 (Accept: application/json).
import { resolveBuckets } from '../config/settings';
import { bucketLabel } from '../counters/bucketing';
import { INF_LABEL, KIND, scrapeBucketKey } from '../counters/keys';
import { buildModel } from '../counters/zone-model';
import { buildRecordModel } from '../counters/record-model';
import { observeInText } from '../counters/histogram-record';
import { RECORD_KIND } from '../counters/keys';
import type { StatsModel } from '../exposition/model';
import { RecordZone } from '../nginx/record-zone';
import { workerId } from '../nginx/worker';
import { JSON_CONTENT_TYPE, renderJson } from '../exposition/json';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../exposition/prometheus';
import { filterModel, parseScrapeQuery, wantsJson } from '../exposition/query';
import { logOnce, OnceMarks, reportOnce } from '../nginx/report-once';
import { markScrapeRequest } from '../nginx/request-scope';
import { readScrapeRequest } from '../nginx/scrape-request';
import { readSettingsText } from '../nginx/settings';
import { CounterZone, openZone, zoneNameOf } from '../nginx/zone';

const ALLOWED_METHODS = 'GET, HEAD';
const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

export default function scrape(r: NginxHTTPRequest): void {
  const shimLoaded = markScrapeRequest(r);
  const started = Date.now();
  const req = readScrapeRequest(r);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    r.headersOut['Allow'] = ALLOWED_METHODS;
    r.headersOut['Content-Type'] = TEXT_CONTENT_TYPE;
    r.return(405, 'method ' + req.method + ' not allowed: use ' + ALLOWED_METHODS + '\n');
    return;
  }
  const query = parseScrapeQuery(req.args);
  if (!query.ok) {
    r.headersOut['Content-Type'] = TEXT_CONTENT_TYPE;
    r.return(400, query.reason + '\n');
    return;
  }

  const opened = openZone(zoneNameOf(r));
  const buckets = resolveBuckets(readSettingsText(r).buckets);
  reportOnce(opened.zone, buckets.problem);
  const model =
    opened.layout === 'record'
      ? readRecordModel(opened.zone, buckets.value, shimLoaded)
      : readCounterModel(opened.zone, buckets.value);

  const json = wantsJson(req.accept);
  const filtered = filterModel(model, query.filter);
  r.headersOut['Content-Type'] = json ? JSON_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
  r.return(200, json ? renderJson(filtered) : renderPrometheus(filtered));

  // Shown by the next scrape: this one is already rendered.
  const took = Date.now() - started;
  if (opened.layout === 'record') {
    const key = RECORD_KIND.scrapeDuration + workerId();
    opened.zone.put(key, observeInText(opened.zone.get(key), buckets.value, took));
  } else {
    opened.zone.add(scrapeBucketKey(bucketLabel(took, buckets.value)), 1);
    opened.zone.add(KIND.scrapeSum, took);
  }
}

function readCounterModel(zone: CounterZone, boundsMs: number[]): StatsModel {
  const model = buildModel(
    { entries: zone.entries(), capacityBytes: zone.capacityBytes(), freeBytes: zone.freeBytes() },
    boundsMs,
  );
  // One lookup rather than a scan of the ~41,000 entries; the key is only
  // ever created, so this reads the same as the snapshot would.
  if (zone.get(KIND.scrapeSum) === undefined) {
    reserveKeys(zone, boundsMs);
  }
  return model;
}

function readRecordModel(zone: RecordZone, boundsMs: number[], shimLoaded: boolean): StatsModel {
  const model = buildRecordModel(
    { entries: zone.entries(), capacityBytes: zone.capacityBytes(), freeBytes: zone.freeBytes() },
    boundsMs,
  );
  // A worker's scrape-duration record exists from its first scrape or
  // flush on; the first scrape may come before the first 100 ms tick.
  if (Object.keys(model.meta.flushes).length === 0 && zone.get(RECORD_KIND.scrapeDuration + workerId()) !== undefined) {
    if (shimLoaded) warnTickMissing(zone);
  }
  return model;
}

function warnTickMissing(zone: OnceMarks): void {
  logOnce(
    zone,
    'tick',
    'missing',
    'ipng-stats: the shim is loaded but no worker has flushed its counts into the zone: ' +
      'include nginx/ipng-stats-tick.conf in one server { } (reported once)',
  );
}

/**
 * The first scrape creates the keys it and the zone-full accounting will
 * write, so a zone that fills up later cannot drop them (the recorder only
 * adds to the zone-full events counter, it never creates it when full).
 */
function reserveKeys(zone: CounterZone, boundsMs: number[]): void {
  zone.add(KIND.zoneFullEvents, 0);
  zone.add(KIND.scrapeSum, 0);
  for (let i = 0; i < boundsMs.length; i++) zone.add(scrapeBucketKey(String(boundsMs[i])), 0);
  zone.add(scrapeBucketKey(INF_LABEL), 0);
}
