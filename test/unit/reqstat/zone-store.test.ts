// The reqstat store in Node against a fake dict (fake-shared-dict.ts): counter
// arithmetic, display slots, and Tengine's recycling when the zone is full.
// Through nginx: test/integration/reqstat-recycle.test.ts.
import { describe, expect, it } from 'vitest';
import { shownZone } from '../../../src/reqstat/display-model';
import { decodeKeyEntry } from '../../../src/reqstat/key-entry';
import { drainPerSecond, drained, recycleOrder, visited } from '../../../src/reqstat/recycling';
import { keyCapacity } from '../../../src/reqstat/zone-config';
import { flushZone, mergeDeltas, readZone, reservePages } from '../../../src/reqstat/zone-store';
import type { KeyDelta } from '../../../src/reqstat/zone-store';
import { FakeSharedDict } from '../fake-shared-dict';

/** A 1m type=string zone; with `entries`, full from that many entries on (fake-shared-dict.ts). */
function zoneDict(entries?: number): FakeSharedDict<string> {
  return new FakeSharedDict<string>('reqstat', 'string', 1048576, entries === undefined ? {} : { entries });
}

const SETTINGS = { counterCount: 29, recycleTimes: 10, recycleSeconds: 60, maxKeys: 1008 };
const ZONE = { name: 'server', keyLength: 152, recycleTimes: 10, recycleSeconds: 60, sizeBytes: 1048576, indicators: [] };

/** One request's deltas: bytes in/out, conn_total, req_total, 2xx, rt, http_200. */
function request(key: string, requests = 1, id = ''): KeyDelta {
  const c = new Array(29).fill(0);
  c[0] = 100 * requests;
  c[1] = 200 * requests;
  c[2] = 1;
  c[3] = requests;
  c[4] = requests;
  c[9] = 3 * requests;
  c[13] = requests;
  return { key, id, counters: c };
}

function counters(dict: FakeSharedDict<string>, key: string): string[] {
  const text = dict.get('k' + key);
  if (text === undefined) throw new Error('no key ' + key);
  return decodeKeyEntry(text)!.counters;
}

describe('reqstat store: arithmetic', () => {
  it('two long keys cut to one text are two entries, by the identity of the whole key', () => {
    const dict = zoneDict();
    flushZone(dict, 'server', SETTINGS, [request('/tes', 1, '0123456789abcdef'), request('/tes', 2, 'fedcba9876543210'), request('/tes', 4)], 1000);
    flushZone(dict, 'server', SETTINGS, [request('/tes', 1, '0123456789abcdef')], 2000);
    expect(dict.get('k/tes\x1f0123456789abcdef')).toMatch(/^0 2000 /);
    const shown = shownZone(ZONE, readZone(dict));
    expect(shown.keys).toEqual(['/tes', '/tes', '/tes']);
    expect(shown.ids).toEqual(['', 'fedcba9876543210', '0123456789abcdef']);
    expect(shown.counters.map((c) => c.split(',')[3])).toEqual(['4', '2', '2']);
  });

  it('adds each flush to the key\'s counters; a key repeated in one drain is summed first', () => {
    const dict = zoneDict();
    flushZone(dict, 'server', SETTINGS, [request('a'), request('b'), request('a', 2)], 1000);
    flushZone(dict, 'server', SETTINGS, [request('a')], 2000);
    expect(counters(dict, 'a').join(',')).toBe('400,800,3,4,4,0,0,0,0,12,0,0,0,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0');
    expect(counters(dict, 'b').join(',')).toBe('100,200,1,1,1,0,0,0,0,3,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0');
    expect(mergeDeltas([request('x'), request('x')])[0].counters[3]).toBe(2);
  });

  it('keeps totals exact above 2^53', () => {
    const dict = zoneDict();
    dict.set('kbig', '0 1000 1000|9007199254740991,18446744073709551615' + ',0'.repeat(27));
    dict.set('m', '1 0 0 0 0 1 29');
    flushZone(dict, 'server', SETTINGS, [request('big')], 2000);
    expect(counters(dict, 'big').slice(0, 4)).toEqual(['9007199254741091', '18446744073709551815', '1', '1']);
  });

  it('gives a zone that gained an indicator (reload keeping the dict) zeros for it', () => {
    const dict = zoneDict();
    flushZone(dict, 'server', SETTINGS, [request('a')], 1000);
    const delta = request('a');
    delta.counters.push(7);
    flushZone(dict, 'server', { ...SETTINGS, counterCount: 30 }, [delta], 2000);
    expect(counters(dict, 'a')[29]).toBe('7');
    expect(counters(dict, 'a')[3]).toBe('2');
  });

  it('a reload that changes the indicators: the first flush resizes every key; until then the show pads or cuts each', () => {
    const dict = zoneDict();
    flushZone(dict, 'server', SETTINGS, [request('a'), request('b')], 1000);
    const before = '100,200,1,1,1,0,0,0,0,3,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0';
    // shown with one more indicator before any flush: padded
    expect(shownZone({ ...ZONE, indicators: ['cost'] }, readZone(dict)).counters).toEqual([before + ',0', before + ',0']);
    const delta = request('a');
    delta.counters.push(7);
    flushZone(dict, 'server', { ...SETTINGS, counterCount: 30 }, [delta], 2000);
    expect(dict.get('kb')).toBe('1 1000 1000|' + before + ',0');
    expect(dict.get('ka')).toBe('0 2000 1834|200,400,2,2,2,0,0,0,0,6,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,7');
    expect(readZone(dict).meta.counters).toBe(30);
    // and back: cut
    flushZone(dict, 'server', SETTINGS, [], 3000);
    expect(shownZone(ZONE, readZone(dict)).counters).toEqual([before, '200,400,2,2,2,0,0,0,0,6,0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0']);
  });

  it('shows keys newest first; a display keeps every digit', () => {
    const dict = zoneDict();
    flushZone(dict, 'server', SETTINGS, [request('first')], 1000);
    flushZone(dict, 'server', SETTINGS, [request('second'), request('third')], 2000);
    flushZone(dict, 'server', SETTINGS, [request('first')], 3000);
    const shown = shownZone(ZONE, readZone(dict));
    expect(shown.keys).toEqual(['third', 'second', 'first']);
    expect(shown.meta.nextSeq).toBe(3);
  });
});

describe('reqstat store: recycling (Tengine\'s rule)', () => {
  it('drains Tengine\'s integer rate: 10 per 60 s is 166 thousandths of a visit a second', () => {
    expect(drainPerSecond(10, 60)).toBe(166);
    expect(drained(1000, 0, 6000, 166)).toBe(4);
    expect(drained(1000, 0, 7000, 166)).toBe(-162);
    // A visit never starts from below 0 (Tengine's bucket can), so a key that comes back is busy at once.
    expect(visited(1000, 0, 3600000, 166, 1)).toBe(1000);
    expect(visited(1000, 0, 1000, 166, 2)).toBe(2834);
  });

  it('orders recyclable keys least recently visited first, older slot first on a tie', () => {
    const order = recycleOrder([['ka', 0, 100, 0], ['kb', 1, 50, 0], ['kc', 2, 50, 0], ['kbusy', 3, 0, 1000000]], 1000, 166);
    expect(order.map((c) => c.storeKey)).toEqual(['kb', 'kc', 'ka']);
  });

  it('drops a new key when the zone is full and no key is idle enough, counts it and warns once', () => {
    const dict = zoneDict(4); // the zone's bookkeeping and 3 keys
    flushZone(dict, 'server', SETTINGS, [request('a'), request('b'), request('c')], 0);
    const outcome = flushZone(dict, 'server', SETTINGS, [request('d', 5), request('e', 2), request('a')], 1000);
    expect(outcome).toEqual({
      updated: 1, created: 0, recycled: 0, droppedKeys: 2, droppedRequests: 7,
      warning: 'ipng-stats: req_status_zone "server" is full: 2 new keys (7 requests) not counted since the last warning, 7 requests in total; no key was idle enough to recycle (req_status_zone_recycle server 10 60); existing keys keep counting; enlarge the zone and reload',
    });
    expect(dict.has('kd')).toBe(false);
    expect(counters(dict, 'a')[3]).toBe('2');
    const again = flushZone(dict, 'server', SETTINGS, [request('b')], 2000);
    expect(again.warning).toBe(null);
    expect(readZone(dict).meta).toEqual({ nextSeq: 3, keys: 3, counters: 29, recycledKeys: 0, droppedKeys: 2, droppedRequests: 7, warnedRequests: 7 });
  });

  it('a new key takes the slot of the least recently visited key below the threshold; busy keys keep exact counts', () => {
    const dict = zoneDict(4);
    flushZone(dict, 'server', SETTINGS, [request('a'), request('b'), request('busy')], 0);
    for (let t = 1000; t <= 7000; t += 1000) flushZone(dict, 'server', SETTINGS, [request('busy', 3)], t);
    flushZone(dict, 'server', SETTINGS, [request('b')], 6500);
    // At 7,500 ms: a (one visit at 0) has drained below 0, b (visited at 6,500) has not.
    const outcome = flushZone(dict, 'server', SETTINGS, [request('new1'), request('new2'), request('busy')], 7500);
    expect([outcome.recycled, outcome.droppedKeys]).toEqual([1, 1]);
    expect(dict.has('ka')).toBe(false);
    expect(counters(dict, 'new1').join(',')).toBe('100,200,1,1,1,0,0,0,0,3,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0');
    expect(counters(dict, 'busy')[3]).toBe(String(1 + 7 * 3 + 1));
    // new1 has a's display slot: the oldest one, shown last.
    expect(shownZone(ZONE, readZone(dict)).keys).toEqual(['busy', 'b', 'new1']);
    expect(readZone(dict).meta.recycledKeys).toBe(1);
  });

  it('RECYCLE_TIMES 0 never recycles', () => {
    const dict = zoneDict(2);
    const settings = { ...SETTINGS, recycleTimes: 0 };
    flushZone(dict, 'server', settings, [request('a')], 0);
    expect(flushZone(dict, 'server', settings, [request('b')], 86400000).droppedKeys).toBe(1);
  });

  it('holds as many keys as Tengine\'s zone of the same size, then recycles', () => {
    expect(keyCapacity(1048576, 152)).toBe(1008);
    expect(keyCapacity(1048576, 4)).toBe(2016);
    expect(keyCapacity(10485760, 152)).toBe(10168);
    expect(keyCapacity(1048576, 4000)).toBe(126);
    const dict = zoneDict();
    const settings = { ...SETTINGS, maxKeys: 2, recycleTimes: 1, recycleSeconds: 1 };
    flushZone(dict, 'server', settings, [request('a'), request('b')], 0);
    expect(flushZone(dict, 'server', settings, [request('c')], 500).droppedKeys).toBe(1);
    expect(flushZone(dict, 'server', settings, [request('c')], 1500).recycled).toBe(1);
    expect(readZone(dict).meta.keys).toBe(2);
  });

  it('keeps a sixteenth of the zone, at least 4 pages, for existing keys to grow', () => {
    expect(reservePages(1048576)).toBe(16);
    expect(reservePages(32768)).toBe(4);
  });
});
