// A pair record as a bundle before format versions stored it, for 4
// requests (3 x 200, 1 x 404): no version in the header, and a rendering
// of those counts that this bundle no longer writes (le and _sum in
// milliseconds, JSON codes without the byte counters). Used by the unit
// and the real-nginx tests of the format version.
import { joinRecordSections } from '../../src/ipng/pair-record';

export const OLD_RECORD = joinRecordSections([
  '0 0 0 4 4',
  '1,5;2,0,1;12',
  '1,5;0,0,0;0',
  '200 3 300 900 404 1 80 0',
  '200"} 3\x1d404"} 1',
  '200"} 300\x1d404"} 80',
  '200"} 900\x1d404"} 0',
  '"200":{"requests":3},"404":{"requests":1}',
  '1"} 2\x1d5"} 2\x1d+Inf"} 3',
  '12 3',
  '1"} 0\x1d5"} 0\x1d+Inf"} 0',
  '0 0',
  '{"buckets":{"1":2,"5":2,"+Inf":3},"sum_ms":12,"count":3}',
  '{"buckets":{"1":0,"5":0,"+Inf":0},"sum_ms":0,"count":0}',
]);
