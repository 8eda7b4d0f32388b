// The writer's full-churn flush, stage by stage, for the njs CLI
// (bench/writer-flush-instructions.mjs bundles this file with src/ and
// runs it under callgrind). run(variant, stage) does the work of every
// stage up to `stage` for the second of two flushes at the spec's sizing
// (4 sources x 50 VIPs x 60 codes): the first fills the records, the
// second changes every series. The stages are cumulative, so the
// instructions of stage k minus those of stage k-1 are what stage k
// costs. Two variants of the same flush:
//   entries  the drain as the shim wrote it before issue 16: one "r" line
//            per (source, vip, code), which the writer takes through the
//            general path (decode, add, render, encode per pair)
//   groups   the drain as the shim writes it now: one "m" line per
//            (source, vip), merged into the record in one pass
//            (src/ipng/pair-merge.ts), stored counts-only: the fragments
//            are rendered by the next flush in which the pair is idle,
//            or by a scrape before it (run(variant, -2) times that idle
//            flush)
// A zone stand-in (an object, not nginx's shared memory) holds the
// records, so "set" here is the bundle's own work around the zone, not
// the slab allocator's. run(variant, -1) returns the milliseconds of the
// second flush by Date.now() instead (no valgrind): the njs CLI prints
// them, nginx's js_content handler (njs-flush.mjs inNginx) returns them.
import { readWire } from '../../src/pipeline/wire-reader';
import { ipngDeltas } from '../../src/ipng/wire-entries';
import { recordStore } from '../../src/store/record-store';
import { recordZone } from '../../src/store/record-zone';
import { pairRecordKey } from '../../src/ipng/keys';
import { applyPairDelta, decodePairRecord, encodePairRecord, recordWithUpdatedRates } from '../../src/ipng/pair-record';
import { mergePairRecord } from '../../src/ipng/pair-merge';
import { PAIR_FRAGMENT_RENDERERS, renderPairFragments } from '../../src/exposition/pair-fragments';

const SOURCES = 4;
const VIPS = 50;
const CODES = 60;
const BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const US = '\x1f';

function codesList() {
  const codes = [];
  for (let c = 200; codes.length < CODES; c++) if (c !== 204 && c !== 304) codes.push(c);
  return codes;
}

/** The drain as the shim writes it for one worker: every series changed once. */
function churnText(variant, round) {
  const lines = ['w', 'b' + US + BOUNDS.join(' ')];
  const codes = codesList();
  const buckets = [];
  for (let i = 0; i <= BOUNDS.length; i++) buckets.push(i === 0 ? CODES : 0);
  for (let s = 0; s < SOURCES; s++) {
    for (let v = 0; v < VIPS; v++) {
      const tag = 'src' + s;
      const vip = '127.0.1.' + (v + 1);
      const members = [];
      for (let i = 0; i < codes.length; i++) {
        const counts = '1 ' + (70 + round) + ' ' + (150 + i);
        if (variant === 'entries') {
          lines.push('r' + US + 'ipng' + US + US + '3' + US + tag + US + vip + US + codes[i] + US + counts);
        } else {
          members.push(codes[i] + ' ' + counts);
        }
      }
      if (variant !== 'entries') lines.push('m' + US + 'ipng' + US + US + '3' + US + '3' + US + tag + US + vip + US + members.join(' '));
      lines.push('r' + US + 'ipng_time' + US + US + '2' + US + tag + US + vip + US + CODES + US +
        '0 ' + buckets.join(' ') + US);
    }
  }
  return lines.join('\n') + '\n';
}

/** An object standing in for ngx.shared.NAME (type=string), with a 16m zone's pages. */
function fakeDict() {
  const items = Object.create(null);
  return {
    capacity: 16777216,
    freeSpace: () => 16000000,
    get: (k) => items[k],
    has: (k) => items[k] !== undefined,
    set: (k, v) => { items[k] = v; return true; },
    add: (k, v) => { if (items[k] !== undefined) return false; items[k] = v; return true; },
    delete: (k) => { const had = items[k] !== undefined; delete items[k]; return had; },
    items: () => { const out = []; for (const k in items) out.push([k, items[k]]); return out; },
  };
}

function run(variant, stage) {
  const dict = fakeDict();
  const store = recordStore(dict, 'ipng_stats', PAIR_FRAGMENT_RENDERERS);
  store.reserve(0, BOUNDS);
  store.flush(readWire(churnText(variant, 0)), 0, 1000, BOUNDS);
  if (stage === 0) return;
  const text = churnText(variant, 1);
  if (stage === -1) {
    // The second flush alone: the first one and the drain texts are setup.
    const start = Date.now();
    store.flush(readWire(text), 0, 2000, BOUNDS);
    return Date.now() - start;
  }
  if (stage === -2) {
    // The idle flush after it, which renders up to IDLE_RENDERS_PER_FLUSH (50) of the records it left counts-only.
    store.flush(readWire(text), 0, 2000, BOUNDS);
    const idle = readWire('w\nb' + US + BOUNDS.join(' ') + '\n');
    const start = Date.now();
    store.flush(idle, 0, 3000, BOUNDS);
    return Date.now() - start;
  }
  if (stage === 1) return;
  if (stage === LAST_STAGE[variant]) {
    store.flush(readWire(text), 0, 2000, BOUNDS);
    return;
  }
  const batch = readWire(text);
  if (stage === 2) return;
  const pairs = ipngDeltas(batch.entries, batch.groups).pairs;
  if (stage === 3) return;
  const zone = recordZone(dict);
  const records = Object.create(null);
  const entries = zone.entries();
  for (let i = 0; i < entries.length; i++) records[entries[i][0]] = entries[i][1];
  if (stage === 4) return;
  if (variant === 'groups') {
    for (let i = 0; i < pairs.length; i++) {
      mergePairRecord(records[pairRecordKey(pairs[i].sourceTag, pairs[i].vip)], pairs[i], BOUNDS, 2000, 1000);
    }
    return;
  }
  const totals = [];
  for (let i = 0; i < pairs.length; i++) {
    totals.push(decodePairRecord(records[pairRecordKey(pairs[i].sourceTag, pairs[i].vip)], BOUNDS));
  }
  if (stage === 5) return;
  for (let i = 0; i < pairs.length; i++) applyPairDelta(totals[i], pairs[i], true);
  if (stage === 6) return;
  const fragments = [];
  for (let i = 0; i < pairs.length; i++) fragments.push(renderPairFragments(totals[i]));
  if (stage === 7) return;
  for (let i = 0; i < pairs.length; i++) {
    const done = fragments[i];
    recordWithUpdatedRates(encodePairRecord(totals[i], () => done), 2000, 1000);
  }
}

/** The stage that runs the whole writer path (store.flush), per variant. */
const LAST_STAGE = { entries: 9, groups: 6 };

export default { run };
