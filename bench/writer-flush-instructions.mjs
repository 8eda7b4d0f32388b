// Where the writer's full-churn flush costs (issue 16): instructions per
// stage, counted by callgrind on the njs CLI (the engine nginx runs the
// bundle in), so the figures do not move with machine load. The flush is
// the second of two at the spec's sizing, 4 sources x 50 VIPs x 60 codes
// = 12,000 series, every one changed (bench/writer-flush/flush-stages.js),
// in the wire form before issue 16 and in today's, side by side.
//
//   node bench/writer-flush-instructions.mjs      (about 5 minutes)
import { njsFlush, VARIANTS } from './writer-flush/njs-flush.mjs';

// Cumulative stages of bench/writer-flush/flush-stages.js, per variant.
const STAGES = {
  entries: [
    'setup: a first flush fills the 200 records',
    'drain text: made in JavaScript here (in nginx: one variable read)',
    'wire parse (readWire)',
    'per (source, vip) (ipngDeltas)',
    'zone snapshot (items(), records put back together)',
    'decode the 200 records',
    'add the deltas',
    'render the fragments (Prometheus and JSON, per code and histogram)',
    'encode the records and move their rates',
    'set, and the rest of the writer path (store.flush)',
  ],
  groups: [
    'setup: a first flush fills the 200 records',
    'drain text: made in JavaScript here (in nginx: one variable read)',
    'wire parse (readWire)',
    'per (source, vip) (ipngDeltas)',
    'zone snapshot (items(), records put back together)',
    'merge: cut, add, histograms, rates, encode counts-only (pair-merge.ts)',
    'set, and the rest of the writer path (store.flush)',
  ],
};

const flush = await njsFlush();
console.log('== the writer\'s flush in which all 12,000 series changed (4 sources x 50 VIPs x 60 codes)');
console.log('   instructions per stage (callgrind on the njs CLI; the stand-in zone is an object)');
const totals = {};
for (const variant of Object.keys(STAGES)) {
  const stages = STAGES[variant];
  const counts = stages.map((_, i) => flush.instructions(variant, i));
  console.log(`  ${variant}: ${VARIANTS[variant]}`);
  for (let i = 1; i < stages.length; i++) {
    console.log(`    ${stages[i].padEnd(70)} ${((counts[i] - counts[i - 1]) / 1e6).toFixed(1).padStart(8)} M`);
  }
  totals[variant] = counts[stages.length - 1] - counts[1];
  console.log(`    ${'the flush, without making the drain text'.padEnd(70)} ${(totals[variant] / 1e6).toFixed(1).padStart(8)} M`);
}
console.log(`  the flush in the njs CLI (Date.now(), median of 5): before ${flush.milliseconds('entries')} ms, ` +
  `now ${flush.milliseconds('groups')} ms; instructions now / before: ${(totals.groups / totals.entries).toFixed(3)}`);
// run('groups', -2) is the same setup and flush, then the idle flush
// after it (and its Date.now() calls and printing, a few thousand).
const idle = flush.instructions('groups', -2) - flush.instructions('groups', STAGES.groups.length - 1);
console.log(`  the idle flush after it, which renders up to 50 of the 200 records the churn flush left counts-only (IDLE_RENDERS_PER_FLUSH): ` +
  `${(idle / 1e6).toFixed(1)} M instructions, ${flush.milliseconds('groups', 5, -2)} ms (njs CLI, median of 5)`);
