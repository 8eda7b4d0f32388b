import { describe, expect, it } from 'vitest';
import { renderSslJson, renderSslPrometheus, renderSslText } from '../../../src/ssl/render';
import { chooseDisplayFormat, wantsPrometheusText } from '../../../src/exposition/query';
import { validateSslStatusJson } from '../../harness/json-schema';

const zone = { zone: 'z1', values: [1, 2, 3, 4, 21, 20, 5, 6, 7, 8, 9, 10], handshakes: [14, 6] };

describe('SSL status outputs', () => {
  it('the original\'s text, byte for byte: a space before each newline', () => {
    expect(renderSslText(zone)).toBe(
      'number: 1 \nconnect: 2 \nconnect_good: 3 \nconnect_renegotiate: 4 \naccept: 21 \naccept_good: 20 \n' +
        'accept_renegotiate: 5 \nhits: 6 \ncb_hits: 7 \nmisses: 8 \ntimeouts: 9 \ncache_full: 10 \n',
    );
  });

  it('JSON, schema 1; a zone name shown as its text', () => {
    const text = renderSslJson([zone, { zone: 'caf\\xc3\\xa9', values: zone.values.map(() => 0), handshakes: [0, 0] }]);
    validateSslStatusJson(text);
    const doc = JSON.parse(text);
    expect(doc.schema).toBe(1);
    expect(Object.keys(doc.zones)).toEqual(['z1', 'café']);
    expect(doc.zones.z1).toEqual({
      number: 1, connect: 2, connect_good: 3, connect_renegotiate: 4, accept: 21, accept_good: 20,
      accept_renegotiate: 5, hits: 6, cb_hits: 7, misses: 8, timeouts: 9, cache_full: 10,
      handshakes: { full: 14, resumed: 6 },
    });
  });

  it('Prometheus: number a gauge, the others counters with _total', () => {
    const text = renderSslPrometheus([zone]);
    expect(text).toContain('# TYPE nginx_ssl_number gauge\nnginx_ssl_number{zone="z1"} 1\n');
    expect(text).toContain('# TYPE nginx_ssl_accept_total counter\nnginx_ssl_accept_total{zone="z1"} 21\n');
    expect(text).toContain('nginx_ssl_cache_full_total{zone="z1"} 10\n');
    expect(text).toContain(
      '# TYPE nginx_ssl_handshakes_total counter\n' +
        'nginx_ssl_handshakes_total{zone="z1",handshake="full"} 14\nnginx_ssl_handshakes_total{zone="z1",handshake="resumed"} 6\n',
    );
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE'))).toHaveLength(13);
  });

  it('chooses the format: ?format= first, then Accept; the original\'s text otherwise', () => {
    expect(chooseDisplayFormat({}, undefined, 'text')).toEqual({ ok: true, format: 'text' });
    expect(chooseDisplayFormat({}, 'text/plain', 'text')).toEqual({ ok: true, format: 'text' });
    expect(chooseDisplayFormat({}, '*/*', 'text')).toEqual({ ok: true, format: 'text' });
    expect(chooseDisplayFormat({}, 'application/json', 'text')).toEqual({ ok: true, format: 'json' });
    expect(chooseDisplayFormat({}, 'text/plain; version=0.0.4', 'text')).toEqual({ ok: true, format: 'prometheus' });
    expect(chooseDisplayFormat({ format: 'prometheus' }, 'application/json', 'text')).toEqual({ ok: true, format: 'prometheus' });
    expect(chooseDisplayFormat({ format: 'xml' }, undefined, 'text')).toEqual({ ok: false, reason: 'unknown format "xml": use text, json or prometheus' });
    expect(chooseDisplayFormat({ format: ['json', 'text'] }, undefined, 'text')).toEqual({ ok: false, reason: 'format given more than once' });
  });

  it('recognises Prometheus\'s own Accept header', () => {
    expect(wantsPrometheusText('application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1')).toBe(true);
    expect(wantsPrometheusText('text/plain;version=0.0.4;q=0')).toBe(false);
    expect(wantsPrometheusText('text/plain')).toBe(false);
  });
});
