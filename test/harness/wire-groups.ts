// A drain's "m" lines (docs/wire-format.md) as the "r" lines they stand
// for: one per member, in member order, each with the shared keys, the
// member's last key and its counters. For tests that compare the shim's
// text with the entries an access log implies, whatever form the shim
// groups them in. The member's last key stays escaped (a space in it is
// "\x20", as in an "r" line's key it would be " ").
const US = '\x1f';

export function ungroupWire(text: string): string {
  if (text === '') return text;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(US);
    if (f[0] !== 'm') {
      out.push(line);
      continue;
    }
    const nkeys = Number(f[3]);
    const ncounters = Number(f[4]);
    const shared = f.slice(5, 4 + nkeys);
    const members = f[4 + nkeys].split(' ');
    if (f.length !== 5 + nkeys || members.length % (1 + ncounters) !== 0) throw new Error(`not an m line: ${JSON.stringify(line)}`);
    for (let i = 0; i < members.length; i += 1 + ncounters) {
      const last = members[i].replace(/\\x20/g, ' ');
      out.push(['r', f[1], f[2], nkeys, ...shared, last, members.slice(i + 1, i + 1 + ncounters).join(' ')].join(US));
    }
  }
  return out.join('\n');
}
