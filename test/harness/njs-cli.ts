// Runs pure TypeScript in the real njs engine (the provisioned njs CLI):
// bundled the way esbuild.config.mjs builds dist/ (esbuild, then
// babel-preset-njs), so that code which must run in njs is checked with
// njs's own built-ins and number-to-text conversion, not only Node's.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';

const njsCli = process.env.IPNG_NJS_CLI || readRuntimeEnv().NJS_CLI;

/** Why njs code cannot run here, or null when it can. */
export const NJS_MISSING: string | null =
  njsCli && existsSync(njsCli) ? null : 'no njs CLI: run `npm run provision` (writes build/runtime.env) or set IPNG_NJS_CLI';

// Neither package ships type declarations; these are the parts used here.
interface Babel {
  transformAsync(code: string, options: object): Promise<{ code?: string | null } | null>;
}

async function bundleForNjs(entry: string): Promise<string> {
  const babel = (await import('@babel/core' as string)) as Babel;
  const babelPresetNjs = ((await import('babel-preset-njs' as string)) as { default: unknown }).default;
  const bundled = await build({
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'ts' },
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  const lowered = await babel.transformAsync(bundled.outputFiles[0].text, {
    babelrc: false,
    configFile: false,
    presets: [babelPresetNjs],
  });
  return lowered!.code!;
}

/**
 * Calls `probe()` exported by `modulePath` (relative to the repository)
 * in njs and returns what it returned, through JSON.
 */
export async function runProbeInNjs(modulePath: string): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'ipng-njs-probe-'));
  try {
    const file = join(dir, 'probe.js');
    writeFileSync(file, await bundleForNjs(`import { probe } from './${modulePath}';\nconsole.log(JSON.stringify(probe()));\n`));
    const output = execFileSync(njsCli!, ['-q', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
