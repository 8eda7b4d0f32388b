
/*
 * njs-ipng-stats native shim: log_format definitions, rendered as
 * access_log renders them (ngx_http_ipng_stats_log_format.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_LOG_FORMAT_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_LOG_FORMAT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* a log_format directive as written: escape= and its strings */
typedef struct {
    ngx_str_t                       name;
    ngx_uint_t                      escape;
    ngx_str_t                      *strings;
    ngx_uint_t                      nstrings;
} ngx_http_ipng_stats_log_format_t;


typedef struct ngx_http_ipng_stats_line_s  ngx_http_ipng_stats_line_t;


/* only its public command table is used: "log_format" is wrapped */
extern ngx_module_t  ngx_http_log_module;


ngx_int_t ngx_http_ipng_stats_log_format_preconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_log_format_postconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_line_compile(ngx_conf_t *cf, ngx_str_t *name,
    ngx_http_ipng_stats_line_t **linep);
size_t ngx_http_ipng_stats_line_length(ngx_http_request_t *r,
    ngx_http_ipng_stats_line_t *line);
u_char *ngx_http_ipng_stats_line_render(ngx_http_request_t *r,
    ngx_http_ipng_stats_line_t *line, u_char *buf, u_char *end);
ngx_uint_t ngx_http_ipng_stats_log_status(ngx_http_request_t *r);


#endif /* _NGX_HTTP_IPNG_STATS_LOG_FORMAT_H_INCLUDED_ */
