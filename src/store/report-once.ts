// "Say it once": njs keeps nothing between requests, so the zone remembers
// what was already logged. The first worker to insert the mark logs; every
// later attempt, in any worker and after reloads, finds it.
import { describeProblem, SettingProblem } from '../config/settings';
import { reportedKey } from '../ipng/keys';
import { logError } from '../platform/log';

/** Either zone layout: both keep "already said" marks (markOnce). */
export interface OnceMarks {
  markOnce(key: string): boolean;
}

/** Logs `message` at [error] the first time (`subject`, `value`) is reported. */
export function logOnce(zone: OnceMarks, subject: string, value: string, message: string): void {
  if (zone.markOnce(reportedKey(subject, value))) logError(message);
}

export function reportOnce(zone: OnceMarks, problem: SettingProblem | null): void {
  if (problem === null) return;
  logOnce(zone, problem.setting, problem.value, describeProblem(problem));
}
