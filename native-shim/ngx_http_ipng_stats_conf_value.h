
/*
 * njs-ipng-stats native shim: argument values of the shim's directives
 * that more than one part reads the same way.
 */


#ifndef _NGX_HTTP_IPNG_STATS_CONF_VALUE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_CONF_VALUE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


char *ngx_http_ipng_stats_conf_msec(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_msec_t min, char *min_text, char *example, ngx_msec_t *ms);


#endif /* _NGX_HTTP_IPNG_STATS_CONF_VALUE_H_INCLUDED_ */
