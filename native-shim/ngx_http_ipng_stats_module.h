
/*
 * njs-ipng-stats native shim: the module (ngx_http_ipng_stats_module.c)
 * and its main configuration, made of one part per concern.  The files:
 *
 *   core pipeline, shared by every subsystem
 *     ngx_http_ipng_stats_pipeline.c     buckets, flush interval, table bound
 *     ngx_http_ipng_stats_table.c        the per-worker table
 *     ngx_http_ipng_stats_wire.c         its wire format (docs/wire-format.md)
 *     ngx_http_ipng_stats_handoff.c      handoff zone, writer lease, drain
 *   listen
 *     ngx_http_ipng_stats_listen.c       the "listen" configuration hook
 *     ngx_http_ipng_stats_sockets.c      device sockets, in the master
 *     ngx_http_ipng_stats_attribution.c  $ipng_source_tag
 *   subsystems
 *     ngx_http_ipng_stats_ipng.c         ipng counting, in the log phase
 *     ngx_http_ipng_stats_reqstat_conf.c reqstat (Tengine's req_status_*):
 *                                        directives, variables
 *     ngx_http_ipng_stats_reqstat.c      reqstat counting, rewrite and log
 *                                        phases
 *     ngx_http_ipng_stats_reqstat_key.c  reqstat keys: cut, identity of a
 *                                        cut key, kept per connection
 *     ngx_http_ipng_stats_ssl.c          SSL status: OpenSSL's session
 *                                        counters per zone, read at the
 *                                        flush interval
 *   other parts
 *     ngx_http_ipng_stats_logtail.c      ipng_stats_logtail (UDP)
 *     ngx_http_ipng_stats_log_format.c   log_format lines, as access_log
 *     ngx_http_ipng_stats_njs.c          ipng_stats_zone, "ipng_stats;",
 *                                        run by njs's own directives; the
 *                                        same glue for every subsystem
 *     ngx_http_ipng_stats_state.c        the state file's directives
 *     ngx_http_ipng_stats_lines.c        $ipng_stats_lines: the scrape's
 *                                        heads put in front of its lines
 *     ngx_http_ipng_stats_conf_value.c   directive values read alike by
 *                                        several parts (durations)
 */


#ifndef _NGX_HTTP_IPNG_STATS_MODULE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_pipeline.h"
#include "ngx_http_ipng_stats_listen.h"
#include "ngx_http_ipng_stats_ipng.h"
#include "ngx_http_ipng_stats_reqstat_conf.h"
#include "ngx_http_ipng_stats_log_format.h"
#include "ngx_http_ipng_stats_logtail.h"
#include "ngx_http_ipng_stats_njs.h"
#include "ngx_http_ipng_stats_state.h"
#include "ngx_http_ipng_stats_ssl.h"
#include "ngx_http_ipng_stats_lines.h"


typedef struct {
    ngx_http_ipng_stats_pipeline_conf_t   pipeline;
    ngx_http_ipng_stats_listen_conf_t     listen;
    ngx_http_ipng_stats_ipng_conf_t       ipng;
    ngx_array_t                           formats;  /* log_format_t */
    ngx_http_ipng_stats_logtail_t        *logtail;
    ngx_http_ipng_stats_njs_t            *njs;
    ngx_http_ipng_stats_state_conf_t      state;
    ngx_http_ipng_stats_reqstat_conf_t    reqstat;
    ngx_http_ipng_stats_ssl_conf_t        ssl;
} ngx_http_ipng_stats_main_conf_t;


/*
 * The location configuration, a part per subsystem.  ipng's comes first:
 * its directive and its observation take the whole as their own part.
 */
typedef struct {
    ngx_http_ipng_stats_ipng_loc_conf_t      ipng;
    ngx_http_ipng_stats_reqstat_loc_conf_t   reqstat;
} ngx_http_ipng_stats_loc_conf_t;


extern ngx_module_t  ngx_http_ipng_stats_module;
extern ngx_module_t  ngx_ipng_stats_load_order_module;


#endif /* _NGX_HTTP_IPNG_STATS_MODULE_H_INCLUDED_ */
