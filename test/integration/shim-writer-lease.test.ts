// The shim's writer lease, read through $ipng_stats_writer_deltas by a tiny
// njs module of the test's own (no product bundle): one worker (the writer)
// gets "w\n" and everybody's counts, every other read returns "" and hands
// the reader's counts over. Two workers, each with its own reuseport socket,
// so that new connections spread over both; every response names the pid
// that served it. Totals are exact: every 404 sent is counted exactly once
// in the writer's reads.
import { createServer, IncomingMessage, request, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test, startNginx, NginxInstance, NginxOptions } from '../harness/nginx';
import { httpGet } from '../harness/http';
import { readRuntimeEnv } from '../../scripts/runtime-env.mjs';
import { sleep } from '../../scripts/nginx-process.mjs';

const US = '\x1f';
const BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const B_LINE = `b${US}${BOUNDS.join(' ')}`;
const LEASE_MS = 10000;

const jsDir = mkdtempSync(join(tmpdir(), 'ipng-lease-js-'));
writeFileSync(
  join(jsDir, 't.js'),
  `
function read(r) {
    var v = r.variables.ipng_stats_writer_deltas;
    r.return(200, JSON.stringify({ pid: process.pid, v: v }));
}
async function late(r) {
    try {
        await ngx.fetch('http://127.0.0.1:' + r.args.port + '/late?id=' + r.args.id,
                        { headers: { 'X-Pid': String(process.pid) } });
    } catch (e) {
        r.return(500, String(e));
        return;
    }
    var v = r.variables.ipng_stats_writer_deltas;
    r.return(200, JSON.stringify({ pid: process.pid, v: v }));
}
export default { read, late };
`,
);
afterAll(() => rmSync(jsDir, { recursive: true, force: true }));

/** The shim and njs, no bundle, no tick: the test reads the variable itself. */
function options(): NginxOptions {
  const env = readRuntimeEnv();
  return {
    workers: 2,
    product: false,
    tick: false,
    flushInterval: null,
    main: `load_module ${env.NJS_MODULE};\nload_module ${env.SHIM_MODULE};`,
    http: `
    js_path ${jsDir};
    js_import t from t.js;
    access_log off;
    server {
        listen 127.0.0.1:{{PORT}} reuseport ipng_source_tag=lease;
        location = /read { ipng_stats off; js_content t.read; }
        location = /late { ipng_stats off; js_content t.late; }
        location = /nf { return 404 "$pid\\n"; }
    }`,
  };
}

interface Read {
  pid: number;
  v: string;
  start: number; // client clock: before the request was sent
  end: number; // and after its connection closed
}

/** One GET on a new connection; null when it has no answer within ms. */
function get(url: string, ms: number): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        const done = () => resolve({ status: res.statusCode ?? 0, body });
        if (res.socket.destroyed) done();
        else res.socket.once('close', done);
      });
    });
    req.on('error', () => resolve(null));
    req.setTimeout(ms, () => { req.destroy(); resolve(null); });
    req.end();
  });
}

async function read(n: NginxInstance, ms = 10000): Promise<Read | null> {
  const start = Date.now();
  const res = await get(n.url('/read'), ms);
  if (res === null) return null;
  expect(res.status).toBe(200);
  const j = JSON.parse(res.body) as { pid: number; v: string };
  expect(typeof j.v).toBe('string');
  return { pid: j.pid, v: j.v, start, end: Date.now() };
}

/**
 * Reads until done(reads) holds, at most `count` reads and `ms` ms; the
 * reads are also pushed onto `all` (the test's whole history).
 */
async function readUntil(
  n: NginxInstance,
  all: Read[],
  done: (reads: Read[]) => boolean,
  { count = 400, ms = 20000, timeout = 10000 } = {},
): Promise<Read[]> {
  const reads: Read[] = [];
  const until = Date.now() + ms;
  for (let i = 0; i < count && Date.now() < until && !done(reads); i++) {
    const r = await read(n, timeout);
    if (r === null) continue;
    reads.push(r);
    all.push(r);
  }
  return reads;
}

const pidsOf = (reads: Read[]) => new Set(reads.map((r) => r.pid));
const isWriter = (r: Read) => r.v.startsWith('w\n');

/** The blocks of a writer's value ("w\n" stripped), each checked for framing. */
function blocks(v: string): string[][] {
  expect(v.startsWith('w\n')).toBe(true);
  const rest = v.slice(2);
  if (rest === '') return [];
  expect(rest.endsWith('\n')).toBe(true);
  const out: string[][] = [];
  for (const line of rest.slice(0, -1).split('\n')) {
    if (line === B_LINE) out.push([]);
    else out[out.length - 1].push(line);
  }
  expect(rest.startsWith(B_LINE + '\n')).toBe(true);
  return out;
}

/** The 404s one block counts (its entries must be this server's, no x line). */
function count404(block: string[]): number {
  let n = 0;
  for (const l of block) {
    const f = l.split(US);
    if (f[1] === 'ipng_time') {
      expect(f.slice(0, 6)).toEqual(['r', 'ipng_time', '', '2', 'lease', '127.0.0.1']);
      continue;
    }
    // the statuses of one (tag, vip): an m line whose one member is the 404
    expect(f.slice(0, 7)).toEqual(['m', 'ipng', '', '3', '3', 'lease', '127.0.0.1']);
    const member = f[7].split(' ');
    expect(member).toHaveLength(4);
    expect(member[0]).toBe('404');
    n += Number(member[1]);
  }
  return n;
}

/** Per-block 404 counts of every writer read (blocks counting none left out), and their sum. */
function written(reads: Read[]): { perBlock: number[]; total: number } {
  const perBlock = reads.filter(isWriter).flatMap((r) => blocks(r.v).map(count404)).filter((x) => x > 0);
  return { perBlock, total: perBlock.reduce((a, b) => a + b, 0) };
}

/** Sends `count` 404s (at least `count`; more until each pid served `min`); per pid served. */
async function send404(n: NginxInstance, count: number, pids: number[], min = 3): Promise<Map<number, number>> {
  const served = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const enough = i >= count && pids.every((p) => (served.get(p) ?? 0) >= min);
    if (enough) break;
    const res = await httpGet(n.url('/nf'));
    expect(res.status).toBe(404);
    const pid = Number(res.body.trim());
    served.set(pid, (served.get(pid) ?? 0) + 1);
  }
  for (const p of pids) expect(served.get(p) ?? 0).toBeGreaterThanOrEqual(min);
  return served;
}

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Reads until both workers have read; the one that got "w\n" is the writer. */
async function writerAndOther(n: NginxInstance, all: Read[]): Promise<{ w: number; o: number; reads: Read[] }> {
  const reads = await readUntil(n, all, (rs) => pidsOf(rs).size >= 2 && rs.length >= 10);
  expect(pidsOf(reads).size).toBe(2);
  const writers = pidsOf(reads.filter(isWriter));
  expect(writers.size).toBe(1);
  const w = [...writers][0];
  const o = [...pidsOf(reads)].find((p) => p !== w)!;
  return { w, o, reads };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], ms = 15000): Promise<void> {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await sleep(50);
  expect(pids.filter(alive)).toEqual([]);
}

/** Reads until the writer has reported `expected` 404s in all; checks nothing more comes. */
async function drainTo(n: NginxInstance, all: Read[], expected: number): Promise<void> {
  await readUntil(n, all, () => written(all).total >= expected);
  expect(written(all).total).toBe(expected);
  // a few more reads by both: nothing is left, nothing is counted twice
  const more = await readUntil(n, all, (rs) => pidsOf(rs).size >= 2 && rs.length >= 10);
  expect(pidsOf(more).size).toBe(2);
  for (const r of more) expect(r.v === '' || r.v === 'w\n').toBe(true);
  expect(written(all).total).toBe(expected);
}

describe('$ipng_stats_writer_deltas', () => {
  test('one writer: the first reader of a fresh zone gets "w\\n" on every read, every other read is ""', async ({ nginx }) => {
    const n = await nginx(options());
    const all: Read[] = [];
    const reads = await readUntil(n, all, (rs) => rs.filter((r) => r.pid !== rs[0].pid).length >= 5 && rs.length >= 30);
    expect(pidsOf(reads).size).toBe(2);
    const w = reads[0].pid;
    expect(reads[0].v).toBe('w\n');
    // nothing counted (the reads are ipng_stats off): exactly "w\n" or ""
    for (const r of reads) expect(r.v).toBe(r.pid === w ? 'w\n' : '');
    expect(pidsOf(reads.filter(isWriter))).toEqual(new Set([w]));
  });

  test('the other worker\'s counts reach the writer: exact per-block and total 404s', async ({ nginx }) => {
    const n = await nginx(options());
    const all: Read[] = [];
    const { w, o } = await writerAndOther(n, all);
    const served = await send404(n, 30, [w, o]);
    const from = all.length;
    await drainTo(n, all, sum(served));
    const after = all.slice(from);
    // only the writer ever gets "w\n"; the other gets ""
    for (const r of after) expect(isWriter(r)).toBe(r.pid === w);
    for (const r of after.filter((x) => x.pid === o)) expect(r.v).toBe('');
    // one block from each worker's table: the other's came through the handoff
    expect(written(after).perBlock.sort((a, b) => a - b)).toEqual(
      [served.get(w)!, served.get(o)!].sort((a, b) => a - b),
    );
  });

  test('nginx -s reload: the old writer gives the lease up at exit, a new worker takes it; no count lost', async ({ nginx }) => {
    const n = await nginx(options());
    const all: Read[] = [];
    const { w, o } = await writerAndOther(n, all);
    const before = await send404(n, 40, [w, o]);
    // a partial drain: the writer's own reads, maybe the other's block too
    await readUntil(n, all, (rs) => rs.some((r) => r.pid === w));
    const old = [w, o];
    await n.reload();
    await waitGone(old);
    const newGen: Read[] = [];
    const first = await readUntil(n, newGen, (rs) => pidsOf(rs).size >= 2 && rs.length >= 10);
    expect(first.filter((r) => old.includes(r.pid))).toEqual([]);
    const [nw, no] = (() => {
      const ws = [...pidsOf(first.filter(isWriter))];
      expect(ws).toHaveLength(1);
      return [ws[0], [...pidsOf(first)].find((p) => p !== ws[0])!];
    })();
    const after = await send404(n, 10, [nw, no]);
    all.push(...newGen);
    await drainTo(n, all, sum(before) + sum(after));
    const since = all.slice(all.indexOf(newGen[0]));
    expect(pidsOf(since.filter(isWriter))).toEqual(new Set([nw]));
    for (const r of since.filter((x) => x.pid !== nw)) expect(r.v).toBe('');
    // the lease was free, not taken over from a gone pid
    expect(n.errorLog()).not.toContain('writer lease taken over');
  });

  test('an exiting writer returns "" and gives the lease up at that read, while it still lives; no count lost', async ({ nginx }) => {
    // the upstream of /late: holds each request until the test answers it,
    // which keeps an old worker alive (and exiting) after a reload
    const held: { pid: number; id: number; res: ServerResponse }[] = [];
    const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      const id = Number(new URL(req.url ?? '', 'http://x').searchParams.get('id'));
      held.push({ pid: Number(req.headers['x-pid']), id, res });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upPort = (upstream.address() as AddressInfo).port;
    try {
      const n = await nginx(options());
      const all: Read[] = [];
      const { w, o } = await writerAndOther(n, all);
      const served = await send404(n, 20, [w, o]);

      // two /late requests held by the writer (connections land by hash)
      const late: Promise<{ status: number; body: string } | null>[] = [];
      for (let i = 0; i < 24 && held.filter((h) => h.pid === w).length < 2; i++) {
        late.push(get(n.url(`/late?port=${upPort}&id=${late.length}`), 30000));
        const until = Date.now() + 5000;
        while (held.length < late.length && Date.now() < until) await sleep(10);
      }
      const onWriter = held.filter((h) => h.pid === w);
      expect(onWriter.length).toBeGreaterThanOrEqual(2);

      // renew the lease just before the reload: its 10 s run from here
      const last = (await readUntil(n, all, (rs) => rs.some((r) => r.pid === w))).filter((r) => r.pid === w).pop()!;
      expect(isWriter(last)).toBe(true);

      await n.reload();
      const until = Date.now() + 10000;
      // each worker logs it when it starts its graceful exit (its process
      // title says so too, but not under valgrind)
      const exiting = (pid: number) => new RegExp(`\\] ${pid}#\\d+: gracefully shutting down`).test(n.errorLog());
      while (!exiting(w) && Date.now() < until) await sleep(20);
      expect(exiting(w)).toBe(true);

      // the exiting writer still holds the lease: new workers read ""
      const held1 = await readUntil(n, all, (rs) => rs.filter((r) => r.pid !== w && r.pid !== o).length >= 3, { ms: 5000 });
      for (const r of held1.filter((x) => x.pid !== w && x.pid !== o && x.end - last.start < LEASE_MS - 500)) {
        expect(r.v).toBe('');
      }

      // its first /late reads the variable while exiting: ""
      onWriter[0].res.end('go\n');
      const res = await late[onWriter[0].id];
      expect(res?.status).toBe(200);
      const exitRead = JSON.parse(res!.body) as { pid: number; v: string };
      expect(exitRead).toEqual({ pid: w, v: '' });

      // and gave the lease up: a new worker takes it at once, well before
      // the 10 s of a silent holder, while the old writer still lives
      const taken = await readUntil(n, all, (rs) => rs.some(isWriter), { ms: 5000 });
      const first = taken.find(isWriter)!;
      expect(first).toBeDefined();
      expect([w, o]).not.toContain(first.pid);
      expect(first.end - last.start).toBeLessThan(LEASE_MS);
      expect(alive(w)).toBe(true);
      expect(exiting(w)).toBe(true);

      // the rest of the held requests: every old worker's read is ""
      for (const h of held) if (h !== onWriter[0]) h.res.end('go\n');
      const rest = await Promise.all(late);
      for (const r of rest) {
        expect(r?.status).toBe(200);
        const j = JSON.parse(r!.body) as { pid: number; v: string };
        expect([w, o]).toContain(j.pid);
        expect(j.v).toBe('');
      }
      await waitGone([w, o]);

      await drainTo(n, all, sum(served));
      expect(pidsOf(all.filter((r) => r.start >= first.start && isWriter(r)))).toEqual(new Set([first.pid]));
      expect(n.errorLog()).not.toContain('writer lease taken over');
    } finally {
      for (const h of held) if (!h.res.writableEnded) h.res.end();
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  test('a silent writer (stopped) loses the lease after 10 s; resumed, it reads "" and hands its counts over', async ({ nginx }) => {
    const n = await nginx(options());
    const all: Read[] = [];
    const { w, o } = await writerAndOther(n, all);
    const served = await send404(n, 20, [w, o]);
    const last = all.filter((r) => r.pid === w).pop()!;
    process.kill(w, 'SIGSTOP');
    let taken: Read | undefined;
    try {
      // reads that land on the stopped worker wait in its socket: give up
      // on them after 500 ms (it serves them, unseen, once resumed)
      const reads = await readUntil(n, all, (rs) => rs.some(isWriter), { ms: LEASE_MS + 10000, timeout: 500 });
      taken = reads.find(isWriter);
      expect(taken?.pid).toBe(o);
      expect(taken!.end - last.start).toBeGreaterThan(LEASE_MS);
      for (const r of reads.filter((x) => x !== taken && x.end - last.start < LEASE_MS)) expect(r.v).toBe('');
    } finally {
      process.kill(w, 'SIGCONT');
    }
    const m = new RegExp(`writer lease taken over from process ${w}, silent for (\\d+) ms`).exec(n.errorLog());
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(LEASE_MS);

    // resumed: the old writer reads "", its block goes to the new one
    await drainTo(n, all, sum(served));
    const since = all.slice(all.indexOf(taken!));
    expect(pidsOf(since.filter(isWriter))).toEqual(new Set([o]));
    expect(since.filter((r) => r.pid === w).length).toBeGreaterThan(0);
    for (const r of since.filter((x) => x.pid === w)) expect(r.v).toBe('');
    // the stopped writer's own table came as one block through the handoff
    expect(written(since).perBlock).toContain(served.get(w)!);
  }, 60000);

  test('a killed writer: its pid is gone, the lease passes at once (not after 10 s)', async () => {
    // not the fixture: nginx logs the killed worker at [alert], which the
    // fixture fails on; this test checks the error log itself
    const n = await startNginx(options());
    try {
      const all: Read[] = [];
      const { w } = await writerAndOther(n, all);
      const last = all.filter((r) => r.pid === w).pop()!;
      process.kill(w, 'SIGKILL');
      await waitGone([w], 5000);
      const reads = await readUntil(n, all, (rs) => rs.some(isWriter), { ms: 5000 });
      const taken = reads.find(isWriter)!;
      expect(taken).toBeDefined();
      expect(taken.pid).not.toBe(w);
      expect(taken.end - last.start).toBeLessThan(LEASE_MS);
      expect(n.errorLog()).toContain(`writer lease taken over from process ${w}, which is gone`);
      const severe = n.errorLog().split('\n').filter((l) => /\[(alert|crit|emerg)\]/.test(l));
      expect(severe.filter((l) => !l.includes(`worker process ${w} exited on signal 9`))).toEqual([]);
    } finally {
      await n.stop();
      if (process.env.TEST_NGINX_LEAVE !== '1') rmSync(n.prefix, { recursive: true, force: true });
    }
  });
});
