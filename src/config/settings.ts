// The three http-level settings the bundle reads, their defaults and their
// rules. With the shim the values come from its directives, already checked
// at `nginx -t`; without it they come from optional `js_var` lines that
// nothing else checks, so every rule lives here and each failure names the
// setting, the value and the rule (see docs/configuration.md).
import { MAX_SOURCE_LENGTH, parseBucketBounds, sourceTagProblem } from './setting-rules';
import { parseDurationMs } from './duration';

export const DEFAULT_BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** The default as the text a user (or the shim) would write; a fast path for the recorder. */
export const DEFAULT_BUCKETS_TEXT = DEFAULT_BUCKETS_MS.join(' ');
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
export const MIN_FLUSH_INTERVAL_MS = 100;
export const DEFAULT_SOURCE = 'direct';
export { MAX_SOURCE_LENGTH };

/** The state file (persistence/state-file.ts): off unless a path is set. */
export const DEFAULT_STATE_INTERVAL_MS = 60000;
export const MIN_STATE_INTERVAL_MS = 1000;

export const BUCKETS_SETTING = 'ipng_stats_buckets';
export const FLUSH_INTERVAL_SETTING = 'ipng_stats_flush_interval';
export const DEFAULT_SOURCE_SETTING = 'ipng_stats_default_source';

export const STATE_FILE_SETTING = 'ipng_stats_state_file';
export const STATE_INTERVAL_SETTING = 'ipng_stats_state_interval';

export const STATE_FILE_RULE = 'an absolute path (starting with "/")';
export const STATE_INTERVAL_RULE = 'an nginx duration (e.g. 30s, 5m) of at least 1s';
export const BUCKETS_RULE = 'two or more strictly increasing positive integers (milliseconds) separated by spaces';
export const FLUSH_INTERVAL_RULE = 'an nginx duration (e.g. 500ms, 1s) of at least 100ms';
export const DEFAULT_SOURCE_RULE = '1 to 64 printable ASCII characters without spaces';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A rejected setting: what the error log says once. */
export interface SettingProblem {
  setting: string;
  value: string;
  rule: string;
  fallback: string;
}

function isUnset(text: string | undefined): text is undefined {
  return text === undefined || text === '';
}

export function parseBuckets(text: string | undefined): Parsed<number[]> {
  if (isUnset(text)) return { ok: true, value: DEFAULT_BUCKETS_MS };
  if (text === DEFAULT_BUCKETS_TEXT) return { ok: true, value: DEFAULT_BUCKETS_MS };
  return parseBucketBounds(text);
}

export function parseFlushInterval(text: string | undefined): Parsed<number> {
  if (isUnset(text)) return { ok: true, value: DEFAULT_FLUSH_INTERVAL_MS };
  const ms = parseDurationMs(text);
  if (ms === null) return { ok: false, reason: 'not an nginx duration' };
  if (ms < MIN_FLUSH_INTERVAL_MS) return { ok: false, reason: 'shorter than 100ms' };
  return { ok: true, value: ms };
}

export function parseDefaultSource(text: string | undefined): Parsed<string> {
  if (isUnset(text)) return { ok: true, value: DEFAULT_SOURCE };
  const problem = sourceTagProblem(text);
  return problem === null ? { ok: true, value: text } : { ok: false, reason: problem };
}

/** undefined: no state file (the default). */
export function parseStateFile(text: string | undefined): Parsed<string | undefined> {
  if (isUnset(text)) return { ok: true, value: undefined };
  if (text.charAt(0) !== '/') return { ok: false, reason: 'not an absolute path' };
  return { ok: true, value: text };
}

export function parseStateInterval(text: string | undefined): Parsed<number> {
  if (isUnset(text)) return { ok: true, value: DEFAULT_STATE_INTERVAL_MS };
  const ms = parseDurationMs(text);
  if (ms === null) return { ok: false, reason: 'not an nginx duration' };
  if (ms < MIN_STATE_INTERVAL_MS) return { ok: false, reason: 'shorter than 1s' };
  return { ok: true, value: ms };
}

/** One setting, with the spec default in place of an invalid value. */
export interface Resolved<T> {
  value: T;
  problem: SettingProblem | null;
}

function resolve<T>(
  setting: string,
  rule: string,
  fallbackText: string,
  fallback: T,
  text: string | undefined,
  parsed: Parsed<T>,
): Resolved<T> {
  if (parsed.ok) return { value: parsed.value, problem: null };
  return {
    value: fallback,
    problem: { setting, value: String(text), rule: rule + ' (' + parsed.reason + ')', fallback: fallbackText },
  };
}

export function resolveBuckets(text: string | undefined): Resolved<number[]> {
  return resolve(BUCKETS_SETTING, BUCKETS_RULE, DEFAULT_BUCKETS_TEXT, DEFAULT_BUCKETS_MS, text, parseBuckets(text));
}

export function resolveFlushInterval(text: string | undefined): Resolved<number> {
  return resolve(FLUSH_INTERVAL_SETTING, FLUSH_INTERVAL_RULE, '1s', DEFAULT_FLUSH_INTERVAL_MS, text, parseFlushInterval(text));
}

export function resolveDefaultSource(text: string | undefined): Resolved<string> {
  return resolve(DEFAULT_SOURCE_SETTING, DEFAULT_SOURCE_RULE, DEFAULT_SOURCE, DEFAULT_SOURCE, text, parseDefaultSource(text));
}

/** A bad path turns the state file off (there is no default path to fall back to). */
export function resolveStateFile(text: string | undefined): Resolved<string | undefined> {
  return resolve<string | undefined>(
    STATE_FILE_SETTING, STATE_FILE_RULE, 'off', undefined, text, parseStateFile(text));
}

export function resolveStateInterval(text: string | undefined): Resolved<number> {
  return resolve(STATE_INTERVAL_SETTING, STATE_INTERVAL_RULE, '60s', DEFAULT_STATE_INTERVAL_MS, text, parseStateInterval(text));
}

/** The error-log line for a rejected setting. */
export function describeProblem(p: SettingProblem): string {
  return 'ipng-stats: invalid ' + p.setting + ' "' + p.value + '": must be ' + p.rule +
    '; using the default "' + p.fallback + '" instead (reported once per value)';
}
