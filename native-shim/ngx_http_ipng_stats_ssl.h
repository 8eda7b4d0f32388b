
/*
 * njs-ipng-stats native shim, SSL status: OpenSSL's session counters
 * (SSL_CTX_sess_*) of the TLS servers in each "ssl_status_zone", read by
 * every worker at the flush interval and handed to the pipeline as
 * deltas, with the session count "number" as a per-worker gauge
 * (ngx_http_ipng_stats_ssl.c, docs/ssl-status.md).
 */


#ifndef _NGX_HTTP_IPNG_STATS_SSL_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_SSL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_pipeline.h"


/* the njs dictionary the bundle stores every SSL zone in */
#define NGX_HTTP_IPNG_STATS_SSL_DICT       "ipng_ssl_status"
#define NGX_HTTP_IPNG_STATS_SSL_DICT_SIZE  (4 * 1024 * 1024)

/* "ssl_status default" without such a zone: the original's default zone */
#define NGX_HTTP_IPNG_STATS_SSL_DEFAULT    "default"


typedef struct {
    ngx_rbtree_t                    tree;       /* zones by name */
    ngx_rbtree_node_t               sentinel;
    ngx_array_t                    *zones;      /* zone_t *, NULL: none */
    ngx_array_t                    *shows;      /* ssl_status locations */
    ngx_uint_t                      dict;       /* unsigned dict:1; */
    ngx_str_t                       zones_text; /* $ipng_stats_ssl_zones */
} ngx_http_ipng_stats_ssl_conf_t;


typedef struct ngx_http_ipng_stats_ssl_zone_s  ngx_http_ipng_stats_ssl_zone_t;

typedef struct {
    ngx_http_ipng_stats_ssl_zone_t *zone;       /* NULL: none */
    ngx_str_t                       file;
    ngx_uint_t                      line;
    ngx_uint_t                      tls;        /* unsigned tls:1; */
} ngx_http_ipng_stats_ssl_srv_conf_t;


char *ngx_http_ipng_stats_ssl_status_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_ssl_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

void ngx_http_ipng_stats_ssl_create_conf(ngx_http_ipng_stats_ssl_conf_t *scf);
void *ngx_http_ipng_stats_ssl_create_srv_conf(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_ssl_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf);

/* in the log phase: the connection's handshake, at its first request */
void ngx_http_ipng_stats_ssl_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf);

/*
 * $ipng_stats_ssl_zones (a text variable of the main conf): every zone,
 * escaped as on the wire and separated by 0x1f, in declaration order
 *
 * $ipng_stats_ssl_zone: the zone "ssl_status" shows in this location
 */
ngx_int_t ngx_http_ipng_stats_ssl_zone_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_IPNG_STATS_SSL_H_INCLUDED_ */
