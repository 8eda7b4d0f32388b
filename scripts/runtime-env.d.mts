export declare const repoRoot: string;
export declare const runtimeEnvPath: string;
export declare function readRuntimeEnv(): Record<string, string>;
