// "Say it once": njs keeps nothing between requests, so the zone remembers
// what was already logged. The first worker to insert the mark logs; every
// later attempt, in any worker and after reloads, finds it.
import { describeProblem, SettingProblem } from '../config/settings';
import { reportedKey } from '../counters/keys';
import { logError } from './log';
import { CounterZone } from './zone';

/** Logs `message` at [error] the first time (`subject`, `value`) is reported. */
export function logOnce(zone: CounterZone, subject: string, value: string, message: string): void {
  if (zone.insertFirst(reportedKey(subject, value), 1)) logError(message);
}

export function reportOnce(zone: CounterZone, problem: SettingProblem | null): void {
  if (problem === null) return;
  logOnce(zone, problem.setting, problem.value, describeProblem(problem));
}
