// The reqstat sink's reading of a zone's "d" lines (requests a worker's
// table could not count in that zone, docs/wire-format.md): the zone's
// own dropped requests, never the wire's "x" (ipng's).
import { describe, expect, it } from 'vitest';
import { readWire } from '../../../src/pipeline/wire-reader';
import { flushReqstat } from '../../../src/reqstat/sink';
import { decodeMeta, META_KEY } from '../../../src/reqstat/zone-store';
import { FakeSharedDict } from '../fake-shared-dict';

const US = '\x1f';
const ZONES = [
  { name: 'a', keyLength: 152, recycleTimes: 10, recycleSeconds: 60, sizeBytes: 1048576, indicators: [] },
  { name: 'b', keyLength: 152, recycleTimes: 10, recycleSeconds: 60, sizeBytes: 1048576, indicators: [] },
];
const CTX = { nowMs: 1_000_000, worker: 0, intervalMs: 1000, log: () => undefined, notUnderstood: () => undefined };

function oneRequest(zone: string, key: string): string {
  const c = new Array(29).fill(0);
  c[3] = 1;
  return `r${US}reqstat${US}${zone}${US}2${US}${key}${US}${US}${c.join(' ')}`;
}

function flush(text: string) {
  const dicts: Record<string, FakeSharedDict<string>> = {
    reqstat_a: new FakeSharedDict<string>('reqstat_a', 'string', 1048576),
    reqstat_b: new FakeSharedDict<string>('reqstat_b', 'string', 1048576),
  };
  const summary = flushReqstat(readWire(text), CTX, ZONES, { dict: (name) => dicts[name], warn: () => undefined });
  const meta = (zone: string) => decodeMeta(dicts[`reqstat_${zone}`].get(META_KEY));
  return { summary, meta };
}

describe('reqstat sink: a zone\'s dropped requests ("d" lines)', () => {
  it('adds them to that zone\'s dropped requests, also in a zone with no entry in the batch', () => {
    const { summary, meta } = flush([
      'b' + US + '1 5',
      oneRequest('a', 'h'),
      `d${US}reqstat${US}a${US}72`,
      `d${US}reqstat${US}b${US}3`,
      `d${US}reqstat${US}a${US}1`,
      `x${US}5`,
    ].join('\n'));
    expect(summary.notUnderstood).toBe(0);
    expect([meta('a').keys, meta('a').droppedKeys, meta('a').droppedRequests]).toEqual([1, 0, 73]);
    expect([meta('b').keys, meta('b').droppedKeys, meta('b').droppedRequests]).toEqual([0, 0, 3]);
  });

  it('counts a "d" line of an undeclared zone or with a bad count as not understood', () => {
    const { summary, meta } = flush([`d${US}reqstat${US}nope${US}2`, `d${US}reqstat${US}a${US}-1`, `d${US}reqstat${US}a`].join('\n'));
    expect(summary.notUnderstood).toBe(3);
    expect(meta('a').droppedRequests).toBe(0);
  });
});
