// The tick and the req_status_show handler (src/handlers/reqstat-show.ts)
// in Node against a fake `ngx` (fake-ngx.ts), with reqstat zones and no
// ipng zone: what the tick stores from a drain, and the exact responses.
// Through nginx: test/integration/reqstat-*.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import reqstatShow from '../../../src/handlers/reqstat-show';
import tick from '../../../src/handlers/tick';
import { FakeNgx, fakePeriodicSession, FakeRequest, FakeRequestInit, installFakeNgx, removeFakeNgx } from './fake-ngx';

const US = '\x1f';
const T0 = 1_000_000;
const ZONES = ['server', '152', '10', '60', '1048576', 'cost'].join(US) + '\n' + ['other', '4', '10', '60', '1048576'].join(US) + '\n';
const VARIABLES = { ipng_stats_flush_interval: '1s', ipng_reqstat_zones: ZONES };

function counters(head: number[], total: number): string {
  const c = head.slice();
  while (c.length < total) c.push(0);
  return c.join(' ');
}

/** The counters as the zone stores them. */
function stored(head: number[], total: number): string {
  return counters(head, total).split(' ').join(',');
}

// bytes_in bytes_out conn req 2xx 3xx 4xx 5xx other rt ups_req ups_rt ups_tries 200 ...
const DRAIN =
  'w\n' +
  ['r', 'reqstat', 'server', '2', 'a.example,127.0.0.1:80', '', counters([88, 230, 1, 2, 1, 0, 1, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 1], 29) + ' 5'].join(US) + '\n' +
  ['r', 'reqstat', 'server', '2', 'b.example,127.0.0.1:80', '', counters([10, 20, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 29) + ' 0'].join(US) + '\n' +
  ['r', 'reqstat', 'other', '2', 'a.ex', '', counters([1, 2, 1, 1, 0, 0, 0, 0, 1], 29)].join(US) + '\n' +
  ['r', 'reqstat', 'other', '2', 'bad', '', '1 2 3'].join(US) + '\n';

let ngx: FakeNgx;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ngx = installFakeNgx();
  ngx.zone('reqstat_server', 'string', 1048576);
  ngx.zone('reqstat_other', 'string', 1048576);
});
afterEach(() => {
  removeFakeNgx();
  vi.useRealTimers();
});

function show(init: FakeRequestInit, variables: Record<string, string> = {}): FakeRequest {
  const r = new FakeRequest({ ...init, variables: { ...VARIABLES, ipng_reqstat_show: 'server' + US + 'other', ipng_reqstat_show_fields: '', ...variables } });
  reqstatShow(r.asNginx());
  return r;
}

describe('a full reqstat zone', () => {
  it('drops a new key beyond the capacity of its size (a 32k zone: 20 keys at 152) and warns at [warn], never worse', () => {
    const zones = ['small', '152', '10', '60', '32768'].join(US) + '\n';
    ngx.zone('reqstat_small', 'string', 32768);
    let drain = 'w\n';
    for (let i = 0; i < 21; i++) drain += ['r', 'reqstat', 'small', '2', 'k' + i, '', counters([1, 1, 1, 1], 29)].join(US) + '\n';
    tick(fakePeriodicSession({ ipng_stats_flush_interval: '1s', ipng_reqstat_zones: zones }, { ipng_stats_writer_deltas: [drain] }));
    expect(Object.keys(ngx.shared.reqstat_small.contents()).filter((k) => k.startsWith('k'))).toHaveLength(20);
    expect(ngx.logs).toEqual([{
      level: ngx.WARN,
      message: 'ipng-stats: req_status_zone "small" is full: 1 new key (1 request) not counted since the last warning, 1 request in total; no key was idle enough to recycle (req_status_zone_recycle small 10 60); existing keys keep counting; enlarge the zone and reload',
    }]);
  });
});

describe('reqstat through the tick and req_status_show', () => {
  beforeEach(() => {
    tick(fakePeriodicSession(VARIABLES, { ipng_stats_writer_deltas: [DRAIN] }));
  });

  it('the tick stores each zone\'s keys, paces itself in the first zone, and counts the wrong shape once', () => {
    expect(ngx.shared.reqstat_server.contents()).toEqual({
      'ka.example,127.0.0.1:80': '0 1000000 2000|' + stored([88, 230, 1, 2, 1, 0, 1, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 1], 29) + ',5',
      'kb.example,127.0.0.1:80': '1 1000000 1000|' + stored([10, 20, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 29) + ',0',
      l0: '1000000',
      m: '2 0 0 0 0 2 30',
    });
    expect(ngx.shared.reqstat_other.contents()).toEqual({ 'ka.ex': '0 1000000 1000|' + stored([1, 2, 1, 1, 0, 0, 0, 0, 1], 29), m: '1 0 0 0 0 1 29' });
    expect(ngx.logs).toEqual([{ level: ngx.ERR, message: 'ipng-stats: 1 lines of $ipng_stats_writer_deltas not understood (is the shim from the same release as the bundle?)' }]);
  });

  it('Tengine lines: zones one after another, newest key first, text/plain', () => {
    const r = show({});
    expect(r.status).toBe(200);
    expect(r.headersOut['Content-Type']).toBe('text/plain');
    expect(r.body).toBe(
      'b.example,127.0.0.1:80,10,20,1,1,1,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n' +
        'a.example,127.0.0.1:80,88,230,1,2,1,0,1,0,0,7,0,0,0,1,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,5\n' +
        'a.ex,1,2,1,1,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n',
    );
  });

  it('req_status_show_field and a chosen zone', () => {
    const r = show({}, { ipng_reqstat_show: 'server', ipng_reqstat_show_fields: ['req_total', '$cost', 'http_4xx'].join(US) });
    expect(r.body).toBe('b.example,127.0.0.1:80,1,0,0\na.example,127.0.0.1:80,2,5,1\n');
  });

  it('JSON and Prometheus on request', () => {
    const json = show({ headersIn: { Accept: 'application/json' } });
    expect(json.headersOut['Content-Type']).toBe('application/json');
    const parsed = JSON.parse(json.body!);
    expect(parsed.zones.map((z: { name: string; keys: unknown[] }) => [z.name, z.keys.length])).toEqual([['server', 2], ['other', 1]]);
    const prom = show({ args: { format: 'prometheus' } });
    expect(prom.headersOut['Content-Type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(prom.body).toContain('nginx_reqstat_requests_total{zone="server",key="a.example,127.0.0.1:80"} 2\n');
    expect(prom.body).toContain('nginx_reqstat_indicator_total{zone="server",key="a.example,127.0.0.1:80",indicator="cost"} 5\n');
  });

  it('refuses a bad format with 400 and other methods with 405', () => {
    const bad = show({ args: { format: 'csv' } });
    expect([bad.status, bad.body]).toEqual([400, 'unknown format "csv": use tengine, json or prometheus\n']);
    const post = show({ method: 'POST' });
    expect([post.status, post.headersOut.Allow]).toEqual([405, 'GET, HEAD']);
  });

  it('the next flush is paced by the flush interval', () => {
    vi.setSystemTime(T0 + 500);
    tick(fakePeriodicSession(VARIABLES, { ipng_stats_writer_deltas: [DRAIN] }));
    expect(ngx.shared.reqstat_server.get('ka.example,127.0.0.1:80')).toMatch(/^0 1000000 2000\|88,/);
    vi.setSystemTime(T0 + 1000);
    tick(fakePeriodicSession(VARIABLES, { ipng_stats_writer_deltas: [DRAIN] }));
    expect(ngx.shared.reqstat_server.get('ka.example,127.0.0.1:80')).toMatch(/^0 1001000 3834\|176,460,2,4,/);
  });
});
