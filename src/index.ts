// The handler names nginx.conf refers to (js_import ipng from ipng-stats.js).
import record from './handlers/record';
import scrape from './handlers/scrape';

export default { record, scrape };
