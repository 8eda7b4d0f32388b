import { describe, expect, it } from 'vitest';
import { parseRequestsKey, requestsKey } from '../../src/counters/keys';
import { requestsFamilyText } from '../../src/exposition/requests-family';

describe('counter keys', () => {
  it('round-trips labels through a requests key', () => {
    const key = requestsKey('mg1', '2001:db8::1', 404);
    expect(parseRequestsKey(key)).toEqual({ sourceTag: 'mg1', vip: '2001:db8::1', code: '404' });
  });

  it('ignores keys of other kinds and malformed keys', () => {
    expect(parseRequestsKey('x\x1fa\x1fb\x1fc')).toBeNull();
    expect(parseRequestsKey('q\x1fonly-two')).toBeNull();
  });

  it('renders the requests family sorted by labels', () => {
    const text = requestsFamilyText([
      [requestsKey('direct', '127.0.0.1', 404), 2],
      [requestsKey('direct', '127.0.0.1', 200), 5],
      ['unrelated', 9],
    ]);
    expect(text).toBe(
      '# HELP nginx_ipng_requests_total Request count per (source, vip, status_code).\n' +
        '# TYPE nginx_ipng_requests_total counter\n' +
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="200"} 5\n' +
        'nginx_ipng_requests_total{source_tag="direct",vip="127.0.0.1",code="404"} 2\n',
    );
  });
});
