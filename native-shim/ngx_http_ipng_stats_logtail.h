
/*
 * njs-ipng-stats native shim: "ipng_stats_logtail", access log lines sent
 * over UDP (ngx_http_ipng_stats_logtail.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_LOGTAIL_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_LOGTAIL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_log_format.h"


typedef struct ngx_http_ipng_stats_logtail_s  ngx_http_ipng_stats_logtail_t;


char *ngx_http_ipng_stats_logtail(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_ipng_stats_logtail_write(ngx_http_request_t *r,
    ngx_http_ipng_stats_logtail_t *lt);
ngx_int_t ngx_http_ipng_stats_logtail_init_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_logtail_t *lt);
void ngx_http_ipng_stats_logtail_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_logtail_t *lt);


#endif /* _NGX_HTTP_IPNG_STATS_LOGTAIL_H_INCLUDED_ */
