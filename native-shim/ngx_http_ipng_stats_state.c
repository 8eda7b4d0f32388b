
/*
 * njs-ipng-stats native shim: "ipng_stats_state_file" and
 * "ipng_stats_state_interval", checked at "nginx -t" and handed to the
 * bundle as $ipng_stats_state_file and $ipng_stats_state_interval; the
 * bundle's tick saves and restores the zone (docs/zone-layout.md).
 */


#include "ngx_http_ipng_stats_conf_value.h"
#include "ngx_http_ipng_stats_state.h"


#define NGX_HTTP_IPNG_STATS_STATE_MIN  1000
#define NGX_HTTP_IPNG_STATS_STATE_DEF  60000


/* a directive of this part: its conf at cmd->offset in the main conf */
#define ngx_http_ipng_stats_state_of(conf, cmd)                             \
    ((ngx_http_ipng_stats_state_conf_t *) ((u_char *) (conf)                \
                                           + (cmd)->offset))


/*
 * The state file (docs/zone-layout.md): the tick's writer saves the zone
 * there and the first tick restores it. A relative path is taken from the
 * prefix, as nginx does for its own files; the directory must exist.
 */

char *
ngx_http_ipng_stats_state_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                            *slash;
    ngx_str_t                         *value, dir;
    ngx_file_info_t                    fi;
    ngx_http_ipng_stats_state_conf_t  *scf;

    scf = ngx_http_ipng_stats_state_of(conf, cmd);

    if (scf->file.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[value[1].len - 1] == '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in "
                           "\"ipng_stats_state_file\": it must name a file, "
                           "e.g. /var/lib/nginx/ipng-stats.state", &value[1]);
        return NGX_CONF_ERROR;
    }

    scf->file = value[1];

    if (ngx_conf_full_name(cf->cycle, &scf->file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the full name starts with "/": its directory ends at the last one */

    slash = scf->file.data + scf->file.len - 1;

    while (slash > scf->file.data && *slash != '/') {
        slash--;
    }

    dir.len = (slash == scf->file.data)
              ? 1 : (size_t) (slash - scf->file.data);
    dir.data = ngx_pnalloc(cf->pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn(dir.data, scf->file.data, dir.len + 1);

    if (ngx_file_info(dir.data, &fi) == NGX_FILE_ERROR
        || !ngx_is_dir(&fi))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "the directory of \"ipng_stats_state_file\" "
                           "\"%V\" does not exist: create \"%s\", writable "
                           "by the worker processes' user", &scf->file,
                           dir.data);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_state_interval(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_state_conf_t  *scf;

    scf = ngx_http_ipng_stats_state_of(conf, cmd);

    return ngx_http_ipng_stats_conf_msec(cf, cmd,
                                         NGX_HTTP_IPNG_STATS_STATE_MIN,
                                         "1s", "30s or 5m", &scf->interval);
}


void
ngx_http_ipng_stats_state_create_conf(ngx_http_ipng_stats_state_conf_t *scf)
{
    ngx_str_null(&scf->file);
    scf->interval = NGX_CONF_UNSET_MSEC;
}


char *
ngx_http_ipng_stats_state_init_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_state_conf_t *scf)
{
    u_char  *p;

    ngx_conf_init_msec_value(scf->interval, NGX_HTTP_IPNG_STATS_STATE_DEF);

    /* "60000ms": whole milliseconds, itself a valid nginx duration */

    p = ngx_pnalloc(cf->pool, NGX_INT_T_LEN + 2);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    scf->interval_text.data = p;
    scf->interval_text.len = ngx_sprintf(p, "%Mms", scf->interval) - p;

    return NGX_CONF_OK;
}
