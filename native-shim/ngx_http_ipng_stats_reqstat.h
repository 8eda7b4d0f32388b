
/*
 * njs-ipng-stats native shim, reqstat counting: per request, Tengine's 29
 * columns and a zone's indicators under the zone's key, into the
 * per-worker table (ngx_http_ipng_stats_reqstat.c).  Its configuration is
 * ngx_http_ipng_stats_reqstat_conf.c.
 */


#ifndef _NGX_HTTP_IPNG_STATS_REQSTAT_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_REQSTAT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_pipeline.h"
#include "ngx_http_ipng_stats_reqstat_conf.h"


/*
 * the rewrite phase: where the key is taken, unless "req_status_lazy on";
 * installed only when the configuration needs it (rcf->rewrite)
 */
ngx_int_t ngx_http_ipng_stats_reqstat_rewrite(ngx_http_request_t *r);

/* the log phase: the request counted */
void ngx_http_ipng_stats_reqstat_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_conf_t *rcf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf);


#endif /* _NGX_HTTP_IPNG_STATS_REQSTAT_H_INCLUDED_ */
