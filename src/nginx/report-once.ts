// "Report a bad setting once": njs keeps nothing between requests, so the
// zone remembers which (setting, value) was already logged. The first
// worker to insert the mark logs; every later attempt finds it.
import { describeProblem, SettingProblem } from '../config/settings';
import { reportedKey } from '../counters/keys';
import { logError } from './log';
import { CounterZone } from './zone';

export function reportOnce(zone: CounterZone, problem: SettingProblem | null): void {
  if (problem === null) return;
  if (zone.insertFirst(reportedKey(problem.setting, problem.value), 1)) {
    logError(describeProblem(problem));
  }
}
