
/*
 * njs-ipng-stats native shim, core pipeline: its configuration, the
 * histogram bounds, the flush interval (which times the writer lease) and
 * the bound of the per-worker table, shared by every subsystem.
 */


#include "ngx_http_ipng_stats_conf_value.h"
#include "ngx_http_ipng_stats_pipeline.h"


#define NGX_HTTP_IPNG_STATS_FLUSH_MIN  100
#define NGX_HTTP_IPNG_STATS_ENTRIES    65536


/* a directive of the pipeline: its conf at cmd->offset in the main conf */
#define ngx_http_ipng_stats_pipeline_of(conf, cmd)                          \
    ((ngx_http_ipng_stats_pipeline_conf_t *) ((u_char *) (conf)              \
                                              + (cmd)->offset))


static ngx_uint_t  ngx_http_ipng_stats_default_buckets[] = {
    1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};


void
ngx_http_ipng_stats_pipeline_create_conf(
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    pcf->buckets = NGX_CONF_UNSET_PTR;
    pcf->flush_interval = NGX_CONF_UNSET_MSEC;
    pcf->entries = NGX_CONF_UNSET_UINT;
    pcf->handoff = NULL;
    pcf->collectors = NULL;
}


char *
ngx_http_ipng_stats_buckets(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_int_t                             n;
    ngx_str_t                            *value;
    ngx_uint_t                            i, *b, prev;
    ngx_http_ipng_stats_pipeline_conf_t  *pcf;

    pcf = ngx_http_ipng_stats_pipeline_of(conf, cmd);

    if (pcf->buckets != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts < 3) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_buckets\" needs two or more bucket "
                           "bounds (milliseconds)");
        return NGX_CONF_ERROR;
    }

    pcf->buckets = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                    sizeof(ngx_uint_t));
    if (pcf->buckets == NULL) {
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

        b = ngx_array_push(pcf->buckets);
        if (b == NULL) {
            return NGX_CONF_ERROR;
        }

        *b = (ngx_uint_t) n;
        prev = *b;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_flush_interval(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_pipeline_conf_t  *pcf;

    pcf = ngx_http_ipng_stats_pipeline_of(conf, cmd);

    return ngx_http_ipng_stats_conf_msec(cf, cmd,
                                         NGX_HTTP_IPNG_STATS_FLUSH_MIN,
                                         "100ms", "500ms or 1s",
                                         &pcf->flush_interval);
}


char *
ngx_http_ipng_stats_worker_entries(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_int_t                             n;
    ngx_str_t                            *value;
    ngx_http_ipng_stats_pipeline_conf_t  *pcf;

    pcf = ngx_http_ipng_stats_pipeline_of(conf, cmd);

    if (pcf->entries != NGX_CONF_UNSET_UINT) {
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

    pcf->entries = (ngx_uint_t) n;

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_pipeline_init_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i, n, *b;

    if (pcf->buckets == NGX_CONF_UNSET_PTR) {
        n = sizeof(ngx_http_ipng_stats_default_buckets) / sizeof(ngx_uint_t);

        pcf->buckets = ngx_array_create(cf->pool, n, sizeof(ngx_uint_t));
        if (pcf->buckets == NULL) {
            return NGX_CONF_ERROR;
        }

        b = ngx_array_push_n(pcf->buckets, n);
        if (b == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(b, ngx_http_ipng_stats_default_buckets,
                   n * sizeof(ngx_uint_t));
    }

    ngx_conf_init_msec_value(pcf->flush_interval, 1000);
    ngx_conf_init_uint_value(pcf->entries, NGX_HTTP_IPNG_STATS_ENTRIES);

    /* "1 5 10 ... 10000": milliseconds separated by single spaces */

    b = pcf->buckets->elts;
    len = pcf->buckets->nelts * (NGX_INT_T_LEN + 1);

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    pcf->buckets_text.data = p;

    for (i = 0; i < pcf->buckets->nelts; i++) {
        p = ngx_sprintf(p, i ? " %ui" : "%ui", b[i]);
    }

    pcf->buckets_text.len = p - pcf->buckets_text.data;

    /* "1000ms": whole milliseconds, itself a valid nginx duration */

    p = ngx_pnalloc(cf->pool, NGX_INT_T_LEN + 2);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    pcf->flush_interval_text.data = p;
    pcf->flush_interval_text.len = ngx_sprintf(p, "%Mms", pcf->flush_interval)
                                   - p;

    return NGX_CONF_OK;
}
