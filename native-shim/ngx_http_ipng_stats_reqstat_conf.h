
/*
 * njs-ipng-stats native shim, reqstat (Tengine's req_status_*): the
 * configuration, its directives, their checks at "nginx -t", and the
 * variables that hand it to the njs part (ngx_http_ipng_stats_reqstat_conf.c).
 * The counting is ngx_http_ipng_stats_reqstat.c.
 */


#ifndef _NGX_HTTP_IPNG_STATS_REQSTAT_CONF_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_REQSTAT_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_table.h"


/* Tengine's columns after "kv", in its order (docs/wire-format.md) */
#define NGX_HTTP_IPNG_STATS_REQSTAT_FIELDS       29

/* Tengine: a line has at most 50 fields, so at most 21 indicators */
#define NGX_HTTP_IPNG_STATS_REQSTAT_MAX_FIELDS   50

/* Tengine's code (its documentation also says 104) */
#define NGX_HTTP_IPNG_STATS_REQSTAT_KEY_LENGTH   152

/* Tengine's default threshold: 10 visits per 60 seconds */
#define NGX_HTTP_IPNG_STATS_REQSTAT_TIMES        10
#define NGX_HTTP_IPNG_STATS_REQSTAT_SECONDS      60


/*
 * An indicator whose variable prints a number of the request: read from
 * the request itself, the same number its variable would print and the
 * indicator parse back, without formatting it (docs/performance.md)
 */
enum {
    NGX_HTTP_IPNG_STATS_REQSTAT_BY_VARIABLE = 0,
    NGX_HTTP_IPNG_STATS_REQSTAT_REQUEST_LENGTH,     /* $request_length */
    NGX_HTTP_IPNG_STATS_REQSTAT_BYTES_SENT,         /* $bytes_sent */
    NGX_HTTP_IPNG_STATS_REQSTAT_BODY_BYTES_SENT     /* $body_bytes_sent */
};


typedef struct {
    ngx_str_t                          name;        /* without "$" */
    ngx_int_t                          index;
    ngx_uint_t                         read;    /* ..._BY_VARIABLE, ... */
} ngx_http_ipng_stats_reqstat_indicator_t;


/* one "req_status_zone NAME KEY SIZE" */
typedef struct {
    ngx_str_t                          name;
    ngx_str_t                          key_text;    /* as written */
    ngx_http_complex_value_t           key;
    size_t                             size;
    size_t                             key_length;
    ngx_uint_t                         recycle_times;
    ngx_uint_t                         recycle_seconds;
    ngx_array_t                       *indicators;  /* ..._indicator_t */

    /* the variable when the key is one variable ("$uri"), else NGX_ERROR */
    ngx_int_t                          variable_index;

    /* $host when the key can be kept per connection, else NGX_ERROR */
    ngx_int_t                          host_index;
    ngx_uint_t                         kept_slot;
    ngx_uint_t                         kept_slots;  /* of the configuration */

    /* its line on the wire: "reqstat", 2 keys, 29 + indicators counters */
    ngx_http_ipng_stats_subsystem_t    shape;
    ngx_uint_t                         shape_hash;  /* with the name */

    /*
     * the key's variables are $host and variables a connection fixes: its
     * value cannot change while the request runs
     */
    unsigned                           fixed:1;
    unsigned                           key_length_set:1;
    unsigned                           recycle_set:1;
    unsigned                           used:1;
} ngx_http_ipng_stats_reqstat_zone_t;


/* a zone named by a directive, found once every zone is declared */
typedef struct {
    ngx_str_t                             name;
    const char                           *directive;
    ngx_str_t                             file;
    ngx_uint_t                            line;
    ngx_uint_t                            use;      /* unsigned use:1; */
    ngx_http_ipng_stats_reqstat_zone_t  **zone;
} ngx_http_ipng_stats_reqstat_ref_t;


typedef struct ngx_http_ipng_stats_reqstat_loc_conf_s
    ngx_http_ipng_stats_reqstat_loc_conf_t;


/* the reqstat part of the module's main configuration */
typedef struct {
    ngx_array_t                        zones;   /* ..._zone_t *, declared */
    ngx_array_t                        refs;    /* ..._ref_t */
    ngx_array_t                        used;    /* ..._zone_t *, first use */
    ngx_array_t                        shows;   /* ..._loc_conf_t * */
    ngx_str_t                          zones_text;  /* $ipng_reqstat_zones */

    /*
     * "req_status" in a server or a location, or "req_status_bypass":
     * a request's zones can depend on its first location
     */
    ngx_uint_t                         per_location;    /* unsigned :1 */

    /*
     * a request's zones and keys are taken at the rewrite phase of its
     * first location (ngx_http_ipng_stats_reqstat.c); otherwise they are
     * the same there and at the log phase, and taken at the log phase
     */
    ngx_uint_t                         rewrite;         /* unsigned :1 */
} ngx_http_ipng_stats_reqstat_conf_t;


struct ngx_http_ipng_stats_reqstat_loc_conf_s {
    /* req_status: ..._zone_t *; NULL: "req_status" nowhere above */
    ngx_array_t                       *zones;
    ngx_flag_t                         lazy;
    ngx_array_t                       *bypass;      /* predicates */

    /* req_status_show: ..._zone_t *, NULL for every zone in use */
    ngx_array_t                       *show;
    ngx_uint_t                         display;     /* unsigned :1 */
    ngx_array_t                       *show_fields; /* ngx_str_t */
    ngx_str_t                          show_text;
    ngx_str_t                          show_fields_text;
    ngx_str_t                          file;        /* of req_status_show */
    ngx_uint_t                         line;
};


char *ngx_http_ipng_stats_reqstat_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_reqstat_add_indicator(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_ipng_stats_reqstat_key_length(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_ipng_stats_reqstat_recycle(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_reqstat(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_reqstat_bypass(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_reqstat_show(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_reqstat_show_field(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

ngx_int_t ngx_http_ipng_stats_reqstat_create_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf);
void ngx_http_ipng_stats_reqstat_create_loc_conf(
    ngx_http_ipng_stats_reqstat_loc_conf_t *rlcf);
void ngx_http_ipng_stats_reqstat_merge_loc_conf(
    ngx_http_ipng_stats_reqstat_loc_conf_t *prev,
    ngx_http_ipng_stats_reqstat_loc_conf_t *conf);
ngx_int_t ngx_http_ipng_stats_reqstat_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf, void *tag);


#endif /* _NGX_HTTP_IPNG_STATS_REQSTAT_CONF_H_INCLUDED_ */
