
/*
 * njs-ipng-stats native shim: declarations shared by its source files.
 *
 *   ngx_http_ipng_stats_module.c     directives, variables, log-phase hook
 *   ngx_http_ipng_stats_aggregate.c  per-worker counting, $ipng_stats_deltas,
 *                                    $ipng_stats_writer_deltas and its
 *                                    lease, the handoff zone,
 *                                    $ipng_stats_skip
 *   ngx_http_ipng_stats_listen.c     listen device= / ipng_source_tag=,
 *                                    per-device sockets, $ipng_source_tag
 *   ngx_http_ipng_stats_logtail.c    ipng_stats_logtail (UDP)
 *   ngx_http_ipng_stats_njs.c        ipng_stats_zone, ipng_stats; and
 *                                    ipng_stats_bundle, run by njs's own
 *                                    directives; $ipng_stats_zone
 *   ngx_http_ipng_stats_log_format.c log_format definitions, rendered as
 *                                    access_log renders them
 */


#ifndef _NGX_HTTP_IPNG_STATS_MODULE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_njs.h"


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


/* a log_format directive as written: escape= and its strings */
typedef struct {
    ngx_str_t                       name;
    ngx_uint_t                      escape;
    ngx_str_t                      *strings;
    ngx_uint_t                      nstrings;
} ngx_http_ipng_stats_log_format_t;


typedef struct ngx_http_ipng_stats_logtail_s  ngx_http_ipng_stats_logtail_t;
typedef struct ngx_http_ipng_stats_line_s  ngx_http_ipng_stats_line_t;


typedef struct {
    ngx_str_t                       default_source;
    ngx_array_t                    *buckets;        /* of ngx_uint_t, ms */
    ngx_msec_t                      flush_interval;
    ngx_str_t                       state_file;     /* full path, or empty */
    ngx_msec_t                      state_interval;

    ngx_str_t                       buckets_text;
    ngx_str_t                       flush_interval_text;
    ngx_str_t                       state_interval_text;

    ngx_array_t                     listens;  /* ngx_http_ipng_stats_listen_t */
    ngx_array_t                     sources;  /* ngx_http_ipng_stats_source_t */
    ngx_array_t                     bound;    /* ngx_http_ipng_stats_bound_t */
    ngx_array_t                     ingress;  /* ngx_uint_t, listening index */
    ngx_array_t                     ignored;  /* ngx_listening_t * (old) */
    ngx_array_t                     claimed;  /* ngx_listening_t * (old) */
    ngx_uint_t                      committed;  /* unsigned committed:1; */

    ngx_array_t                     formats;  /* log_format definitions */
    ngx_http_ipng_stats_logtail_t  *logtail;

    ngx_uint_t                      entries;  /* per worker table bound */
    ngx_int_t                       tag_index;          /* $ipng_source_tag */
    ngx_int_t                       server_addr_index;  /* $server_addr */
    ngx_shm_zone_t                 *handoff;

    ngx_http_ipng_stats_njs_t      *njs;      /* the spec's njs directives */
} ngx_http_ipng_stats_main_conf_t;


typedef struct {
    ngx_flag_t                      enable;
} ngx_http_ipng_stats_loc_conf_t;


extern ngx_module_t  ngx_http_ipng_stats_module;
extern ngx_module_t  ngx_ipng_stats_core_module;
extern ngx_module_t  ngx_ipng_stats_load_order_module;

/* only its public command table is used: "log_format" is wrapped */
extern ngx_module_t  ngx_http_log_module;


/* ngx_http_ipng_stats_listen.c */
ngx_int_t ngx_http_ipng_stats_listen_preconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_listen_postconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_source_tag_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

/* ngx_http_ipng_stats_aggregate.c */
ngx_int_t ngx_http_ipng_stats_aggregate_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_main_conf_t *mcf);
void ngx_http_ipng_stats_aggregate(ngx_http_request_t *r,
    ngx_http_ipng_stats_main_conf_t *mcf);
void ngx_http_ipng_stats_aggregate_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf);
ngx_int_t ngx_http_ipng_stats_deltas_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
ngx_int_t ngx_http_ipng_stats_writer_deltas_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
ngx_int_t ngx_http_ipng_stats_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
void ngx_http_ipng_stats_set_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

/* ngx_http_ipng_stats_log_format.c */
ngx_int_t ngx_http_ipng_stats_log_format_preconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_log_format_postconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_line_compile(ngx_conf_t *cf, ngx_str_t *name,
    ngx_http_ipng_stats_line_t **linep);
size_t ngx_http_ipng_stats_line_length(ngx_http_request_t *r,
    ngx_http_ipng_stats_line_t *line);
u_char *ngx_http_ipng_stats_line_render(ngx_http_request_t *r,
    ngx_http_ipng_stats_line_t *line, u_char *buf, u_char *end);

/* ngx_http_ipng_stats_logtail.c */
char *ngx_http_ipng_stats_logtail(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_ipng_stats_logtail_write(ngx_http_request_t *r,
    ngx_http_ipng_stats_logtail_t *lt);
ngx_int_t ngx_http_ipng_stats_logtail_init_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_logtail_t *lt);
void ngx_http_ipng_stats_logtail_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_logtail_t *lt);


#endif /* _NGX_HTTP_IPNG_STATS_MODULE_H_INCLUDED_ */
