// The ipng subsystem's reader of the shim's counts: the entries of the two
// ipng shapes (docs/wire-format.md), out of the batch the tick read once
// (pipeline/wire-reader.ts), grouped per (source, vip). "ipng" entries are
// keyed by (tag, vip, status) with the counters "requests bytes_in
// bytes_out", and the shim writes them grouped: one "m" line per (tag,
// vip) whose members "STATUS REQUESTS BYTES_IN BYTES_OUT ..." are sorted
// by status, as a pair record's codes section is, so the writer merges
// them into the record in one pass (ipng/pair-merge.ts); "r" lines of the
// shape are read too. "ipng_time" entries are keyed by (tag, vip) with the
// requests and the histograms duration and upstream. Key fields stay escaped, as the zone
// keys hold them. The batch may hold several blocks (the handoff of other
// or exited workers, then this worker's own), so one pair or code can
// recur; they are added up.
import { KEY_SEPARATOR } from './keys';
import { vipLabel } from './vip';
import type { WireEntry, WireGroup, WireHistogram } from '../pipeline/wire-reader';

/** One block's histogram for one pair; counts per bucket, +Inf last. */
export interface HistogramDelta {
  /** bound labels in ms, as the shim wrote them */
  bounds: string[];
  counts: number[];
  sumMs: number;
}

export interface CodeDelta {
  code: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface PairDelta {
  /** escaped (docs/wire-format.md) */
  sourceTag: string;
  /** canonical, escaped */
  vip: string;
  codes: CodeDelta[];
  /**
   * the members of the pair's "m" lines, unread: "STATUS REQUESTS BYTES_IN
   * BYTES_OUT ..." (one text per block)
   */
  members: string[];
  duration: HistogramDelta[];
  upstream: HistogramDelta[];
}

export interface IpngDeltas {
  /** in order of first appearance */
  pairs: PairDelta[];
  /** entries of the ipng shapes that do not have the shape's keys, counters and histograms */
  notUnderstood: number;
}

/** The shapes this reader takes (ngx_http_ipng_stats_ipng.c declares them). */
export const IPNG_SHAPES = ['ipng', 'ipng_time'];

const STATUS = /^\d+$/;

/** The status texts of this read, tested once each (a regular expression costs in njs). */
let statusChecked: Record<string, boolean> = Object.create(null);

function isStatus(text: string): boolean {
  const known = statusChecked[text];
  if (known !== undefined) return known;
  const ok = STATUS.test(text);
  statusChecked[text] = ok;
  return ok;
}

/**
 * Adds an entry's histogram to the pair's histogram of the same block (a
 * pair recurs only in another block, the handoff of another worker, which
 * has a "b" line, so a bounds array, of its own).
 */
function addHistogram(list: HistogramDelta[], h: WireHistogram | null): void {
  if (h === null) return;
  let into = list.length > 0 ? list[list.length - 1] : null;
  if (into === null || into.bounds !== h.bounds) {
    into = { bounds: h.bounds, counts: [], sumMs: 0 };
    for (let i = 0; i < h.counts.length; i++) into.counts.push(0);
    list.push(into);
  }
  into.sumMs += h.sumMs;
  for (let i = 0; i < h.counts.length; i++) into.counts[i] += h.counts[i];
}

/** The counters of a code member: requests, bytes in, bytes out. */
const MEMBER_FIELDS = 4;

/**
 * An "m" line's members as code deltas, or null when they are not status
 * codes each followed by three counters. (The writer's usual path reads
 * them in pair-merge.ts instead, without making these objects.)
 */
export function memberCodeDeltas(members: string): CodeDelta[] | null {
  const f = members.split(' ');
  if (f.length % MEMBER_FIELDS !== 0) return null;
  const out: CodeDelta[] = [];
  for (let i = 0; i < f.length; i += MEMBER_FIELDS) {
    const requests = +f[i + 1];
    const bytesIn = +f[i + 2];
    const bytesOut = +f[i + 3];
    if (
      !isStatus(f[i]) || !(requests >= 0) || !(bytesIn >= 0) || !(bytesOut >= 0) ||
      f[i + 1] === '' || f[i + 2] === '' || f[i + 3] === ''
    ) {
      return null;
    }
    out.push({ code: f[i], requests, bytesIn, bytesOut });
  }
  return out;
}

/** Whether a member's last key is a status code (tested once per text and read). */
export function isStatusCode(text: string): boolean {
  return statusChecked[text] === true || isStatus(text);
}

/**
 * The ipng entries and groups of a batch, per (source, vip). The ipng
 * subsystem has one zone, "": an entry in another zone is not understood,
 * like one of another number of keys, counters or histograms. A group's
 * members are checked where they are read (pair-merge.ts). Entries and
 * groups of other subsystems are left to their sinks.
 */
export function ipngDeltas(entries: WireEntry[], groups: WireGroup[]): IpngDeltas {
  const out: IpngDeltas = { pairs: [], notUnderstood: 0 };
  statusChecked = Object.create(null);
  const byPair: Record<string, PairDelta> = Object.create(null);
  // The pair of a (tag, address) as the wire spells it: the same few
  // recur on every line, and the canonical VIP is made once for each.
  const byWirePair: Record<string, PairDelta> = Object.create(null);
  function pairOf(tag: string, serverAddr: string): PairDelta {
    const wireId = tag + KEY_SEPARATOR + serverAddr;
    let p = byWirePair[wireId];
    if (p !== undefined) return p;
    const vip = vipLabel(serverAddr);
    const id = tag + KEY_SEPARATOR + vip;
    p = byPair[id];
    if (p === undefined) {
      p = { sourceTag: tag, vip, codes: [], members: [], duration: [], upstream: [] };
      byPair[id] = p;
      out.pairs.push(p);
    }
    byWirePair[wireId] = p;
    return p;
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const k = e.keys;
    const n = e.counters;
    if (e.subsystem === 'ipng') {
      if (e.zone !== '' || k.length !== 3 || n.length !== 3 || e.histograms.length !== 0 || !(statusChecked[k[2]] === true || isStatus(k[2]))) {
        out.notUnderstood++;
        continue;
      }
      pairOf(k[0], k[1]).codes.push({ code: k[2], requests: n[0], bytesIn: n[1], bytesOut: n[2] });
    } else if (e.subsystem === 'ipng_time') {
      if (e.zone !== '' || k.length !== 2 || n.length !== 1 || e.histograms.length !== 2) {
        out.notUnderstood++;
        continue;
      }
      const p = pairOf(k[0], k[1]);
      addHistogram(p.duration, e.histograms[0]);
      addHistogram(p.upstream, e.histograms[1]);
    }
  }
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (g.subsystem !== 'ipng') continue;
    if (g.zone !== '' || g.nkeys !== 3 || g.ncounters !== 3 || g.members === '') {
      out.notUnderstood++;
      continue;
    }
    pairOf(g.keys[0], g.keys[1]).members.push(g.members);
  }
  return out;
}
