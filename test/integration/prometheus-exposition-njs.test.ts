// The exposition code runs in njs, not Node: njs has fewer built-ins and
// its own number-to-text conversion. Bundle the pure exposition exports
// the way esbuild.config.mjs builds dist/ (esbuild, then babel-preset-njs),
// run them in the real njs engine (the provisioned njs CLI) and require
// byte-identical results to Node's.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';
import { probe } from './prometheus-exposition-probe';

const njsCli = process.env.IPNG_NJS_CLI || readRuntimeEnv().NJS_CLI;
const NJS_MISSING = njsCli && existsSync(njsCli) ? null : 'no njs CLI: run `npm run provision` (writes build/runtime.env) or set IPNG_NJS_CLI';

// Neither package ships type declarations; these are the parts used here.
interface Babel {
  transformAsync(code: string, options: object): Promise<{ code?: string | null } | null>;
}

async function bundleForNjs(): Promise<string> {
  const babel = (await import('@babel/core' as string)) as Babel;
  const babelPresetNjs = ((await import('babel-preset-njs' as string)) as { default: unknown }).default;
  const bundled = await build({
    stdin: {
      contents: "import { probe } from './test/integration/prometheus-exposition-probe';\nconsole.log(JSON.stringify(probe()));\n",
      resolveDir: repoRoot,
      loader: 'ts',
    },
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

describe('exposition in the njs engine', () => {
  it('renders, canonicalizes and parses exactly as in Node', async ({ skip }) => {
    skip(NJS_MISSING !== null, NJS_MISSING ?? '');
    const dir = mkdtempSync(join(tmpdir(), 'ipng-njs-probe-'));
    try {
      const file = join(dir, 'probe.js');
      writeFileSync(file, await bundleForNjs());
      const output = execFileSync(njsCli!, ['-q', file], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      expect(JSON.parse(output)).toEqual(JSON.parse(JSON.stringify(probe())));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
