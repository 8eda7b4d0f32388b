// Scenario 6: the cost of loading a large configuration, measured the way
// the NGINX team measures it (shared/spec/nginx-ssl-object-cache-notes.txt):
// `nginx -t` on a generated configuration with 10,000 server blocks, with
// and without the product, compared by retired instructions (callgrind
// totals: independent of machine load) and by peak memory (max RSS).
//
//   npm run bench:config -- [--servers 10000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nginxArgs, nginxBinary, writeNginxConfig } from '../scripts/nginx-prefix.mjs';

const { values } = parseArgs({ options: { servers: { type: 'string', default: '10000' } } });
const servers = Number(values.servers);

function generatedServers(count) {
  const blocks = [];
  for (let i = 0; i < count; i++) {
    blocks.push(`    server {
        listen 127.0.0.1:18080;
        server_name s${i}.example.test;
        location / { return 200 "s${i}\\n"; }
    }`);
  }
  return blocks.join('\n');
}

function measure(label, opts) {
  const prefix = mkdtempSync(join(tmpdir(), `ipng-config-load-${label}-`));
  try {
    const accessLog = opts.product ? '' : '    access_log off;\n';
    writeNginxConfig({ prefix, http: accessLog + generatedServers(servers), workers: 1, ...opts });
    const args = ['-t', '-q', ...nginxArgs(prefix)];
    // The binary is started through a loader wrapper script; follow the exec.
    const cg = spawnSync(
      'valgrind',
      ['--tool=callgrind', '--trace-children=yes', `--callgrind-out-file=${join(prefix, 'callgrind.%p')}`, nginxBinary(), ...args],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    if (cg.status !== 0) throw new Error(`nginx -t failed under valgrind (${label}):\n${cg.stderr}`);
    const collected = [...cg.stderr.matchAll(/Collected : (\d+)/g)].map((m) => Number(m[1]));
    const instructions = collected.reduce((a, b) => a + b, 0);
    const rss = spawnSync(
      'python3',
      ['-c', 'import resource,subprocess,sys; r=subprocess.run(sys.argv[1:]); print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)', nginxBinary(), ...args],
      { encoding: 'utf8' },
    );
    const [status, maxRssKb] = rss.stdout.trim().split(' ').map(Number);
    if (status !== 0) throw new Error(`nginx -t failed (${label}): ${rss.stderr}`);
    return { label, instructions, maxRssKb };
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

if (spawnSync('valgrind', ['--version']).error) {
  console.error('valgrind is not installed (Debian package valgrind)');
  process.exit(2);
}
console.log(`nginx -t on ${servers} server blocks, 1 location each`);
const stock = measure('stock', { product: false });
const product = measure('product', { product: true, shim: true });
for (const r of [stock, product]) {
  console.log(`  ${r.label.padEnd(8)} ${r.instructions.toLocaleString('en-US').padStart(16)} instructions  ${(r.maxRssKb / 1024).toFixed(1).padStart(7)} MiB max RSS`);
}
console.log(`  ratio product/stock: instructions ${(product.instructions / stock.instructions).toFixed(3)}, memory ${(product.maxRssKb / stock.maxRssKb).toFixed(3)}`);
