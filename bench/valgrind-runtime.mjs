// How the benches run a runtime binary (nginx or the njs CLI) under
// valgrind. The runtime's binaries are shell wrappers that exec the
// trixie loader with a library path (scripts/provision-runtime.sh);
// valgrind must start the loader itself. The trixie loader is stripped,
// so a loader with symbols is used when scripts/valgrind-shim.sh has put
// one into the runtime cache.
import { execFileSync, spawnSync } from 'node:child_process';
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

/**
 * Instructions under nginx's timer handler (the js_periodic tick),
 * inclusive, in the callgrind dump `file`; callgrind_annotate is killed
 * after `ms`.
 */
export function timerPart(file, ms) {
  const out = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: ms, killSignal: 'SIGKILL' });
  const line = /^\s*([\d,]+) .*:ngx_event_expire_timers /m.exec(out);
  return line ? Number(line[1].replace(/,/g, '')) : 0;
}

/** Calls of `fn` in the callgrind dump text `text` (the sum over its call sites). */
export function callsOf(text, fn) {
  // "cfn=(id) name" defines an id once; later lines name only "(id)"
  const id = new RegExp(`^c?fn=\\((\\d+)\\) ${fn}$`, 'm').exec(text)?.[1];
  if (id === undefined) return 0;
  let n = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === `cfn=(${id})` || lines[i] === `cfn=(${id}) ${fn}`) {
      const calls = /^calls=(\d+)/.exec(lines[i + 1]);
      if (calls) n += Number(calls[1]);
    }
  }
  return n;
}
