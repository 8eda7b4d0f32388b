// The handler names nginx.conf refers to (js_import ipng from ipng-stats.js).
import record from './handlers/recorder';
import reqstatShow from './handlers/reqstat-show';
import scrape from './handlers/scrape';
import status from './handlers/status';
import tick from './handlers/tick';
import sslStatus from './ssl/show';

export default { record, reqstatShow, scrape, status, tick, sslStatus };
