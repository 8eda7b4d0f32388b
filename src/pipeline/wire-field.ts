// One field of the shim's wire format and of a zone key, in its escaped
// form (docs/wire-format.md): every byte outside 0x20-0x7e, and "\" itself,
// is written "\xHH" (two lower-case hex digits); every other byte stands
// for itself. So a field never holds the line end or the field separator,
// whatever bytes it carries, and it stays ASCII, which njs keeps as it is
// (njs turns bytes that are not UTF-8 into U+FFFD when a variable becomes
// a string, so raw bytes would not survive the channel).
//
// Zone keys keep fields in this form; only labels shown to a user
// (Prometheus, JSON) are decoded, by fieldLabel().

const HEX = '0123456789abcdef';

function isPlain(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e && byte !== 0x5c;
}

/** The escaped form of a byte sequence (the shim's encoder, in TypeScript). */
export function encodeFieldBytes(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    out += isPlain(b) ? String.fromCharCode(b) : '\\x' + HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * The bytes of an escaped field, or null when the text is not in the
 * escaped form (a raw byte outside the plain set, a bad or upper-case
 * escape): such a line did not come from this format's encoder.
 */
export function decodeFieldBytes(field: string): number[] | null {
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c !== 0x5c) {
      if (!isPlain(c)) return null;
      bytes.push(c);
      continue;
    }
    if (field.charAt(i + 1) !== 'x') return null;
    const high = hexValue(field.charCodeAt(i + 2));
    const low = hexValue(field.charCodeAt(i + 3));
    if (high < 0 || low < 0) return null;
    bytes.push(high * 16 + low);
    i += 3;
  }
  return bytes;
}

/** Whether a field is in the escaped form (cheap: most fields are plain). */
export function isEscapedField(field: string): boolean {
  if (field.indexOf('\\') < 0) {
    for (let i = 0; i < field.length; i++) {
      if (!isPlain(field.charCodeAt(i))) return false;
    }
    return true;
  }
  return decodeFieldBytes(field) !== null;
}

/** The UTF-8 bytes of a string (lone surrogates as U+FFFD, as njs does). */
export function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) {
      bytes.push(cp);
    } else if (cp < 0x800) {
      bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    } else if (cp < 0x10000) {
      bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    } else {
      bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    }
  }
  return bytes;
}

/** The escaped form of a string's UTF-8 bytes (labels from njs itself). */
export function escapeText(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (!isPlain(text.charCodeAt(i))) return encodeFieldBytes(utf8Bytes(text));
  }
  return text;
}

/**
 * The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) starting at bytes[i], or 0.
 */
function utf8SequenceLength(bytes: number[], i: number): number {
  const b = bytes[i];
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) low = 0xa0;
    if (b === 0xed) high = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) low = 0x90;
    if (b === 0xf4) high = 0x8f;
  } else return 0;
  if (i + length > bytes.length) return 0;
  if (bytes[i + 1] < low || bytes[i + 1] > high) return 0;
  for (let k = 2; k < length; k++) {
    if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return 0;
  }
  return length;
}

function codePointText(cp: number): string {
  if (cp < 0x10000) return String.fromCharCode(cp);
  const v = cp - 0x10000;
  return String.fromCharCode(0xd800 + (v >> 10), 0xdc00 + (v & 1023));
}

/**
 * How a field is shown as a label value: its bytes read as UTF-8, and each
 * byte that is not part of well-formed UTF-8 as the four characters
 * "\xHH" (docs/wire-format.md). The Prometheus and JSON writers then
 * escape the result as their formats require.
 */
export function fieldLabel(field: string): string {
  if (field.indexOf('\\') < 0) return field;
  const bytes = decodeFieldBytes(field);
  if (bytes === null) return field;
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      out += '\\x' + HEX.charAt(bytes[i] >> 4) + HEX.charAt(bytes[i] & 15);
      i++;
      continue;
    }
    let cp = length === 1 ? bytes[i] : bytes[i] & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) cp = cp * 64 + (bytes[i + k] & 63);
    out += codePointText(cp);
    i += length;
  }
  return out;
}
