// How the benches run a runtime binary (nginx or the njs CLI) under
// valgrind. The runtime's binaries are shell wrappers that exec the
// trixie loader with a library path (scripts/provision-runtime.sh);
// valgrind must start the loader itself. The trixie loader is stripped,
// so a loader with symbols is used when scripts/valgrind-shim.sh has put
// one into the runtime cache.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Exits with a message when valgrind is missing. */
export function requireValgrind() {
  if (spawnSync('valgrind', ['--version'], { timeout: 10_000 }).error) {
    console.error('valgrind is not installed (Debian package valgrind)');
    process.exit(2);
  }
}

/**
 * The command valgrind runs for the runtime wrapper at `wrapperPath`,
 * whose real binary is `binaryPath` (e.g. /usr/sbin/nginx): the loader,
 * its library path and the binary, to which the binary's arguments follow.
 */
export function runtimeCommand(wrapperPath, binaryPath) {
  const wrapper = readFileSync(wrapperPath, 'utf8');
  const loader = /exec "([^"]*ld-linux[^"]*)"/.exec(wrapper)?.[1];
  const libraryPath = /--library-path "([^"]*)"/.exec(wrapper)?.[1];
  const binary = new RegExp(`"([^"]*${binaryPath.replace(/[/.]/g, '\\$&')})" "\\$@"`).exec(wrapper)?.[1];
  if (!loader || !libraryPath || !binary) throw new Error(`cannot read the runtime wrapper ${wrapperPath}`);
  const cache = process.env.IPNG_RUNTIME_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'njs-ipng-stats');
  const debugLoader = existsSync(cache)
    ? readdirSync(cache).filter((d) => d.startsWith('trixie-dbg-'))
      .map((d) => join(cache, d, 'bin', 'ld-linux-x86-64.so.2')).find((f) => existsSync(f))
    : undefined;
  return [debugLoader ?? loader, '--library-path', libraryPath, binary];
}
