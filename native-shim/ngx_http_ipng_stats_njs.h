
/*
 * njs-ipng-stats native shim: the spec's "ipng_stats_zone NAME:SIZE",
 * "ipng_stats;" (the scrape handler) and "ipng_stats_bundle PATH", made of
 * ngx_http_js_module's own directives, and the same glue for the other
 * subsystems' zones and display handlers (ngx_http_ipng_stats_njs.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_NJS_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_NJS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* where "ipng_stats;" finds the bundle without js_path or ipng_stats_bundle */
#ifndef NGX_HTTP_IPNG_STATS_BUNDLE
#define NGX_HTTP_IPNG_STATS_BUNDLE                                            \
    "/usr/share/njs-ipng-stats/dist/ipng-stats.js"
#endif

/* the zone name the bundle uses when there is no "ipng_stats_zone" */
#define NGX_HTTP_IPNG_STATS_DEFAULT_ZONE  "ipng_stats"

/*
 * The counter zone must hold the per-worker records, at least one
 * (source, vip) record and the reserve that keeps every existing record
 * writable (docs/zone-layout.md, "Minimum size"); njs accepts 32k, in
 * which nothing could be counted.
 */
#define NGX_HTTP_IPNG_STATS_ZONE_MIN      (64 * 1024)
#define NGX_HTTP_IPNG_STATS_ZONE_MIN_WHY                                      \
    "the per-worker records, one (source, vip) record and the reserve "      \
    "that keeps existing records writable"


typedef struct ngx_http_ipng_stats_njs_s  ngx_http_ipng_stats_njs_t;


char *ngx_http_ipng_stats_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_bundle(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_scrape(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * The glue for every subsystem with an njs part (pipeline contract,
 * section 3), run from the subsystem's directive (cf->args[0] names it in
 * the messages):
 *
 * "js_shared_dict_zone zone=NAME:SIZE type=string;" at http level, the
 * zone the subsystem's njs part stores into;
 */
char *ngx_http_ipng_stats_njs_dict(ngx_conf_t *cf, ngx_str_t *name,
    ssize_t size);

/*
 * and, in the current location, "js_content ipng_stats.HANDLER;" (a
 * handler of the bundle's default export, e.g. "reqstatShow"), with the
 * bundle's "js_import" (once, at http level) and the periodic tick that
 * drains the shim (once per configuration, in the first such location).
 */
char *ngx_http_ipng_stats_njs_display(ngx_conf_t *cf, const char *handler);

/* the tick's line, once http{} is read: at the flush interval */
char *ngx_http_ipng_stats_njs_tick(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs, ngx_msec_t interval);
ngx_int_t ngx_http_ipng_stats_njs_preconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_ipng_stats_njs_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs);
ngx_int_t ngx_http_ipng_stats_zone_size_check(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs);
ngx_int_t ngx_http_ipng_stats_zone_type_check(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs);
ngx_uint_t ngx_http_ipng_stats_counter_zone_declared(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs);
ngx_int_t ngx_http_ipng_stats_zone_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_IPNG_STATS_NJS_H_INCLUDED_ */
