
/*
 * njs-ipng-stats native shim, core pipeline: its configuration, shared by
 * every subsystem (ngx_http_ipng_stats_pipeline.c).
 *
 * A subsystem (ipng counting; later reqstat, SSL status) observes events
 * in its own hook and adds them to the per-worker table
 * (ngx_http_ipng_stats_table.c); the table is rendered as the wire format
 * of docs/wire-format.md (ngx_http_ipng_stats_wire.c) and handed to the
 * one njs writer through the handoff zone and $ipng_stats_writer_deltas
 * (ngx_http_ipng_stats_handoff.c).  None of these files knows a
 * subsystem's keys.
 */


#ifndef _NGX_HTTP_IPNG_STATS_PIPELINE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_PIPELINE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    ngx_array_t                    *buckets;        /* of ngx_uint_t, ms */
    ngx_str_t                       buckets_text;
    ngx_msec_t                      flush_interval;
    ngx_str_t                       flush_interval_text;
    ngx_uint_t                      entries;        /* per worker table */
    ngx_shm_zone_t                 *handoff;
    ngx_array_t                    *collectors;     /* NULL: none */
} ngx_http_ipng_stats_pipeline_conf_t;


/* directives: conf is the module's main conf, cmd->offset the pipeline's */
char *ngx_http_ipng_stats_buckets(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_flush_interval(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_worker_entries(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

void ngx_http_ipng_stats_pipeline_create_conf(
    ngx_http_ipng_stats_pipeline_conf_t *pcf);
char *ngx_http_ipng_stats_pipeline_init_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf);


#endif /* _NGX_HTTP_IPNG_STATS_PIPELINE_H_INCLUDED_ */
