// What the shim's $ipng_stats_lines does to a template
// (native-shim/ngx_http_ipng_stats_lines.c), in TypeScript: the reference
// the C is tested against through nginx, and the unit tests' way to read
// a template. null: malformed (the variable is then not found).
const HEAD = 0x1c;
const NEXT = 0x1d;

export function expandTemplate(template: Buffer): Buffer | null {
  const out: number[] = [];
  let head: number[] | null = null;
  for (let i = 0; i < template.length; i++) {
    const b = template[i];
    if (b === HEAD) {
      const end = template.indexOf(HEAD, i + 1);
      if (end < 0) return null;
      head = [...template.subarray(i + 1, end)];
      out.push(...head);
      i = end;
    } else if (b === NEXT) {
      if (head === null) return null;
      out.push(0x0a, ...head);
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out);
}
