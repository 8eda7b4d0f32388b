// scripts/install.sh against Debian trixie's nginx layout (the provisioned
// runtime: usr/sbin/nginx, usr/share/nginx/src from nginx-dev,
// usr/lib/nginx/modules): it installs into a fresh prefix, the nginx it
// was built for runs with exactly the lines it printed and counts, and a
// source tree of another nginx version is refused.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect } from 'vitest';
import { freePort, test } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { samples } from '../harness/exposition';
import { afterNextFlush } from '../harness/flush';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';
import { nginxBinary } from '../../scripts/nginx-prefix.mjs';
import { scratchDirs } from '../harness/scratch';

const env = readRuntimeEnv();
// NJS_MODULE is ROOT/usr/lib/nginx/modules/ngx_http_js_module.so in the
// downloaded trixie runtime; with IPNG_NGINX_BINARY there is no such root.
const trixieRoot = env.DEBIAN_VERSIONS ? join(dirname(env.NJS_MODULE), '..', '..', '..', '..') : '';
const noTrixieLayout = trixieRoot
  ? null
  : 'install.sh is tested against the downloaded Debian trixie runtime, and this run uses IPNG_NGINX_BINARY';
const nginxSource = join(trixieRoot, 'usr', 'share', 'nginx', 'src');

const tempDir = scratchDirs();

function install(args: string[]): { status: number; stdout: string; stderr: string } {
  const res = spawnSync('bash', [join(repoRoot, 'scripts', 'install.sh'), ...args], { encoding: 'utf8' });
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** The three blocks install.sh prints: main context, http { }, one server { }. */
function printedLines(stdout: string): { main: string; http: string; server: string } {
  const m = /top level\)[^\n]*\n(?:[^\n]+\n)*?\n([\s\S]*?)\n\ninside http \{ \}:\n\n([\s\S]*?)\n\nand inside exactly one server \{ \}[^\n]*\n\n([\s\S]*?)\n?$/.exec(stdout);
  if (!m) throw new Error(`install.sh printed no recognisable lines:\n${stdout}`);
  return { main: m[1], http: m[2], server: m[3] };
}

describe.skipIf(noTrixieLayout !== null)('scripts/install.sh (trixie layout in a private prefix)', () => {
  if (noTrixieLayout) console.warn(`skipped: ${noTrixieLayout}`);

  test('installs into a fresh prefix; nginx started with the printed lines counts and scrapes', async ({ nginxOnPrefix }) => {
    const dest = tempDir('ipng-install-dest-');
    const res = install([
      '--nginx', nginxBinary(),
      '--source', nginxSource,
      '--prefix', dest,
      '--njs-module', env.NJS_MODULE,
      '--build-dir', tempDir('ipng-install-build-'),
    ]);
    expect(res.stderr).not.toContain('error:');
    expect(res.status).toBe(0);

    const share = join(dest, 'usr', 'share', 'njs-ipng-stats');
    const shim = join(dest, 'usr', 'lib', 'nginx', 'modules', 'ngx_http_ipng_stats_module.so');
    expect(readdirSync(join(share, 'nginx')).sort()).toEqual([
      'ipng-stats-log-fallback.conf', 'ipng-stats-log-spool.conf', 'ipng-stats-scrape.conf', 'ipng-stats-tick.conf',
      'ipng-stats.conf',
    ]);
    expect(readFileSync(join(share, 'dist', 'ipng-stats.js'), 'utf8'))
      .toBe(readFileSync(join(repoRoot, 'dist', 'ipng-stats.js'), 'utf8'));
    expect(readFileSync(join(share, 'dist', 'ipng-stats-recorder.js'), 'utf8'))
      .toBe(readFileSync(join(repoRoot, 'dist', 'ipng-stats-recorder.js'), 'utf8'));

    const lines = printedLines(res.stdout);
    expect(lines.main).toBe(`load_module ${env.NJS_MODULE};\nload_module ${shim};`);
    expect(lines.http).toBe([
      `    js_path ${share}/dist;`,
      '    js_shared_dict_zone zone=ipng_stats:4m type=string;',
      `    include ${share}/nginx/ipng-stats.conf;`,
    ].join('\n'));

    // An operator's nginx.conf: their own settings around the printed lines.
    const prefix = tempDir('ipng-install-nginx-');
    const [sitePort, metricsPort] = [await freePort(), await freePort()];
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `    ${t}_temp_path ${join(prefix, t + '_temp')};`).join('\n');
    writeFileSync(join(prefix, 'nginx.conf'), `${lines.main}
worker_processes 2;
master_process on;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} notice;
events { worker_connections 128; }
http {
${temp}
    access_log ${join(prefix, 'access.log')};
${lines.http}
    server {
        listen 127.0.0.1:${sitePort};
        location = /hello   { return 200 "hello\\n"; }
        location = /missing { return 404; }
    }
    server {
        listen 127.0.0.1:${metricsPort};
${lines.server}
    }
}
`);
    await nginxOnPrefix(prefix, [sitePort, metricsPort]);
    for (let i = 0; i < 3; i++) expect((await httpGet(`http://127.0.0.1:${sitePort}/hello`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await httpGet(`http://127.0.0.1:${sitePort}/missing`)).status).toBe(404);

    const metrics = `http://127.0.0.1:${metricsPort}/metrics`;
    await afterNextFlush(metrics);
    const scrape = await httpGet(metrics);
    expect(scrape.status).toBe(200);
    expect(samples(scrape.body, 'nginx_ipng_requests_total')).toEqual([
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3',
      'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 2',
    ]);
  });

  test('refuses a source tree of another nginx version before building or installing anything', () => {
    const source = join(tempDir('ipng-install-src-'), 'src');
    cpSync(nginxSource, source, { recursive: true });
    const header = join(source, 'src', 'core', 'nginx.h');
    writeFileSync(header, readFileSync(header, 'utf8').replace('"1.26.3"', '"1.26.2"'));
    const dest = tempDir('ipng-install-dest-');
    const build = join(tempDir('ipng-install-build-'), 'b');

    const res = install(['--nginx', nginxBinary(), '--source', source, '--prefix', dest, '--njs-module', env.NJS_MODULE, '--build-dir', build]);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(
      `install: error: version mismatch: ${nginxBinary()} is nginx 1.26.3, but the source tree ${source} is nginx 1.26.2: ` +
        'a module built from it would be refused at load; use the source of nginx 1.26.3\n',
    );
    expect(readdirSync(dest)).toEqual([]);
    expect(spawnSync('test', ['-e', build]).status).toBe(1);
  });

  // What the README promises when the check above is bypassed: the shim
  // carries nginx's module version and signature, and nginx itself refuses
  // a module built for another version at load.
  test('a shim built from another version\'s tree is refused by nginx at load with nginx\'s own message', () => {
    const source = join(tempDir('ipng-install-src-'), 'src');
    cpSync(nginxSource, source, { recursive: true });
    const header = join(source, 'src', 'core', 'nginx.h');
    writeFileSync(header, readFileSync(header, 'utf8')
      .replace('#define nginx_version      1026003', '#define nginx_version      1026002')
      .replace('"1.26.3"', '"1.26.2"'));
    const configure = spawnSync('./configure', ['--with-compat', `--add-dynamic-module=${join(repoRoot, 'native-shim')}`],
      { cwd: source, encoding: 'utf8' });
    expect(configure.status, configure.stderr).toBe(0);
    const make = spawnSync('make', ['-s', '-f', 'objs/Makefile', 'modules'], { cwd: source, encoding: 'utf8' });
    expect(make.status, make.stderr).toBe(0);
    const so = join(source, 'objs', 'ngx_http_ipng_stats_module.so');

    const prefix = tempDir('ipng-install-t-');
    writeFileSync(join(prefix, 'nginx.conf'),
      `load_module ${so};\npid ${join(prefix, 'nginx.pid')};\nevents { }\n`);
    const t = spawnSync(nginxBinary(), ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')],
      { encoding: 'utf8' });
    expect(t.status).toBe(1);
    expect(t.stderr).toContain(`nginx: [emerg] module "${so}" version 1026002 instead of 1026003 in ${join(prefix, 'nginx.conf')}:1\n`);
  });

  test('refuses a directory that is not an nginx source tree, and a missing njs module', () => {
    const notSource = tempDir('ipng-install-nosrc-');
    const res = install(['--nginx', nginxBinary(), '--source', notSource, '--prefix', tempDir('ipng-install-dest-')]);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(
      `install: error: --source ${notSource}: not an nginx source tree (needs configure, auto/ and src/core/nginx.h; ` +
        'Debian: apt-get install nginx-dev, which provides /usr/share/nginx/src; else unpack the nginx-1.26.3 release tarball)\n',
    );

    const noNjs = join(notSource, 'ngx_http_js_module.so');
    const res2 = install(['--nginx', nginxBinary(), '--source', nginxSource, '--prefix', tempDir('ipng-install-dest-'), '--njs-module', noNjs]);
    expect(res2.status).toBe(1);
    expect(res2.stderr).toBe(
      `install: error: no njs module at ${noNjs}: install njs >= 0.8.1 for nginx 1.26.3 ` +
        "(README: 'Adding it to your nginx') or name it with --njs-module\n",
    );
  });
});
