// Number → text for the scrape output, identical in njs and Node.
//
// Durations are kept in (integer) milliseconds but exposed in seconds, and
// rates are EWMA floats. Dividing by 1000 in floating point prints things
// like 0.009000000000000001, and njs's number-to-text differs from V8's in
// the last digits (String(0.1 + 0.2) is ...07 in njs, ...04 in Node). So
// values with a fixed number of decimals are written from an integer count
// of the smallest unit, with integer arithmetic only.

/**
 * `units / 10^decimals` as exact decimal text, trailing zeros dropped:
 * (9, 3) → "0.009", (2500, 3) → "2.5", (10000, 3) → "10", (-15, 1) → "-1.5".
 * `units` must be an integer; beyond 2^53 (no longer exact) the plain
 * floating-point division is printed instead.
 */
export function formatScaledInteger(units: number, decimals: number): string {
  let scale = 1;
  for (let i = 0; i < decimals; i++) scale *= 10;
  if (!(units >= -MAX_EXACT && units <= MAX_EXACT) || units !== Math.floor(units)) {
    return String(units / scale);
  }
  const negative = units < 0;
  const magnitude = negative ? -units : units;
  const whole = Math.floor(magnitude / scale);
  let fraction = magnitude - whole * scale;
  let text = String(whole);
  if (fraction !== 0) {
    let digits = decimals;
    while (fraction % 10 === 0) {
      fraction /= 10;
      digits--;
    }
    let fractionText = String(fraction);
    while (fractionText.length < digits) fractionText = '0' + fractionText;
    text += '.' + fractionText;
  }
  return negative ? '-' + text : text;
}

const MAX_EXACT = 9007199254740991;

/**
 * Milliseconds as seconds. Integer milliseconds (what nginx's $request_time
 * resolution gives) print exactly; fractions of a millisecond are kept to
 * the microsecond.
 */
export function formatMillisecondsAsSeconds(ms: number): string {
  // The usual case without builtin calls (each costs more in njs than
  // this): a whole, non-negative number of milliseconds (x % 1 === 0
  // holds only for finite integers).
  if (ms % 1 === 0 && ms >= 0 && ms <= MAX_EXACT) {
    const fraction = ms % 1000;
    const whole = '' + (ms - fraction) / 1000;
    if (fraction === 0) return whole;
    // "1xyz": the fraction's three digits after the 1, trailing zeros dropped
    const digits = '' + (1000 + fraction);
    if (fraction % 100 === 0) return whole + '.' + digits.charAt(1);
    if (fraction % 10 === 0) return whole + '.' + digits.substring(1, 3);
    return whole + '.' + digits.substring(1);
  }
  if (ms === Math.floor(ms)) return formatScaledInteger(ms, 3);
  return formatScaledInteger(Math.round(ms * 1000), 6);
}

/** A request rate, to 0.001 requests/second: finer digits are EWMA noise. */
export function formatRate(requestsPerSecond: number): string {
  // The usual case (finite, not negative) by the millisecond formatter's
  // path without builtin calls: the same text as formatScaledInteger
  // (units, 3), for a fifth of the instructions (a scrape formats three
  // rates per (source, vip)). NaN and the infinities fail the test.
  const units = Math.round(requestsPerSecond * 1000);
  if (units >= 0 && units <= MAX_EXACT) return formatMillisecondsAsSeconds(units);
  // Not a rate at all: spelled as Prometheus does (JSON callers check first).
  if (requestsPerSecond !== requestsPerSecond) return 'NaN';
  if (!isFinite(requestsPerSecond)) return requestsPerSecond > 0 ? '+Inf' : '-Inf';
  return formatScaledInteger(Math.round(requestsPerSecond * 1000), 3);
}
