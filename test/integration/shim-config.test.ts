// `nginx -t` with the shim: every rule of the directives and listen
// parameters, with the exact message nginx prints for it.
import { describe, expect, test } from 'vitest';
import { testConfig } from '../harness/nginx';

const server = (inner: string, listen = 'listen 127.0.0.1:{{PORT}};') => `
    server {
        ${listen}
        ${inner}
        location = /metrics { js_content ipng.scrape; }
    }`;

/** nginx -t on `http`; returns the first [emerg] message without its "in FILE:LINE" tail. */
function emerg(http: string): string {
  const res = testConfig({ http, ports: [8080], shim: true });
  expect(res.status, res.output).not.toBe(0);
  const line = res.output.split('\n').find((l) => l.includes('[emerg]')) ?? res.output;
  return line.replace(/^nginx: \[emerg\] /, '').replace(/ in \/\S+nginx\.conf:\d+$/, '');
}

describe('nginx -t accepts', () => {
  test('every directive and listen parameter with valid values', () => {
    const res = testConfig({
      shim: true,
      ports: [8080],
      http: `
    ipng_stats_default_source public;
    ipng_stats_buckets 5 50 500;
    ipng_stats_flush_interval 250ms;
    ipng_stats on;
    log_format tail '$ipng_source_tag $status';
    ipng_stats_logtail tail udp://127.0.0.1:9514 buffer=16k flush=2s if=$status;
    ${server('ipng_stats off; location / { ipng_stats on; return 200; }', 'listen 127.0.0.1:{{PORT}} ipng_source_tag=lo-tag default_server backlog=16 reuseport;')}
    server { listen [::1]:8081 ipng_source_tag=v6 ipv6only=on; }
    server { listen 8082 device=lo; listen [::]:8082 device=lo ipng_source_tag=loop; }
    server { listen 8084 ipng_ingress; listen [::]:8084 ipng_ingress ipng_source_tag=x; }`,
    });
    expect(res.output).toContain('test is successful');
    expect(res.status).toBe(0);
  });
});

describe('nginx -t rejects listen parameters', () => {
  const cases: [string, string, string][] = [
    ['empty device=', 'listen 8083 device=;', 'empty "device=" in "listen": it needs a value'],
    [
      'a device= longer than 15 characters',
      'listen 8083 device=abcdefghijklmnop;',
      '"device=abcdefghijklmnop" in "listen" is too long: an interface name has at most 15 characters (IFNAMSIZ - 1)',
    ],
    ['device= twice', 'listen 8083 device=lo device=lo;', 'duplicate "device=" in "listen": give it at most once'],
    ['empty ipng_source_tag=', 'listen 8083 ipng_source_tag=;', 'empty "ipng_source_tag=" in "listen": it needs a value'],
    [
      'ipng_source_tag= twice',
      'listen 8083 ipng_source_tag=a ipng_source_tag=b;',
      'duplicate "ipng_source_tag=" in "listen": give it at most once',
    ],
    [
      'one address and port with and without device=',
      'listen 8083 device=lo; listen 8083;',
      'listen 0.0.0.0:8083 is used both with and without "device=": on one address and port every listen needs its own device=, or none has one',
    ],
    [
      'two tags for one socket',
      'listen 8083 ipng_source_tag=a; } server { listen 8083 ipng_source_tag=b;',
      'conflicting "ipng_source_tag=" for the listening socket 0.0.0.0:8083: "a" and "b"',
    ],
    [
      'device= with ipng_ingress',
      'listen 8083 device=lo ipng_ingress;',
      '"device=" and "ipng_ingress" exclude each other in "listen": device= binds the socket to one interface, ipng_ingress reads the interface of each connection',
    ],
    ['ipng_ingress twice', 'listen 8083 ipng_ingress ipng_ingress;', 'duplicate "ipng_ingress" in "listen": give it at most once'],
    [
      'an interface that does not exist (15 characters: the length is fine)',
      'listen 8083 device=ipngnosuchif15;',
      'listen 0.0.0.0:8083 device=ipngnosuchif15: setsockopt(SO_BINDTODEVICE) failed (19: No such device)',
    ],
  ];
  for (const [name, listen, message] of cases) {
    test(name, () => {
      expect(emerg(server('', listen))).toBe(message);
    });
  }
});

describe('nginx -t rejects http-level directives', () => {
  const cases: [string, string, string][] = [
    ['ipng_stats_buckets with one bound', 'ipng_stats_buckets 100;', '"ipng_stats_buckets" needs two or more bucket bounds (milliseconds)'],
    [
      'ipng_stats_buckets with a word',
      'ipng_stats_buckets 1 5 ten;',
      'invalid value "ten" in "ipng_stats_buckets": bounds must be positive integers (milliseconds)',
    ],
    [
      'ipng_stats_buckets with zero',
      'ipng_stats_buckets 0 5;',
      'invalid value "0" in "ipng_stats_buckets": bounds must be positive integers (milliseconds)',
    ],
    [
      'ipng_stats_buckets with a negative bound',
      'ipng_stats_buckets -5 5;',
      'invalid value "-5" in "ipng_stats_buckets": bounds must be positive integers (milliseconds)',
    ],
    [
      'ipng_stats_buckets with a fraction',
      'ipng_stats_buckets 1.5 5;',
      'invalid value "1.5" in "ipng_stats_buckets": bounds must be positive integers (milliseconds)',
    ],
    [
      'ipng_stats_buckets not strictly increasing',
      'ipng_stats_buckets 1 10 10 20;',
      '"ipng_stats_buckets" bounds must be strictly increasing: "10" follows "10"',
    ],
    [
      'ipng_stats_buckets decreasing',
      'ipng_stats_buckets 1 50 20;',
      '"ipng_stats_buckets" bounds must be strictly increasing: "20" follows "50"',
    ],
    ['ipng_stats_buckets twice', 'ipng_stats_buckets 1 2; ipng_stats_buckets 1 2;', '"ipng_stats_buckets" directive is duplicate'],
    ['ipng_stats_flush_interval below 100ms', 'ipng_stats_flush_interval 99ms;', '"ipng_stats_flush_interval" must be at least 100ms, got "99ms"'],
    [
      'ipng_stats_flush_interval not a duration',
      'ipng_stats_flush_interval soon;',
      'invalid value "soon" in "ipng_stats_flush_interval": it must be an nginx duration such as 500ms or 1s',
    ],
    ['ipng_stats_default_source empty', 'ipng_stats_default_source "";', '"ipng_stats_default_source" must not be empty'],
    ['ipng_stats_default_source twice', 'ipng_stats_default_source a; ipng_stats_default_source b;', '"ipng_stats_default_source" directive is duplicate'],
    ['ipng_stats with another value', 'ipng_stats maybe;', 'invalid value "maybe" in "ipng_stats": it must be "on" or "off"'],
  ];
  for (const [name, line, message] of cases) {
    test(name, () => {
      expect(emerg(`    ${line}\n${server('')}`)).toBe(message);
    });
  }

  const contexts: [string, string][] = [
    ['ipng_stats_default_source', 'ipng_stats_default_source a;'],
    ['ipng_stats_buckets', 'ipng_stats_buckets 1 2;'],
    ['ipng_stats_flush_interval', 'ipng_stats_flush_interval 1s;'],
    ['ipng_stats_logtail', "ipng_stats_logtail combined udp://127.0.0.1:9514;"],
    ['ipng_stats_zone', 'ipng_stats_zone ipng:4m;'],
  ];
  for (const [name, line] of contexts) {
    test(`${name} inside server and location: http only`, () => {
      expect(emerg(server(line))).toBe(`"${name}" directive is not allowed here`);
      expect(emerg(server(`location /x { ${line} }`))).toBe(`"${name}" directive is not allowed here`);
    });
  }

  test('ipng_stats on|off is allowed in http, server and location', () => {
    const res = testConfig({ shim: true, ports: [8080], http: `ipng_stats off;\n${server('ipng_stats on; location /a { ipng_stats off; }')}` });
    expect(res.status, res.output).toBe(0);
  });
});

describe('nginx -t rejects ipng_stats_logtail', () => {
  const fmt = "    log_format tail '$status';\n";
  const cases: [string, string, string][] = [
    [
      'an unknown format',
      'ipng_stats_logtail nosuch udp://127.0.0.1:9514;',
      'unknown log format "nosuch" in "ipng_stats_logtail": define it with "log_format" before this line',
    ],
    [
      'a format defined only after it',
      "ipng_stats_logtail later udp://127.0.0.1:9514; log_format later '$status';",
      'unknown log format "later" in "ipng_stats_logtail": define it with "log_format" before this line',
    ],
    ['a tcp:// destination', 'ipng_stats_logtail tail tcp://127.0.0.1:9514;', '"ipng_stats_logtail" destination must be udp://IPv4:PORT, got "tcp://127.0.0.1:9514"'],
    ['a file destination', 'ipng_stats_logtail tail /var/log/x.log;', '"ipng_stats_logtail" destination must be udp://IPv4:PORT, got "/var/log/x.log"'],
    [
      'a host name',
      'ipng_stats_logtail tail udp://localhost:9514;',
      '"ipng_stats_logtail" host must be a literal IPv4 address (no host names, no IPv6), got "udp://localhost:9514"',
    ],
    [
      'an IPv6 address',
      'ipng_stats_logtail tail udp://[::1]:9514;',
      '"ipng_stats_logtail" host must be a literal IPv4 address (no host names, no IPv6), got "udp://[::1]:9514"',
    ],
    ['no port', 'ipng_stats_logtail tail udp://127.0.0.1;', '"ipng_stats_logtail" destination "udp://127.0.0.1" has no port: it must be udp://IPv4:PORT'],
    ['port 0', 'ipng_stats_logtail tail udp://127.0.0.1:0;', 'invalid port in "udp://127.0.0.1:0" of "ipng_stats_logtail": it must be 1..65535'],
    ['port 65536', 'ipng_stats_logtail tail udp://127.0.0.1:65536;', 'invalid port in "udp://127.0.0.1:65536" of "ipng_stats_logtail": it must be 1..65535'],
    ['buffer below 1k', 'ipng_stats_logtail tail udp://127.0.0.1:9514 buffer=1023;', '"ipng_stats_logtail" buffer= must be at least 1k, got "1023"'],
    ['buffer not a size', 'ipng_stats_logtail tail udp://127.0.0.1:9514 buffer=big;', 'invalid buffer size "big" in "ipng_stats_logtail"'],
    ['flush below 100ms', 'ipng_stats_logtail tail udp://127.0.0.1:9514 flush=50ms;', '"ipng_stats_logtail" flush= must be at least 100ms, got "50ms"'],
    ['flush not a duration', 'ipng_stats_logtail tail udp://127.0.0.1:9514 flush=later;', 'invalid flush time "later" in "ipng_stats_logtail"'],
    ['an unknown parameter', 'ipng_stats_logtail tail udp://127.0.0.1:9514 gzip;', 'invalid parameter "gzip" in "ipng_stats_logtail"'],
    [
      'twice',
      'ipng_stats_logtail tail udp://127.0.0.1:9514; ipng_stats_logtail tail udp://127.0.0.1:9515;',
      '"ipng_stats_logtail" directive is duplicate',
    ],
    ['one argument', 'ipng_stats_logtail tail;', 'invalid number of arguments in "ipng_stats_logtail" directive'],
  ];
  for (const [name, line, message] of cases) {
    test(name, () => {
      expect(emerg(`${fmt}    ${line}\n${server('')}`)).toBe(message);
    });
  }

  // log_format goes through the shim's wrapper, which calls the log module
  // first: nginx's own checks and messages are unchanged.
  const logFormatCases: [string, string, string][] = [
    ['a lone "$"', "log_format bad 'x $';", 'invalid parameter "$"'],
    ['a missing closing bracket', "log_format bad '${status';", 'the closing bracket in "status" variable is missing'],
    ['an unknown escaping', "log_format bad escape=yaml '$status';", 'unknown log format escaping "yaml"'],
    ['a duplicate name', "log_format tail '$uri';", 'duplicate "log_format" name "tail"'],
    ['redefining "combined"', "log_format combined '$uri';", 'duplicate "log_format" name "combined"'],
    [
      'an unknown variable in the logtail\'s format',
      "log_format nov '$no_such_variable'; ipng_stats_logtail nov udp://127.0.0.1:9514;",
      'unknown "no_such_variable" variable',
    ],
  ];
  for (const [name, line, message] of logFormatCases) {
    test(`log_format with ${name}: nginx's own message`, () => {
      expect(emerg(`${fmt}    ${line}\n${server('')}`)).toBe(message);
    });
  }

  test('accepts buffer=1k and flush=100ms, the minimums', () => {
    const res = testConfig({
      shim: true,
      ports: [8080],
      http: `${fmt}    ipng_stats_logtail tail udp://127.0.0.1:9514 buffer=1k flush=100ms;\n${server('')}`,
    });
    expect(res.status, res.output).toBe(0);
  });
});
