// The njs side of the shim-to-njs channel decodes fields in the njs engine
// (the tick), so the codec must behave there exactly as in Node, where the
// property-based tests (test/unit/pipeline/wire-field.test.ts) check it.
import { describe, expect, it } from 'vitest';
import { NJS_MISSING, runProbeInNjs } from '../harness/njs-cli';
import { probe, probeInputs } from './wire-field-probe';

describe('the wire field codec in the njs engine', () => {
  it('decodes every byte sequence of the probe exactly as Node does', async ({ skip }) => {
    skip(NJS_MISSING !== null, NJS_MISSING ?? '');
    const inNode = probe() as { fields: Array<[string, number[], string]>; tags: Array<[string, number]>; malformed: number };
    // In Node first: every input comes back byte for byte, and all 256
    // one-byte tags parse as 256 pairs with their own counts.
    const inputs = probeInputs();
    expect(inNode.fields.map((f) => f[1])).toEqual(inputs);
    expect(inNode.malformed).toBe(0);
    expect(inNode.tags).toHaveLength(256);
    expect(inNode.tags.map((t) => t[1])).toEqual(inputs.slice(0, 256).map((_, i) => i + 1));
    const inNjs = await runProbeInNjs('test/integration/wire-field-probe.ts');
    expect(inNjs).toEqual(JSON.parse(JSON.stringify(inNode)));
  });
});
