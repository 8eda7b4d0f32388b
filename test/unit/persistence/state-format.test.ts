// The state file's format and item rules (src/persistence/), in Node with
// Node's sha256: the same digest njs's crypto module gives for the same text.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decodeState, encodeState, StateItem } from '../../../src/persistence/state-format';
import { restoreOf, savedItems, STATE_KEY } from '../../../src/persistence/state-items';
import { KIND, RECORD_KIND } from '../../../src/ipng/keys';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const items: StateItem[] = [
  ['qdirect\x1f127.0.0.1\x1f200', 7],
  ['ddirect\x1f127.0.0.1\x1f5', 3],
  ['rdirect\x1f127.0.0.1\x1f1', 0.25],
];

describe('state file format', () => {
  test('round trip: the header states format, release, zone type, items, time, length and checksum', () => {
    const text = encodeState(items, 'number', '1.2.3', 1764480000000, sha256);
    const body = JSON.stringify(items);
    expect(text.slice(0, text.indexOf('\n'))).toBe(
      `njs-ipng-stats state format=1 product=1.2.3 zone=number items=3 saved=1764480000000 length=${body.length} sha256=${sha256(body)}`);
    const decoded = decodeState(text, 'number', '1.2.3', sha256);
    expect(decoded).toEqual({
      ok: true,
      header: { format: 1, product: '1.2.3', zone: 'number', items: 3, savedMs: 1764480000000, length: body.length, sha256: sha256(body) },
      items,
    });
  });

  const good = encodeState(items, 'number', '1.2.3', 1, sha256);
  const header = good.slice(0, good.indexOf('\n'));
  const body = good.slice(good.indexOf('\n') + 1);
  const refusals: Array<[string, string, string]> = [
    ['empty', '', 'not an njs-ipng-stats state file (its first line is not a state header)'],
    ['foreign', '{"a":1}\n', 'not an njs-ipng-stats state file (its first line is not a state header)'],
    ['another format', good.replace(' format=1 ', ' format=7 '), 'state format 7, this release reads format 1'],
    ['another release', good.replace(' product=1.2.3 ', ' product=1.2.4 '), 'written by njs-ipng-stats 1.2.4, this is 1.2.3'],
    ['another zone type', good.replace(' zone=number ', ' zone=string '), 'saved from a type=string zone, this zone is type=number'],
    ['truncated', good.slice(0, -5), `truncated: the body is ${body.length - 5} characters, the header says ${body.length}`],
    ['grown', good + 'x', `damaged: the body is ${body.length + 1} characters, the header says ${body.length}`],
    ['header only', header, `truncated: the body is 0 characters, the header says ${body.length}`],
    ['damaged body', header + '\n' + body.replace('7', '8'), 'damaged: the checksum does not match'],
    ['damaged header', good.replace(/ sha256=[0-9a-f]+/, ' sha256=xyz'), 'damaged header'],
  ];
  for (const [name, text, reason] of refusals) {
    test(`refuses ${name}`, () => {
      expect(decodeState(text, 'number', '1.2.3', sha256)).toEqual({ ok: false, reason });
    });
  }

  test('refuses a body whose checksum matches but whose items do not fit the zone type or the count', () => {
    const strings = encodeState([['Pa\x1fb', 'text']], 'string', '1.2.3', 1, sha256);
    expect(decodeState(strings.replace(' zone=string ', ' zone=number '), 'number', '1.2.3', sha256))
      .toEqual({ ok: false, reason: 'damaged: the body is not the 1 items the header counts' });
    expect(decodeState(good.replace(' items=3 ', ' items=2 '), 'number', '1.2.3', sha256))
      .toEqual({ ok: false, reason: 'damaged: the body is not the 2 items the header counts' });
  });
});

describe('state items', () => {
  test("the state file's own keys use kind characters no layout uses", () => {
    const used = [...Object.values(KIND), ...Object.values(RECORD_KIND)];
    expect(used).not.toContain(STATE_KEY.restoreMark);
    expect(used).not.toContain(STATE_KEY.savedAt);
  });

  test('flush times, "reported" marks and the state keys are not saved', () => {
    const all: StateItem[] = [['l0', 5], ['!ipng_stats_buckets\x1fx', 1], ['R', 0], ['V', 9], ['f0', 3], ['Pa\x1fb', 'x']];
    expect(savedItems(all)).toEqual([['f0', 3], ['Pa\x1fb', 'x']]);
  });

  test('a type=number zone adds counters and inserts the rest; a type=string zone inserts every record', () => {
    expect(['q', 'i', 'o', 'd', 'u', 'D', 'U', 'Z', 'f', 'F', 'G', 'S', 's'].map((k) => restoreOf(k + 'x', 'number')))
      .toEqual(Array(13).fill('add'));
    expect(['r', 't', 'T', 'W'].map((k) => restoreOf(k + 'x', 'number'))).toEqual(Array(4).fill('insert'));
    expect(['P', 'f', 'F', 'S', 'Z', 'T', 'W'].map((k) => restoreOf(k + 'x', 'string'))).toEqual(Array(7).fill('insert'));
    expect(['l', '!', 'R', 'V'].map((k) => restoreOf(k + '0', 'string'))).toEqual(Array(4).fill('skip'));
  });
});
