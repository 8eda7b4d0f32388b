// Network namespaces as test client hosts: each host is a namespace joined
// to the root namespace by a veth pair, with addresses from the
// documentation ranges. nginx runs in the root namespace and sees each host
// arrive on its own interface (the root end of the pair).
//
// Names are unique per run (pid + counter + random), the addresses are
// drawn per run from 192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/32, and
// every namespace and link is deleted by destroy() (call it in finally /
// afterAll). Traffic goes only to these hosts and to loopback.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetnsHost {
  /** namespace name (also the client's side) */
  ns: string;
  /** the interface in the root namespace that this host's traffic arrives on */
  dev: string;
  /** nginx-side (root namespace) addresses, to connect to from the host */
  serverV4: string;
  serverV6: string;
  /** the host's own addresses */
  clientV4: string;
  clientV6: string;
  /** run a command inside the namespace; throws on a non-zero exit */
  exec(args: string[], timeoutMs?: number): string;
}

function run(args: string[], timeoutMs = 10000): { status: number; out: string } {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

function must(args: string[], timeoutMs = 10000): string {
  const r = run(args, timeoutMs);
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.out}`);
  return r.out;
}

/** Why namespaces cannot be used here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (run(['ip', '-V']).status !== 0) return 'iproute2 (ip) is not installed';
  if (run(['curl', '--version']).status !== 0) return 'curl is not installed';
  const probe = `ipngprobe${process.pid}${randomBytes(2).toString('hex')}`;
  const add = run(['ip', 'netns', 'add', probe]);
  if (add.status !== 0) return `ip netns add is not allowed here: ${add.out.trim()}`;
  run(['ip', 'netns', 'del', probe]);
  return null;
}

let counter = 0;

export class NetnsLab {
  readonly hosts: NetnsHost[] = [];
  private readonly tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  // Per-run subnets: a /30 from each IPv4 documentation range, a /64 in 2001:db8::/32.
  private readonly v4Base = [
    `192.0.2.${4 * (randomBytes(1)[0] % 63)}`,
    `198.51.100.${4 * (randomBytes(1)[0] % 63)}`,
  ];
  // four hex digits without a leading zero: the form nginx prints ($server_addr)
  private readonly v6Prefix = `2001:db8:${(randomBytes(2).readUInt16BE(0) | 0x1000).toString(16)}`;

  /** Adds a client host on a fresh interface; at most two (one per IPv4 range). */
  addHost(): NetnsHost {
    const i = this.hosts.length;
    if (i >= this.v4Base.length) throw new Error('NetnsLab: at most two hosts');
    const id = `${this.tag}${counter++}`;
    const ns = `ipng${id}`;
    // Interface names are at most 15 characters.
    const dev = `ig${id}`.slice(0, 15);
    const peer = `ip${id}`.slice(0, 15);
    const [a, b, c, d] = this.v4Base[i].split('.').map(Number);
    const serverV4 = `${a}.${b}.${c}.${d + 1}`;
    const clientV4 = `${a}.${b}.${c}.${d + 2}`;
    const serverV6 = `${this.v6Prefix}:${i + 1}::1`;
    const clientV6 = `${this.v6Prefix}:${i + 1}::2`;

    must(['ip', 'netns', 'add', ns]);
    const host: NetnsHost = {
      ns,
      dev,
      serverV4,
      serverV6,
      clientV4,
      clientV6,
      exec: (args, timeoutMs = 15000) => must(['ip', 'netns', 'exec', ns, ...args], timeoutMs),
    };
    this.hosts.push(host);
    must(['ip', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', peer]);
    must(['ip', 'link', 'set', peer, 'netns', ns]);
    must(['ip', 'addr', 'add', `${serverV4}/30`, 'dev', dev]);
    must(['ip', '-6', 'addr', 'add', `${serverV6}/64`, 'dev', dev, 'nodad']);
    must(['ip', 'link', 'set', dev, 'up']);
    must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    must(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${clientV4}/30`, 'dev', peer]);
    must(['ip', 'netns', 'exec', ns, 'ip', '-6', 'addr', 'add', `${clientV6}/64`, 'dev', peer, 'nodad']);
    must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up']);
    return host;
  }

  /** Deletes every namespace and link this lab made; safe to call twice. */
  destroy(): void {
    for (const h of this.hosts.splice(0)) {
      // Deleting the root end removes the pair; the namespace goes next.
      run(['ip', 'link', 'del', h.dev]);
      run(['ip', 'netns', 'del', h.ns]);
    }
  }
}

/**
 * `curl` from inside a host: n sequential requests in one process (one
 * connection reused where possible), returns the status codes.
 */
export function curlFrom(host: NetnsHost, url: string, n: number): number[] {
  const args = ['curl', '-sS', '-g', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}\\n'];
  for (let i = 0; i < n; i++) {
    if (i > 0) args.push('--next', '-sS', '-g', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}\\n');
    args.push(url);
  }
  return host
    .exec(args, 30000)
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map(Number);
}
