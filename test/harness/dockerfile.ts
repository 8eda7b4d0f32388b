// Replays a Dockerfile stage's COPY instructions from the build context
// into a directory standing for the stage's WORKDIR, with Docker's rules
// for sources and destinations, so that a test can run the stage's
// commands natively on exactly the files the image build would see. No
// engine is involved: only COPY (and COPY --from, mapped by the caller).
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

export interface Stage {
  name: string;
  base: string;
  workdir: string | null;
  copies: Copy[];
  runs: string[];
}

/** The stages of a Dockerfile (continuation lines joined). */
export function parseDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8').replace(/\\\n\s*/g, ' ').split('\n');
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest;
    const stage = stages[stages.length - 1];
    switch (instruction.toUpperCase()) {
      case 'FROM': {
        const as = args.findIndex((a) => a.toUpperCase() === 'AS');
        stages.push({ name: as >= 0 ? args[as + 1] : String(stages.length), base: args[0], workdir: null, copies: [], runs: [] });
        break;
      }
      case 'WORKDIR':
        stage.workdir = args[0];
        break;
      case 'COPY': {
        const from = args[0].startsWith('--from=') ? args.shift()!.slice('--from='.length) : null;
        const dest = args.pop()!;
        stage.copies.push({ from, sources: args, dest });
        break;
      }
      case 'RUN':
        stage.runs.push(line.slice(instruction.length).trim());
        break;
      default:
        break;
    }
  }
  return stages;
}

/** The patterns of a .dockerignore (plain names only, as this repository uses). */
export function dockerignore(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Copies the context's files of `stage`'s COPY instructions (those without
 * --from) into `root`, which stands for the stage's WORKDIR: a directory
 * source has its contents copied into the destination, a file source goes
 * into a destination ending in '/' under its own name. Throws when a
 * source is missing or excluded by .dockerignore.
 */
export function replayCopies(stage: Stage, context: string, ignored: string[], root: string): void {
  for (const copy of stage.copies) {
    if (copy.from !== null) continue;
    for (const source of copy.sources) {
      const top = source.replace(/^\.\//, '').split('/')[0];
      if (ignored.includes(top)) throw new Error(`COPY ${source}: excluded from the build context by .dockerignore`);
      const from = join(context, source);
      if (!existsSync(from)) throw new Error(`COPY ${source}: not in the build context`);
      const dest = join(root, copy.dest);
      if (statSync(from).isDirectory()) {
        mkdirSync(dest, { recursive: true });
        cpSync(from, dest, { recursive: true });
      } else if (copy.dest.endsWith('/') || copy.sources.length > 1) {
        mkdirSync(dest, { recursive: true });
        cpSync(from, join(dest, basename(source)));
      } else {
        cpSync(from, dest);
      }
    }
  }
}
