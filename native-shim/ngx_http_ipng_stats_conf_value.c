
/*
 * njs-ipng-stats native shim: argument values of the shim's directives
 * that more than one part reads the same way.
 */


#include "ngx_http_ipng_stats_conf_value.h"


/*
 * The directive's one argument as an nginx duration of at least min;
 * the messages name the directive, the rule and an example.
 */

char *
ngx_http_ipng_stats_conf_msec(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_msec_t min, char *min_text, char *example, ngx_msec_t *ms)
{
    ngx_str_t   *value;
    ngx_msec_t   n;

    if (*ms != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_parse_time(&value[1], 0);

    if (n == (ngx_msec_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\": it must be an "
                           "nginx duration such as %s", &value[1],
                           &cmd->name, example);
        return NGX_CONF_ERROR;
    }

    if (n < min) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be at least %s, got \"%V\"",
                           &cmd->name, min_text, &value[1]);
        return NGX_CONF_ERROR;
    }

    *ms = n;

    return NGX_CONF_OK;
}
