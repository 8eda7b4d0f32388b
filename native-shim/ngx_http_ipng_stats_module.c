
/*
 * njs-ipng-stats native shim: the module.  This file holds only what
 * binds the parts (ngx_http_ipng_stats_module.h lists them) to nginx: the
 * directives, the variables, the module context and the phase and process
 * hooks, each of which hands over to the part it belongs to.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_handoff.h"
#include "ngx_http_ipng_stats_attribution.h"
#include "ngx_http_ipng_stats_reqstat.h"


#define ngx_http_ipng_stats_part(part)                                        \
    offsetof(ngx_http_ipng_stats_main_conf_t, part)
#define ngx_http_ipng_stats_loc_part(part)                                    \
    offsetof(ngx_http_ipng_stats_loc_conf_t, part)


static ngx_int_t ngx_http_ipng_stats_text_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ipng_stats_loc_text_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ipng_stats_str_variable(ngx_str_t *s,
    ngx_http_variable_value_t *v);
static ngx_int_t ngx_http_ipng_stats_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ipng_stats_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_ipng_stats_init(ngx_conf_t *cf);
static void *ngx_http_ipng_stats_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_ipng_stats_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ipng_stats_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_ipng_stats_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_int_t ngx_http_ipng_stats_init_process(ngx_cycle_t *cycle);
static void ngx_http_ipng_stats_exit_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_ipng_stats_commands[] = {

    { ngx_string("ipng_stats"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_ipng,
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
      ngx_http_ipng_stats_part(listen),
      NULL },

    { ngx_string("ipng_stats_buckets"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_ipng_stats_buckets,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(pipeline),
      NULL },

    { ngx_string("ipng_stats_flush_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_flush_interval,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(pipeline),
      NULL },

    { ngx_string("ipng_stats_state_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_state_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(state),
      NULL },

    { ngx_string("ipng_stats_state_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_state_interval,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(state),
      NULL },

    { ngx_string("ipng_stats_worker_entries"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_worker_entries,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(pipeline),
      NULL },

    { ngx_string("ipng_stats_logtail"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ipng_stats_logtail,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ssl_status_zone"),
      NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_ssl_status_zone,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ssl_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ipng_stats_ssl_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("req_status_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE3,
      ngx_http_ipng_stats_reqstat_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(reqstat),
      NULL },

    { ngx_string("req_status_zone_add_indicator"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ipng_stats_reqstat_add_indicator,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(reqstat),
      NULL },

    { ngx_string("req_status_zone_key_length"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_ipng_stats_reqstat_key_length,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(reqstat),
      NULL },

    { ngx_string("req_status_zone_recycle"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE3,
      ngx_http_ipng_stats_reqstat_recycle,
      NGX_HTTP_MAIN_CONF_OFFSET,
      ngx_http_ipng_stats_part(reqstat),
      NULL },

    { ngx_string("req_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ipng_stats_reqstat,
      NGX_HTTP_LOC_CONF_OFFSET,
      ngx_http_ipng_stats_loc_part(reqstat),
      NULL },

    { ngx_string("req_status_lazy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      ngx_http_ipng_stats_loc_part(reqstat.lazy),
      NULL },

    { ngx_string("req_status_bypass"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ipng_stats_reqstat_bypass,
      NGX_HTTP_LOC_CONF_OFFSET,
      ngx_http_ipng_stats_loc_part(reqstat.bypass),
      NULL },

    { ngx_string("req_status_show"),
      NGX_HTTP_LOC_CONF|NGX_CONF_ANY,
      ngx_http_ipng_stats_reqstat_show,
      NGX_HTTP_LOC_CONF_OFFSET,
      ngx_http_ipng_stats_loc_part(reqstat),
      NULL },

    { ngx_string("req_status_show_field"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ipng_stats_reqstat_show_field,
      NGX_HTTP_LOC_CONF_OFFSET,
      ngx_http_ipng_stats_loc_part(reqstat),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ipng_stats_module_ctx = {
    ngx_http_ipng_stats_preconfiguration,  /* preconfiguration */
    ngx_http_ipng_stats_init,              /* postconfiguration */

    ngx_http_ipng_stats_create_main_conf,  /* create main configuration */
    ngx_http_ipng_stats_init_main_conf,    /* init main configuration */

    ngx_http_ipng_stats_ssl_create_srv_conf, /* create server conf */
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
      ngx_http_ipng_stats_part(listen.default_source), 0, 0 },

    { ngx_string("ipng_stats_buckets"), NULL,
      ngx_http_ipng_stats_text_variable,
      ngx_http_ipng_stats_part(pipeline.buckets_text), 0, 0 },

    { ngx_string("ipng_stats_flush_interval"), NULL,
      ngx_http_ipng_stats_text_variable,
      ngx_http_ipng_stats_part(pipeline.flush_interval_text), 0, 0 },

    { ngx_string("ipng_stats_state_file"), NULL,
      ngx_http_ipng_stats_text_variable,
      ngx_http_ipng_stats_part(state.file), 0, 0 },

    { ngx_string("ipng_stats_state_interval"), NULL,
      ngx_http_ipng_stats_text_variable,
      ngx_http_ipng_stats_part(state.interval_text), 0, 0 },

    { ngx_string("ipng_stats_zone"), NULL,
      ngx_http_ipng_stats_zone_variable, 0, 0, 0 },

    { ngx_string("ipng_stats_writer_deltas"), NULL,
      ngx_http_ipng_stats_writer_deltas_variable,
      ngx_http_ipng_stats_part(pipeline),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ipng_stats_ssl_zone"), NULL,
      ngx_http_ipng_stats_ssl_zone_variable, 0, 0, 0 },

    { ngx_string("ipng_stats_ssl_zones"), NULL,
      ngx_http_ipng_stats_text_variable,
      ngx_http_ipng_stats_part(ssl.zones_text), 0, 0 },

    { ngx_string("ipng_reqstat_zones"), NULL,
      ngx_http_ipng_stats_text_variable,
      ngx_http_ipng_stats_part(reqstat.zones_text), 0, 0 },

    { ngx_string("ipng_reqstat_show"), NULL,
      ngx_http_ipng_stats_loc_text_variable,
      ngx_http_ipng_stats_loc_part(reqstat.show_text), 0, 0 },

    { ngx_string("ipng_reqstat_show_fields"), NULL,
      ngx_http_ipng_stats_loc_text_variable,
      ngx_http_ipng_stats_loc_part(reqstat.show_fields_text), 0, 0 },

    { ngx_string("ipng_stats_skip"),
      ngx_http_ipng_stats_set_skip_variable,
      ngx_http_ipng_stats_skip_variable, 0,
      NGX_HTTP_VAR_CHANGEABLE|NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


/* a configuration value as text: data is its offset in the main conf */

static ngx_int_t
ngx_http_ipng_stats_text_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    return ngx_http_ipng_stats_str_variable(
               (ngx_str_t *) ((u_char *) mcf + data), v);
}


/* the same for a location's value: data is its offset in the loc conf */

static ngx_int_t
ngx_http_ipng_stats_loc_text_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_ipng_stats_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_ipng_stats_module);

    return ngx_http_ipng_stats_str_variable(
               (ngx_str_t *) ((u_char *) lcf + data), v);
}


static ngx_int_t
ngx_http_ipng_stats_str_variable(ngx_str_t *s, ngx_http_variable_value_t *v)
{
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
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    if (mcf->logtail) {
        ngx_http_ipng_stats_logtail_write(r, mcf->logtail);
    }

    ngx_http_ipng_stats_ipng_observe(r, &mcf->ipng, &mcf->pipeline);

    ngx_http_ipng_stats_reqstat_observe(r, &mcf->reqstat, &mcf->pipeline);

    ngx_http_ipng_stats_ssl_observe(r, &mcf->ssl, &mcf->pipeline);

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

    if (ngx_http_ipng_stats_lines_preconfiguration(cf) != NGX_OK) {
        return NGX_ERROR;
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

    if (ngx_http_ipng_stats_zone_type_check(cf, mcf->njs) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ipng_stats_handoff_add(cf, &mcf->pipeline,
                                        &ngx_http_ipng_stats_module)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_ipng_stats_ipng_postconfiguration(cf, &mcf->ipng)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_ipng_stats_ssl_postconfiguration(cf, &mcf->ssl,
                                                  &mcf->pipeline)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ipng_stats_log_handler;

    if (ngx_http_ipng_stats_reqstat_postconfiguration(cf, &mcf->reqstat,
                                                 &ngx_http_ipng_stats_module)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a configuration of reqstat or SSL status only counts no ipng */

    mcf->ipng.counting =
                  ngx_http_ipng_stats_counter_zone_declared(cf, mcf->njs)
                  || (mcf->reqstat.zones.nelts == 0
                      && mcf->ssl.zones == NULL && mcf->ssl.shows == NULL);

    if (mcf->reqstat.rewrite) {
        h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        *h = ngx_http_ipng_stats_reqstat_rewrite;
    }

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
     *     mcf->listen.default_source = { 0, NULL };
     *     mcf->listen.committed = 0;
     *     mcf->logtail = NULL;
     *     mcf->njs = NULL;
     */

    ngx_http_ipng_stats_pipeline_create_conf(&mcf->pipeline);
    ngx_http_ipng_stats_state_create_conf(&mcf->state);
    ngx_http_ipng_stats_ssl_create_conf(&mcf->ssl);

    mcf->ipng.tag_index = NGX_ERROR;
    mcf->ipng.server_addr_index = NGX_ERROR;

    if (ngx_http_ipng_stats_listen_create_conf(cf, &mcf->listen) != NGX_OK
        || ngx_http_ipng_stats_reqstat_create_conf(cf, &mcf->reqstat) != NGX_OK
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

    ngx_http_ipng_stats_attribution_init_conf(&mcf->listen);

    if (ngx_http_ipng_stats_state_init_conf(cf, &mcf->state)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ipng_stats_pipeline_init_conf(cf, &mcf->pipeline)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    return ngx_http_ipng_stats_njs_tick(cf, mcf->njs,
                                        mcf->pipeline.flush_interval);
}


static void *
ngx_http_ipng_stats_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_loc_conf_t  *lcf;

    lcf = ngx_palloc(cf->pool, sizeof(ngx_http_ipng_stats_loc_conf_t));
    if (lcf == NULL) {
        return NULL;
    }

    ngx_http_ipng_stats_ipng_create_loc_conf(&lcf->ipng);
    ngx_http_ipng_stats_reqstat_create_loc_conf(&lcf->reqstat);

    return lcf;
}


static char *
ngx_http_ipng_stats_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ipng_stats_loc_conf_t *prev = parent;
    ngx_http_ipng_stats_loc_conf_t *conf = child;

    ngx_http_ipng_stats_ipng_merge_loc_conf(&prev->ipng, &conf->ipng);
    ngx_http_ipng_stats_reqstat_merge_loc_conf(&prev->reqstat,
                                               &conf->reqstat);

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

    ngx_http_ipng_stats_handoff_exit_process(cycle, &mcf->pipeline);

    if (mcf->logtail) {
        ngx_http_ipng_stats_logtail_exit_process(cycle, mcf->logtail);
    }
}
