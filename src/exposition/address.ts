// One text per address, so that a VIP counted from $server_addr and a VIP
// given in `?vip=` compare equal: IPv4 as a dotted quad without leading
// zeros, IPv6 as RFC 5952 says (lower case, no leading zeros in a group,
// `::` for the longest run of two or more zero groups, the leftmost on a
// tie).
//
// Decisions:
// - `[2001:db8::1]` (URL form) is accepted; brackets around IPv4 are not.
// - Zone ids (`fe80::1%eth0`) are rejected: nginx writes $server_addr
//   without one, so a VIP with a zone id could never match anything.
// - An IPv4-mapped address (::ffff:0:0/96) IS its IPv4 address: a dual-stack
//   socket (`listen [::]:80 ipv6only=off`) shows an IPv4 connection's
//   $server_addr as `::ffff:192.0.2.1`, and it is the same VIP as the one
//   an IPv4 socket shows as `192.0.2.1`. So both canonicalize to the
//   dotted quad, in the counted VIP and in `?vip=` alike
//   (docs/configuration.md). Any other embedded IPv4 is written in
//   hexadecimal (`::192.0.2.1` → `::c000:201`).
// - IPv4 parts with leading zeros (`010.0.0.1`) are rejected, not read as
//   decimal or octal: the text is ambiguous between the two.
//
// Only String/Array/Number built-ins that njs 0.8 provides are used.

export function canonicalAddress(text: string): string | null {
  if (text.length > 2 && text.charAt(0) === '[' && text.charAt(text.length - 1) === ']') {
    const groups = parseIPv6(text.slice(1, text.length - 1));
    return groups === null ? null : formatIPv6(groups);
  }
  if (text.indexOf(':') >= 0) {
    const groups = parseIPv6(text);
    return groups === null ? null : formatIPv6(groups);
  }
  const octets = parseIPv4(text);
  return octets === null ? null : octets.join('.');
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
/** Longest IPv6 text: 8 groups of 4 digits, or 6 and a dotted quad. */
const MAX_IPV6_TEXT = 45;

function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (let i = 0; i < 4; i++) {
    if (!DECIMAL_OCTET.test(parts[i])) return null;
    const value = Number(parts[i]);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address. */
function parseIPv6(text: string): number[] | null {
  if (text.length < 2 || text.length > MAX_IPV6_TEXT) return null;
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return null; // two gaps, or ":::"
  const head = parseGroups(gap < 0 ? text : text.slice(0, gap), gap < 0);
  const tail = gap < 0 ? [] : parseGroups(text.slice(gap + 2), true);
  if (head === null || tail === null) return null;
  const explicit = head.length + tail.length;
  if (gap < 0 ? explicit !== 8 : explicit > 7) return null;
  const groups = head;
  for (let i = explicit; i < 8; i++) groups.push(0);
  for (let i = 0; i < tail.length; i++) groups.push(tail[i]);
  return groups;
}

/**
 * Colon-separated groups; '' is none. A dotted quad is allowed as the last
 * part when this text ends the address, and counts as two groups.
 */
function parseGroups(text: string, endsAddress: boolean): number[] | null {
  const groups: number[] = [];
  if (text === '') return groups;
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else if (endsAddress && i === parts.length - 1 && part.indexOf('.') >= 0) {
      const octets = parseIPv4(part);
      if (octets === null) return null;
      groups.push(octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]);
    } else {
      return null; // empty part (stray colon), zone id, bad digit, too long
    }
  }
  return groups;
}

function formatIPv6(groups: number[]): string {
  if (isIPv4Mapped(groups)) {
    return (groups[6] >> 8) + '.' + (groups[6] & 255) + '.' + (groups[7] >> 8) + '.' + (groups[7] & 255);
  }
  // Longest run of zero groups, leftmost wins a tie; a single 0 stays.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex: string[] = [];
  for (let i = 0; i < 8; i++) hex.push(groups[i].toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

function isIPv4Mapped(groups: number[]): boolean {
  return groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
}
