// What the scrape and status handlers need from their request.

export interface RequestParts {
  method: string;
  /** query arguments, percent-decoded; a repeated name gives an array */
  args: Record<string, string | string[] | undefined>;
  accept: string | undefined;
}

export function readRequest(r: NginxHTTPRequest): RequestParts {
  return {
    method: r.method,
    args: r.args as Record<string, string | string[]>,
    accept: r.headersIn['Accept'] as string | undefined,
  };
}
