// The rules of the two settings the per-request recorder reads
// (ipng_stats_buckets, ipng_stats_default_source), apart from settings.ts
// so that the recorder's module (handlers/recorder.ts) checks a configured
// value without holding the settings' tables: every top-level object of
// that module is paid for by every request (docs/performance.md).
import type { Parsed } from './settings';

/** Two or more strictly increasing positive integers (ms), separated by spaces. */
export function parseBucketBounds(text: string): Parsed<number[]> {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length < 2) return { ok: false, reason: 'fewer than two bounds' };
  const bounds: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!/^\d+$/.test(tokens[i])) return { ok: false, reason: '"' + tokens[i] + '" is not an integer' };
    const ms = parseInt(tokens[i], 10);
    if (ms <= 0 || ms > Number.MAX_SAFE_INTEGER) return { ok: false, reason: '"' + tokens[i] + '" is not positive' };
    if (i > 0 && ms <= bounds[i - 1]) {
      return { ok: false, reason: tokens[i] + ' does not follow ' + bounds[i - 1] + ' in increasing order' };
    }
    bounds.push(ms);
  }
  return { ok: true, value: bounds };
}

export const MAX_SOURCE_LENGTH = 64;

/** The rule of ipng_stats_default_source; null when `text` is a valid tag, else the reason. */
export function sourceTagProblem(text: string): string | null {
  if (text.length > MAX_SOURCE_LENGTH) return 'longer than 64 characters';
  // Printable ASCII only: it is a label value and part of zone keys, whose
  // separator is a control character.
  if (!/^[\x21-\x7e]+$/.test(text)) return 'contains a space or a non-printable character';
  return null;
}
