// Counters that must stay exact above 2^53 (a busy key's bytes_out passes
// 9 PB only after years, but tsar and Prometheus read the digits as they
// are, and Tengine's are 64-bit integers): kept as decimal text, added to
// with small per-flush deltas. Numbers take the fast path while the sum
// stays exact; only a total of 16 digits or more is added digit by digit.

const MAX_EXACT = 9007199254740991;

/**
 * total + delta as decimal text. total is canonical decimal text, delta
 * a non-negative integer below 2^53 (a flush's count).
 */
export function addDecimal(total: string, delta: number): string {
  if (delta === 0) return total;
  if (total.length < 16) {
    const sum = Number(total) + delta;
    if (sum <= MAX_EXACT) return String(sum);
  }
  return addDigits(total, String(delta));
}

/** a + b, both canonical decimal text of any length. */
export function addDigits(a: string, b: string): string {
  let out = '';
  let carry = 0;
  let i = a.length - 1;
  let j = b.length - 1;
  while (i >= 0 || j >= 0 || carry > 0) {
    const d = (i >= 0 ? a.charCodeAt(i) - 48 : 0) + (j >= 0 ? b.charCodeAt(j) - 48 : 0) + carry;
    carry = d >= 10 ? 1 : 0;
    out = String.fromCharCode(48 + (d % 10)) + out;
    i--;
    j--;
  }
  return out;
}
