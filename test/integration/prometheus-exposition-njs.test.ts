// The exposition code runs in njs, not Node: njs has fewer built-ins and
// its own number-to-text conversion. Run the pure exposition exports in the
// real njs engine and require byte-identical results to Node's.
import { describe, expect, it } from 'vitest';
import { NJS_MISSING, runProbeInNjs } from '../harness/njs-cli';
import { probe } from './prometheus-exposition-probe';

describe('exposition in the njs engine', () => {
  it('renders, canonicalizes and parses exactly as in Node', async ({ skip }) => {
    skip(NJS_MISSING !== null, NJS_MISSING ?? '');
    const inNjs = await runProbeInNjs('test/integration/prometheus-exposition-probe.ts');
    expect(inNjs).toEqual(JSON.parse(JSON.stringify(probe())));
  });
});
