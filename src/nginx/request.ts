// The one place that reads request state from nginx during the log phase.
// A later performance issue may replace these reads by one composite
// variable; nothing outside this file knows which variables are read.

/** What the log phase knows about a finished request, as nginx gives it. */
export interface FinishedRequest {
  /** $ipng_source_tag: only defined when the shim is loaded */
  shimSourceTag: string | undefined;
  /** $ipng_stats_default_source: read only when the shim tag is absent */
  defaultSourceText: string | undefined;
  /** $server_addr */
  serverAddr: string;
  status: number;
  /** $request_length */
  bytesIn: number;
  /** $bytes_sent */
  bytesOut: number;
  /** $request_time */
  requestTimeText: string | undefined;
  /** $upstream_response_time */
  upstreamTimeText: string | undefined;
  /** $ipng_stats_buckets */
  bucketsText: string | undefined;
}

function toNumber(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = parseInt(text, 10);
  return n === n ? n : 0;
}

export function readFinishedRequest(r: NginxHTTPRequest): FinishedRequest {
  const vars = r.variables;
  const tag = vars.ipng_source_tag;
  return {
    shimSourceTag: tag,
    defaultSourceText: tag === undefined ? vars.ipng_stats_default_source : undefined,
    serverAddr: vars.server_addr || '',
    status: r.status,
    bytesIn: toNumber(vars.request_length),
    bytesOut: toNumber(vars.bytes_sent),
    requestTimeText: vars.request_time,
    upstreamTimeText: vars.upstream_response_time,
    bucketsText: vars.ipng_stats_buckets,
  };
}
