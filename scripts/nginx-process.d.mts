import type { NginxConfigOptions } from './nginx-prefix.mjs';

/** writeNginxConfig's options, but the prefix is made here and ports are allocated. */
export interface NginxOptions extends Omit<NginxConfigOptions, 'prefix' | 'flushInterval'> {
  /** http { } body; `{{PORT}}`, `{{PORT1}}`... are replaced by free ports. */
  http: string;
  /** flush interval to configure; default '100ms', null for none */
  flushInterval?: string | null;
  /** how many free ports to allocate (default 1) */
  ports?: number;
  prefixName?: string;
  /** stop() also removes the prefix (and PREFIX-spool): for benchmarks */
  removeOnStop?: boolean;
}

export interface NginxInstance {
  prefix: string;
  ports: number[];
  port: number;
  url(path: string): string;
  errorLog(): string;
  /**
   * `nginx -s reload` (or with `bySignal`, the SIGHUP it sends, which does
   * not block the caller while nginx -s reads the configuration), resolved
   * once the new workers have started (within `timeoutMs`, default 10 s)
   */
  reload(opts?: { timeoutMs?: number; bySignal?: boolean }): Promise<void>;
  /**
   * SIGTERM to the master, or with `graceful` SIGQUIT (no SIGKILL of slow
   * workers by the master); after `timeoutMs` (default 5 s) and 5 s more,
   * SIGKILL to whatever of the process group is left
   */
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
}

export declare function sleep(ms: number): Promise<void>;
export declare function freePort(): Promise<number>;
export declare function portAnswers(port: number, host?: string): Promise<boolean>;
export declare function fillPorts(text: string, ports: number[]): string;
export declare function startNginx(opts: NginxOptions): Promise<NginxInstance>;
/** nginx on a prefix whose nginx.conf the caller wrote (pid and error.log in the prefix). */
export declare function launchNginx(prefix: string, ports: number[]): Promise<NginxInstance>;
