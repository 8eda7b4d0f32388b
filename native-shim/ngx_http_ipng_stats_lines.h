
/*
 * $ipng_stats_lines: the scrape's Prometheus text expanded from a
 * template in which each series' lines are its label head once and its
 * line tails (docs/shim.md, "The scrape's lines").
 */


#ifndef _NGX_HTTP_IPNG_STATS_LINES_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_LINES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


ngx_int_t ngx_http_ipng_stats_lines_preconfiguration(ngx_conf_t *cf);


#endif /* _NGX_HTTP_IPNG_STATS_LINES_H_INCLUDED_ */
