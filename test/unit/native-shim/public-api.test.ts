// The shim may use only nginx's public API. ngx_http_log_module.c has no
// header: a copy of its structures once ran the log module's compiled
// operations, and a Debian security update of the same nginx version changed
// them under it (issue 9). This fails if such a copy comes back.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const shimDir = join(__dirname, '..', '..', '..', 'native-shim');

// Names of ngx_http_log_module.c's private types, functions and fields, and
// reading that module's configuration (whose layout is private).
const LOG_MODULE_INTERNALS: RegExp[] = [
  /\bngx_http_\w*log_op\w*/,
  /\bngx_http_\w*log_fmt\w*/,
  /\bngx_http_\w*log_main_conf\w*/,
  /\bngx_http_\w*log_(loc_conf|buf|var|script)_t\b/,
  /\bcombined_used\b/,
  /get_module_(main|srv|loc)_conf\s*\([^)]*\bngx_http_log_module\b/,
];

function shimSources(): { file: string; text: string }[] {
  return readdirSync(shimDir).map((file) => ({ file, text: readFileSync(join(shimDir, file), 'utf8') }));
}

function internalsIn(text: string): string[] {
  return LOG_MODULE_INTERNALS.flatMap((re) => {
    const m = re.exec(text);
    return m ? [m[0]] : [];
  });
}

describe('native-shim uses no private structure of ngx_http_log_module', () => {
  it('finds the shim sources', () => {
    const names = shimSources().map((s) => s.file);
    expect(names).toContain('config');
    expect(names).toContain('ngx_http_ipng_stats_logtail.c');
    expect(names).toContain('ngx_http_ipng_stats_log_format.c');
  });

  it('no shim file names a log-module internal', () => {
    const found = shimSources()
      .map((s) => ({ file: s.file, names: internalsIn(s.text) }))
      .filter((s) => s.names.length > 0);
    expect(found).toEqual([]);
  });

  it('the check recognises the copy that issue 9 removed', () => {
    const removed = `
typedef struct ngx_http_ipng_stats_log_op_s  ngx_http_ipng_stats_log_op_t;
typedef struct {
    ngx_str_t                               name;
    ngx_array_t                            *flushes;
    ngx_array_t                            *ops;
} ngx_http_ipng_stats_log_fmt_t;
typedef struct {
    ngx_array_t                             formats;
    ngx_uint_t                              combined_used;
} ngx_http_ipng_stats_log_main_conf_t;
    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_log_module);
`;
    expect(internalsIn(removed)).toEqual([
      'ngx_http_ipng_stats_log_op_s',
      'ngx_http_ipng_stats_log_fmt_t',
      'ngx_http_ipng_stats_log_main_conf_t',
      'combined_used',
      'get_module_main_conf(cf, ngx_http_log_module',
    ]);
    expect(internalsIn('ngx_http_log_loc_conf_t *llcf;')).toEqual(['ngx_http_log_loc_conf_t']);
  });
});
