// The field codec of the shim-to-njs wire format (docs/wire-format.md):
// property-based, so that every byte sequence is covered, not examples.
// The C encoder is the same rule; it is checked through nginx with every
// byte value in a tag (test/integration/shim-tag-bytes.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readIpngWire } from '../../harness/ipng-wire';
import { decodeFieldBytes, encodeFieldBytes, escapeText, fieldLabel, isEscapedField } from '../../../src/pipeline/wire-field';
import { escapeLabelValue } from '../../../src/exposition/prometheus';

const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Array.from(a));
const RUNS = { numRuns: 5000 };

function isUtf8(b: number[]): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(b));
    return true;
  } catch {
    return false;
  }
}

describe('wire field codec', () => {
  it('every byte sequence round-trips', () => {
    fc.assert(fc.property(bytes, (b) => {
      expect(decodeFieldBytes(encodeFieldBytes(b))).toEqual(b);
    }), RUNS);
  });

  it('an escaped field is printable ASCII: no line end, no field separator', () => {
    fc.assert(fc.property(bytes, (b) => {
      const escaped = encodeFieldBytes(b);
      expect(/^[\x20-\x7e]*$/.test(escaped)).toBe(true);
      expect(isEscapedField(escaped)).toBe(true);
    }), RUNS);
  });

  it('each byte has exactly one written form', () => {
    for (let b = 0; b < 256; b++) {
      const plain = b >= 0x20 && b <= 0x7e && b !== 0x5c;
      expect(encodeFieldBytes([b])).toBe(plain ? String.fromCharCode(b) : '\\x' + b.toString(16).padStart(2, '0'));
    }
    // Other spellings are not the format: a shim never writes them.
    for (const text of ['\\', '\\x', '\\x4', '\\xAB', '\\y41', 'a\nb', 'a\x1fb', '\x7f', 'é']) {
      expect(decodeFieldBytes(text), JSON.stringify(text)).toBeNull();
      expect(isEscapedField(text)).toBe(false);
    }
  });

  it('a string from njs itself is escaped as its UTF-8 bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const escaped = escapeText(s);
      expect(decodeFieldBytes(escaped)).toEqual(Array.from(Buffer.from(s, 'utf8')));
      expect(fieldLabel(escaped)).toBe(s);
    }), RUNS);
  });

  it('a label shows well-formed UTF-8 as text and every other byte as \\xHH', () => {
    fc.assert(fc.property(bytes, (b) => {
      const label = fieldLabel(encodeFieldBytes(b));
      if (isUtf8(b)) {
        expect(label).toBe(Buffer.from(b).toString('utf8'));
        return;
      }
      expect(label).toMatch(/\\x[89a-f][0-9a-f]/);
      // Without a literal backslash in the input the label maps back to it.
      if (b.indexOf(0x5c) < 0) {
        const back: number[] = [];
        const parts = label.split(/(\\x[0-9a-f]{2})/);
        for (const part of parts) {
          if (/^\\x[0-9a-f]{2}$/.test(part)) back.push(parseInt(part.slice(2), 16));
          else back.push(...Buffer.from(part, 'utf8'));
        }
        expect(back).toEqual(b);
      }
    }), RUNS);
  });

  it('overlong forms, surrogates and code points above U+10FFFF are not UTF-8', () => {
    expect(fieldLabel(encodeFieldBytes([0xc0, 0xaf]))).toBe('\\xc0\\xaf');
    expect(fieldLabel(encodeFieldBytes([0xe0, 0x80, 0xaf]))).toBe('\\xe0\\x80\\xaf');
    expect(fieldLabel(encodeFieldBytes([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80');
    expect(fieldLabel(encodeFieldBytes([0xf4, 0x90, 0x80, 0x80]))).toBe('\\xf4\\x90\\x80\\x80');
    expect(fieldLabel(encodeFieldBytes([0xf0, 0x9f, 0x98, 0x80, 0xff]))).toBe('\u{1f600}\\xff');
    expect(fieldLabel(encodeFieldBytes([0x61, 0x0a, 0x00, 0x22, 0x5c]))).toBe('a\n\x00"\\');
  });

  it('every label can be written as a Prometheus label value and as JSON', () => {
    fc.assert(fc.property(bytes, (b) => {
      const label = fieldLabel(encodeFieldBytes(b));
      const prometheus = escapeLabelValue(label);
      expect(prometheus).not.toMatch(/\n/);
      expect(prometheus).not.toMatch(/(^|[^\\])(\\\\)*"/);
      expect(JSON.parse(JSON.stringify(label))).toBe(label);
      expect(Buffer.from(Buffer.from(label, 'utf8').toString('utf8'), 'utf8').equals(Buffer.from(label, 'utf8'))).toBe(true);
    }), RUNS);
  });

  it('deltas with any tag bytes parse to the tags that were written, with their counts', () => {
    fc.assert(fc.property(fc.uniqueArray(bytes, { minLength: 1, maxLength: 8, selector: (b) => b.join(',') }), (tags) => {
      let text = 'w\nb\x1f1 5\n';
      tags.forEach((t, i) => {
        text += ['r', 'ipng', '', 3, encodeFieldBytes(t), '192.0.2.1', '200', `${i + 1} 10 20`].join('\x1f') + '\n';
        text += ['r', 'ipng_time', '', 2, encodeFieldBytes(t), '192.0.2.1', i + 1, `3 ${i + 1} 0 0`, ''].join('\x1f') + '\n';
      });
      const parsed = readIpngWire(text);
      expect(parsed.malformed).toBe(0);
      expect(parsed.pairs.map((p) => decodeFieldBytes(p.sourceTag))).toEqual(tags);
      expect(parsed.pairs.map((p) => p.codes[0].requests)).toEqual(tags.map((_, i) => i + 1));
    }), { numRuns: 2000 });
  });

  it('a raw newline or separator inside a field is not the format', () => {
    const parsed = readIpngWire(
      'b\x1f1 5\nr\x1fipng\x1f\x1f3\x1fnew\nline\x1f127.0.0.1\x1f200\x1f1 0 0\nr\x1fipng\x1f\x1f3\x1fa\\b\x1f127.0.0.1\x1f200\x1f1 0 0\n',
    );
    expect(parsed.pairs).toEqual([]);
    expect(parsed.malformed).toBe(3);
  });
});
