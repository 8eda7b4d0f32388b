// `npm start`: runs nginx with the product and the demo site on localhost
// until interrupted. Ports: IPNG_DEMO_PORT (default 8080) and
// IPNG_DEMO_METRICS_PORT (default 9113).
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './runtime-env.mjs';
import { nginxArgs, nginxBinary, writeNginxConfig } from './nginx-prefix.mjs';
import { portAnswers, sleep } from './nginx-process.mjs';

const demoPort = Number(process.env.IPNG_DEMO_PORT || 8080);
const metricsPort = Number(process.env.IPNG_DEMO_METRICS_PORT || 9113);
const prefix = process.env.IPNG_DEMO_PREFIX || join(repoRoot, 'build', 'demo');

const stateDir = join(prefix, 'state');
writableByWorkers(stateDir);

const site = readFileSync(join(repoRoot, 'nginx', 'demo-site.conf'), 'utf8')
  .split('@STATE_FILE@').join(join(stateDir, 'ipng-stats.state'))
  .split('@DEMO_PORT@').join(String(demoPort))
  .split('@METRICS_PORT@').join(String(metricsPort))
  .split('@NGINX_DIR@').join(join(repoRoot, 'nginx'));
writeNginxConfig({ prefix, http: site, workers: 2, shim: true });

const nginx = spawn(nginxBinary(), nginxArgs(prefix), { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;

nginx.on('exit', (code, signal) => {
  if (!stopping) {
    console.error(`nginx exited (${signal ?? code}); see ${join(prefix, 'error.log')}`);
    process.exit(1);
  }
  console.log('nginx stopped');
  process.exit(0);
});

function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping nginx (graceful quit)...');
  // QUIT lets workers finish in-flight requests; TERM if that takes too long.
  nginx.kill('SIGQUIT');
  setTimeout(() => nginx.kill('SIGTERM'), 5000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

await waitForPort(demoPort);
console.log(`njs-ipng-stats demo is running (nginx with 2 workers, prefix ${prefix})
  demo site:        http://127.0.0.1:${demoPort}/
  scrape endpoint:  http://127.0.0.1:${metricsPort}/metrics
  status page:      http://127.0.0.1:${metricsPort}/status
  JSON:             curl -H 'Accept: application/json' http://127.0.0.1:${metricsPort}/metrics
  optional traffic: npm run demo:traffic   (in another terminal)
Press Ctrl-C to stop.`);

async function waitForPort(port) {
  for (let i = 0; i < 200 && !stopping; i++) {
    if (await portAnswers(port)) return;
    await sleep(50);
  }
}

/**
 * The state file's directory must be writable by the worker processes:
 * started as root, nginx runs them as "nobody" (its default `user`), so
 * the directory is theirs and the prefix above it can be entered.
 */
function writableByWorkers(dir) {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0) return;
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!entry) return;
  const [, , uid, gid] = entry.split(':');
  chmodSync(prefix, 0o755);
  chownSync(dir, Number(uid), Number(gid));
}
