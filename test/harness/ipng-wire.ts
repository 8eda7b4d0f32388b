// The drain as the tick reads it for the ipng subsystem alone
// (src/handlers/tick.ts): readWire, then the ipng sink's reader; lines
// that neither understands, or that are not ipng's, counted together as
// the tick counts them. For tests and probes that start from wire text.
import { IPNG_SHAPES, ipngDeltas, PairDelta } from '../../src/ipng/wire-entries';
import { readWire } from '../../src/pipeline/wire-reader';

export interface IpngWire {
  writer: boolean;
  pairs: PairDelta[];
  dropped: number;
  malformed: number;
}

export function readIpngWire(text: string): IpngWire {
  const batch = readWire(text);
  const deltas = ipngDeltas(batch.entries);
  let malformed = batch.notUnderstood + deltas.notUnderstood + batch.other.length;
  for (let i = 0; i < batch.entries.length; i++) {
    if (IPNG_SHAPES.indexOf(batch.entries[i].subsystem) < 0) malformed++;
  }
  return { writer: batch.writer, pairs: deltas.pairs, dropped: batch.dropped, malformed };
}
