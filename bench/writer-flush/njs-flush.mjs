// The writer's full-churn flush run in the njs CLI (the engine nginx runs
// the bundle in): bench/writer-flush/flush-stages.js bundled with src/
// into one plain script per run (the njs CLI fails a `new` inside an
// imported module), run either under callgrind (instructions, which
// machine load does not change) or alone (milliseconds by Date.now()).
// Used by bench/writer-flush-instructions.mjs and scenario 5
// (bench/scrape-cost.mjs). inNginx() runs the same script in a js_content
// handler of a real nginx and times the same part, the second flush: the
// engines agree (the "2.5-3 times slower in nginx" of earlier runs was
// the handler timing the setup too: the first flush and both drain texts).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { transformAsync } from '@babel/core';
import babelPresetNjs from 'babel-preset-njs';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';
import { startNginx } from '../../scripts/nginx-process.mjs';
import { get } from '../measure.mjs';
import { runtimeCommand } from '../valgrind-runtime.mjs';

/** The two wire forms of the same flush (flush-stages.js). */
export const VARIANTS = {
  entries: 'before issue 16: one "r" line per (source, vip, code), the general path',
  groups: 'now: one "m" line per (source, vip), merged in one pass',
};

const dir = join(repoRoot, 'build', 'bench', 'writer-flush');

async function stagesScript(format = 'iife') {
  const bundled = await build({
    entryPoints: [join(repoRoot, 'bench', 'writer-flush', 'flush-stages.js')],
    bundle: true, format, globalName: format === 'iife' ? 'stages' : undefined, target: 'es2020', platform: 'neutral', write: false,
    external: ['fs', 'crypto'],
    define: { IPNG_STATS_VERSION: '"bench"' },
  });
  const lowered = await transformAsync(bundled.outputFiles[0].text, {
    babelrc: false, configFile: false, compact: false, comments: false, presets: [babelPresetNjs],
  });
  return lowered.code;
}

export async function njsFlush() {
  const env = readRuntimeEnv();
  if (!env.NJS_CLI) throw new Error('no njs CLI: run npm run provision');
  mkdirSync(dir, { recursive: true });
  const code = await stagesScript();
  const script = (variant, stage) => {
    const file = join(dir, `${variant}-${stage}.js`);
    const call = `stages.default.run(${JSON.stringify(variant)}, ${stage})`;
    writeFileSync(file, `${code}\n${stage < 0 ? `console.log(String(${call}))` : call};\n`);
    return file;
  };
  return {
    /**
     * The whole flush of a variant (stage -1; -2: the idle flush after
     * it), median of `runs` runs, in ms.
     */
    milliseconds(variant, runs = 5, stage = -1) {
      const ms = [];
      for (let i = 0; i < runs; i++) {
        ms.push(Number(execFileSync(env.NJS_CLI, ['-q', script(variant, stage)], { encoding: 'utf8' }).trim()));
      }
      return ms.sort((a, b) => a - b)[Math.floor(runs / 2)];
    },
    /** Instructions of the cumulative stages up to `stage` (callgrind). */
    instructions(variant, stage) {
      const valgrind = valgrindCommand(env);
      const out = join(dir, `callgrind.${variant}.${stage}.out`);
      execFileSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, ...valgrind, '-q', script(variant, stage)],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
      if (!summary) throw new Error(`no totals in ${out}`);
      return Number(summary[1]);
    },
  };
}

// valgrind runs the njs binary through the runtime's loader itself (the
// CLI is a shell wrapper: bench/valgrind-runtime.mjs).
function valgrindCommand(env) {
  if (spawnSync('valgrind', ['--version']).error) throw new Error('valgrind is not installed (Debian package valgrind)');
  return runtimeCommand(env.NJS_CLI, '/usr/bin/njs');
}

/**
 * The whole flush of each variant timed in nginx's own njs (a js_content
 * handler, one worker, the stand-in zone), `runs` times each, alternating:
 * milliseconds per variant, sorted.
 */
export async function inNginx(variants, runs = 5) {
  const env = readRuntimeEnv();
  const module = join(dir, 'nginx');
  mkdirSync(module, { recursive: true });
  const code = (await stagesScript('esm')).replace(/export \{ flush_stages_default as default \};/, '');
  writeFileSync(join(module, 'flush.js'), `${code}
function flush(r) {
  r.return(200, String(flush_stages_default.run(r.args.variant, -1)));
}
export default { flush };
`);
  const nginx = await startNginx({
    ports: 1, workers: 1, product: false, tick: false, flushInterval: null,
    main: env.NJS_MODULE === 'builtin' ? '' : `load_module ${env.NJS_MODULE};`,
    http: `access_log off; js_path ${module}; js_import flush from flush.js;
    server { listen 127.0.0.1:{{PORT}}; location = /flush { js_content flush.flush; } }`,
    prefixName: 'ipng-bench-flush-', removeOnStop: true,
  });
  const ms = {};
  try {
    for (let i = 0; i < runs; i++) {
      for (const v of variants) (ms[v] ??= []).push(Number((await get(nginx.url(`/flush?variant=${v}`))).body));
    }
  } finally {
    await nginx.stop();
  }
  for (const v of variants) ms[v].sort((a, b) => a - b);
  return ms;
}
