// The one list of subsystems the tick flushes into, in order. Each entry
// opens its sink for this tick, or gives null when this configuration has
// no zone of its subsystem (a Tengine-style configuration has only
// req_status_* zones, an SSL status one only ssl_status*). (The contract
// names the entries sinks; they are openers, since a sink finds its zones
// through the session's variables.) ipng's store is the first entry;
// reqstat and SSL status each add one line.
import { openIpngSink } from '../ipng/sink';
import { openReqstatSink } from '../reqstat/open-sink';
import { openSslSink } from '../ssl/open-sink';
import type { SubsystemSink } from './sink';

export type SinkOpener = (s: NginxPeriodicSession) => SubsystemSink | null;

export const SINKS: SinkOpener[] = [
  openIpngSink,
  openReqstatSink,
  openSslSink,
];
