// Log-phase recorder, run once per finished request: through the shim's
// log-phase hook, or without the shim through
//   js_set $ipng_stats_record ipng.record;
//   access_log /dev/null ipng_stats_record if=$ipng_stats_record;
// It always returns '' so that access_log writes nothing.
import { DEFAULT_BUCKETS_MS, resolveBuckets, resolveDefaultSource } from '../config/settings';
import { incrementsFor } from '../counters/observation';
import { secondsTextToMs, upstreamTimeMs } from '../counters/timings';
import { vipLabel } from '../counters/vip';
import { escapeText } from '../counters/wire-field';
import { logOnce, reportOnce } from '../nginx/report-once';
import { readFinishedRequest } from '../nginx/request';
import { isScrapeRequest } from '../nginx/request-scope';
import { openZone, zoneNameOf } from '../nginx/zone';

export default function record(r: NginxHTTPRequest): string {
  if (isScrapeRequest()) return '';
  const req = readFinishedRequest(r);
  const opened = openZone(zoneNameOf(r));
  if (opened.layout === 'record') {
    // Read-modify-write records need the shim's single writer.
    logOnce(
      opened.zone,
      'zone',
      'record-without-shim',
      'ipng-stats: js_shared_dict_zone zone=' + opened.name + ' is type=string, which needs the ' +
        'native shim; without the shim declare it type=number: nothing is counted until then ' +
        '(reported once)',
    );
    return '';
  }
  const zone = opened.zone;

  // A bad value falls back to the spec default and is logged once
  // (docs/configuration.md): counting goes on with documented settings.
  let boundsMs = DEFAULT_BUCKETS_MS;
  if (req.bucketsText !== undefined) {
    const buckets = resolveBuckets(req.bucketsText);
    reportOnce(zone, buckets.problem);
    boundsMs = buckets.value;
  }
  let sourceTag = req.shimSourceTag;
  if (sourceTag === undefined) {
    const source = resolveDefaultSource(req.defaultSourceText);
    reportOnce(zone, source.problem);
    sourceTag = source.value;
  }

  const increments = incrementsFor(
    {
      sourceTag: escapeText(sourceTag),
      vip: escapeText(vipLabel(req.serverAddr)),
      status: req.status,
      bytesIn: req.bytesIn,
      bytesOut: req.bytesOut,
      requestTimeMs: secondsTextToMs(req.requestTimeText),
      upstreamTimeMs: upstreamTimeMs(req.upstreamTimeText),
    },
    boundsMs,
  );
  for (let i = 0; i < increments.keys.length; i++) {
    zone.add(increments.keys[i], increments.deltas[i]);
  }
  return '';
}
