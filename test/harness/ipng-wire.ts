// The drain as the tick reads it for the ipng subsystem alone
// (src/handlers/tick.ts): readWire, then the ipng sink's reader; lines
// that neither understands, or that are not ipng's, counted together as
// the tick counts them. For tests and probes that start from wire text.
// The members of "m" lines (one per (source, vip), read by the writer in
// src/ipng/pair-merge.ts) are shown as codes here, after the codes of any
// "r" lines, so a test sees every (source, vip, code) alike.
import { IPNG_SHAPES, ipngDeltas, memberCodeDeltas, PairDelta } from '../../src/ipng/wire-entries';
import { readWire } from '../../src/pipeline/wire-reader';

export interface IpngWire {
  writer: boolean;
  pairs: PairDelta[];
  dropped: number;
  malformed: number;
}

export function readIpngWire(text: string): IpngWire {
  const batch = readWire(text);
  const deltas = ipngDeltas(batch.entries, batch.groups);
  let malformed = batch.notUnderstood + deltas.notUnderstood + batch.other.length;
  for (let i = 0; i < batch.entries.length; i++) {
    if (IPNG_SHAPES.indexOf(batch.entries[i].subsystem) < 0) malformed++;
  }
  for (let i = 0; i < batch.groups.length; i++) {
    if (IPNG_SHAPES.indexOf(batch.groups[i].subsystem) < 0) malformed++;
  }
  for (let i = 0; i < deltas.pairs.length; i++) {
    const p = deltas.pairs[i];
    for (let m = 0; m < p.members.length; m++) {
      const codes = memberCodeDeltas(p.members[m]);
      if (codes === null) malformed++;
      else for (let k = 0; k < codes.length; k++) p.codes.push(codes[k]);
    }
    p.members = [];
  }
  return { writer: batch.writer, pairs: deltas.pairs, dropped: batch.dropped, malformed };
}
