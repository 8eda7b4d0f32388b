// Log-phase recorder, run once per finished request through
//   js_set $ipng_stats_record ipng.record;
//   access_log /dev/null ipng_stats_record if=$ipng_stats_record;
// It always returns '' so that access_log writes nothing.
import { requestsKey } from '../counters/keys';
import { readFinishedRequest } from '../nginx/request';
import { isScrapeRequest } from '../nginx/request-scope';
import { counterZone, ZONE_NAME } from '../nginx/zone';

export default function record(r: NginxHTTPRequest): string {
  if (isScrapeRequest()) return '';
  const req = readFinishedRequest(r);
  counterZone(ZONE_NAME).add(requestsKey(req.sourceTag, req.vip, req.status), 1);
  return '';
}
