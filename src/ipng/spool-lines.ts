// The log-spool form of the no-shim mode (nginx/ipng-stats-log-spool.conf):
// nginx's own access log writes one line per finished request into a file
// of the worker (log_format ipng_stats_observation), and the tick turns a
// batch of those lines into the zone's counter increments here. No njs
// runs per request; the cost is nginx's log write.
//
// A line is "STATUS SERVER_ADDR REQUEST_LENGTH BYTES_SENT REQUEST_TIME
// UPSTREAM_RESPONSE_TIME"; the last field runs to the end of the line
// (it holds ", " and " : " between upstream attempts). Identical lines are
// counted first and each distinct line is read once: on a busy host most
// lines repeat, and a lookup in an object costs far less in njs than
// splitting and parsing a line.
import { canonicalAddress } from '../exposition/address';
import { secondsTextToMs, upstreamTimeMs } from '../model/timings';
import { incrementsFor } from './observation';

/** Increments summed per zone key, in order of first appearance. */
export interface SpoolIncrements {
  keys: string[];
  deltas: number[];
  /** requests the lines describe */
  requests: number;
  /** lines that are not of the log_format (a foreign or damaged file) */
  notUnderstood: number;
}

const STATUS = /^[1-9]\d\d$/;
const DECIMAL = /^\d+$/;

/**
 * sourceTag: the zone-key form of the source (escaped, as the recorder
 * writes it). Text after the last line end is ignored (a spool file is
 * only ever read whole, after nginx finished writing its lines).
 */
export function spoolIncrements(text: string, sourceTag: string, boundsMs: number[]): SpoolIncrements {
  const lines = text.split('\n');
  const counts: Record<string, number> = Object.create(null);
  const distinct: string[] = [];
  const complete = lines.length - 1;
  for (let i = 0; i < complete; i++) {
    const line = lines[i];
    const seen = counts[line];
    if (seen === undefined) {
      counts[line] = 1;
      distinct.push(line);
    } else {
      counts[line] = seen + 1;
    }
  }
  const out: SpoolIncrements = { keys: [], deltas: [], requests: 0, notUnderstood: 0 };
  const index: Record<string, number> = Object.create(null);
  function add(key: string, delta: number): void {
    const at = index[key];
    if (at === undefined) {
      index[key] = out.keys.length;
      out.keys.push(key);
      out.deltas.push(delta);
    } else {
      out.deltas[at] += delta;
    }
  }
  for (let d = 0; d < distinct.length; d++) {
    const line = distinct[d];
    const n = counts[line];
    const f = line.split(' ');
    if (f.length < 6 || !STATUS.test(f[0]) || f[1] === '' || !DECIMAL.test(f[2]) || !DECIMAL.test(f[3])) {
      out.notUnderstood += n;
      continue;
    }
    const vip = f[1].indexOf(':') === -1 ? f[1] : canonicalAddress(f[1]) || f[1];
    out.requests += n;
    // One line stands for n requests alike: the recorder's increments of
    // one of them, n times.
    const inc = incrementsFor({
      sourceTag, vip, status: +f[0], bytesIn: +f[2], bytesOut: +f[3],
      requestTimeMs: secondsTextToMs(f[4]), upstreamTimeMs: upstreamTimeMs(f.slice(5).join(' ')),
    }, boundsMs);
    for (let k = 0; k < inc.keys.length; k++) add(inc.keys[k], n * inc.deltas[k]);
  }
  return out;
}
