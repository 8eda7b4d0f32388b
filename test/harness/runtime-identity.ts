// Which nginx the run uses, and whether the shim was compiled against it.
// Both come from build/runtime.env (scripts/provision-runtime.sh).
import { spawnSync } from 'node:child_process';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';

export function describeRuntime(): string {
  const env = readRuntimeEnv();
  const binary = process.env.TEST_NGINX_BINARY || env.NGINX_BINARY || '(not provisioned)';
  const packages = env.DEBIAN_VERSIONS ? `Debian ${env.DEBIAN_VERSIONS}` : `nginx ${env.NGINX_IDENTITY ?? '?'}`;
  return `${packages} (${binary})`;
}

function upstreamVersion(identity: string): string {
  return identity.replace(/-[^-]*$/, '');
}

/**
 * Refuses a run whose shim was built against other headers than the nginx
 * it would load into: such a module can crash workers instead of failing
 * cleanly, because a Debian revision keeps the version nginx checks.
 */
export function runtimeMismatch(): string | null {
  const env = readRuntimeEnv();
  if (!env.NGINX_BINARY) return "build/runtime.env is missing: run 'npm run provision'";
  if (env.SHIM_BUILT_AGAINST !== env.NGINX_IDENTITY) {
    return `the shim ${env.SHIM_MODULE} was compiled against nginx ${env.SHIM_BUILT_AGAINST || '(unknown)'}` +
      ` but the nginx binary is ${env.NGINX_IDENTITY || '(unknown)'}: run 'npm run provision' to rebuild it` +
      ' (IPNG_RUNTIME_REFRESH=1 fetches the newest Debian revision)';
  }
  const override = process.env.TEST_NGINX_BINARY;
  if (override) {
    // nginx -v prints to stderr
    const run = spawnSync(override, ['-v'], { encoding: 'utf8' });
    const line = `${run.stdout}${run.stderr}`;
    const version = /nginx\/(\S+)/.exec(line)?.[1] ?? '';
    const expected = upstreamVersion(env.NGINX_IDENTITY);
    if (version !== expected) {
      return `TEST_NGINX_BINARY=${override} is nginx ${version || '(unknown)'}` +
        ` but the shim was compiled against ${expected}`;
    }
  }
  return null;
}
