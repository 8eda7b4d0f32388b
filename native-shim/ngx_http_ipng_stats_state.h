
/*
 * njs-ipng-stats native shim: the state file's directives
 * (ngx_http_ipng_stats_state.c).
 */


#ifndef _NGX_HTTP_IPNG_STATS_STATE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_STATE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    ngx_str_t                       file;       /* full path, or empty */
    ngx_msec_t                      interval;
    ngx_str_t                       interval_text;
} ngx_http_ipng_stats_state_conf_t;


/* directives: conf is the module's main conf, cmd->offset this part's */
char *ngx_http_ipng_stats_state_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ipng_stats_state_interval(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

void ngx_http_ipng_stats_state_create_conf(
    ngx_http_ipng_stats_state_conf_t *scf);
char *ngx_http_ipng_stats_state_init_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_state_conf_t *scf);


#endif /* _NGX_HTTP_IPNG_STATS_STATE_H_INCLUDED_ */
