// Tengine's reqstat fields, in the order of its show lines and of the
// reqstat wire shape's COUNTERS (docs/wire-format.md): the 29 built-in
// fields after `kv`, then the zone's indicators in declaration order.

export const BUILTIN_FIELDS: readonly string[] = [
  'bytes_in', 'bytes_out', 'conn_total', 'req_total',
  'http_2xx', 'http_3xx', 'http_4xx', 'http_5xx', 'http_other_status',
  'rt', 'ups_req', 'ups_rt', 'ups_tries',
  'http_200', 'http_206', 'http_302', 'http_304', 'http_403', 'http_404', 'http_416', 'http_499',
  'http_500', 'http_502', 'http_503', 'http_504', 'http_508',
  'http_other_detail_status', 'http_ups_4xx', 'http_ups_5xx',
];

/** The built-in fields' positions among a key's counters. */
export const FIELD = {
  bytesIn: 0,
  bytesOut: 1,
  connTotal: 2,
  reqTotal: 3,
  http2xx: 4,
  http3xx: 5,
  http4xx: 6,
  http5xx: 7,
  httpOtherStatus: 8,
  rt: 9,
  upsReq: 10,
  upsRt: 11,
  upsTries: 12,
  /** http_200 .. http_508, in BUILTIN_FIELDS order */
  firstDetail: 13,
  lastDetail: 25,
  httpOtherDetailStatus: 26,
  httpUps4xx: 27,
  httpUps5xx: 28,
} as const;

export const BUILTIN_COUNT = BUILTIN_FIELDS.length;
