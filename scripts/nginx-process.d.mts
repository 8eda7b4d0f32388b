export interface NginxOptions {
  /** http { } body; `{{PORT}}`, `{{PORT1}}`... are replaced by free ports. */
  http: string;
  workers?: number;
  shim?: boolean;
  main?: string;
  /** include the product (bundle, zone, recorder); false for stock nginx */
  product?: boolean;
  /** add the tick server (default: with the product) */
  tick?: boolean;
  /** counter zone size (default 4m) */
  zoneSize?: string;
  /** flush interval to configure; default '100ms', null for none */
  flushInterval?: string | null;
  /** how many free ports to allocate (default 1) */
  ports?: number;
  prefixName?: string;
}

export interface NginxInstance {
  prefix: string;
  ports: number[];
  port: number;
  url(path: string): string;
  errorLog(): string;
  /** `nginx -s reload`, resolved once the new workers have started */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export declare function sleep(ms: number): Promise<void>;
export declare function freePort(): Promise<number>;
export declare function portAnswers(port: number, host?: string): Promise<boolean>;
export declare function fillPorts(text: string, ports: number[]): string;
export declare function startNginx(opts: NginxOptions): Promise<NginxInstance>;
