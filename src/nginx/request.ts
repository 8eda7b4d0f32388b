// The one place that reads request state from nginx during the log phase.

/** What the log phase knows about a finished request. */
export interface FinishedRequest {
  sourceTag: string;
  vip: string;
  status: number;
}

export const DEFAULT_SOURCE = 'direct';

export function readFinishedRequest(r: NginxHTTPRequest): FinishedRequest {
  const vars = r.variables;
  // $ipng_source_tag exists only when the shim is loaded.
  const tag = vars.ipng_source_tag;
  return {
    sourceTag: tag ? tag : DEFAULT_SOURCE,
    vip: vars.server_addr || '',
    status: r.status,
  };
}
