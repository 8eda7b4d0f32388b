// The SSL status lines of a drain (docs/wire-format.md, "SSL status"):
//   r␟ssl␟ZONE␟0␟CHANGED CONNECT ... CACHE_FULL   counter deltas of a zone
//   r␟ssl_handshakes␟ZONE␟0␟CONNECTIONS FULL RESUMED
//                                                handshakes of connections
//                                                that carried requests
//   g␟ssl_number␟ZONE␟PID␟VALUE                  a worker's session count
// readWire (pipeline/wire-reader.ts) checked the framing; this checks the
// shapes, and counts a line of a wrong shape as not understood.
import type { WireBatch } from '../pipeline/wire-reader';
import { isEscapedField } from '../pipeline/wire-field';
import { SSL_HANDSHAKE_KINDS, SSL_TOTALS } from './model';

export const SSL_COUNTER_SHAPE = 'ssl';
export const SSL_HANDSHAKE_SHAPE = 'ssl_handshakes';
export const SSL_GAUGE_SHAPE = 'ssl_number';
/** The record type of gauge lines. */
export const GAUGE_RECORD = 'g';

export interface SslDelta {
  /** escaped */
  zone: string;
  /** SSL_TOTALS deltas, connect .. cache_full */
  totals: number[];
}

export interface SslHandshakes {
  /** escaped */
  zone: string;
  /** SSL_HANDSHAKE_KINDS.length counts: full, resumed */
  counts: number[];
}

export interface SslGauge {
  /** escaped */
  zone: string;
  pid: string;
  value: number;
}

export interface SslLines {
  deltas: SslDelta[];
  handshakes: SslHandshakes[];
  gauges: SslGauge[];
  notUnderstood: number;
}

const DECIMAL = /^\d+$/;

export function readSslLines(batch: WireBatch): SslLines {
  const lines: SslLines = { deltas: [], handshakes: [], gauges: [], notUnderstood: 0 };
  for (let i = 0; i < batch.entries.length; i++) {
    const e = batch.entries[i];
    if (e.subsystem === SSL_HANDSHAKE_SHAPE) {
      if (e.keys.length !== 0 || e.counters.length !== SSL_HANDSHAKE_KINDS.length + 1 || e.histograms.length !== 0) {
        lines.notUnderstood++;
      } else {
        lines.handshakes.push({ zone: e.zone, counts: e.counters.slice(1) });
      }
      continue;
    }
    if (e.subsystem !== SSL_COUNTER_SHAPE) continue;
    if (e.keys.length !== 0 || e.counters.length !== SSL_TOTALS + 1 || e.histograms.length !== 0) {
      lines.notUnderstood++;
      continue;
    }
    lines.deltas.push({ zone: e.zone, totals: e.counters.slice(1) });
  }
  for (let i = 0; i < batch.other.length; i++) {
    const f = batch.other[i];
    if (f[0] !== GAUGE_RECORD || f[1] !== SSL_GAUGE_SHAPE) continue;
    if (f.length !== 5 || !isEscapedField(f[2]) || !DECIMAL.test(f[3]) || !DECIMAL.test(f[4])) {
      lines.notUnderstood++;
      continue;
    }
    lines.gauges.push({ zone: f[2], pid: f[3], value: Number(f[4]) });
  }
  return lines;
}
