export interface NginxConfigOptions {
  prefix: string;
  http: string;
  workers?: number;
  shim?: boolean;
  main?: string;
  product?: boolean;
  tick?: boolean;
  flushInterval?: string;
  zoneSize?: string;
}
export declare function writeNginxConfig(o: NginxConfigOptions): string;
export declare function nginxArgs(prefix: string): string[];
export declare function nginxBinary(): string;
