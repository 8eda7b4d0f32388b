// The state file: the zone's items, written by one worker at the state
// interval and read once at start (docs/zone-layout.md, "State file").
// Pure text in, text out, so the rules are unit-tested in Node; the nginx
// half (fs, the zone, who and when) is persistence/state-file.ts.
//
// One header line, then the body:
//
//   njs-ipng-stats state format=1 product=0.1.0 zone=string items=212 saved=1764480000000 length=1234567 sha256=<64 hex>
//   [["Pdirect\u001f127.0.0.1","..."],["f0","12"],...]
//
// The body is JSON (njs's native JSON.stringify and JSON.parse escape and
// read it fast), the items exactly as the zone's items() gave them:
// dumping needs no knowledge of the layout. `length` and `sha256` cover
// the body, so a truncated or damaged file is refused, never half read.

/** Bumped whenever the header or the body changes meaning. */
export const STATE_FORMAT = 1;
export const STATE_MAGIC = 'njs-ipng-stats state';

export type ZoneType = 'number' | 'string';
export type StateItem = [string, number | string];

export interface StateHeader {
  format: number;
  product: string;
  zone: ZoneType;
  items: number;
  savedMs: number;
  length: number;
  sha256: string;
}

/** sha256 of a text's UTF-8 bytes, as 64 lower-case hex digits (njs's or Node's crypto). */
export type Sha256Hex = (text: string) => string;

export function encodeState(
  items: StateItem[],
  zone: ZoneType,
  product: string,
  savedMs: number,
  sha256: Sha256Hex,
): string {
  const body = JSON.stringify(items);
  return (
    STATE_MAGIC + ' format=' + STATE_FORMAT + ' product=' + product + ' zone=' + zone +
    ' items=' + items.length + ' saved=' + savedMs + ' length=' + body.length +
    ' sha256=' + sha256(body) + '\n' + body
  );
}

export type DecodedState =
  | { ok: true; header: StateHeader; items: StateItem[] }
  | { ok: false; reason: string };

function refused(reason: string): DecodedState {
  return { ok: false, reason };
}

/** The header's name=value fields; null when the line is not one. */
function headerFields(line: string): Record<string, string> | null {
  if (line.slice(0, STATE_MAGIC.length + 1) !== STATE_MAGIC + ' ') return null;
  const fields: Record<string, string> = Object.create(null);
  const parts = line.slice(STATE_MAGIC.length + 1).split(' ');
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq <= 0) return null;
    fields[parts[i].slice(0, eq)] = parts[i].slice(eq + 1);
  }
  return fields;
}

function wholeNumber(text: string | undefined): number {
  return text !== undefined && /^\d{1,15}$/.test(text) ? parseInt(text, 10) : -1;
}

/**
 * Reads a state file's text. Refused, with the reason: not a state file
 * (foreign), another format or product version, another zone type, a
 * body of the wrong length (truncated, or grown), a checksum mismatch
 * (damaged), or a body that is not the list of items the header counts.
 */
export function decodeState(text: string, zone: ZoneType, product: string, sha256: Sha256Hex): DecodedState {
  const newline = text.indexOf('\n');
  const fields = headerFields(newline === -1 ? text.slice(0, 512) : text.slice(0, newline));
  if (fields === null) return refused('not an njs-ipng-stats state file (its first line is not a state header)');
  if (fields.format !== String(STATE_FORMAT)) {
    return refused('state format ' + fields.format + ', this release reads format ' + STATE_FORMAT);
  }
  if (fields.product !== product) {
    return refused('written by njs-ipng-stats ' + fields.product + ', this is ' + product);
  }
  if (fields.zone !== zone) {
    return refused('saved from a type=' + fields.zone + ' zone, this zone is type=' + zone);
  }
  const items = wholeNumber(fields.items);
  const savedMs = wholeNumber(fields.saved);
  const length = wholeNumber(fields.length);
  const digest = fields.sha256;
  if (items < 0 || savedMs < 0 || length < 0 || digest === undefined || !/^[0-9a-f]{64}$/.test(digest)) {
    return refused('damaged header');
  }
  const body = newline === -1 ? '' : text.slice(newline + 1);
  if (body.length !== length) {
    return refused(
      (body.length < length ? 'truncated' : 'damaged') + ': the body is ' + body.length +
        ' characters, the header says ' + length,
    );
  }
  if (sha256(body) !== digest) return refused('damaged: the checksum does not match');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return refused('damaged: the body is not JSON');
  }
  if (!isItemList(parsed, zone) || (parsed as StateItem[]).length !== items) {
    return refused('damaged: the body is not the ' + items + ' items the header counts');
  }
  return {
    ok: true,
    header: { format: STATE_FORMAT, product, zone, items, savedMs, length, sha256: digest },
    items: parsed as StateItem[],
  };
}

function isItemList(value: unknown, zone: ZoneType): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || item[0] === '') return false;
    if (zone === 'number' ? typeof item[1] !== 'number' || !isFinite(item[1]) : typeof item[1] !== 'string') {
      return false;
    }
  }
  return true;
}
