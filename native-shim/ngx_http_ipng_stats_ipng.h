
/*
 * njs-ipng-stats native shim, ipng counting: per (source tag, vip, status)
 * the requests, the bytes in and out, the request duration and the
 * upstream response time of every request where "ipng_stats" is on
 * (ngx_http_ipng_stats_ipng.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_IPNG_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_IPNG_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_pipeline.h"


typedef struct {
    ngx_int_t                       tag_index;          /* $ipng_source_tag */
    ngx_int_t                       server_addr_index;  /* $server_addr */

    /*
     * 0 when the configuration has another subsystem's zones (reqstat's,
     * SSL status's) and no ipng counter zone: a Tengine user's
     * req_status_* lines, or ssl_status* lines, alone pay nothing for
     * series that nothing would store
     */
    ngx_uint_t                      counting;           /* unsigned :1 */
} ngx_http_ipng_stats_ipng_conf_t;


typedef struct {
    ngx_flag_t                      enable;
} ngx_http_ipng_stats_ipng_loc_conf_t;


/* "ipng_stats on|off"; "ipng_stats;" is the scrape handler */
char *ngx_http_ipng_stats_ipng(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

void ngx_http_ipng_stats_ipng_create_loc_conf(
    ngx_http_ipng_stats_ipng_loc_conf_t *lcf);
void ngx_http_ipng_stats_ipng_merge_loc_conf(
    ngx_http_ipng_stats_ipng_loc_conf_t *prev,
    ngx_http_ipng_stats_ipng_loc_conf_t *conf);
ngx_int_t ngx_http_ipng_stats_ipng_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_ipng_conf_t *icf);

void ngx_http_ipng_stats_ipng_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_ipng_conf_t *icf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf);

ngx_int_t ngx_http_ipng_stats_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
void ngx_http_ipng_stats_set_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_IPNG_STATS_IPNG_H_INCLUDED_ */
