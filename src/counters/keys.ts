// How counters are named in the shared zone. A key is a kind tag followed
// by its label values, separated by a byte that nginx configuration values
// and addresses do not contain, so keys split back without escaping.

export const KEY_SEPARATOR = '\x1f';

export const REQUESTS = 'q';

export interface RequestKeyLabels {
  sourceTag: string;
  vip: string;
  code: string;
}

export function requestsKey(sourceTag: string, vip: string, status: number): string {
  return REQUESTS + KEY_SEPARATOR + sourceTag + KEY_SEPARATOR + vip + KEY_SEPARATOR + status;
}

/** null for keys of other kinds or malformed keys (never thrown: a scrape must not fail on one key). */
export function parseRequestsKey(key: string): RequestKeyLabels | null {
  const parts = key.split(KEY_SEPARATOR);
  if (parts.length !== 4 || parts[0] !== REQUESTS) return null;
  return { sourceTag: parts[1], vip: parts[2], code: parts[3] };
}
