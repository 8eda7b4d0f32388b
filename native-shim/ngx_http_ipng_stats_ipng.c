
/*
 * njs-ipng-stats native shim, ipng counting: the log-phase observation of
 * the ipng subsystem.  Each request where "ipng_stats" is on (and that
 * $ipng_stats_skip does not mark) adds to the per-worker table, in two
 * shapes, as the spec's series are: under ($ipng_source_tag, $server_addr,
 * $status) one request and its bytes in and out ("ipng"); under
 * ($ipng_source_tag, $server_addr) its duration and, when an upstream
 * answered, the upstream response time ("ipng_time").  No njs runs per
 * request.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_ipng.h"
#include "ngx_http_ipng_stats_table.h"


/* the vectors of the two shapes: what src/counters/deltas.ts reads */
enum {
    NGX_HTTP_IPNG_STATS_REQUESTS = 0,
    NGX_HTTP_IPNG_STATS_BYTES_IN,
    NGX_HTTP_IPNG_STATS_BYTES_OUT,
    NGX_HTTP_IPNG_STATS_NCOUNTERS
};

enum {
    NGX_HTTP_IPNG_STATS_OBSERVED = 0,
    NGX_HTTP_IPNG_STATS_TIME_NCOUNTERS
};

enum {
    NGX_HTTP_IPNG_STATS_DURATION = 0,
    NGX_HTTP_IPNG_STATS_UPSTREAM,
    NGX_HTTP_IPNG_STATS_NHISTOGRAMS
};

enum {
    NGX_HTTP_IPNG_STATS_KEY_TAG = 0,
    NGX_HTTP_IPNG_STATS_KEY_VIP,
    NGX_HTTP_IPNG_STATS_KEY_STATUS,
    NGX_HTTP_IPNG_STATS_NKEYS
};

/* the time shape is keyed by the first two: (tag, vip) */
#define NGX_HTTP_IPNG_STATS_TIME_NKEYS  NGX_HTTP_IPNG_STATS_KEY_STATUS


typedef struct {
    ngx_uint_t                      skip;      /* unsigned skip:1; */
} ngx_http_ipng_stats_ipng_ctx_t;


static ngx_http_ipng_stats_subsystem_t  ngx_http_ipng_stats_ipng_codes = {
    ngx_string("ipng"),
    NGX_HTTP_IPNG_STATS_NKEYS,
    NGX_HTTP_IPNG_STATS_NCOUNTERS,
    0,
    1,                                  /* counter 0: the requests */
    NGX_HTTP_IPNG_STATS_REQUESTS,
    0,                                  /* few keys, all configured */
    0,                                  /* the table's bound */
    1                                   /* one "m" line per (tag, vip) */
};

static ngx_http_ipng_stats_subsystem_t  ngx_http_ipng_stats_ipng_times = {
    ngx_string("ipng_time"),
    NGX_HTTP_IPNG_STATS_TIME_NKEYS,
    NGX_HTTP_IPNG_STATS_TIME_NCOUNTERS,
    NGX_HTTP_IPNG_STATS_NHISTOGRAMS,
    0,                                  /* the same requests again */
    NGX_HTTP_IPNG_STATS_OBSERVED,
    0,
    0,
    0
};

/* the ipng subsystem counts into the one zone of the bundle */
static ngx_str_t  ngx_http_ipng_stats_ipng_zone = ngx_null_string;

static ngx_http_variable_value_t  ngx_http_ipng_stats_empty =
    ngx_http_variable("");


char *
ngx_http_ipng_stats_ipng(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ipng_stats_ipng_loc_conf_t *lcf = conf;

    ngx_str_t  *value;

    if (cf->args->nelts == 1) {
        return ngx_http_ipng_stats_scrape(cf, cmd, conf);
    }

    if (lcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        lcf->enable = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        lcf->enable = 0;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"ipng_stats\": "
                           "it must be \"on\" or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


void
ngx_http_ipng_stats_ipng_create_loc_conf(
    ngx_http_ipng_stats_ipng_loc_conf_t *lcf)
{
    lcf->enable = NGX_CONF_UNSET;
}


void
ngx_http_ipng_stats_ipng_merge_loc_conf(
    ngx_http_ipng_stats_ipng_loc_conf_t *prev,
    ngx_http_ipng_stats_ipng_loc_conf_t *conf)
{
    ngx_conf_merge_value(conf->enable, prev->enable, 1);
}


ngx_int_t
ngx_http_ipng_stats_ipng_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_ipng_conf_t *icf)
{
    ngx_str_t  name;

    ngx_str_set(&name, "ipng_source_tag");

    icf->tag_index = ngx_http_get_variable_index(cf, &name);
    if (icf->tag_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    ngx_str_set(&name, "server_addr");

    icf->server_addr_index = ngx_http_get_variable_index(cf, &name);
    if (icf->server_addr_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_ipng_stats_ipng_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_ipng_conf_t *icf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    off_t                                 bytes;
    u_char                                code[NGX_INT_T_LEN];
    ngx_str_t                             keys[NGX_HTTP_IPNG_STATS_NKEYS];
    ngx_uint_t                            i, n, status, reached;
    ngx_time_t                           *tp;
    ngx_msec_int_t                        ms, ums, sms;
    ngx_http_upstream_state_t            *state;
    ngx_http_variable_value_t            *tag, *vip;
    ngx_http_ipng_stats_table_t          *t;
    ngx_http_ipng_stats_entry_t          *e, *times;
    ngx_http_ipng_stats_ipng_ctx_t       *ctx;
    ngx_http_ipng_stats_ipng_loc_conf_t  *lcf;

    if (!icf->counting) {
        return;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_ipng_stats_module);

    if (!lcf->enable) {
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_ipng_stats_module);

    if (ctx && ctx->skip) {
        return;
    }

    t = ngx_http_ipng_stats_table(pcf);
    if (t == NULL) {
        return;
    }

    /* $ipng_source_tag, $server_addr and $status, as a log line has them */

    tag = ngx_http_get_indexed_variable(r, icf->tag_index);
    if (tag == NULL || tag->not_found) {
        tag = &ngx_http_ipng_stats_empty;
    }

    vip = ngx_http_get_indexed_variable(r, icf->server_addr_index);
    if (vip == NULL || vip->not_found) {
        vip = &ngx_http_ipng_stats_empty;
    }

    status = ngx_http_ipng_stats_log_status(r);

    keys[NGX_HTTP_IPNG_STATS_KEY_TAG].len = tag->len;
    keys[NGX_HTTP_IPNG_STATS_KEY_TAG].data = tag->data;
    keys[NGX_HTTP_IPNG_STATS_KEY_VIP].len = vip->len;
    keys[NGX_HTTP_IPNG_STATS_KEY_VIP].data = vip->data;
    keys[NGX_HTTP_IPNG_STATS_KEY_STATUS].data = code;

    /* "%03ui" without ngx_sprintf(): this runs per request */

    if (status < 1000) {
        code[0] = (u_char) ('0' + status / 100);
        code[1] = (u_char) ('0' + status / 10 % 10);
        code[2] = (u_char) ('0' + status % 10);
        keys[NGX_HTTP_IPNG_STATS_KEY_STATUS].len = 3;

    } else {
        keys[NGX_HTTP_IPNG_STATS_KEY_STATUS].len =
                                       ngx_sprintf(code, "%ui", status) - code;
    }

    /* a request is counted in both shapes or in none */

    times = ngx_http_ipng_stats_table_entry(t, &ngx_http_ipng_stats_ipng_times,
                                            &ngx_http_ipng_stats_ipng_zone,
                                            keys);
    if (times == NULL) {
        return;
    }

    e = ngx_http_ipng_stats_table_entry(t, &ngx_http_ipng_stats_ipng_codes,
                                        &ngx_http_ipng_stats_ipng_zone, keys);
    if (e == NULL) {
        return;
    }

    e->counters[NGX_HTTP_IPNG_STATS_REQUESTS]++;

    bytes = r->request_length;
    e->counters[NGX_HTTP_IPNG_STATS_BYTES_IN] += (uint64_t) ngx_max(bytes, 0);

    bytes = r->connection->sent;
    e->counters[NGX_HTTP_IPNG_STATS_BYTES_OUT] += (uint64_t) ngx_max(bytes, 0);

    /* $request_time */

    tp = ngx_timeofday();

    ms = (ngx_msec_int_t)
             ((tp->sec - r->start_sec) * 1000 + (tp->msec - r->start_msec));

    times->counters[NGX_HTTP_IPNG_STATS_OBSERVED]++;

    ngx_http_ipng_stats_table_observe(t, times, NGX_HTTP_IPNG_STATS_DURATION,
                                      ms);

    /*
     * $upstream_response_time: the sum of the times it prints as numbers;
     * a state without a peer after the first only separates the upstreams
     * of an internal redirect and is not printed
     */

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return;
    }

    state = r->upstream_states->elts;
    n = r->upstream_states->nelts;

    reached = 0;
    ums = 0;

    for (i = 0; i < n; /* void */ ) {
        sms = state[i].response_time;

        if (sms != -1) {
            ums += ngx_max(sms, 0);
            reached = 1;
        }

        if (++i < n && state[i].peer == NULL) {
            i++;
        }
    }

    if (reached) {
        ngx_http_ipng_stats_table_observe(t, times,
                                          NGX_HTTP_IPNG_STATS_UPSTREAM, ums);
    }
}


ngx_int_t
ngx_http_ipng_stats_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_ipng_stats_ipng_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ipng_stats_module);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    if (ctx && ctx->skip) {
        v->len = 1;
        v->data = (u_char *) "1";

    } else {
        v->len = 0;
        v->data = (u_char *) "";
    }

    return NGX_OK;
}


/* any value but "" and "0" marks the request: it is not counted */

void
ngx_http_ipng_stats_set_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                       skip;
    ngx_http_ipng_stats_ipng_ctx_t  *ctx;

    skip = !(v->len == 0 || (v->len == 1 && v->data[0] == '0'));

    ctx = ngx_http_get_module_ctx(r, ngx_http_ipng_stats_module);

    if (ctx == NULL) {
        if (!skip) {
            return;
        }

        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_ipng_stats_ipng_ctx_t));
        if (ctx == NULL) {
            return;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_ipng_stats_module);
    }

    ctx->skip = skip;
}
