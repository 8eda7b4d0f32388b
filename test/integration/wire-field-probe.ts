// The wire format's field codec on a fixed set of byte sequences: every
// single byte, every two-byte sequence that starts with a UTF-8 lead or
// continuation byte, and pseudo-random sequences. Run once in Node and
// once in the njs engine (wire-field-njs.test.ts); both must agree.
// Only what njs has may be used here too.
import { readIpngWire } from '../harness/ipng-wire';
import { decodeFieldBytes, encodeFieldBytes, fieldLabel } from '../../src/pipeline/wire-field';

export function probeInputs(): number[][] {
  const inputs: number[][] = [];
  for (let b = 0; b < 256; b++) inputs.push([b]);
  for (let a = 0x80; a < 0x100; a++) {
    for (let b = 0; b < 256; b += 3) inputs.push([a, b]);
  }
  let seed = 12345;
  for (let n = 0; n < 1500; n++) {
    const bytes: number[] = [];
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const length = seed % 13;
    for (let i = 0; i < length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      bytes.push(seed >> 23);
    }
    inputs.push(bytes);
  }
  return inputs;
}

export function probe(): unknown {
  const inputs = probeInputs();
  const out: Array<[string, number[] | null, string]> = [];
  let text = 'w\nb\x1f1 5\n';
  for (let i = 0; i < inputs.length; i++) {
    const escaped = encodeFieldBytes(inputs[i]);
    out.push([escaped, decodeFieldBytes(escaped), fieldLabel(escaped)]);
    if (i < 256) {
      text += 'r\x1fipng\x1f\x1f3\x1f' + escaped + '\x1f127.0.0.1\x1f200\x1f' + (i + 1) + ' 0 0\n';
      text += 'r\x1fipng_time\x1f\x1f2\x1f' + escaped + '\x1f127.0.0.1\x1f' + (i + 1) + '\x1f0 ' + (i + 1) + ' 0 0\x1f\n';
    }
  }
  const parsed = readIpngWire(text);
  const tags: Array<[string, number]> = [];
  for (let i = 0; i < parsed.pairs.length; i++) tags.push([parsed.pairs[i].sourceTag, parsed.pairs[i].codes[0].requests]);
  return { fields: out, tags, malformed: parsed.malformed };
}
