
/*
 * njs-ipng-stats native shim: what the njs bundle cannot do by itself.
 *
 * This file holds the http-level directives (validated at "nginx -t"), the
 * variables that hand their values to the njs bundle, and the log-phase
 * handler that counts every request where "ipng_stats" is on, in C, so
 * counting calls no njs and does not depend on any access_log line.  The
 * counting itself and $ipng_stats_deltas and $ipng_stats_writer_deltas,
 * which hand the counts to the njs tick, live in
 * ngx_http_ipng_stats_aggregate.c, the listen parameters in
 * ngx_http_ipng_stats_listen.c, the UDP logtail in
 * ngx_http_ipng_stats_logtail.c, the spec's ipng_stats_zone and
 * "ipng_stats;" (run by njs's own directives) in ngx_http_ipng_stats_njs.c.
 */


#include "ngx_http_ipng_stats_module.h"


static char *ngx_http_ipng_stats(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ipng_stats_default_source(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ipng_stats_buckets(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ipng_stats_flush_interval(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ipng_stats_state_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ipng_stats_state_interval(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ipng_stats_worker_entries(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_ipng_stats_text_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ipng_stats_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ipng_stats_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_ipng_stats_init(ngx_conf_t *cf);
static void *ngx_http_ipng_stats_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_ipng_stats_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_ipng_stats_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ipng_stats_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_ipng_stats_init_process(ngx_cycle_t *cycle);
static void ngx_http_ipng_stats_exit_process(ngx_cycle_t *cycle);


#define NGX_HTTP_IPNG_STATS_FLUSH_MIN  100
#define NGX_HTTP_IPNG_STATS_STATE_MIN  1000
#define NGX_HTTP_IPNG_STATS_STATE_DEF  60000
#define NGX_HTTP_IPNG_STATS_ENTRIES    65536


static ngx_uint_t  ngx_http_ipng_stats_default_buckets[] = {
    1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};


static ngx_command_t  ngx_http_ipng_stats_commands[] = {

    { ngx_string("ipng_stats"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_ipng_stats,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_bundle"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_bundle,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_default_source"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_default_source,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_buckets"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_ipng_stats_buckets,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_flush_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_flush_interval,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_state_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_state_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_state_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_state_interval,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_worker_entries"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_worker_entries,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ipng_stats_logtail"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ipng_stats_logtail,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ipng_stats_module_ctx = {
    ngx_http_ipng_stats_preconfiguration,  /* preconfiguration */
    ngx_http_ipng_stats_init,              /* postconfiguration */

    ngx_http_ipng_stats_create_main_conf,  /* create main configuration */
    ngx_http_ipng_stats_init_main_conf,    /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ipng_stats_create_loc_conf,   /* create location configuration */
    ngx_http_ipng_stats_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_ipng_stats_module = {
    NGX_MODULE_V1,
    &ngx_http_ipng_stats_module_ctx,       /* module context */
    ngx_http_ipng_stats_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_ipng_stats_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_ipng_stats_exit_process,      /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_ipng_stats_vars[] = {

    { ngx_string("ipng_source_tag"), NULL,
      ngx_http_ipng_stats_source_tag_variable, 0, 0, 0 },

    { ngx_string("ipng_stats_default_source"), NULL,
      ngx_http_ipng_stats_text_variable,
      offsetof(ngx_http_ipng_stats_main_conf_t, default_source), 0, 0 },

    { ngx_string("ipng_stats_buckets"), NULL,
      ngx_http_ipng_stats_text_variable,
      offsetof(ngx_http_ipng_stats_main_conf_t, buckets_text), 0, 0 },

    { ngx_string("ipng_stats_flush_interval"), NULL,
      ngx_http_ipng_stats_text_variable,
      offsetof(ngx_http_ipng_stats_main_conf_t, flush_interval_text), 0, 0 },

    { ngx_string("ipng_stats_state_file"), NULL,
      ngx_http_ipng_stats_text_variable,
      offsetof(ngx_http_ipng_stats_main_conf_t, state_file), 0, 0 },

    { ngx_string("ipng_stats_state_interval"), NULL,
      ngx_http_ipng_stats_text_variable,
      offsetof(ngx_http_ipng_stats_main_conf_t, state_interval_text), 0, 0 },

    { ngx_string("ipng_stats_zone"), NULL,
      ngx_http_ipng_stats_zone_variable, 0, 0, 0 },

    { ngx_string("ipng_stats_deltas"), NULL,
      ngx_http_ipng_stats_deltas_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ipng_stats_writer_deltas"), NULL,
      ngx_http_ipng_stats_writer_deltas_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ipng_stats_skip"),
      ngx_http_ipng_stats_set_skip_variable,
      ngx_http_ipng_stats_skip_variable, 0,
      NGX_HTTP_VAR_CHANGEABLE|NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static char *
ngx_http_ipng_stats(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ipng_stats_loc_conf_t *lcf = conf;

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


static char *
ngx_http_ipng_stats_default_source(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    ngx_str_t  *value;

    if (mcf->default_source.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_default_source\" must not be empty");
        return NGX_CONF_ERROR;
    }

    mcf->default_source = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_ipng_stats_buckets(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t   i, *b, prev;

    if (mcf->buckets != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts < 3) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_buckets\" needs two or more bucket "
                           "bounds (milliseconds)");
        return NGX_CONF_ERROR;
    }

    mcf->buckets = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                    sizeof(ngx_uint_t));
    if (mcf->buckets == NULL) {
        return NGX_CONF_ERROR;
    }

    prev = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        n = ngx_atoi(value[i].data, value[i].len);

        if (n == NGX_ERROR || n == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in \"ipng_stats_buckets\""
                               ": bounds must be positive integers "
                               "(milliseconds)", &value[i]);
            return NGX_CONF_ERROR;
        }

        if ((ngx_uint_t) n <= prev) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ipng_stats_buckets\" bounds must be strictly "
                               "increasing: \"%V\" follows \"%V\"",
                               &value[i], &value[i - 1]);
            return NGX_CONF_ERROR;
        }

        b = ngx_array_push(mcf->buckets);
        if (b == NULL) {
            return NGX_CONF_ERROR;
        }

        *b = (ngx_uint_t) n;
        prev = *b;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ipng_stats_flush_interval(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    ngx_str_t   *value;
    ngx_msec_t   ms;

    if (mcf->flush_interval != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ms = ngx_parse_time(&value[1], 0);

    if (ms == (ngx_msec_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in "
                           "\"ipng_stats_flush_interval\": it must be an "
                           "nginx duration such as 500ms or 1s", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ms < NGX_HTTP_IPNG_STATS_FLUSH_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_flush_interval\" must be at least "
                           "100ms, got \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->flush_interval = ms;

    return NGX_CONF_OK;
}


/*
 * The state file (docs/zone-layout.md): the tick's writer saves the zone
 * there and the first tick restores it. A relative path is taken from the
 * prefix, as nginx does for its own files; the directory must exist.
 */

static char *
ngx_http_ipng_stats_state_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    u_char           *slash;
    ngx_str_t        *value, dir;
    ngx_file_info_t   fi;

    if (mcf->state_file.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[value[1].len - 1] == '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in "
                           "\"ipng_stats_state_file\": it must name a file, "
                           "e.g. /var/lib/nginx/ipng-stats.state", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->state_file = value[1];

    if (ngx_conf_full_name(cf->cycle, &mcf->state_file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the full name starts with "/": its directory ends at the last one */

    slash = mcf->state_file.data + mcf->state_file.len - 1;

    while (slash > mcf->state_file.data && *slash != '/') {
        slash--;
    }

    dir.len = (slash == mcf->state_file.data)
              ? 1 : (size_t) (slash - mcf->state_file.data);
    dir.data = ngx_pnalloc(cf->pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn(dir.data, mcf->state_file.data, dir.len + 1);

    if (ngx_file_info(dir.data, &fi) == NGX_FILE_ERROR
        || !ngx_is_dir(&fi))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "the directory of \"ipng_stats_state_file\" "
                           "\"%V\" does not exist: create \"%s\", writable "
                           "by the worker processes' user", &mcf->state_file,
                           dir.data);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ipng_stats_state_interval(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    ngx_str_t   *value;
    ngx_msec_t   ms;

    if (mcf->state_interval != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ms = ngx_parse_time(&value[1], 0);

    if (ms == (ngx_msec_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in "
                           "\"ipng_stats_state_interval\": it must be an "
                           "nginx duration such as 30s or 5m", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ms < NGX_HTTP_IPNG_STATS_STATE_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_state_interval\" must be at least "
                           "1s, got \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->state_interval = ms;

    return NGX_CONF_OK;
}


static char *
ngx_http_ipng_stats_worker_entries(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (mcf->entries != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in "
                           "\"ipng_stats_worker_entries\": it must be a "
                           "positive integer", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->entries = (ngx_uint_t) n;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ipng_stats_text_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                        *s;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    s = (ngx_str_t *) ((u_char *) mcf + data);

    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = s->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_log_handler(ngx_http_request_t *r)
{
    ngx_http_ipng_stats_loc_conf_t   *lcf;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    if (mcf->logtail) {
        ngx_http_ipng_stats_logtail_write(r, mcf->logtail);
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_ipng_stats_module);

    if (!lcf->enable) {
        return NGX_OK;
    }

    ngx_http_ipng_stats_aggregate(r, mcf);

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_preconfiguration(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_ipng_stats_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->set_handler = v->set_handler;
        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    if (ngx_http_ipng_stats_njs_preconfiguration(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ipng_stats_log_format_preconfiguration(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ipng_stats_listen_preconfiguration(cf);
}


static ngx_int_t
ngx_http_ipng_stats_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt              *h;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);

    if (ngx_http_ipng_stats_zone_size_check(cf, mcf->njs) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ipng_stats_aggregate_postconfiguration(cf, mcf) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ipng_stats_log_handler;

    if (ngx_http_ipng_stats_njs_postconfiguration(cf, mcf->njs) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ipng_stats_log_format_postconfiguration(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ipng_stats_listen_postconfiguration(cf);
}


static void *
ngx_http_ipng_stats_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->default_source = { 0, NULL };
     *     mcf->state_file = { 0, NULL };
     *     mcf->logtail = NULL;
     *     mcf->committed = 0;
     *     mcf->handoff = NULL;
     *     mcf->njs = NULL;
     */

    mcf->buckets = NGX_CONF_UNSET_PTR;
    mcf->flush_interval = NGX_CONF_UNSET_MSEC;
    mcf->state_interval = NGX_CONF_UNSET_MSEC;
    mcf->entries = NGX_CONF_UNSET_UINT;
    mcf->tag_index = NGX_ERROR;
    mcf->server_addr_index = NGX_ERROR;

    if (ngx_array_init(&mcf->listens, cf->pool, 4,
                       sizeof(ngx_http_ipng_stats_listen_t))
        != NGX_OK
        || ngx_array_init(&mcf->sources, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_source_t))
           != NGX_OK
        || ngx_array_init(&mcf->bound, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_bound_t))
           != NGX_OK
        || ngx_array_init(&mcf->ingress, cf->pool, 4, sizeof(ngx_uint_t))
           != NGX_OK
        || ngx_array_init(&mcf->ignored, cf->pool, 4,
                          sizeof(ngx_listening_t *))
           != NGX_OK
        || ngx_array_init(&mcf->claimed, cf->pool, 4,
                          sizeof(ngx_listening_t *))
           != NGX_OK
        || ngx_array_init(&mcf->formats, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_log_format_t))
           != NGX_OK)
    {
        return NULL;
    }

    return mcf;
}


static char *
ngx_http_ipng_stats_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    u_char      *p;
    size_t       len;
    ngx_uint_t   i, n, *b;

    if (mcf->default_source.data == NULL) {
        ngx_str_set(&mcf->default_source, "direct");
    }

    if (mcf->buckets == NGX_CONF_UNSET_PTR) {
        n = sizeof(ngx_http_ipng_stats_default_buckets) / sizeof(ngx_uint_t);

        mcf->buckets = ngx_array_create(cf->pool, n, sizeof(ngx_uint_t));
        if (mcf->buckets == NULL) {
            return NGX_CONF_ERROR;
        }

        b = ngx_array_push_n(mcf->buckets, n);
        if (b == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(b, ngx_http_ipng_stats_default_buckets,
                   n * sizeof(ngx_uint_t));
    }

    ngx_conf_init_msec_value(mcf->flush_interval, 1000);
    ngx_conf_init_msec_value(mcf->state_interval,
                             NGX_HTTP_IPNG_STATS_STATE_DEF);
    ngx_conf_init_uint_value(mcf->entries, NGX_HTTP_IPNG_STATS_ENTRIES);

    /* "1 5 10 ... 10000": milliseconds separated by single spaces */

    b = mcf->buckets->elts;
    len = mcf->buckets->nelts * (NGX_INT_T_LEN + 1);

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->buckets_text.data = p;

    for (i = 0; i < mcf->buckets->nelts; i++) {
        p = ngx_sprintf(p, i ? " %ui" : "%ui", b[i]);
    }

    mcf->buckets_text.len = p - mcf->buckets_text.data;

    /* "1000ms": whole milliseconds, itself a valid nginx duration */

    p = ngx_pnalloc(cf->pool, NGX_INT_T_LEN + 2);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->flush_interval_text.data = p;
    mcf->flush_interval_text.len = ngx_sprintf(p, "%Mms", mcf->flush_interval)
                                   - p;

    p = ngx_pnalloc(cf->pool, NGX_INT_T_LEN + 2);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->state_interval_text.data = p;
    mcf->state_interval_text.len = ngx_sprintf(p, "%Mms", mcf->state_interval)
                                   - p;

    return NGX_CONF_OK;
}


static void *
ngx_http_ipng_stats_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_loc_conf_t  *lcf;

    lcf = ngx_palloc(cf->pool, sizeof(ngx_http_ipng_stats_loc_conf_t));
    if (lcf == NULL) {
        return NULL;
    }

    lcf->enable = NGX_CONF_UNSET;

    return lcf;
}


static char *
ngx_http_ipng_stats_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ipng_stats_loc_conf_t *prev = parent;
    ngx_http_ipng_stats_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 1);

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ipng_stats_init_process(ngx_cycle_t *cycle)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    if (cycle->conf_ctx[ngx_http_module.index] == NULL) {
        return NGX_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_ipng_stats_module);

    if (mcf == NULL || mcf->logtail == NULL) {
        return NGX_OK;
    }

    return ngx_http_ipng_stats_logtail_init_process(cycle, mcf->logtail);
}


static void
ngx_http_ipng_stats_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (cycle->conf_ctx[ngx_http_module.index] == NULL) {
        return;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_ipng_stats_module);

    if (mcf == NULL) {
        return;
    }

    /* what this worker still holds goes to the handoff zone */

    ngx_http_ipng_stats_aggregate_exit_process(cycle, mcf);

    if (mcf->logtail) {
        ngx_http_ipng_stats_logtail_exit_process(cycle, mcf->logtail);
    }
}
