// pipeline/sinks.ts's entry for reqstat: the sink of this session's
// configuration (null without req_status_zone).
import type { SubsystemSink } from '../pipeline/sink';
import { logWarning } from '../platform/log';
import { reqstatZonesText, stringDict } from '../platform/reqstat-variables';
import { reqstatSinkOf } from './sink';

export function openReqstatSink(s: NginxPeriodicSession): SubsystemSink | null {
  return reqstatSinkOf({ zonesText: reqstatZonesText(s), dict: stringDict, warn: logWarning });
}
