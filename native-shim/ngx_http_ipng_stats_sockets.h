
/*
 * njs-ipng-stats native shim, listen: the core module that creates the
 * device sockets in the master (ngx_http_ipng_stats_sockets.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_SOCKETS_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_SOCKETS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_ipng_stats_listen.h"


extern ngx_module_t  ngx_ipng_stats_core_module;


#endif /* _NGX_HTTP_IPNG_STATS_SOCKETS_H_INCLUDED_ */
