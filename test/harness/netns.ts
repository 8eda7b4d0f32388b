// Network namespaces as test client hosts: each host is a namespace joined
// to the root namespace by a veth pair, with addresses from the
// documentation ranges. nginx runs in the root namespace and sees each host
// arrive on its own interface (the root end of the pair).
//
// Names are unique per run (pid + counter + random), the addresses are
// drawn per run from the documentation ranges (198.51.100.0/24,
// 203.0.113.0/24, 192.0.2.0/24, 2001:db8::/32), and every namespace and link
// is deleted by destroy() (call it in finally / afterAll). Traffic goes only
// to these hosts and to loopback.
//
// Documentation ranges are not guaranteed to be unused: a sandbox may sit on
// 192.0.2.0/24 itself, gateway included. So a subnet is only taken when it
// overlaps no address and no route the machine already has, and each host is
// checked, before any traffic, to be reached through its own veth only.
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

/** An address block: network bits (left-aligned in 32 or 128 bits) and prefix length. */
interface Block {
  v6: boolean;
  bits: bigint;
  prefix: number;
}

function addressBits(text: string): { v6: boolean; bits: bigint } {
  if (!text.includes(':')) {
    return { v6: false, bits: text.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  }
  const [head, tail = ''] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = text.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = text.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return { v6: true, bits: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function block(cidr: string): Block {
  const [addr, len] = cidr.split('/');
  const { v6, bits } = addressBits(addr);
  return { v6, bits, prefix: len === undefined ? (v6 ? 128 : 32) : Number(len) };
}

function overlaps(a: Block, b: Block): boolean {
  if (a.v6 !== b.v6) return false;
  const width = a.v6 ? 128n : 32n;
  const shift = width - BigInt(Math.min(a.prefix, b.prefix));
  return a.bits >> shift === b.bits >> shift;
}

/** Every block the machine already uses: its addresses' subnets and its routes (default excluded). */
function blocksInUse(): Block[] {
  const used: Block[] = [];
  for (const family of ['-4', '-6']) {
    const routes = JSON.parse(must(['ip', '-j', family, 'route', 'show', 'table', 'all']) || '[]') as Array<{ dst: string }>;
    for (const r of routes) if (r.dst && r.dst !== 'default') used.push(block(r.dst));
  }
  const links = JSON.parse(must(['ip', '-j', 'addr']) || '[]') as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  for (const l of links) for (const a of l.addr_info ?? []) used.push(block(`${a.local}/${a.prefixlen}`));
  return used;
}

function shuffled<T>(xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBytes(1)[0] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Two free IPv4 /30s and one free IPv6 /48, from the documentation ranges. */
function freeSubnets(): { v4: string[]; v6Prefix: string } {
  const used = blocksInUse();
  const free = (cidr: string, taken: Block[]) => !taken.some((b) => overlaps(b, block(cidr)));
  const v4: string[] = [];
  for (const range of ['198.51.100', '203.0.113', '192.0.2']) {
    for (const k of shuffled([...Array(64).keys()])) {
      const cidr = `${range}.${4 * k}/30`;
      if (v4.length < 2 && free(cidr, [...used, ...v4.map(block)])) v4.push(cidr);
    }
  }
  if (v4.length < 2) throw new Error('NetnsLab: no free /30 left in the IPv4 documentation ranges');
  for (let attempt = 0; attempt < 100; attempt++) {
    // four hex digits without a leading zero: the form nginx prints ($server_addr)
    const v6Prefix = `2001:db8:${(randomBytes(2).readUInt16BE(0) | 0x1000).toString(16)}`;
    if (free(`${v6Prefix}::/48`, used)) return { v4: v4.map((c) => c.split('/')[0]), v6Prefix };
  }
  throw new Error('NetnsLab: no free /48 in 2001:db8::/32');
}

/** The device the kernel of namespace `ns` (root when null) would send to `address` through. */
function routeDevice(ns: string | null, address: string): string {
  const cmd = ['ip', '-j', ...(address.includes(':') ? ['-6'] : ['-4']), 'route', 'get', address];
  const out = must(ns ? ['ip', 'netns', 'exec', ns, ...cmd] : cmd);
  return (JSON.parse(out) as Array<{ dev: string }>)[0]?.dev ?? '';
}

export class NetnsLab {
  readonly hosts: NetnsHost[] = [];
  private readonly tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  // Per-run subnets that nothing on this machine uses: two IPv4 /30s, one
  // IPv6 /48 (a /64 per host).
  private readonly subnets = freeSubnets();
  private readonly v4Base = this.subnets.v4;
  private readonly v6Prefix = this.subnets.v6Prefix;

  /** Adds a client host on a fresh interface; at most two. */
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
    // Before any traffic: both directions must stay on this veth pair.
    for (const [where, address, expected] of [
      [null, clientV4, dev],
      [null, clientV6, dev],
      [ns, serverV4, peer],
      [ns, serverV6, peer],
    ] as Array<[string | null, string, string]>) {
      const actual = routeDevice(where, address);
      if (actual !== expected) {
        throw new Error(`NetnsLab: ${address} would leave through ${actual || '?'}, not ${expected}; refusing to send`);
      }
    }
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
