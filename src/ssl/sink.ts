// The SSL status part of the tick (pipeline/sinks.ts): its own pacing, so
// that a configuration with only ssl_status* flushes at the flush interval
// (the shim reads the SSL contexts at each drain), and the writer's batch
// into the SSL dictionary (store.ts). Without an SSL zone in the
// configuration there is no SSL dictionary and no sink (open-sink.ts).
import { flushIsDue } from '../pipeline/flush-pacing';
import type { FlushContext, SubsystemSink } from '../pipeline/sink';
import type { WireBatch } from '../pipeline/wire-reader';
import type { SharedDict } from '../platform/shared-dict';
import { applySslLines, gaugeLifetimeMs, lastSslFlushMs, markSslFlush } from './store';
import { GAUGE_RECORD, readSslLines, SSL_COUNTER_SHAPE, SSL_HANDSHAKE_SHAPE } from './wire';

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
