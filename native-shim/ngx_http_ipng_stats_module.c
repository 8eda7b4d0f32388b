
/*
 * njs-ipng-stats native shim: what the njs bundle cannot do by itself.
 *
 * This first version registers $ipng_source_tag, which names the traffic
 * source a request came in on (until listen parameters exist every
 * connection belongs to the default source), and a log-phase handler that
 * evaluates $ipng_stats_record, the njs recorder set by js_set, once per
 * request, so counting does not depend on any access_log line.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


static ngx_int_t ngx_http_ipng_stats_source_tag_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ipng_stats_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_ipng_stats_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ipng_stats_init(ngx_conf_t *cf);


static ngx_str_t  ngx_http_ipng_stats_default_source = ngx_string("direct");
static ngx_str_t  ngx_http_ipng_stats_recorder = ngx_string("ipng_stats_record");

/* one value per configuration cycle, so a plain static suffices */
static ngx_int_t  ngx_http_ipng_stats_recorder_index = NGX_ERROR;


static ngx_http_module_t  ngx_http_ipng_stats_module_ctx = {
    ngx_http_ipng_stats_add_variables,     /* preconfiguration */
    ngx_http_ipng_stats_init,              /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_ipng_stats_module = {
    NGX_MODULE_V1,
    &ngx_http_ipng_stats_module_ctx,       /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_ipng_stats_vars[] = {

    { ngx_string("ipng_source_tag"), NULL,
      ngx_http_ipng_stats_source_tag_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_ipng_stats_source_tag_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->len = ngx_http_ipng_stats_default_source.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ngx_http_ipng_stats_default_source.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_ipng_stats_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_log_handler(ngx_http_request_t *r)
{
    /* the recorder counts as a side effect; its value is always empty */
    (void) ngx_http_get_indexed_variable(r,
                                         ngx_http_ipng_stats_recorder_index);

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    /* an undefined $ipng_stats_record fails "nginx -t" by name */
    ngx_http_ipng_stats_recorder_index = ngx_http_get_variable_index(cf,
                                                &ngx_http_ipng_stats_recorder);
    if (ngx_http_ipng_stats_recorder_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ipng_stats_log_handler;

    return NGX_OK;
}
