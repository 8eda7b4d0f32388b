// req_status_show through a real nginx (2 workers, the shim, the product
// bundle, no ipng zone): Tengine's lines (exact, checked against the
// access log's bytes), tsar's reading, req_status_show_field with an
// indicator, the JSON (schema) and Prometheus (promtool) outputs, bad
// queries and methods.
import { describe, expect } from 'vitest';
import { test } from '../harness/nginx';
import { httpGet, httpRequest } from '../harness/http';
import { checkMetrics, promtoolMissing } from '../harness/promtool';
import { samples } from '../harness/exposition';
import { validateReqstatJson } from '../harness/json-schema';
import { LOG_FORMAT, accessLogOf, sums, FIELDS, keyIdentity } from './reqstat-support';
import type { LogLine } from './reqstat-support';
import { fetchHttp10, showWhen, tengineStyle, tsarRead, urlOn } from './reqstat-show-support';

/** The Tengine line of a key whose requests the log lines are, with the given counters. */
function tengineLine(key: string, log: LogLine[], counters: Record<string, number>, indicators: number[] = []): string {
  const values: Record<string, number> = { ...Object.fromEntries(FIELDS.map((f) => [f, 0])), ...sums(log), ...counters };
  return [key, ...FIELDS.map((f) => values[f]), ...indicators].join(',');
}

const CONFIG = `
    ${LOG_FORMAT}
    req_status_zone server "$host,$server_addr:$server_port" 1m;
    req_status_zone hosts "$host" 1m;
    req_status_zone_add_indicator server $cost;
    server {
        listen 127.0.0.1:{{PORT}};
        access_log rs.log rs;
        req_status server hosts;
        set $cost 0;
        location = /a { set $cost 7; return 200 "a"; }
        location = /nf { return 404; }
        location = /moved { return 302 /a; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { req_status_show; }
        location = /server { req_status_show server; }
        location = /fields { req_status_show server; req_status_show_field req_total $cost http_4xx; }
    }`;

describe('req_status_show', () => {
  test('Tengine lines: every zone that req_status uses, one after another, newest key first; text/plain', async ({ nginx }) => {
    const n = await nginx(tengineStyle(CONFIG, 2, 2));
    const showUrl = (path: string) => urlOn(n, 1, path);
    const port = n.port;
    await httpGet(n.url('/a'), { Host: 'a.example' });
    await httpGet(n.url('/a'), { Host: 'a.example' });
    // the second key only once the first is in the zone, so that the order is known
    await showWhen(showUrl('/us'), (t) => t.includes('a.example'));
    await httpGet(n.url('/nf'), { Host: 'b.example' });
    await httpGet(n.url('/moved'), { Host: 'b.example' });
    const log = await accessLogOf(n, 4);
    const a = log.filter((l) => l.host === 'a.example');
    const b = log.filter((l) => l.host === 'b.example');
    const aCounts = { conn_total: 2, req_total: 2, http_2xx: 2, http_200: 2 };
    const bCounts = { conn_total: 2, req_total: 2, http_3xx: 1, http_302: 1, http_4xx: 1, http_404: 1 };
    const expected =
      tengineLine(`b.example,127.0.0.1:${port}`, b, bCounts, [0]) + '\n' +
      tengineLine(`a.example,127.0.0.1:${port}`, a, aCounts, [14]) + '\n' +
      tengineLine('b.example', b, bCounts) + '\n' +
      tengineLine('a.example', a, aCounts) + '\n';
    let res = await httpGet(showUrl('/us'));
    for (let i = 0; i < 50 && res.body !== expected; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await httpGet(showUrl('/us'));
    }
    expect(res.body).toBe(expected);
    expect(res.headers['content-type']).toBe('text/plain');

    // One zone, and req_status_show_field with the indicator.
    expect((await httpGet(showUrl('/server'))).body).toBe(expected.split('\n').slice(0, 2).join('\n') + '\n');
    expect((await httpGet(showUrl('/fields'))).body).toBe(`b.example,127.0.0.1:${port},2,0,1\na.example,127.0.0.1:${port},2,14,0\n`);

    // tsar: HTTP/1.0, key up to the first comma (the comma-free zone), integer fields.
    const tsar = await fetchHttp10(n.ports[1], '/us');
    expect(tsar.statusLine).toBe('HTTP/1.1 200 OK');
    const hosts = tsar.body.split('\n').slice(2).join('\n');
    const read = tsarRead(hosts);
    expect([...read.keys()]).toEqual(['b.example', 'a.example']);
    expect(read.get('a.example')!.slice(2, 5)).toEqual([2n, 2n, 2n]);
    expect(read.get('b.example')!.length).toBe(29);

    // HEAD: the headers only.
    const head = await httpRequest(showUrl('/us'), { method: 'HEAD' });
    expect([head.status, head.body, head.headers['content-type']]).toEqual([200, '', 'text/plain']);
  });

  test('JSON (schema 1) and Prometheus text (promtool-clean); a bad query is a 400 with a reason, POST a 405', async ({ nginx }) => {
    const n = await nginx(tengineStyle(CONFIG, 2, 2));
    const showUrl = (path: string) => urlOn(n, 1, path);
    await httpGet(n.url('/a'), { Host: 'a.example' });
    await showWhen(showUrl('/us'), (t) => t.includes('a.example'));
    await httpGet(n.url('/nf'), { Host: 'a"quote\\back' });
    await showWhen(showUrl('/us'), (t) => t.split('\n').length === 5);

    const json = await httpGet(showUrl('/us'), { Accept: 'application/json' });
    expect(json.headers['content-type']).toBe('application/json');
    const doc = validateReqstatJson(json.body);
    expect(doc.zones.map((z) => [z.name, z.keys.map((k) => k.kv)])).toEqual([
      ['server', [`a"quote\\back,127.0.0.1:${n.port}`, `a.example,127.0.0.1:${n.port}`]],
      ['hosts', ['a"quote\\back', 'a.example']],
    ]);
    expect(doc.zones[0].fields.slice(-2)).toEqual(['http_ups_5xx', 'cost']);
    expect(doc.zones[0].keys[1].values[3]).toBe(1);
    expect(doc.zones[0].keys[1].values[29]).toBe(7);

    for (const [headers, path] of [[{ Accept: 'text/plain; version=0.0.4' }, '/us'], [{}, '/us?format=prometheus']] as const) {
      const prom = await httpGet(showUrl(path), headers);
      expect(prom.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(prom.body).toContain(`nginx_reqstat_requests_total{zone="server",key="a.example,127.0.0.1:${n.port}"} 1\n`);
      expect(prom.body).toContain(`nginx_reqstat_responses_total{zone="hosts",key="a\\"quote\\\\back",class="4xx"} 1\n`);
      expect(prom.body).toContain(`nginx_reqstat_indicator_total{zone="server",key="a.example,127.0.0.1:${n.port}",indicator="cost"} 7\n`);
      expect(prom.body).toContain('nginx_reqstat_zone_keys{zone="hosts"} 2\n');
      if (promtoolMissing() === null) await checkMetrics(prom.body, []);
    }

    const bad = await httpGet(showUrl('/us?format=xml'));
    expect([bad.status, bad.body]).toEqual([400, 'unknown format "xml": use tengine, json or prometheus\n']);
    const post = await httpRequest(showUrl('/us'), { method: 'POST', body: 'x' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  test('long keys cut to one text: two Tengine lines with the same kv, two JSON entries told apart by key_id, one Prometheus series summed', async ({ nginx }) => {
    const n = await nginx(tengineStyle(`
    ${LOG_FORMAT}
    req_status_zone uris "$uri" 1m;
    req_status_zone_key_length uris 4;
    server {
        listen 127.0.0.1:{{PORT}};
        access_log rs.log rs;
        req_status uris;
        location / { return 200 "x"; }
    }
    server {
        listen 127.0.0.1:{{PORT1}};
        location = /us { req_status_show uris; }
    }`, 2, 2));
    const showUrl = (path: string) => urlOn(n, 1, path);
    // each key stored before the next (the order of the lines: newest first)
    let text = '';
    for (const [uri, lines] of [['/test0', 1], ['/test1', 2], ['/test1', 2], ['/tes', 3]] as const) {
      await httpGet(n.url(uri));
      text = await showWhen(showUrl('/us'), (t) => t.split('\n').length === lines + 1);
    }
    text = await showWhen(showUrl('/us'), (t) => t.split('\n').map((l) => Number(l.split(',')[4] ?? 0)).reduce((a, b) => a + b, 0) === 4);
    const log = await accessLogOf(n, 4);
    const of = (uri: string) => log.filter((l) => l.uri === uri);
    expect(text).toBe([
      tengineLine('/tes', of('/tes'), { conn_total: 1, req_total: 1, http_2xx: 1, http_200: 1 }),
      tengineLine('/tes', of('/test1'), { conn_total: 2, req_total: 2, http_2xx: 2, http_200: 2 }),
      tengineLine('/tes', of('/test0'), { conn_total: 1, req_total: 1, http_2xx: 1, http_200: 1 }),
    ].join('\n') + '\n');

    const doc = validateReqstatJson((await httpGet(showUrl('/us'), { Accept: 'application/json' })).body);
    expect(doc.zones[0].keys.map((k) => [k.kv, (k as { key_id?: string }).key_id, k.values[3]])).toEqual([
      ['/tes', undefined, 1], ['/tes', keyIdentity('/test1'), 2], ['/tes', keyIdentity('/test0'), 1],
    ]);

    const prom = (await httpGet(showUrl('/us?format=prometheus'))).body;
    expect(prom.split('\n').filter((l) => l.startsWith('nginx_reqstat_requests_total'))).toEqual([
      'nginx_reqstat_requests_total{zone="uris",key="/tes"} 4',
    ]);
    expect(prom).toContain(`nginx_reqstat_bytes_out_total{zone="uris",key="/tes"} ${sums(log).bytes_out}\n`);
    expect(prom).toContain('nginx_reqstat_zone_keys{zone="uris"} 3\n');
    if (promtoolMissing() === null) await checkMetrics(prom, []);
  });
});

describe('req_status_show beside ipng counting', () => {
  // Like the scrape, the status page and ssl_status, a display location's
  // own requests are not ipng traffic (reqstat itself counts them, as
  // Tengine does, when a req_status covers the location). reqstat needs
  // the shim, so there is no form without it.
  test('its requests are not counted by ipng', async ({ nginx }) => {
    const n = await nginx({
      flushInterval: '100ms',
      http: `
      req_status_zone hosts "$host" 1m;
      server {
          listen 127.0.0.1:{{PORT}} reuseport;
          location = /a { return 200 "a"; }
          location = /us { req_status_show hosts; }
          location = /metrics { js_content ipng.scrape; }
      }`,
    });
    for (let i = 0; i < 3; i++) expect((await httpGet(n.url('/a'))).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await httpGet(n.url('/us'))).status).toBe(200);
    expect((await httpRequest(n.url('/us'), { method: 'DELETE' })).status).toBe(405);
    const expected = ['nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 3'];
    let lines: string[] = [];
    for (let i = 0; i < 50; i++) {
      lines = samples((await httpGet(n.url('/metrics'))).body, 'nginx_ipng_requests_total');
      if (JSON.stringify(lines) === JSON.stringify(expected)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // and stays so over several more flush intervals
    await new Promise((r) => setTimeout(r, 500));
    expect(samples((await httpGet(n.url('/metrics'))).body, 'nginx_ipng_requests_total')).toEqual(expected);
  });
});
