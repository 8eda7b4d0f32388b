
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

/* a field escaped as docs/wire-format.md says, and its length so */
size_t ngx_http_ipng_stats_escaped_len(ngx_str_t *field);
u_char *ngx_http_ipng_stats_escape(u_char *p, ngx_str_t *field);


#endif /* _NGX_HTTP_IPNG_STATS_WIRE_H_INCLUDED_ */
