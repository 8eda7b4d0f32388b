// Reads build/runtime.env, written by scripts/provision-runtime.sh: where the
// nginx binary, the njs module, the shim and the njs CLI are on this machine.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const runtimeEnvPath = join(repoRoot, 'build', 'runtime.env');

/** @returns {Record<string, string>} empty when the runtime is not provisioned */
export function readRuntimeEnv() {
  if (!existsSync(runtimeEnvPath)) return {};
  const env = {};
  for (const line of readFileSync(runtimeEnvPath, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    // A value with spaces is written in double quotes (the file is also
    // sourced by shell scripts).
    if (m) env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return env;
}
