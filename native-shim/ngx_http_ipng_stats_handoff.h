
/*
 * njs-ipng-stats native shim, core pipeline: the handoff zone, the writer
 * lease and the drain, $ipng_stats_writer_deltas
 * (ngx_http_ipng_stats_handoff.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_HANDOFF_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_HANDOFF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_pipeline.h"


ngx_int_t ngx_http_ipng_stats_handoff_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf, void *tag);

/* data: the offset of the pipeline's conf in the module's main conf */
ngx_int_t ngx_http_ipng_stats_writer_deltas_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

void ngx_http_ipng_stats_handoff_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_pipeline_conf_t *pcf);


#endif /* _NGX_HTTP_IPNG_STATS_HANDOFF_H_INCLUDED_ */
