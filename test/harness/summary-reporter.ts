// Ends every run with one plain line, "tests: N passed, N failed, N skipped",
// which CI reads as the run's verdict whatever the runner's own format.
// Before it, the exact runtime the run used: a Debian security update can
// change nginx's internals without changing its version.
import type { Reporter } from 'vitest/reporters';
import { describeRuntime } from './runtime-identity.js';

interface TaskLike {
  type: string;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

function count(tasks: TaskLike[], totals: { passed: number; failed: number; skipped: number }): void {
  for (const t of tasks) {
    if (t.tasks) count(t.tasks, totals);
    if (t.type !== 'test') continue;
    if (t.mode === 'skip' || t.mode === 'todo') totals.skipped++;
    else if (t.result?.state === 'pass') totals.passed++;
    else totals.failed++;
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: TaskLike[] = [], errors: unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    // A suite that failed to load has no test tasks: count it as a failure.
    for (const f of files) if (f.result?.state === 'fail' && !(f.tasks ?? []).length) totals.failed++;
    totals.failed += errors.length;
    console.log(`\nruntime: ${describeRuntime()}`);
    console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  }
}
