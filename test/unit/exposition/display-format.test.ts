import { describe, expect, it } from 'vitest';
import { chooseDisplayFormat, wantsPrometheusText } from '../../../src/exposition/query';

function parseShowQuery(args: Record<string, string | string[] | undefined>, accept: string | undefined) {
  return chooseDisplayFormat(args, accept, 'tengine');
}

describe('a display location\'s format (req_status_show: own text "tengine")', () => {
  it('Tengine lines by default, whatever tsar or curl send', () => {
    expect(parseShowQuery({}, undefined)).toEqual({ ok: true, format: 'tengine' });
    expect(parseShowQuery({}, '*/*')).toEqual({ ok: true, format: 'tengine' });
    expect(parseShowQuery({ x: '1' }, 'text/plain')).toEqual({ ok: true, format: 'tengine' });
  });

  it('JSON with Accept: application/json; Prometheus with its Accept header', () => {
    expect(parseShowQuery({}, 'application/json')).toEqual({ ok: true, format: 'json' });
    expect(parseShowQuery({}, 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1')).toEqual({ ok: true, format: 'prometheus' });
    expect(wantsPrometheusText('text/plain; version=0.0.4')).toBe(true);
    expect(wantsPrometheusText('text/plain')).toBe(false);
  });

  it('?format= wins over Accept', () => {
    expect(parseShowQuery({ format: 'prometheus' }, 'application/json')).toEqual({ ok: true, format: 'prometheus' });
    expect(parseShowQuery({ format: 'json' }, undefined)).toEqual({ ok: true, format: 'json' });
    expect(parseShowQuery({ format: 'tengine' }, 'application/json')).toEqual({ ok: true, format: 'tengine' });
  });

  it('a bad format is refused with a reason', () => {
    expect(parseShowQuery({ format: 'xml' }, undefined)).toEqual({ ok: false, reason: 'unknown format "xml": use tengine, json or prometheus' });
    expect(parseShowQuery({ format: '' }, undefined)).toEqual({ ok: false, reason: 'unknown format "": use tengine, json or prometheus' });
    expect(parseShowQuery({ format: 'constructor' }, undefined)).toEqual({ ok: false, reason: 'unknown format "constructor": use tengine, json or prometheus' });
    expect(parseShowQuery({ format: ['json', 'json'] }, undefined)).toEqual({ ok: false, reason: 'format given more than once' });
  });
});
