
/*
 * njs-ipng-stats native shim, listen: $ipng_source_tag, the source of a
 * request (ngx_http_ipng_stats_attribution.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_ATTRIBUTION_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_ATTRIBUTION_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_listen.h"


char *ngx_http_ipng_stats_default_source(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
void ngx_http_ipng_stats_attribution_init_conf(
    ngx_http_ipng_stats_listen_conf_t *lcf);

/* in the master, at init_conf: each address conf's source */
ngx_int_t ngx_http_ipng_stats_map_sources(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_listen_conf_t *lcf);

ngx_int_t ngx_http_ipng_stats_source_tag_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_IPNG_STATS_ATTRIBUTION_H_INCLUDED_ */
