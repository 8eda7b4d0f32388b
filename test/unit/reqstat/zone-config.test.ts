import { describe, expect, it } from 'vitest';
import { allColumns, counterCount, dictName, parseShowFields, parseShowZones, parseZones } from '../../../src/reqstat/zone-config';

const US = '\x1f';

describe('reqstat zone configuration ($ipng_reqstat_zones)', () => {
  it('reads one zone a line, indicators without $, in declaration order', () => {
    const parsed = parseZones(['server', '152', '10', '60', '10485760', 'limit', 'bytes'].join(US) + '\n' + ['short', '4', '0', '1', '1048576'].join(US) + '\n');
    expect(parsed).toEqual({
      ok: true,
      value: [
        { name: 'server', keyLength: 152, recycleTimes: 10, recycleSeconds: 60, sizeBytes: 10485760, indicators: ['limit', 'bytes'] },
        { name: 'short', keyLength: 4, recycleTimes: 0, recycleSeconds: 1, sizeBytes: 1048576, indicators: [] },
      ],
    });
    if (parsed.ok) expect(counterCount(parsed.value[0])).toBe(31);
  });

  it('no variable or an empty one: no zones', () => {
    expect(parseZones(undefined)).toEqual({ ok: true, value: [] });
    expect(parseZones('')).toEqual({ ok: true, value: [] });
  });

  it('rejects a line that is not the format, naming what is wrong', () => {
    expect(parseZones('server' + US + '152\n')).toEqual({ ok: false, reason: 'line 1 of $ipng_reqstat_zones has 2 fields, not at least 5' });
    expect(parseZones(['z', 'x', '10', '60', '1'].join(US))).toEqual({ ok: false, reason: 'zone "z": bad key length "x"' });
    expect(parseZones(['z', '152', '10', '0', '1'].join(US))).toEqual({ ok: false, reason: 'zone "z": bad recycle seconds "0"' });
    expect(parseZones(['z', '152', '-1', '60', '1'].join(US))).toEqual({ ok: false, reason: 'zone "z": bad recycle times "-1"' });
  });

  it('show zones and dict names', () => {
    expect(parseShowZones('a' + US + 'b')).toEqual(['a', 'b']);
    expect(parseShowZones('')).toEqual([]);
    expect(dictName('server')).toBe('reqstat_server');
  });
});

describe('req_status_show_field ($ipng_reqstat_show_fields)', () => {
  const zone = { name: 'z', keyLength: 152, recycleTimes: 10, recycleSeconds: 60, sizeBytes: 1048576, indicators: ['limit', 'cost'] };

  it('empty: every built-in field, then the indicators', () => {
    const all = allColumns(zone);
    expect(all.names.slice(0, 4)).toEqual(['bytes_in', 'bytes_out', 'conn_total', 'req_total']);
    expect(all.names.slice(27)).toEqual(['http_ups_4xx', 'http_ups_5xx', 'limit', 'cost']);
    expect(all.positions).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(parseShowFields('', zone)).toEqual({ ok: true, value: all });
  });

  it('picks fields by name and indicators by $name, in the given order; another zone\'s indicator shows 0', () => {
    expect(parseShowFields(['req_total', '$cost', 'bytes_in', '$other'].join(US), zone)).toEqual({
      ok: true,
      value: { names: ['req_total', 'cost', 'bytes_in', 'other'], positions: [3, 30, 0, -1] },
    });
  });

  it('an unknown field is an error (the shim already refuses it at nginx -t)', () => {
    expect(parseShowFields('req_totl', zone)).toEqual({ ok: false, reason: 'unknown req_status_show_field "req_totl"' });
  });
});
