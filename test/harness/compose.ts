// The two compose implementations the demo's compose.yaml must satisfy,
// run offline (no Docker engine needed for `config`): Debian 12's
// docker-compose 1.29 and compose v2 (trixie's docker-compose, fetched by
// provisioning into the runtime cache), plus the compose-spec JSON schema
// that compose v2 itself validates with, read out of its binary.
//
//   TEST_COMPOSE_V1=/path/docker-compose   another compose 1.x
//   TEST_COMPOSE_V2=/path/docker-compose   another compose v2
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';

export interface ComposeTool {
  /** the command, or null when it is missing */
  path: string | null;
  /** why it is missing (for a skip note), or its `version` line */
  note: string;
}

function probe(path: string, versionPattern: RegExp, install: string): ComposeTool {
  const res = spawnSync(path, ['version'], { encoding: 'utf8' });
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
  if (res.error || res.status !== 0) {
    return { path: null, note: `${path} does not run (${res.error?.message ?? out}): ${install}` };
  }
  const first = out.split('\n')[0];
  if (!versionPattern.test(first)) return { path: null, note: `${path} is not the expected compose: ${first}` };
  return { path, note: first };
}

export function composeV1(): ComposeTool {
  return probe(process.env.TEST_COMPOSE_V1 ?? 'docker-compose', /^docker-compose version 1\./,
    'apt-get install docker-compose (Debian 12), or npm run provision');
}

export function composeV2(): ComposeTool {
  const path = process.env.TEST_COMPOSE_V2 ?? readRuntimeEnv().COMPOSE_V2;
  if (!path || !existsSync(path)) {
    return { path: null, note: 'compose v2 not provisioned (COMPOSE_V2 in build/runtime.env is empty): npm run provision' };
  }
  return probe(path, /^Docker Compose version v?2\./, 'npm run provision');
}

/** Runs `compose -f FILE config -q` (plus extra arguments before config). */
export function composeConfigQuiet(tool: string, file: string, extra: string[] = []): { status: number; output: string } {
  const res = spawnSync(tool, ['-f', file, ...extra, 'config', '-q'], { encoding: 'utf8' });
  return { status: res.status ?? -1, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

/**
 * The compose-spec schema compose v2 embeds (compose-go's
 * compose_spec.json): the JSON object that starts at the `{` before its
 * `"$id": "compose_spec.json"`, cut out of the binary by matching braces
 * outside strings.
 */
export function embeddedComposeSchema(binary: string): Record<string, unknown> {
  const text = readFileSync(binary).toString('latin1');
  const id = text.indexOf('"$id": "compose_spec.json"');
  if (id < 0) throw new Error(`${binary}: no embedded compose_spec.json`);
  const start = text.lastIndexOf('{', id);
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return JSON.parse(Buffer.from(text.slice(start, i + 1), 'latin1').toString('utf8'));
    }
  }
  throw new Error(`${binary}: compose_spec.json is not terminated`);
}
