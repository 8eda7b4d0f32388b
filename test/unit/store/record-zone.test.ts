// The record zone's rules in Node, against a fake shared dictionary that
// behaves like njs's for what record-zone.ts uses (no values above half a
// page: it throws, as a failed allocation makes njs throw): long records
// in pieces, rewrites that leave no piece behind, and the page checks.
// Through nginx: test/integration/stats-zone-full.test.ts.
import { describe, expect, it } from 'vitest';
import { recordZone, pagesForValue } from '../../../src/store/record-zone';
import { FakeSharedDict } from '../fake-shared-dict';

/** The spec's 4m type=string zone; no value above half a page (2,048 characters). */
function zoneDict(): FakeSharedDict<string> {
  return new FakeSharedDict<string>('ipng_stats', 'string', 4194304, { valueLength: 2048 });
}

function zoneOf(dict: FakeSharedDict<string>) {
  return recordZone(dict);
}

const long = (n: number, c = 'x') => Array.from({ length: n }, (_, i) => String.fromCharCode(48 + (i % 40)) + c).join('').slice(0, n);

describe('record zone', () => {
  it('keeps a long record as pieces of at most 1,900 characters and reads it back whole', () => {
    const dict = zoneDict();
    const zone = zoneOf(dict);
    const text = long(6237);
    expect(zone.put('Pa\x1f127.0.0.1', text, false)).toBe(true);
    expect(dict.get('Pa\x1f127.0.0.1')).toBe('@1 4');
    for (const [k, v] of dict.items()) {
      expect(v.length, k).toBeLessThanOrEqual(1900);
    }
    expect([...dict.map.keys()].filter((k) => k.startsWith('C'))).toHaveLength(4);
    expect(zoneOf(dict).entries()).toEqual([['Pa\x1f127.0.0.1', text]]);
  });

  it('a rewrite switches to the next generation and deletes the old pieces; a short one goes back inline', () => {
    const dict = zoneDict();
    const zone = zoneOf(dict);
    zone.put('Pk', long(4000), false);
    const second = long(5000, 'y');
    expect(zone.put('Pk', second, true)).toBe(true);
    expect(dict.get('Pk')).toBe('@2 3');
    expect([...dict.map.keys()].filter((k) => k.startsWith('C')).sort()).toEqual(['CPk\x1f2\x1f0', 'CPk\x1f2\x1f1', 'CPk\x1f2\x1f2']);
    expect(zoneOf(dict).entries()).toEqual([['Pk', second]]);
    // Another zone object (another handler run) finds the old pieces from the head.
    const third = zoneOf(dict);
    expect(third.put('Pk', 'short', true)).toBe(true);
    expect([...dict.map.entries()]).toEqual([['Pk', 'short']]);
  });

  it('a record with a piece missing reads as absent; pieces no head names are dropped by the writer', () => {
    const dict = zoneDict();
    const zone = zoneOf(dict);
    zone.put('Pk', long(4000), false);
    zone.put('Pj', long(3000), false);
    dict.delete('CPk\x1f1\x1f1');
    dict.set('CPj\x1f2\x1f0', 'left by a writer that died');
    const reader = zoneOf(dict);
    expect(reader.entries().map((e) => e[0])).toEqual(['Pj']);
    reader.dropOrphanChunks();
    expect([...dict.map.keys()].sort()).toEqual(['CPj\x1f1\x1f0', 'CPj\x1f1\x1f1', 'CPk\x1f1\x1f0', 'CPk\x1f1\x1f2', 'Pj', 'Pk']);
  });

  it('worst-case pages per value: one slot, or pieces (2 a page), their nodes and the head', () => {
    expect(pagesForValue(10)).toBe(1);
    expect(pagesForValue(1900)).toBe(1);
    expect(pagesForValue(1901)).toBe(1 + 1 + 1);
    expect(pagesForValue(6237)).toBe(2 + 1 + 1);
  });

  it('existing records are rewritten while 4 pages stay free; new series only while the largest rewrite does too', () => {
    const dict = zoneDict();
    dict.set('Pbig', '@1 4'); // a 6,237-character record: 4 pages to rewrite
    ['0', '1', '2', '3'].forEach((i) => dict.set('CPbig\x1f1\x1f' + i, long(i === '3' ? 537 : 1900)));
    dict.set('f0', '7');
    const zone = zoneOf(dict);
    zone.entries();
    dict.freePages = 5;
    expect(zone.put('f0', '8', true)).toBe(true); // 1 + 4 <= 5
    dict.freePages = 4;
    expect(zone.put('f0', '9')).toBe(false); // 1 + 4 > 4
    expect(dict.get('f0')).toBe('8');
    dict.freePages = 9;
    expect(zone.canCreate(100, true)).toBe(false); // 2 + 4 + 4 > 9
    expect(zone.put('Pnew', 'x', false)).toBe(false);
    expect(dict.has('Pnew')).toBe(false);
    dict.freePages = 10;
    expect(zone.canCreate(100, true)).toBe(true);
    expect(zone.put('Pnew', 'x', false)).toBe(true);
  });

  it('the estimate goes down by each write\'s worst case and is read again before saying no', () => {
    const dict = zoneDict();
    dict.freePages = 7;
    let reads = 0;
    const real = dict.freeSpace.bind(dict);
    dict.freeSpace = () => { reads++; return real(); };
    const zone = zoneOf(dict);
    expect(zone.put('a', '1', false)).toBe(true); // needs 2 + reserve 5 = 7
    expect(reads).toBe(1);
    // The estimate says 5 now; the real zone still has 7 (the write fit
    // in a slot): read again, and it fits.
    expect(zone.put('b', '1', false)).toBe(true);
    expect(reads).toBe(2);
  });
});
