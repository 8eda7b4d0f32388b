// The SSL status part of the tick (pipeline/sinks.ts): its own pacing, so
// that a configuration with only ssl_status* flushes at the flush interval
// (the shim reads the SSL contexts at each drain), and the writer's batch
// into the SSL dictionary (store.ts). Without an SSL zone in the
// configuration there is no SSL dictionary and no sink.
import { flushIsDue } from '../pipeline/flush-pacing';
import type { FlushContext, SubsystemSink } from '../pipeline/sink';
import type { WireBatch } from '../pipeline/wire-reader';
import { findSharedDict } from '../platform/open-dict';
import type { SharedDict } from '../platform/shared-dict';
import { SSL_DICT } from './model';
import { applySslLines, gaugeLifetimeMs, lastSslFlushMs, markSslFlush } from './store';
import { GAUGE_RECORD, readSslLines, SSL_COUNTER_SHAPE, SSL_HANDSHAKE_SHAPE } from './wire';

export function openSslSink(s: NginxPeriodicSession): SubsystemSink | null {
  void s;
  const opened = findSharedDict(SSL_DICT);
  if (opened === null || opened.type !== 'string') return null;
  return sslSink(opened.dict);
}

export function sslSink(dict: SharedDict<string>): SubsystemSink {
  return {
    name: 'ssl',
    reads: [SSL_COUNTER_SHAPE, SSL_HANDSHAKE_SHAPE, GAUGE_RECORD],
    flushDue(ctx: FlushContext): boolean {
      return flushIsDue(lastSslFlushMs(dict, ctx.worker), ctx.nowMs, ctx.intervalMs);
    },
    flush(batch: WireBatch, ctx: FlushContext): void {
      markSslFlush(dict, ctx.worker, ctx.nowMs);
      if (!batch.writer) return;
      const lines = readSslLines(batch);
      ctx.notUnderstood(lines.notUnderstood);
      applySslLines(dict, lines, ctx.nowMs, gaugeLifetimeMs(ctx.intervalMs));
    },
  };
}
