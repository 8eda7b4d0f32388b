// What the scrape handler needs from its request.

export interface ScrapeRequest {
  method: string;
  /** query arguments, percent-decoded; a repeated name gives an array */
  args: Record<string, string | string[] | undefined>;
  accept: string | undefined;
}

export function readScrapeRequest(r: NginxHTTPRequest): ScrapeRequest {
  return {
    method: r.method,
    args: r.args as Record<string, string | string[]>,
    accept: r.headersIn['Accept'] as string | undefined,
  };
}
