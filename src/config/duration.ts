// nginx duration syntax, as ngx_parse_time() accepts it for time values in
// milliseconds: one or more <integer><unit> parts, largest unit first, each
// unit at most once, e.g. "500ms", "1s", "1m30s". A bare integer means
// seconds. Parsed here because, without the shim, nobody else validates
// `js_var $ipng_stats_flush_interval`.

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600 * 1000,
  M: 30 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
};

// The order in which units may appear (ngx_parse_time rejects "1s1m").
const UNIT_ORDER = ['y', 'M', 'w', 'd', 'h', 'm', 's', 'ms'];

/** Milliseconds, or null when the text is not an nginx duration. */
export function parseDurationMs(text: string): number | null {
  if (text.trim() === '') return null;
  let rest = text;
  let total = 0;
  let lastUnit = -1;
  while (rest.length > 0) {
    const m = rest.match(/^\s*(\d+)(ms|[yMwdhms])?\s*/);
    if (m === null || m[0].length === 0) return null;
    const unit = m[2] === undefined ? 's' : m[2];
    // A bare number is only allowed as the whole value.
    if (m[2] === undefined && (lastUnit !== -1 || m[0].length !== rest.length)) return null;
    const order = UNIT_ORDER.indexOf(unit);
    if (order <= lastUnit) return null;
    lastUnit = order;
    total += parseInt(m[1], 10) * UNIT_MS[unit];
    rest = rest.slice(m[0].length);
  }
  return total > Number.MAX_SAFE_INTEGER ? null : total;
}
