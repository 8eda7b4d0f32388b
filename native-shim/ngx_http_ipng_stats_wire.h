
/*
 * njs-ipng-stats native shim, core pipeline: the per-worker table written
 * in the wire format of docs/wire-format.md (ngx_http_ipng_stats_wire.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_WIRE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_WIRE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_ipng_stats_table.h"


size_t ngx_http_ipng_stats_wire_len(ngx_http_ipng_stats_table_t *t,
    uint64_t lost);
u_char *ngx_http_ipng_stats_wire_render(ngx_http_ipng_stats_table_t *t,
    u_char *p, uint64_t lost);


#endif /* _NGX_HTTP_IPNG_STATS_WIRE_H_INCLUDED_ */
