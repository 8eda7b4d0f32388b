// The no-shim recorder as a module of its own (dist/ipng-stats-recorder.js),
// imported at http level by nginx/ipng-stats-log-fallback.conf as
// ipng_stats_recorder. Every request's VM holds what is imported where the
// request runs, so this entry pulls in only what the per-request path
// needs (docs/performance.md). skipThisRequest is for the scrape handler
// of the bundle (platform/request-scope.ts).
import record from './handlers/recorder';
import { skipThisRequest } from './platform/request-scope';

export default { record, skipThisRequest };
