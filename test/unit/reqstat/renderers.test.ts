// The three outputs of req_status_show, exact text, from a fixed model.
import { describe, expect, it } from 'vitest';
import type { ShownZone } from '../../../src/reqstat/display-model';
import { keyText } from '../../../src/reqstat/display-model';
import { renderReqstatJson } from '../../../src/reqstat/json';
import { millisecondsTextAsSeconds, renderReqstatPrometheus } from '../../../src/reqstat/prometheus';
import { renderTengineZone } from '../../../src/reqstat/tengine-text';
import { allColumns, parseShowFields } from '../../../src/reqstat/zone-config';
import { validateReqstatJson } from '../../harness/json-schema';
import { checkMetrics, promtoolMissing } from '../../harness/promtool';

const ZONE = { name: 'server', keyLength: 152, recycleTimes: 10, recycleSeconds: 60, sizeBytes: 1048576, indicators: ['cost'] };

function row(...head: string[]): string {
  const c = head.slice();
  while (c.length < 30) c.push('0');
  return c.join(',');
}

function split(keys: Array<{ key: string; id?: string; counters: string }>): { keys: string[]; ids: string[]; counters: string[] } {
  return { keys: keys.map((k) => k.key), ids: keys.map((k) => k.id ?? ''), counters: keys.map((k) => k.counters) };
}

const SHOWN: ShownZone = {
  zone: ZONE,
  ...split([
    // bytes_in bytes_out conn req 2xx 3xx 4xx 5xx other rt ups_req ups_rt ups_tries 200 206 302 304 403 404 416 499 500 502 503 504 508 other_detail ups4 ups5 cost
    { key: 'b.example,127.0.0.1:80', counters: row('88', '18446744073709551999', '1', '2', '1', '0', '1', '0', '0', '1500', '1', '1007', '2', '1', '0', '0', '0', '0', '1', '0', '0', '0', '0', '0', '0', '0', '0', '1', '0', '12') },
    { key: 'caf\\xc3\\xa9\\xff\\x0a', counters: row('1', '2', '0', '1', '0', '0', '0', '0', '1', '5', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1') },
  ]),
  meta: { nextSeq: 2, keys: 2, counters: 30, recycledKeys: 3, droppedKeys: 1, droppedRequests: 4, warnedRequests: 4 },
  capacityBytes: 1048576,
  freeBytes: 1019904,
};

// key length 4: /test0 and /test1 cut to "/tes" (each with the identity of
// its whole key), and "/tes" itself, exactly 4 bytes long
const CUT_ZONE = { ...ZONE, keyLength: 4 };
const CUT: ShownZone = {
  ...SHOWN,
  zone: CUT_ZONE,
  ...split([
    { key: '/tes', id: '0123456789abcdef', counters: row('10', '20', '1', '1') },
    { key: '/tes', id: 'fedcba9876543210', counters: row('30', '40', '0', '2') },
    { key: '/tes', counters: row('1', '2', '0', '3') },
  ]),
  meta: { ...SHOWN.meta, nextSeq: 3, keys: 3 },
};

describe('Tengine lines', () => {
  it('all fields: kv, the 29 built-ins, the indicators; comma-separated, plain integers, \\n after each line', () => {
    expect(renderTengineZone(SHOWN, allColumns(ZONE), true)).toBe(
      'b.example,127.0.0.1:80,88,18446744073709551999,1,2,1,0,1,0,0,1500,1,1007,2,1,0,0,0,0,1,0,0,0,0,0,0,0,0,1,0,12\n' +
        'café\\xff\\x0a,1,2,0,1,0,0,0,0,1,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0\n',
    );
  });

  it('req_status_show_field picks and orders the columns after kv', () => {
    const columns = parseShowFields('req_total\x1f$cost\x1fbytes_out', ZONE);
    if (!columns.ok) throw new Error(columns.reason);
    expect(renderTengineZone(SHOWN, columns.value, false)).toBe('b.example,127.0.0.1:80,2,12,18446744073709551999\ncafé\\xff\\x0a,1,0,2\n');
  });

  it('an empty zone shows nothing', () => {
    expect(renderTengineZone({ ...SHOWN, keys: [], ids: [], counters: [] }, allColumns(ZONE), true)).toBe('');
  });

  it('two long keys cut to one text are two lines with the same kv, as Tengine', () => {
    expect(renderTengineZone(CUT, allColumns(CUT_ZONE), true)).toBe(
      '/tes,' + row('10', '20', '1', '1') + '\n/tes,' + row('30', '40', '0', '2') + '\n/tes,' + row('1', '2', '0', '3') + '\n',
    );
  });

  it('a key never breaks a line: control bytes as \\xHH', () => {
    expect(keyText('a\\x0ab\\x1f\\x7f')).toBe('a\\x0ab\\x1f\\x7f');
    expect(keyText('plain')).toBe('plain');
  });
});

describe('JSON', () => {
  it('version 1, exact numbers, matches the schema', () => {
    const text = renderReqstatJson([SHOWN]);
    validateReqstatJson(text);
    expect(text).toBe(
      '{"version":1,"zones":[{"name":"server","key_length":152,"recycle":{"times":10,"seconds":60},"size_bytes":1048576,"free_bytes":1019904,' +
        '"keys_recycled":3,"keys_dropped":1,"requests_dropped":4,"fields":["bytes_in","bytes_out","conn_total","req_total","http_2xx","http_3xx","http_4xx","http_5xx",' +
        '"http_other_status","rt","ups_req","ups_rt","ups_tries","http_200","http_206","http_302","http_304","http_403","http_404","http_416","http_499","http_500",' +
        '"http_502","http_503","http_504","http_508","http_other_detail_status","http_ups_4xx","http_ups_5xx","cost"],"keys":[' +
        '{"kv":"b.example,127.0.0.1:80","values":[88,18446744073709551999,1,2,1,0,1,0,0,1500,1,1007,2,1,0,0,0,0,1,0,0,0,0,0,0,0,0,1,0,12]},' +
        '{"kv":"café\\\\xff\\n","values":[1,2,0,1,0,0,0,0,1,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0]}]}]}',
    );
    expect(renderReqstatJson([])).toBe('{"version":1,"zones":[]}');
  });

  it('a cut key has its whole key\'s identity, "key_id"', () => {
    const text = renderReqstatJson([CUT]);
    validateReqstatJson(text);
    const keys = JSON.parse(text).zones[0].keys;
    expect(keys.map((k: { kv: string; key_id?: string; values: number[] }) => [k.kv, k.key_id, k.values[3]])).toEqual([
      ['/tes', '0123456789abcdef', 1], ['/tes', 'fedcba9876543210', 2], ['/tes', undefined, 3],
    ]);
    expect(text).toContain('{"kv":"/tes","key_id":"0123456789abcdef","values":[10,20,1,1,');
  });
});

describe('Prometheus text', () => {
  it('writes milliseconds as exact seconds', () => {
    expect(millisecondsTextAsSeconds('0')).toBe('0');
    expect(millisecondsTextAsSeconds('5')).toBe('0.005');
    expect(millisecondsTextAsSeconds('1500')).toBe('1.5');
    expect(millisecondsTextAsSeconds('1007')).toBe('1.007');
    expect(millisecondsTextAsSeconds('90071992547409931')).toBe('90071992547409.931');
  });

  it('one family per meaning, class and code as labels', () => {
    const text = renderReqstatPrometheus([SHOWN]);
    const k1 = 'zone="server",key="b.example,127.0.0.1:80"';
    const k2 = 'zone="server",key="café\\\\xff\\n"';
    for (const line of [
      `nginx_reqstat_bytes_out_total{${k1}} 18446744073709551999`,
      `nginx_reqstat_requests_total{${k1}} 2`,
      `nginx_reqstat_request_time_seconds_total{${k1}} 1.5`,
      `nginx_reqstat_upstream_response_time_seconds_total{${k1}} 1.007`,
      `nginx_reqstat_responses_total{${k1},class="2xx"} 1`,
      `nginx_reqstat_responses_total{${k1},class="other"} 0`,
      `nginx_reqstat_responses_total{${k2},class="other"} 1`,
      `nginx_reqstat_responses_by_code_total{${k1},code="404"} 1`,
      `nginx_reqstat_responses_by_code_total{${k2},code="other"} 1`,
      `nginx_reqstat_upstream_responses_total{${k1},class="4xx"} 1`,
      `nginx_reqstat_indicator_total{${k1},indicator="cost"} 12`,
      'nginx_reqstat_zone_keys{zone="server"} 2',
      'nginx_reqstat_zone_recycled_keys_total{zone="server"} 3',
      'nginx_reqstat_zone_dropped_requests_total{zone="server"} 4',
      '# TYPE nginx_reqstat_responses_total counter',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('keys shown alike are one series, their counts summed (exactly)', () => {
    const big = { ...CUT, ...split([
      { key: '/tes', id: '0123456789abcdef', counters: row('10', '18446744073709551615', '1', '1') },
      { key: 'other', counters: row('5', '5', '1', '1') },
      { key: '/tes', id: 'fedcba9876543210', counters: row('30', '1', '0', '2') },
      { key: '/tes', counters: row('1', '2', '0', '3') },
    ]) };
    const lines = renderReqstatPrometheus([big]).split('\n');
    expect(lines.filter((l) => l.startsWith('nginx_reqstat_requests_total{'))).toEqual([
      'nginx_reqstat_requests_total{zone="server",key="/tes"} 6',
      'nginx_reqstat_requests_total{zone="server",key="other"} 1',
    ]);
    expect(lines).toContain('nginx_reqstat_bytes_out_total{zone="server",key="/tes"} 18446744073709551618');
    expect(lines).toContain('nginx_reqstat_connections_total{zone="server",key="/tes"} 1');
    expect(lines).toContain('nginx_reqstat_zone_keys{zone="server"} 4');
  });

  const missing = promtoolMissing();
  it.skipIf(missing !== null)('passes promtool check metrics' + (missing === null ? '' : ' (skipped: ' + missing + ')'), async () => {
    await checkMetrics(renderReqstatPrometheus([SHOWN]), []);
    await checkMetrics(renderReqstatPrometheus([CUT]), []);
  });
});
