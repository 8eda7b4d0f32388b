// Any byte survives the shim-to-njs channel (docs/wire-format.md): source
// tags holding every byte value, written into nginx's configuration, reach
// the scrape with exact counts. A tag with a newline used to make its
// requests vanish ("lines of $ipng_stats_writer_deltas not understood").
//
// Which bytes a configuration file can hold: nginx reads a quoted
// parameter byte for byte, except that `"` and `\` must be written `\"`
// and `\\` (and `\n`, `\r`, `\t` are read as those bytes); every other
// byte, 0x00 and raw newlines included, can be written as itself. So every
// byte value 0x00-0xff is covered here, through nginx; the codec itself is
// covered for every byte sequence in test/unit/pipeline/wire-field.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { freePort, test } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { afterNextFlush } from '../harness/flush';
import { checkMetrics } from '../harness/promtool';
import { samples, scrapeJson } from './stats-support';

const HEX = (b: number) => '\\x' + b.toString(16).padStart(2, '0');

/** `"ipng_source_tag=BYTES"`: a quoted parameter of a configuration file. */
function tagParameter(bytes: number[]): Buffer {
  const out: number[] = [0x22, ...Buffer.from('ipng_source_tag=')];
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out.push(0x5c);
    out.push(b);
  }
  out.push(0x22);
  return Buffer.from(out);
}

/** How a label shows one byte alone between two letters: as itself, or \xHH when it is not UTF-8. */
function labelOfLoneByte(b: number): string {
  return 't' + (b < 0x80 ? String.fromCharCode(b) : HEX(b)) + 't';
}

function prometheusLabel(label: string): string {
  return label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('source tags with any byte', () => {
  test('every byte value 0x00-0xff in a tag, and all of them in one tag, is counted exactly under its label', async ({ nginx }) => {
    dir = mkdtempSync(join(tmpdir(), 'ipng-tag-bytes-'));
    const listens: Buffer[] = [];
    // One listen per byte value, on its own loopback address: 127.1.B.1.
    for (let b = 0; b < 256; b++) {
      listens.push(Buffer.concat([Buffer.from(`listen 127.1.${b}.1:{{PORT}} `), tagParameter([0x74, b, 0x74]), Buffer.from(';\n')]));
    }
    const every = Array.from({ length: 256 }, (_, i) => i);
    const tags: Array<{ vip: string; label: string; requests: number }> = [];
    for (let b = 0; b < 256; b++) tags.push({ vip: `127.1.${b}.1`, label: labelOfLoneByte(b), requests: (b % 3) + 1 });
    // All 256 bytes in one tag; and the tag written with \n.
    listens.push(Buffer.concat([Buffer.from('listen 127.2.0.1:{{PORT}} '), tagParameter(every), Buffer.from(';\n')]));
    let all = '';
    for (let b = 0; b < 256; b++) all += b < 0x80 ? String.fromCharCode(b) : HEX(b);
    tags.push({ vip: '127.2.0.1', label: all, requests: 4 });
    listens.push(Buffer.from('listen 127.2.0.2:{{PORT}} "ipng_source_tag=new\\nline";\n'));
    tags.push({ vip: '127.2.0.2', label: 'new\nline', requests: 5 });
    // Well-formed UTF-8 is shown as text.
    listens.push(Buffer.concat([Buffer.from('listen 127.2.0.3:{{PORT}} '), tagParameter([...Buffer.from('tâg ☃ 😀')]), Buffer.from(';\n')]));
    tags.push({ vip: '127.2.0.3', label: 'tâg ☃ 😀', requests: 6 });

    const port = await freePort();
    const withPort = listens.map((l) => Buffer.from(l.toString('latin1').split('{{PORT}}').join(String(port)), 'latin1'));
    writeFileSync(join(dir, 'listens.conf'), Buffer.concat(withPort));
    const n = await nginx({
      http: `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /metrics { js_content ipng.scrape; }
    }
    server {
        include ${dir}/listens.conf;
        location = /ok { return 200; }
    }`,
    });

    for (const t of tags) {
      for (let i = 0; i < t.requests; i++) expect((await httpGet(`http://${t.vip}:${port}/ok`)).status).toBe(200);
    }
    await afterNextFlush(n.url('/metrics'));
    await afterNextFlush(n.url('/metrics'));

    const body = (await httpGet(n.url('/metrics'))).body;
    const expected = tags.map((t) => `nginx_ipng_requests_total{source_tag="${prometheusLabel(t.label)}",vip="${t.vip}",code="200"} ${t.requests}`);
    expect(samples(body, 'nginx_ipng_requests_total').sort()).toEqual(expected.sort());
    await checkMetrics(body);

    const { document } = await scrapeJson(n.url('/metrics?format=json'));
    expect(Object.keys(document.by_source)).toHaveLength(tags.length);
    for (const t of tags) {
      expect(document.by_source[t.label]?.vips[t.vip]?.codes['200']?.requests, JSON.stringify(t.label)).toBe(t.requests);
    }
    // ?source_tag= selects a label as shown, whatever its bytes.
    for (const label of ['new\nline', 'tâg ☃ 😀', 't"t', 't\\t', 't\\xfft']) {
      const t = tags.find((x) => x.label === label)!;
      const r = await httpGet(n.url(`/metrics?source_tag=${encodeURIComponent(label)}`));
      expect(samples(r.body, 'nginx_ipng_requests_total'), JSON.stringify(label)).toEqual([
        `nginx_ipng_requests_total{source_tag="${prometheusLabel(label)}",vip="${t.vip}",code="200"} ${t.requests}`,
      ]);
    }
    expect(n.errorLog()).not.toContain('not understood');
  });
});
