// Two modes, not three: with the shim the zone is a type=string zone (the
// record layout), without it a type=number zone (the counter layout). The
// shim cannot see a zone's type at `nginx -t` (it is njs's private
// state), so a shim with a type=number zone is refused here, at run time:
// one error line, and nothing is counted.
import { logOnce, OnceMarks } from './report-once';

export function refuseShimWithCounterZone(zone: OnceMarks, zoneName: string): void {
  logOnce(
    zone,
    'zone',
    'shim-type-number',
    'ipng-stats: the shim is loaded and zone "' + zoneName + '" is type=number, which the shim does not count into; ' +
      'nothing is counted. Write "ipng_stats_zone ' + zoneName + ':SIZE;" instead, or ' +
      '"js_shared_dict_zone zone=' + zoneName + ':SIZE type=string;" (reported once)',
  );
}
