// js_content handler of the scrape location.
import { PROMETHEUS_CONTENT_TYPE } from '../exposition/prometheus';
import { requestsFamilyText } from '../exposition/requests-family';
import { markScrapeRequest } from '../nginx/request-scope';
import { counterZone, ZONE_NAME } from '../nginx/zone';

export default function scrape(r: NginxHTTPRequest): void {
  markScrapeRequest();
  const body = requestsFamilyText(counterZone(ZONE_NAME).entries());
  r.headersOut['Content-Type'] = PROMETHEUS_CONTENT_TYPE;
  r.return(200, body);
}
