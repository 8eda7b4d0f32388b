// The shim's $ipng_stats_lines through a real nginx: assigning a template
// and reading the variable gives its expansion (each series' head in
// front of its lines), byte for byte what the TypeScript reference
// (test/unit/exposition/template-expansion.ts) makes of it; a malformed
// template, or none, reads as not found. The scrape builds its
// Prometheus text this way when the shim is loaded (the stats-* and
// scrape-* tests check that text line by line).
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, httpRequest } from '../harness/http';
import { expandTemplate } from '../unit/exposition/template-expansion';
import { repoRoot } from './stats-support';

const PROBE = join(repoRoot, 'test', 'integration', 'shim-lines-probe.js');

const CONFIG = `
    js_import lines_probe from ${PROBE};
    server {
        listen 127.0.0.1:{{PORT}};
        client_body_buffer_size 16m;
        client_max_body_size 16m;
        location = /expand { ipng_stats off; js_content lines_probe.expand; }
        location = /unset { ipng_stats off; js_content lines_probe.unset; }
    }`;

describe('$ipng_stats_lines', () => {
  test('expands templates as the reference does; malformed or unassigned: not found', async ({ nginx }) => {
    const n = await nginx({ shim: true, http: CONFIG });
    const expand = async (template: string) => {
      const r = await httpRequest(n.url('/expand'), { method: 'POST', body: template });
      return r.status === 200 ? r.body : r.status === 404 ? null : `status ${r.status}`;
    };
    const reference = (template: string) => expandTemplate(Buffer.from(template))?.toString() ?? null;

    expect(await expand('# HELP x X.\n\x1cx{a="1",code="\x1c200"} 3\x1d404"} 1\n')).toBe(
      '# HELP x X.\nx{a="1",code="200"} 3\nx{a="1",code="404"} 1\n');
    expect(await expand('\x1cH\x1c\x1d\x1d\n')).toBe('H\nH\nH\n');
    expect(await expand('no marks at all\n')).toBe('no marks at all\n');
    expect(await expand('\x1cunterminated head')).toBeNull();
    expect(await expand('a line mark\x1d before any head')).toBeNull();
    expect((await httpGet(n.url('/unset'))).status).toBe(404);

    const piece = fc.oneof(
      fc.constantFrom('\x1c', '\x1d', '\n', 'é', '"} ', 'nginx_ipng_requests_total{source_tag="a",vip="::1",code="'),
      fc.string({ maxLength: 12 }).filter((s) => !/[\x1c\x1d]/.test(s)),
    );
    const templates = fc.sample(fc.array(piece, { maxLength: 40 }).map((p) => p.join('')), { numRuns: 150, seed: 16 });
    for (const template of templates) expect(await expand(template), JSON.stringify(template)).toBe(reference(template));

    // 36,000 lines of 600 series, as many lines as the spec's sizing has
    const big: string[] = [];
    for (let s = 0; s < 600; s++) {
      big.push(`\x1cnginx_ipng_requests_total{source_tag="src${s % 4}",vip="127.0.1.${s}",code="\x1c`);
      const tails: string[] = [];
      for (let c = 0; c < 60; c++) tails.push(`${200 + c}"} ${1000000 + s * c}`);
      big.push(tails.join('\x1d'), '\n');
    }
    const template = big.join('');
    const text = await expand(template);
    expect(text?.length).toBe(2_945_400);
    expect(text).toBe(reference(template));
  });
});
