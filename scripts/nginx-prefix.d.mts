export interface NginxConfigOptions {
  prefix: string;
  /** text placed inside http { } after the product's lines */
  http: string;
  /** worker_processes (default 2) */
  workers?: number;
  /** load the native shim (default true) */
  shim?: boolean;
  /** extra main-context lines */
  main?: string;
  /** include the product (bundle, zone, recorder); false for stock nginx */
  product?: boolean;
  /** add the tick server (default: with the product) */
  tick?: boolean;
  /** flush interval to configure (default: nginx's, 1s) */
  flushInterval?: string;
  /** counter zone size (default 4m) */
  zoneSize?: string;
  /** counter zone type, which picks the layout (default: string with the shim, number without) */
  zoneType?: 'string' | 'number';
  /**
   * import the bundle at http level (ipng-stats.conf; default true); false
   * without the shim is the no-shim fast form: the scrape location must
   * then include nginx/ipng-stats-scrape.conf
   */
  bundleAtHttp?: boolean;
  /**
   * without the shim: 'recorder' (default, ipng-stats-log-fallback.conf, njs
   * per request) or 'spool' (ipng-stats-log-spool.conf, no njs per request;
   * the spool directory is PREFIX-spool, and the scrape location must
   * include nginx/ipng-stats-scrape.conf)
   */
  noShimForm?: 'recorder' | 'spool';
}
export declare function writeNginxConfig(o: NginxConfigOptions): string;
/** Creates PREFIX-spool, writable by nginx's workers, and returns its path. */
export declare function spoolDir(prefix: string): string;
export declare function nginxArgs(prefix: string): string[];
export declare function nginxBinary(): string;
