// scripts/lib/trixie-apt.sh finds the Debian mirror in the machine's own apt
// sources; these fixtures stand in for /etc/apt.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../scripts/runtime-env.mjs';

function mirrorFor(files: Record<string, string>, env: Record<string, string> = {}) {
  const etc = mkdtempSync(join(tmpdir(), 'apt-etc-'));
  mkdirSync(join(etc, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(etc, name), text);
  const run = spawnSync('bash', ['-c', `. "${repoRoot}/scripts/lib/trixie-apt.sh" && trixie_mirror`], {
    encoding: 'utf8',
    env: { ...process.env, IPNG_DEBIAN_MIRROR: '', IPNG_APT_ETC: etc, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('trixie mirror from the machine apt sources', () => {
  it('takes the main suite of a deb822 source, not its -security sibling in an earlier file', () => {
    const r = mirrorFor({
      'sources.list.d/a-security.sources':
        'Types: deb\nURIs: http://security.mirror.test/debian-security\nSuites: bookworm-security\nComponents: main\n',
      'sources.list.d/debian.sources':
        'Types: deb\n# a comment\nURIs: http://mirror.test/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n\n' +
        'Types: deb\nURIs: http://mirror.test/debian-security\nSuites: bookworm-security\nComponents: main\n',
    });
    expect(r).toEqual({ status: 0, stdout: 'http://mirror.test/debian\n', stderr: '' });
  });

  it('skips deb-src and non-http sources', () => {
    const r = mirrorFor({
      'sources.list.d/debian.sources':
        'Types: deb-src\nURIs: http://src.mirror.test/debian\nSuites: bookworm\nComponents: main\n\n' +
        'Types: deb\nURIs: file:///srv/debian https://mirror.test/debian\nSuites: bookworm\nComponents: main\n',
    });
    expect(r.stdout).toBe('https://mirror.test/debian\n');
  });

  it('reads a one-line sources.list with options', () => {
    const r = mirrorFor({
      'sources.list':
        'deb http://mirror.test/debian-security bookworm-security main\n' +
        'deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.test/debian bookworm main\n',
    });
    expect(r.stdout).toBe('http://mirror.test/debian\n');
  });

  it('says what it needs when no source names a mirror', () => {
    const r = mirrorFor({ 'sources.list': '# nothing here\n' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^no Debian mirror found in .*sources\.list\.d\/\*\.sources or .*sources\.list \(a 'deb' source over http\(s\) for a release's main suite is needed, or set IPNG_DEBIAN_MIRROR=URI\)\n$/);
  });

  it('IPNG_DEBIAN_MIRROR overrides the sources', () => {
    const r = mirrorFor({ 'sources.list': 'deb http://mirror.test/debian bookworm main\n' },
      { IPNG_DEBIAN_MIRROR: 'http://other.test/debian' });
    expect(r.stdout).toBe('http://other.test/debian\n');
  });
});
