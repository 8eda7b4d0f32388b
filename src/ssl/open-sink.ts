// The SSL sink of this configuration (pipeline/sinks.ts): over the SSL
// dictionary the shim declares with the first ssl_status* line, or none.
import type { SubsystemSink } from '../pipeline/sink';
import { findSharedDict } from '../platform/open-dict';
import { SSL_DICT } from './model';
import { sslSink } from './sink';

export function openSslSink(s: NginxPeriodicSession): SubsystemSink | null {
  void s;
  const opened = findSharedDict(SSL_DICT);
  if (opened === null || opened.type !== 'string') return null;
  return sslSink(opened.dict);
}
