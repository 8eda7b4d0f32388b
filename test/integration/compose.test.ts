// The compose demo (compose.yaml, docker/), checked without a Docker
// engine: both compose implementations accept the file (`config -q`), it
// matches the compose-spec schema compose v2 validates with, and each
// service's own configuration runs natively here with the same files the
// containers mount: the nginx container's nginx.conf in a real nginx, the
// traffic generator's script against it, prometheus.yml in a real
// Prometheus scraping that nginx (and in promtool), and Grafana's
// provisioning files cross-checked against the compose file.
// test/integration/compose-stack.test.ts runs the real stack when an
// engine is reachable.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeConfigQuiet, composeV1, composeV2, embeddedComposeSchema } from '../harness/compose';
import { dockerignore, parseDockerfile, replayCopies } from '../harness/dockerfile';
import { freePort } from '../harness/nginx';
import { test } from '../harness/prometheus';
import { prometheusMissing } from '../harness/prometheus';
import { promtoolBinary, promtoolMissing } from '../harness/promtool';
import { httpGet } from '../harness/http';
import { samples } from '../harness/exposition';
import { afterNextFlush } from '../harness/flush';
import { readRuntimeEnv, repoRoot } from '../../scripts/runtime-env.mjs';
import { nginxBinary } from '../../scripts/nginx-prefix.mjs';
import { scratchDirs } from '../harness/scratch';

const composeFile = join(repoRoot, 'compose.yaml');
const compose = parseYaml(readFileSync(composeFile, 'utf8'));
const v1 = composeV1();
const v2 = composeV2();

const tempDir = scratchDirs();

/** compose.yaml with `edit` applied, written next to a copy of nothing else (config -q reads no other file). */
function editedCompose(edit: (doc: any) => void): string {
  const doc = parseYaml(readFileSync(composeFile, 'utf8'));
  edit(doc);
  const dir = tempDir('ipng-compose-');
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/** [host path relative to the repo, container path] of a service's short-syntax bind mounts. */
function binds(service: string): Array<[string, string]> {
  return (compose.services[service].volumes as string[]).map((v) => {
    const [source, target] = v.split(':');
    return [source.replace(/^\.\//, ''), target];
  });
}

const monitoringDir = join(repoRoot, 'monitoring');
/** The monitoring mixin's rule files that prometheus.yml's glob loads (none until the mixin is there). */
function mixinRuleFiles(): string[] {
  return existsSync(monitoringDir)
    ? readdirSync(monitoringDir).filter((f) => /^prometheus_.*\.yaml$/.test(f)).sort()
    : [];
}

function replaceAll(text: string, replacements: Array<[string, string]>, file: string): string {
  let out = text;
  for (const [from, to] of replacements) {
    if (!out.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update this test's substitutions`);
    out = out.split(from).join(to);
  }
  return out;
}

describe('compose.yaml, offline', () => {
  if (!v1.path) console.warn(`skipped compose 1.29 checks: ${v1.note}`);
  if (!v2.path) console.warn(`skipped compose v2 checks: ${v2.note}`);

  it.skipIf(!v1.path)('docker-compose 1.29 (Debian 12) accepts it: config -q, with and without the traffic profile', () => {
    expect(composeConfigQuiet(v1.path!, composeFile)).toEqual({ status: 0, output: '' });
    expect(composeConfigQuiet(v1.path!, composeFile, ['--profile', 'traffic'])).toEqual({ status: 0, output: '' });
  });

  it.skipIf(!v2.path)('compose v2 (Debian trixie) accepts it: config -q, with and without the traffic profile', () => {
    expect(composeConfigQuiet(v2.path!, composeFile)).toEqual({ status: 0, output: '' });
    expect(composeConfigQuiet(v2.path!, composeFile, ['--profile', 'traffic'])).toEqual({ status: 0, output: '' });
  });

  // What makes checking with both worth it: a key only compose v2 knows.
  it.skipIf(!v1.path || !v2.path)('a key only compose v2 knows (develop:) passes v2 and is refused by 1.29', () => {
    const file = editedCompose((doc) => { doc.services.nginx.develop = { watch: [] }; });
    expect(composeConfigQuiet(v2.path!, file).status).toBe(0);
    const old = composeConfigQuiet(v1.path!, file);
    expect(old.status).toBe(1);
    expect(old.output).toContain("Unsupported config option for services.nginx: 'develop'");
  });

  it.skipIf(!v2.path)('matches the compose-spec JSON schema embedded in compose v2, which refuses an unknown key', () => {
    const schema = embeddedComposeSchema(v2.path!);
    expect(schema.$id).toBe('compose_spec.json');
    // Formats such as "duration" are compose-go's own: checked by compose
    // itself above, not by this schema pass.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    // compose-go names draft-07 as https://...draft-07/schema; Ajv knows
    // the same meta-schema by its canonical id.
    expect(schema.$schema).toBe('https://json-schema.org/draft-07/schema');
    const validate = ajv.compile({ ...schema, $schema: 'http://json-schema.org/draft-07/schema#' });
    const ok = validate(compose);
    expect(ok, ajv.errorsText(validate.errors)).toBe(true);

    const broken = parseYaml(readFileSync(composeFile, 'utf8'));
    broken.services.prometheus.bogus_key = 1;
    expect(validate(broken)).toBe(false);
    expect(ajv.errorsText(validate.errors)).toContain('must NOT have additional properties');
  });

  it('publishes every port on the host loopback only, and the traffic generator only under its profile', () => {
    const published: string[] = [];
    for (const [name, service] of Object.entries<any>(compose.services)) {
      for (const p of service.ports ?? []) published.push(`${name} ${p}`);
    }
    expect(published).toEqual([
      'nginx 127.0.0.1:8080:8080',
      'nginx 127.0.0.1:9113:9113',
      'prometheus 127.0.0.1:9090:9090',
      'grafana 127.0.0.1:3000:3000',
    ]);
    const profiled = Object.entries<any>(compose.services).filter(([, s]) => s.profiles).map(([n, s]) => `${n}: ${s.profiles}`);
    expect(profiled).toEqual(['traffic: traffic']);
  });
});

describe("the services' own configuration files, run natively", () => {
  const env = readRuntimeEnv();
  const nginxConfFile = join(repoRoot, 'docker', 'nginx', 'nginx.conf');
  const prometheusYmlFile = join(repoRoot, 'docker', 'prometheus', 'prometheus.yml');

  const dockerfilePath = join(repoRoot, 'docker', 'nginx', 'Dockerfile');
  const stages = parseDockerfile(dockerfilePath);
  const stage = (name: string) => {
    const found = stages.find((st) => st.name === name);
    if (!found) throw new Error(`${dockerfilePath}: no stage ${name}`);
    return found;
  };

  it("the Dockerfile: stages on Debian trixie; the nginx image is the runtime layer plus the shim stage's /out and the nginx.conf tested here", () => {
    expect(stages.map((st) => `${st.name} FROM ${st.base}`)).toEqual([
      'runtime FROM debian:trixie-slim',
      'bundle FROM debian:trixie-slim',
      'shim FROM runtime',
      'nginx FROM runtime',
      'traffic FROM debian:trixie-slim',
    ]);
    expect(stage('nginx').copies).toEqual([
      { from: 'shim', sources: ['/out/'], dest: '/' },
      { from: null, sources: ['docker/nginx/nginx.conf'], dest: '/etc/nginx/nginx.conf' },
    ]);
    expect(compose.services.nginx.build).toEqual({ context: '.', dockerfile: 'docker/nginx/Dockerfile', target: 'nginx' });
    expect(compose.services.traffic.build).toEqual({ context: '.', dockerfile: 'docker/nginx/Dockerfile', target: 'traffic' });
  });

  // The image's bundle and shim stages, run natively on exactly the files
  // they COPY from the build context: the bundle stage's esbuild run (its
  // `npm ci` stands in as this clone's node_modules, its njs CLI as the
  // provisioned one, the same trixie package), then the shim stage's
  // install.sh against trixie's nginx-dev tree. Resolves to the shim
  // stage's /out, which the nginx image copies to /.
  let imageOut: Promise<string> | null = null;
  function buildImageStages(): Promise<string> {
    imageOut ??= (async () => {
      const ignored = dockerignore(join(repoRoot, '.dockerignore'));
      const bundle = stage('bundle');
      expect(bundle.workdir).toBe('/src');
      const bundleDir = tempDir('ipng-image-bundle-');
      replayCopies(bundle, repoRoot, ignored, bundleDir);
      expect(bundle.runs).toContain('IPNG_NJS_CLI=/usr/bin/njs node esbuild.config.mjs');
      symlinkSync(join(repoRoot, 'node_modules'), join(bundleDir, 'node_modules'));
      const esbuild = spawnSync(process.execPath, ['esbuild.config.mjs'],
        { cwd: bundleDir, encoding: 'utf8', env: { ...process.env, IPNG_NJS_CLI: env.NJS_CLI } });
      expect(esbuild.status, esbuild.stderr).toBe(0);
      expect(readFileSync(join(bundleDir, 'dist', 'ipng-stats.js'), 'utf8'))
        .toBe(readFileSync(join(repoRoot, 'dist', 'ipng-stats.js'), 'utf8'));

      const shim = stage('shim');
      expect(shim.workdir).toBe('/src');
      const shimDir = tempDir('ipng-image-shim-');
      replayCopies(shim, repoRoot, ignored, shimDir);
      expect(shim.copies).toContainEqual({ from: 'bundle', sources: ['/src/dist'], dest: './dist' });
      cpSync(join(bundleDir, 'dist'), join(shimDir, 'dist'), { recursive: true });
      expect(shim.runs).toContain('scripts/install.sh --nginx /usr/sbin/nginx --source /usr/share/nginx/src --prefix /out');
      const out = join(tempDir('ipng-image-out-'), 'out');
      // The runtime layer's nginx here: the provisioned trixie runtime.
      const trixieRoot = join(dirname(env.NJS_MODULE), '..', '..', '..', '..');
      const install = spawnSync('bash', [
        join(shimDir, 'scripts', 'install.sh'),
        '--nginx', nginxBinary(),
        '--source', join(trixieRoot, 'usr', 'share', 'nginx', 'src'),
        '--prefix', out,
        '--njs-module', env.NJS_MODULE,
        '--build-dir', join(shimDir, 'build', 'install-shim'),
      ], { encoding: 'utf8' });
      expect(install.status, install.stderr).toBe(0);
      return out;
    })();
    return imageOut;
  }

  it.skipIf(!env.DEBIAN_VERSIONS)('the bundle and shim stages, replayed natively on the files they COPY, build the committed bundle and install the shim', async () => {
    const out = await buildImageStages();
    expect(readdirSync(join(out, 'usr', 'lib', 'nginx', 'modules'))).toEqual(['ngx_http_ipng_stats_module.so']);
    expect(readdirSync(join(out, 'usr', 'share', 'njs-ipng-stats', 'nginx')).sort()).toEqual([
      'ipng-stats-log-fallback.conf', 'ipng-stats-log-spool.conf', 'ipng-stats-scrape.conf', 'ipng-stats-tick.conf',
      'ipng-stats.conf',
    ]);
  });

  /** The container's nginx.conf, its paths mapped to the replayed image and this machine, its ports to free loopback ones. */
  function nativeNginxConf(out: string, prefix: string, sitePort: number, metricsPort: number): string {
    const text = replaceAll(readFileSync(nginxConfFile, 'utf8'), [
      // from the runtime layer: Debian's njs module (the provisioned one)
      ['/usr/lib/nginx/modules/ngx_http_js_module.so', env.NJS_MODULE],
      // from the shim stage's /out
      ['/usr/lib/nginx/modules/ngx_http_ipng_stats_module.so', join(out, 'usr', 'lib', 'nginx', 'modules', 'ngx_http_ipng_stats_module.so')],
      ['/usr/share/njs-ipng-stats/', `${join(out, 'usr', 'share', 'njs-ipng-stats')}/`],
      ['/run/nginx.pid', join(prefix, 'nginx.pid')],
      ['/var/log/nginx/', `${prefix}/`],
      ['/var/lib/nginx/', `${prefix}/`],
      ['listen 8080;', `listen 127.0.0.1:${sitePort};`],
      ['listen 9113;', `listen 127.0.0.1:${metricsPort};`],
    ], nginxConfFile);
    const unmapped = text.split('\n').filter((l) => !/^\s*#/.test(l) && /\s\/(usr|var|run|etc)\//.test(l));
    expect(unmapped).toEqual([]);
    return text;
  }

  test('nginx.conf runs in a real nginx on the replayed image; the traffic script against it gives exact counts; prometheus.yml scrapes them in a real Prometheus',
    async ({ nginxOnPrefix, prometheus, skip }) => {
      const missing = prometheusMissing();
      if (missing) skip(missing);
      if (!env.DEBIAN_VERSIONS) skip('the image is replayed with the downloaded Debian trixie runtime, and this run uses IPNG_NGINX_BINARY');
      const out = await buildImageStages();
      const prefix = tempDir('ipng-compose-nginx-');
      const [sitePort, metricsPort] = [await freePort(), await freePort()];
      writeFileSync(join(prefix, 'nginx.conf'), nativeNginxConf(out, prefix, sitePort, metricsPort));
      await nginxOnPrefix(prefix, [sitePort, metricsPort]);

      const traffic = spawnSync('sh', [join(repoRoot, 'docker', 'traffic', 'traffic.sh')], {
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, TRAFFIC_TARGET: `http://127.0.0.1:${sitePort}`, TRAFFIC_REQUESTS: '16', TRAFFIC_SECONDS: '30', TRAFFIC_PAUSE: '0' },
      });
      expect(traffic.stderr).toBe('');
      expect(traffic.stdout).toBe(`traffic: sent 16 requests to http://127.0.0.1:${sitePort}\n`);
      expect(traffic.status).toBe(0);

      const metrics = `http://127.0.0.1:${metricsPort}/metrics`;
      await afterNextFlush(metrics);
      // The readiness probe (/hello), then 16 requests of the 7-path mix:
      // two full rounds (/, /hello x3, /moved, /missing, /error) and /, /hello.
      const expected = [
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 11',
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="301"} 2',
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 2',
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="500"} 2',
      ];
      expect(samples((await httpGet(metrics)).body, 'nginx_ipng_requests_total')).toEqual(expected);

      // The same prometheus.yml the container mounts: only the rules'
      // directory and the target's host change.
      const config = replaceAll(readFileSync(prometheusYmlFile, 'utf8'), [
        ['/etc/prometheus/monitoring/', `${monitoringDir}/`],
        ['"nginx:9113"', `"127.0.0.1:${metricsPort}"`],
      ], prometheusYmlFile);
      const server = await prometheus({ config });
      await server.waitForTargetUp();
      const result = await server.queryUntil('nginx_ipng_requests_total{job="njs-ipng-stats"}',
        (r) => r.reduce((sum, s) => sum + s.value, 0) === 17);
      expect(result.map((s) => `${s.metric.code} ${s.value}`).sort()).toEqual(['200 11', '301 2', '404 2', '500 2']);

      // Every rule group of monitoring/prometheus_*.yaml is loaded (none
      // until the monitoring mixin is there).
      const groupsInFiles = mixinRuleFiles().flatMap((f) =>
        (parseYaml(readFileSync(join(monitoringDir, f), 'utf8')).groups as Array<{ name: string }>).map((g) => g.name));
      const loaded = (await (await fetch(`${server.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string }> } };
      expect(loaded.data.groups.map((g) => g.name).sort()).toEqual(groupsInFiles.sort());
    });

  it('prometheus.yml passes promtool check config (with the rule files it names)', ({ skip }) => {
    const missing = promtoolMissing();
    if (missing) skip(missing);
    const dir = tempDir('ipng-compose-promtool-');
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, replaceAll(readFileSync(prometheusYmlFile, 'utf8'),
      [['/etc/prometheus/monitoring/', `${monitoringDir}/`]], prometheusYmlFile));
    const res = spawnSync(promtoolBinary(), ['check', 'config', file], { encoding: 'utf8' });
    const output = res.stdout + res.stderr;
    expect(output).toContain(` SUCCESS: ${file} is valid prometheus config file syntax\n`);
    // Each rule file the glob finds is checked too.
    const ruleFiles = mixinRuleFiles();
    for (const f of ruleFiles) expect(output).toContain(`Checking ${join(monitoringDir, f)}\n  SUCCESS: `);
    if (ruleFiles.length > 0) expect(output).toContain(`  SUCCESS: ${ruleFiles.length} rule files found\n`);
    expect(res.status).toBe(0);
  });

  it("Prometheus's mounts: the config file it is told to load, and the rules' directory", () => {
    const mounts = binds('prometheus');
    expect(mounts).toEqual([
      ['docker/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml'],
      ['monitoring', '/etc/prometheus/monitoring'],
    ]);
    expect(compose.services.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = parseYaml(readFileSync(prometheusYmlFile, 'utf8'));
    expect(config.rule_files).toEqual(['/etc/prometheus/monitoring/prometheus_*.yaml']);
    expect(config.scrape_configs.map((s: any) => s.static_configs[0].targets)).toEqual([['nginx:9113']]);
  });

  it("Grafana's provisioning: one default Prometheus data source at the stack's Prometheus, dashboards from the mounted monitoring/dashboards", () => {
    const mounts = binds('grafana');
    expect(mounts).toEqual([
      ['docker/grafana/provisioning', '/etc/grafana/provisioning'],
      ['monitoring/dashboards', '/var/lib/grafana/dashboards/njs-ipng-stats'],
    ]);
    const provisioning = join(repoRoot, 'docker', 'grafana', 'provisioning');
    expect(readdirSync(provisioning).sort()).toEqual(['dashboards', 'datasources']);

    const datasources = readdirSync(join(provisioning, 'datasources'))
      .map((f) => parseYaml(readFileSync(join(provisioning, 'datasources', f), 'utf8')));
    expect(datasources).toHaveLength(1);
    expect(datasources[0].apiVersion).toBe(1);
    expect(datasources[0].datasources).toEqual([{
      name: 'Prometheus', uid: 'prometheus', type: 'prometheus', access: 'proxy',
      url: 'http://prometheus:9090', isDefault: true, editable: false, jsonData: { timeInterval: '5s' },
    }]);
    // The URL names the compose service and the port its Prometheus listens on.
    expect(compose.services.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    // Grafana's step follows Prometheus's scrape interval.
    expect(parseYaml(readFileSync(prometheusYmlFile, 'utf8')).global.scrape_interval).toBe('5s');

    const providers = readdirSync(join(provisioning, 'dashboards'))
      .map((f) => parseYaml(readFileSync(join(provisioning, 'dashboards', f), 'utf8')));
    expect(providers).toHaveLength(1);
    expect(providers[0].apiVersion).toBe(1);
    expect(providers[0].providers).toHaveLength(1);
    const provider = providers[0].providers[0];
    expect(provider.type).toBe('file');
    expect(provider.options.path).toBe(mounts[1][1]);

    // Whatever dashboards monitoring/ holds are plain dashboard JSON that
    // file provisioning loads (an import-only ${DS_...} input would not be
    // resolved).
    const dashboards = join(repoRoot, mounts[1][0]);
    const files = existsSync(dashboards) ? readdirSync(dashboards).filter((f) => f.endsWith('.json')) : [];
    for (const f of files) {
      const text = readFileSync(join(dashboards, f), 'utf8');
      const dashboard = JSON.parse(text);
      expect(typeof dashboard.uid, f).toBe('string');
      expect(typeof dashboard.title, f).toBe('string');
      expect(text, f).not.toMatch(/\$\{DS_[A-Z_]+\}/);
    }
  });

  it('every file the stack mounts or builds from exists, except monitoring/ until the mixin is there', () => {
    const sources = [...binds('prometheus'), ...binds('grafana')].map(([source]) => source);
    const missing = sources.filter((s) => !existsSync(join(repoRoot, s)) && !s.startsWith('monitoring'));
    expect(missing).toEqual([]);
    for (const f of ['docker/nginx/Dockerfile', 'docker/nginx/nginx.conf', 'docker/traffic/traffic.sh', '.dockerignore']) {
      expect(existsSync(join(repoRoot, f)), f).toBe(true);
    }
    expect(dirname(composeFile)).toBe(repoRoot);
  });
});
