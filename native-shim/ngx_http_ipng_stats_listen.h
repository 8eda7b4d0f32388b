
/*
 * njs-ipng-stats native shim, listen: what "listen ... device=
 * ipng_source_tag= ipng_ingress" records (ngx_http_ipng_stats_listen.c),
 * for the sockets (ngx_http_ipng_stats_sockets.c) and the attribution
 * (ngx_http_ipng_stats_attribution.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_LISTEN_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_LISTEN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <net/if.h>


#define NGX_HTTP_IPNG_STATS_IFNAME_MAX  (IFNAMSIZ - 1)


/* one listen configuration that carries device= and/or ipng_source_tag= */
typedef struct {
    struct sockaddr                *sockaddr;   /* conf_addr opt.sockaddr */
    ngx_str_t                       device;
    ngx_str_t                       tag;
    ngx_uint_t                      ingress;    /* unsigned ingress:1; */
} ngx_http_ipng_stats_listen_t;


/* run time: the source of connections accepted through one address conf */
typedef struct {
    ngx_http_addr_conf_t           *addr_conf;
    ngx_str_t                       tag;        /* ingress: the fallback */
    ngx_uint_t                      ingress;    /* unsigned ingress:1; */
} ngx_http_ipng_stats_source_t;


/* a listening socket bound to a device, and what it took over on reload */
typedef struct {
    ngx_uint_t                      index;      /* in cycle->listening */
    ngx_str_t                       device;
} ngx_http_ipng_stats_bound_t;


typedef struct {
    ngx_str_t                       default_source;

    ngx_array_t                     listens;  /* ngx_http_ipng_stats_listen_t */
    ngx_array_t                     sources;  /* ngx_http_ipng_stats_source_t */
    ngx_array_t                     bound;    /* ngx_http_ipng_stats_bound_t */
    ngx_array_t                     ingress;  /* ngx_uint_t, listening index */
    ngx_array_t                     ignored;  /* ngx_listening_t * (old) */
    ngx_array_t                     claimed;  /* ngx_listening_t * (old) */
    ngx_uint_t                      committed;  /* unsigned committed:1; */
} ngx_http_ipng_stats_listen_conf_t;


ngx_int_t ngx_http_ipng_stats_listen_create_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_listen_conf_t *lcf);
ngx_http_ipng_stats_listen_t *ngx_http_ipng_stats_find_listen(
    ngx_http_ipng_stats_listen_conf_t *lcf, struct sockaddr *sa);
ngx_int_t ngx_http_ipng_stats_listen_preconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_listen_postconfiguration(ngx_conf_t *cf);


#endif /* _NGX_HTTP_IPNG_STATS_LISTEN_H_INCLUDED_ */
