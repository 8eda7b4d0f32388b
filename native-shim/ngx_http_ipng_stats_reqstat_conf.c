
/*
 * njs-ipng-stats native shim, reqstat: Tengine's req_status_* directives,
 * as Tengine's ngx_http_reqstat_module reads them, each checked at
 * "nginx -t" with a message that names the directive and the rule.
 *
 *   req_status_zone NAME "KEY" SIZE       (http) also declares the njs
 *                                         dict reqstat_NAME of SIZE
 *   req_status ZONE...                    (http, server, location)
 *   req_status_show [ZONE...]             (location) the display handler
 *   req_status_show_field FIELD|$VAR...   (location)
 *   req_status_zone_add_indicator ZONE $VAR...      (http)
 *   req_status_zone_key_length ZONE LEN             (http)
 *   req_status_zone_recycle ZONE TIMES SECONDS      (http)
 *   req_status_lazy on|off                (http, server, location)
 *   req_status_bypass STRING...           (http, server, location) not
 *                                         counted when one is neither
 *                                         empty nor "0"
 *
 * Zones named by req_status and req_status_show are found once the whole
 * http{} block is read (a zone may be declared after a server{} that uses
 * it); the zone's own settings must follow its req_status_zone, as in
 * Tengine.  What the njs part needs is handed over as text variables
 * ($ipng_reqstat_zones, $ipng_reqstat_show, $ipng_reqstat_show_fields),
 * each field escaped as on the wire (docs/wire-format.md).
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_wire.h"
#include "ngx_http_ipng_stats_reqstat_key.h"


/* the njs dict of zone NAME is "reqstat_NAME" (pipeline contract) */
#define NGX_HTTP_IPNG_STATS_REQSTAT_DICT     "reqstat_"

/* nginx's slab allocator, and so njs's dict, needs 8 pages */
#define NGX_HTTP_IPNG_STATS_REQSTAT_MIN      (32 * 1024)

/*
 * A worker's table holds at most one key of a zone per this many bytes
 * of the zone between two drains: about four times the keys the njs
 * zone can hold (some 1,000 per MB), so that the keys njs recycles into
 * get through, and a stream of attacker-chosen keys costs bounded memory.
 */
#define NGX_HTTP_IPNG_STATS_REQSTAT_ENTRY_BYTES  256

/* the counter that says an entry saw requests: req_total */
#define NGX_HTTP_IPNG_STATS_REQSTAT_SEEN     3

#define NGX_HTTP_IPNG_STATS_REQSTAT_SEP      '\x1f'


#define ngx_http_ipng_stats_reqstat_part(conf, cmd)                          \
    ((void *) ((u_char *) (conf) + (cmd)->offset))


static ngx_http_ipng_stats_reqstat_zone_t *ngx_http_ipng_stats_reqstat_find(
    ngx_http_ipng_stats_reqstat_conf_t *rcf, ngx_str_t *name);
static ngx_http_ipng_stats_reqstat_zone_t *
    ngx_http_ipng_stats_reqstat_declared(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf, ngx_str_t *name);
static char *ngx_http_ipng_stats_reqstat_refs(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf, ngx_array_t *zones,
    ngx_uint_t use);
static ngx_int_t ngx_http_ipng_stats_reqstat_positive(ngx_str_t *value);
static ngx_uint_t ngx_http_ipng_stats_reqstat_indicator_read(ngx_str_t *name);
static ngx_int_t ngx_http_ipng_stats_reqstat_join(ngx_pool_t *pool,
    ngx_str_t *fields, ngx_uint_t n, ngx_str_t *text);
static ngx_int_t ngx_http_ipng_stats_reqstat_zones_text(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf);
static ngx_int_t ngx_http_ipng_stats_reqstat_show_text(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf,
    ngx_http_ipng_stats_reqstat_loc_conf_t *rlcf);
static ngx_int_t ngx_http_ipng_stats_reqstat_keep(ngx_shm_zone_t *shm_zone,
    void *data);


/* Tengine's field names, in its order: req_status_show_field's words */
static ngx_str_t  ngx_http_ipng_stats_reqstat_field_names[] = {
    ngx_string("bytes_in"),
    ngx_string("bytes_out"),
    ngx_string("conn_total"),
    ngx_string("req_total"),
    ngx_string("http_2xx"),
    ngx_string("http_3xx"),
    ngx_string("http_4xx"),
    ngx_string("http_5xx"),
    ngx_string("http_other_status"),
    ngx_string("rt"),
    ngx_string("ups_req"),
    ngx_string("ups_rt"),
    ngx_string("ups_tries"),
    ngx_string("http_200"),
    ngx_string("http_206"),
    ngx_string("http_302"),
    ngx_string("http_304"),
    ngx_string("http_403"),
    ngx_string("http_404"),
    ngx_string("http_416"),
    ngx_string("http_499"),
    ngx_string("http_500"),
    ngx_string("http_502"),
    ngx_string("http_503"),
    ngx_string("http_504"),
    ngx_string("http_508"),
    ngx_string("http_other_detail_status"),
    ngx_string("http_ups_4xx"),
    ngx_string("http_ups_5xx")
};


static ngx_str_t  ngx_http_ipng_stats_reqstat_keys_zone =
    ngx_string("ipng_stats_reqstat_keys");


char *
ngx_http_ipng_stats_reqstat_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                               c;
    ssize_t                              size;
    ngx_str_t                           *value, dict;
    ngx_uint_t                           i;
    ngx_http_ipng_stats_reqstat_conf_t  *rcf;
    ngx_http_ipng_stats_reqstat_zone_t  *zone, **zp;
    ngx_http_compile_complex_value_t     ccv;

    rcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);
    value = cf->args->elts;

    for (i = 0; i < value[1].len; i++) {
        c = value[1].data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
        {
            break;
        }
    }

    if (value[1].len == 0 || i < value[1].len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone name \"%V\" in \"req_status_zone\": "
                           "use letters, digits, \"_\", \"-\" and \".\" "
                           "only", &value[1]);
        return NGX_CONF_ERROR;
    }

    zone = ngx_http_ipng_stats_reqstat_find(rcf, &value[1]);

    if (zone) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"req_status_zone\" \"%V\" is declared twice: it "
                           "already has the key \"%V\"",
                           &value[1], &zone->key_text);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_script_variables_count(&value[2]) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the key \"%V\" of \"req_status_zone\" \"%V\" is "
                           "a constant: it needs at least one variable, "
                           "e.g. \"$host\"", &value[2], &value[1]);
        return NGX_CONF_ERROR;
    }

    size = ngx_parse_size(&value[3]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\" in \"req_status_zone\" "
                           "\"%V\": it must be a size such as 1m or 512k",
                           &value[3], &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < NGX_HTTP_IPNG_STATS_REQSTAT_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone size \"%V\" in \"req_status_zone\" \"%V\" "
                           "is too small: it must be at least %uzk",
                           &value[3], &value[1],
                           (size_t) NGX_HTTP_IPNG_STATS_REQSTAT_MIN / 1024);
        return NGX_CONF_ERROR;
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_reqstat_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &zone->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    zone->name = value[1];
    zone->key_text = value[2];
    zone->size = (size_t) size;
    zone->key_length = NGX_HTTP_IPNG_STATS_REQSTAT_KEY_LENGTH;
    zone->recycle_times = NGX_HTTP_IPNG_STATS_REQSTAT_TIMES;
    zone->recycle_seconds = NGX_HTTP_IPNG_STATS_REQSTAT_SECONDS;

    dict.len = sizeof(NGX_HTTP_IPNG_STATS_REQSTAT_DICT) - 1 + value[1].len;
    dict.data = ngx_pnalloc(cf->pool, dict.len);
    if (dict.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(ngx_cpymem(dict.data, NGX_HTTP_IPNG_STATS_REQSTAT_DICT,
                          sizeof(NGX_HTTP_IPNG_STATS_REQSTAT_DICT) - 1),
               value[1].data, value[1].len);

    if (ngx_http_ipng_stats_njs_dict(cf, &dict, size) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    zp = ngx_array_push(&rcf->zones);
    if (zp == NULL) {
        return NGX_CONF_ERROR;
    }

    *zp = zone;

    return NGX_CONF_OK;
}


/*
 * How an indicator is read: these core variables cannot be redefined (set,
 * map and js_set refuse a variable nginx defines unchangeable), so their
 * value is the request's number they print.
 */

static ngx_uint_t
ngx_http_ipng_stats_reqstat_indicator_read(ngx_str_t *name)
{
    ngx_uint_t  i;

    static struct {
        ngx_str_t   name;
        ngx_uint_t  read;
    } direct[] = {
        { ngx_string("request_length"),
          NGX_HTTP_IPNG_STATS_REQSTAT_REQUEST_LENGTH },
        { ngx_string("bytes_sent"), NGX_HTTP_IPNG_STATS_REQSTAT_BYTES_SENT },
        { ngx_string("body_bytes_sent"),
          NGX_HTTP_IPNG_STATS_REQSTAT_BODY_BYTES_SENT },
    };

    for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
        if (name->len == direct[i].name.len
            && ngx_strncasecmp(name->data, direct[i].name.data, name->len)
               == 0)
        {
            return direct[i].read;
        }
    }

    return NGX_HTTP_IPNG_STATS_REQSTAT_BY_VARIABLE;
}


char *
ngx_http_ipng_stats_reqstat_add_indicator(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t                                *value, name;
    ngx_uint_t                                i, j, max;
    ngx_http_ipng_stats_reqstat_conf_t       *rcf;
    ngx_http_ipng_stats_reqstat_zone_t       *zone;
    ngx_http_ipng_stats_reqstat_indicator_t  *ind;

    rcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);
    value = cf->args->elts;

    zone = ngx_http_ipng_stats_reqstat_declared(cf, rcf, &value[1]);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->indicators) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"req_status_zone_add_indicator\" for zone \"%V\" "
                           "is duplicate: give all its indicators in one "
                           "line", &value[1]);
        return NGX_CONF_ERROR;
    }

    max = NGX_HTTP_IPNG_STATS_REQSTAT_MAX_FIELDS
          - NGX_HTTP_IPNG_STATS_REQSTAT_FIELDS;

    if (cf->args->nelts - 2 > max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"req_status_zone_add_indicator\" gives zone "
                           "\"%V\" %ui indicators: at most %ui, as a line has "
                           "at most %d fields, %d of them Tengine's own",
                           &value[1], cf->args->nelts - 2, max,
                           NGX_HTTP_IPNG_STATS_REQSTAT_MAX_FIELDS,
                           NGX_HTTP_IPNG_STATS_REQSTAT_FIELDS);
        return NGX_CONF_ERROR;
    }

    zone->indicators = ngx_array_create(cf->pool, cf->args->nelts - 2,
                              sizeof(ngx_http_ipng_stats_reqstat_indicator_t));
    if (zone->indicators == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        name = value[i];

        /* Tengine takes the name with or without "$" */

        if (name.len && name.data[0] == '$') {
            name.data++;
            name.len--;
        }

        if (name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid indicator \"%V\" in "
                               "\"req_status_zone_add_indicator\": it must "
                               "name a variable, e.g. $limit", &value[i]);
            return NGX_CONF_ERROR;
        }

        ind = zone->indicators->elts;

        for (j = 0; j < zone->indicators->nelts; j++) {
            if (ind[j].name.len == name.len
                && ngx_strncmp(ind[j].name.data, name.data, name.len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "indicator \"$%V\" is given twice in "
                                   "\"req_status_zone_add_indicator\" %V",
                                   &name, &value[1]);
                return NGX_CONF_ERROR;
            }
        }

        ind = ngx_array_push(zone->indicators);
        if (ind == NULL) {
            return NGX_CONF_ERROR;
        }

        ind->name = name;
        ind->read = ngx_http_ipng_stats_reqstat_indicator_read(&name);

        /* an unknown variable fails later, in nginx's own words */

        ind->index = ngx_http_get_variable_index(cf, &name);
        if (ind->index == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_reqstat_key_length(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_int_t                            n;
    ngx_str_t                           *value;
    ngx_http_ipng_stats_reqstat_conf_t  *rcf;
    ngx_http_ipng_stats_reqstat_zone_t  *zone;

    rcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);
    value = cf->args->elts;

    zone = ngx_http_ipng_stats_reqstat_declared(cf, rcf, &value[1]);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->key_length_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"req_status_zone_key_length\" for zone \"%V\" "
                           "is duplicate", &value[1]);
        return NGX_CONF_ERROR;
    }

    n = ngx_http_ipng_stats_reqstat_positive(&value[2]);

    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid key length \"%V\" in "
                           "\"req_status_zone_key_length\" %V: it must be a "
                           "positive integer (bytes)", &value[2], &value[1]);
        return NGX_CONF_ERROR;
    }

    zone->key_length = (size_t) n;
    zone->key_length_set = 1;

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_reqstat_recycle(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_int_t                            times, seconds;
    ngx_str_t                           *value;
    ngx_http_ipng_stats_reqstat_conf_t  *rcf;
    ngx_http_ipng_stats_reqstat_zone_t  *zone;

    rcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);
    value = cf->args->elts;

    zone = ngx_http_ipng_stats_reqstat_declared(cf, rcf, &value[1]);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->recycle_set) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"req_status_zone_recycle\" for zone \"%V\" is "
                           "duplicate", &value[1]);
        return NGX_CONF_ERROR;
    }

    times = ngx_http_ipng_stats_reqstat_positive(&value[2]);

    if (times == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid times \"%V\" in "
                           "\"req_status_zone_recycle\" %V: it must be a "
                           "positive integer (visits)", &value[2], &value[1]);
        return NGX_CONF_ERROR;
    }

    seconds = ngx_http_ipng_stats_reqstat_positive(&value[3]);

    if (seconds == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid seconds \"%V\" in "
                           "\"req_status_zone_recycle\" %V: it must be a "
                           "positive integer (seconds)", &value[3],
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    zone->recycle_times = (ngx_uint_t) times;
    zone->recycle_seconds = (ngx_uint_t) seconds;
    zone->recycle_set = 1;

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_reqstat(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ipng_stats_reqstat_conf_t      *rcf;
    ngx_http_ipng_stats_main_conf_t         *mcf;
    ngx_http_ipng_stats_reqstat_loc_conf_t  *rlcf;

    rlcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);

    if (rlcf->zones != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);
    rcf = &mcf->reqstat;

    rlcf->zones = ngx_array_create(cf->pool, cf->args->nelts - 1,
                              sizeof(ngx_http_ipng_stats_reqstat_zone_t *));
    if (rlcf->zones == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cf->cmd_type != NGX_HTTP_MAIN_CONF) {
        rcf->per_location = 1;
    }

    return ngx_http_ipng_stats_reqstat_refs(cf, rcf, rlcf->zones, 1);
}


/* req_status_bypass: decided with the zones, at a request's first location */

char *
ngx_http_ipng_stats_reqstat_bypass(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);
    mcf->reqstat.per_location = 1;

    return ngx_http_set_predicate_slot(cf, cmd, conf);
}


char *
ngx_http_ipng_stats_reqstat_show(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_main_conf_t          *mcf;
    ngx_http_ipng_stats_reqstat_loc_conf_t   *rlcf, **show;

    rlcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);

    if (rlcf->display) {
        return "is duplicate";
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);

    if (cf->args->nelts > 1) {
        rlcf->show = ngx_array_create(cf->pool, cf->args->nelts - 1,
                              sizeof(ngx_http_ipng_stats_reqstat_zone_t *));
        if (rlcf->show == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_ipng_stats_reqstat_refs(cf, &mcf->reqstat, rlcf->show,
                                             0)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_ipng_stats_njs_display(cf, "reqstatShow") != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    rlcf->display = 1;
    rlcf->file = cf->conf_file->file.name;
    rlcf->line = cf->conf_file->line;

    show = ngx_array_push(&mcf->reqstat.shows);
    if (show == NULL) {
        return NGX_CONF_ERROR;
    }

    *show = rlcf;

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_reqstat_show_field(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t                               *value, *field;
    ngx_uint_t                               i, j, n;
    ngx_http_ipng_stats_reqstat_loc_conf_t  *rlcf;

    rlcf = ngx_http_ipng_stats_reqstat_part(conf, cmd);

    if (rlcf->show_fields != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rlcf->show_fields = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                         sizeof(ngx_str_t));
    if (rlcf->show_fields == NULL) {
        return NGX_CONF_ERROR;
    }

    n = sizeof(ngx_http_ipng_stats_reqstat_field_names) / sizeof(ngx_str_t);

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 2 && ngx_strncmp(value[i].data, "kv", 2) == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"kv\" in \"req_status_show_field\": the key "
                               "is always the first field of a line, give "
                               "only the fields after it");
            return NGX_CONF_ERROR;
        }

        /* an indicator ("$name") is checked once the zones are known */

        if (value[i].len < 2 || value[i].data[0] != '$') {

            for (j = 0; j < n; j++) {
                if (value[i].len
                        == ngx_http_ipng_stats_reqstat_field_names[j].len
                    && ngx_strncmp(value[i].data,
                              ngx_http_ipng_stats_reqstat_field_names[j].data,
                              value[i].len) == 0)
                {
                    break;
                }
            }

            if (j == n) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "unknown field \"%V\" in "
                                   "\"req_status_show_field\": it must be "
                                   "one of Tengine's (bytes_in, bytes_out, "
                                   "conn_total, req_total, ..., http_ups_5xx)"
                                   " or an indicator of a zone, e.g. $limit",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }
        }

        field = ngx_array_push(rlcf->show_fields);
        if (field == NULL) {
            return NGX_CONF_ERROR;
        }

        *field = value[i];
    }

    return NGX_CONF_OK;
}


/* the zones of req_status (use) or req_status_show: found at the end */

static char *
ngx_http_ipng_stats_reqstat_refs(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf, ngx_array_t *zones,
    ngx_uint_t use)
{
    ngx_str_t                            *value;
    ngx_uint_t                            i, j;
    ngx_http_ipng_stats_reqstat_ref_t    *ref;
    ngx_http_ipng_stats_reqstat_zone_t  **slots;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        for (j = 1; j < i; j++) {
            if (value[i].len == value[j].len
                && ngx_strncmp(value[i].data, value[j].data, value[i].len)
                   == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is given twice in \"%V\"",
                                   &value[i], &value[0]);
                return NGX_CONF_ERROR;
            }
        }
    }

    slots = ngx_array_push_n(zones, cf->args->nelts - 1);
    if (slots == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        slots[i - 1] = NULL;

        ref = ngx_array_push(&rcf->refs);
        if (ref == NULL) {
            return NGX_CONF_ERROR;
        }

        ref->name = value[i];
        ref->directive = use ? "req_status" : "req_status_show";
        ref->file = cf->conf_file->file.name;
        ref->line = cf->conf_file->line;
        ref->use = use;
        ref->zone = &slots[i - 1];
    }

    return NGX_CONF_OK;
}


static ngx_http_ipng_stats_reqstat_zone_t *
ngx_http_ipng_stats_reqstat_find(ngx_http_ipng_stats_reqstat_conf_t *rcf,
    ngx_str_t *name)
{
    ngx_uint_t                            i;
    ngx_http_ipng_stats_reqstat_zone_t  **zone;

    zone = rcf->zones.elts;

    for (i = 0; i < rcf->zones.nelts; i++) {
        if (zone[i]->name.len == name->len
            && ngx_strncmp(zone[i]->name.data, name->data, name->len) == 0)
        {
            return zone[i];
        }
    }

    return NULL;
}


/* a zone that a setting names: declared above it, as Tengine wants */

static ngx_http_ipng_stats_reqstat_zone_t *
ngx_http_ipng_stats_reqstat_declared(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf, ngx_str_t *name)
{
    ngx_str_t                           *value;
    ngx_http_ipng_stats_reqstat_zone_t  *zone;

    zone = ngx_http_ipng_stats_reqstat_find(rcf, name);

    if (zone == NULL) {
        value = cf->args->elts;

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" names the zone \"%V\", which no "
                           "\"req_status_zone\" above it declares",
                           &value[0], name);
    }

    return zone;
}


static ngx_int_t
ngx_http_ipng_stats_reqstat_positive(ngx_str_t *value)
{
    ngx_int_t  n;

    n = ngx_atoi(value->data, value->len);

    if (n == NGX_ERROR || n == 0) {
        return NGX_ERROR;
    }

    return n;
}


ngx_int_t
ngx_http_ipng_stats_reqstat_create_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf)
{
    if (ngx_array_init(&rcf->zones, cf->pool, 4,
                       sizeof(ngx_http_ipng_stats_reqstat_zone_t *))
        != NGX_OK
        || ngx_array_init(&rcf->refs, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_reqstat_ref_t))
           != NGX_OK
        || ngx_array_init(&rcf->used, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_reqstat_zone_t *))
           != NGX_OK
        || ngx_array_init(&rcf->shows, cf->pool, 1,
                          sizeof(ngx_http_ipng_stats_reqstat_loc_conf_t *))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_null(&rcf->zones_text);

    return NGX_OK;
}


void
ngx_http_ipng_stats_reqstat_create_loc_conf(
    ngx_http_ipng_stats_reqstat_loc_conf_t *rlcf)
{
    ngx_memzero(rlcf, sizeof(ngx_http_ipng_stats_reqstat_loc_conf_t));

    rlcf->zones = NGX_CONF_UNSET_PTR;
    rlcf->lazy = NGX_CONF_UNSET;
    rlcf->bypass = NGX_CONF_UNSET_PTR;
    rlcf->show_fields = NGX_CONF_UNSET_PTR;
}


/* a location's display (req_status_show) is its own, never inherited */

void
ngx_http_ipng_stats_reqstat_merge_loc_conf(
    ngx_http_ipng_stats_reqstat_loc_conf_t *prev,
    ngx_http_ipng_stats_reqstat_loc_conf_t *conf)
{
    ngx_conf_merge_ptr_value(conf->zones, prev->zones, NULL);
    ngx_conf_merge_value(conf->lazy, prev->lazy, 0);
    ngx_conf_merge_ptr_value(conf->bypass, prev->bypass, NULL);
    ngx_conf_merge_ptr_value(conf->show_fields, prev->show_fields, NULL);
}


/*
 * After the http{} block: the zones every directive named, the order of
 * first use, the shapes on the wire, the text of the variables, and the
 * check of a changed key at reload.
 */

ngx_int_t
ngx_http_ipng_stats_reqstat_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf, void *tag)
{
    ngx_uint_t                                i, nind, max, slots;
    ngx_shm_zone_t                           *shm_zone;
    ngx_http_ipng_stats_reqstat_ref_t        *ref;
    ngx_http_ipng_stats_reqstat_zone_t       *zone, **zp, **used;
    ngx_http_ipng_stats_reqstat_loc_conf_t  **show;

    ref = rcf->refs.elts;

    for (i = 0; i < rcf->refs.nelts; i++) {
        zone = ngx_http_ipng_stats_reqstat_find(rcf, &ref[i].name);

        if (zone == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"%s\" in %V:%ui names the zone \"%V\", which no "
                          "\"req_status_zone\" declares",
                          ref[i].directive, &ref[i].file, ref[i].line,
                          &ref[i].name);
            return NGX_ERROR;
        }

        *ref[i].zone = zone;

        if (ref[i].use && !zone->used) {
            used = ngx_array_push(&rcf->used);
            if (used == NULL) {
                return NGX_ERROR;
            }

            *used = zone;
            zone->used = 1;
        }
    }

    zp = rcf->zones.elts;
    slots = 0;

    for (i = 0; i < rcf->zones.nelts; i++) {
        if (ngx_http_ipng_stats_reqstat_key_init(cf, zp[i], &slots)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /*
     * Where a request's zones and keys are taken: with "req_status" only
     * at http level (the same zones in every location), no bypass, and
     * keys that no request can change ($host, $server_addr, ...), taking
     * them at the log phase gives what the rewrite phase of the first
     * location would, without a handler there or a decision kept in the
     * request (docs/shim.md)
     */

    rcf->rewrite = rcf->per_location;
    used = rcf->used.elts;

    for (i = 0; i < rcf->used.nelts; i++) {
        if (!used[i]->fixed) {
            rcf->rewrite = 1;
        }
    }

    for (i = 0; i < rcf->zones.nelts; i++) {
        zone = zp[i];
        zone->kept_slots = slots;
        nind = zone->indicators ? zone->indicators->nelts : 0;

        max = zone->size / NGX_HTTP_IPNG_STATS_REQSTAT_ENTRY_BYTES;

        ngx_str_set(&zone->shape.name, "reqstat");
        zone->shape.nkeys = 2;     /* the cut key, the whole key's identity */
        zone->shape.ncounters = NGX_HTTP_IPNG_STATS_REQSTAT_FIELDS + nind;
        zone->shape.nhistograms = 0;
        zone->shape.events = 1;
        zone->shape.seen = NGX_HTTP_IPNG_STATS_REQSTAT_SEEN;
        zone->shape.forget = 1;
        zone->shape.max_entries = max;

        zone->shape_hash = ngx_http_ipng_stats_table_zone_hash(&zone->shape,
                                                               &zone->name);
    }

    if (ngx_http_ipng_stats_reqstat_zones_text(cf, rcf) != NGX_OK) {
        return NGX_ERROR;
    }

    show = rcf->shows.elts;

    for (i = 0; i < rcf->shows.nelts; i++) {
        if (ngx_http_ipng_stats_reqstat_show_text(cf, rcf, show[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (rcf->zones.nelts == 0) {
        return NGX_OK;
    }

    /*
     * A zone whose key changes at a reload would mix the old keys and the
     * new ones in one njs dict: as Tengine, the reload fails, naming the
     * zone.  The old configuration reaches the new one through a small
     * zone of the shim's, which nginx hands over at reload with its data.
     */

    shm_zone = ngx_shared_memory_add(cf, &ngx_http_ipng_stats_reqstat_keys_zone,
                                     8 * ngx_pagesize, tag);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_ipng_stats_reqstat_keep;
    shm_zone->data = rcf;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_reqstat_keep(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ipng_stats_reqstat_conf_t *old = data;

    ngx_uint_t                            i;
    ngx_http_ipng_stats_reqstat_conf_t   *rcf;
    ngx_http_ipng_stats_reqstat_zone_t  **zone, *prev;

    if (old == NULL) {
        return NGX_OK;
    }

    rcf = shm_zone->data;
    zone = rcf->zones.elts;

    for (i = 0; i < rcf->zones.nelts; i++) {
        prev = ngx_http_ipng_stats_reqstat_find(old, &zone[i]->name);

        if (prev == NULL
            || (prev->key_text.len == zone[i]->key_text.len
                && ngx_strncmp(prev->key_text.data, zone[i]->key_text.data,
                               prev->key_text.len) == 0))
        {
            continue;
        }

        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "\"req_status_zone\" \"%V\" has the key \"%V\" where "
                      "the running configuration has \"%V\": its counters "
                      "would mix both keys; keep the key, give the zone "
                      "another name, or restart nginx",
                      &zone[i]->name, &zone[i]->key_text, &prev->key_text);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * $ipng_reqstat_zones: a line per zone in declaration order,
 * NAME US KEY_LENGTH US RECYCLE_TIMES US RECYCLE_SECONDS US SIZE US IND...
 */

static ngx_int_t
ngx_http_ipng_stats_reqstat_zones_text(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf)
{
    u_char                                   *p;
    size_t                                    len;
    ngx_str_t                                *fields, line, *lines;
    ngx_uint_t                                i, j, n;
    ngx_http_ipng_stats_reqstat_zone_t      **zone;
    ngx_http_ipng_stats_reqstat_indicator_t  *ind;

    zone = rcf->zones.elts;

    lines = ngx_palloc(cf->pool, (rcf->zones.nelts + 1) * sizeof(ngx_str_t));
    fields = ngx_palloc(cf->pool,
                        (5 + NGX_HTTP_IPNG_STATS_REQSTAT_MAX_FIELDS)
                        * sizeof(ngx_str_t));
    if (lines == NULL || fields == NULL) {
        return NGX_ERROR;
    }

    len = 0;

    for (i = 0; i < rcf->zones.nelts; i++) {
        p = ngx_pnalloc(cf->pool, 4 * NGX_SIZE_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        fields[0] = zone[i]->name;

        fields[1].data = p;
        p = ngx_sprintf(p, "%uz", zone[i]->key_length);
        fields[1].len = p - fields[1].data;

        fields[2].data = p;
        p = ngx_sprintf(p, "%ui", zone[i]->recycle_times);
        fields[2].len = p - fields[2].data;

        fields[3].data = p;
        p = ngx_sprintf(p, "%ui", zone[i]->recycle_seconds);
        fields[3].len = p - fields[3].data;

        fields[4].data = p;
        p = ngx_sprintf(p, "%uz", zone[i]->size);
        fields[4].len = p - fields[4].data;

        n = 5;

        if (zone[i]->indicators) {
            ind = zone[i]->indicators->elts;

            for (j = 0; j < zone[i]->indicators->nelts; j++) {
                fields[n++] = ind[j].name;
            }
        }

        if (ngx_http_ipng_stats_reqstat_join(cf->pool, fields, n, &line)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        lines[i] = line;
        len += line.len + 1;
    }

    p = ngx_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rcf->zones_text.data = p;

    for (i = 0; i < rcf->zones.nelts; i++) {
        p = ngx_cpymem(p, lines[i].data, lines[i].len);
        *p++ = '\n';
    }

    rcf->zones_text.len = p - rcf->zones_text.data;

    return NGX_OK;
}


/*
 * $ipng_reqstat_show (the zones to show: the listed ones, else every zone
 * that some req_status uses, in order of first use) and
 * $ipng_reqstat_show_fields (as written; "" for all the fields)
 */

static ngx_int_t
ngx_http_ipng_stats_reqstat_show_text(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_conf_t *rcf,
    ngx_http_ipng_stats_reqstat_loc_conf_t *rlcf)
{
    ngx_str_t                                *fields, name;
    ngx_uint_t                                i, j, k, n;
    ngx_array_t                              *zones;
    ngx_http_ipng_stats_reqstat_zone_t      **zone;
    ngx_http_ipng_stats_reqstat_indicator_t  *ind;

    zones = rlcf->show ? rlcf->show : &rcf->used;
    zone = zones->elts;

    fields = ngx_palloc(cf->pool, (zones->nelts + 1) * sizeof(ngx_str_t));
    if (fields == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < zones->nelts; i++) {
        fields[i] = zone[i]->name;
    }

    if (ngx_http_ipng_stats_reqstat_join(cf->pool, fields, zones->nelts,
                                         &rlcf->show_text)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (rlcf->show_fields == NULL) {
        ngx_str_null(&rlcf->show_fields_text);
        return NGX_OK;
    }

    /*
     * "$name" must be an indicator of a zone the show shows (a shown zone
     * without it shows 0 there, as Tengine's show does); an indicator of
     * no shown zone would be a column of zeros, likely a typo
     */

    fields = rlcf->show_fields->elts;

    for (i = 0; i < rlcf->show_fields->nelts; i++) {
        if (fields[i].data[0] != '$') {
            continue;
        }

        name.data = fields[i].data + 1;
        name.len = fields[i].len - 1;

        for (j = 0; j < zones->nelts; j++) {
            if (zone[j]->indicators == NULL) {
                continue;
            }

            ind = zone[j]->indicators->elts;
            n = zone[j]->indicators->nelts;

            for (k = 0; k < n; k++) {
                if (ind[k].name.len == name.len
                    && ngx_strncmp(ind[k].name.data, name.data, name.len)
                       == 0)
                {
                    break;
                }
            }

            if (k < n) {
                break;
            }
        }

        if (j == zones->nelts) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "unknown field \"%V\" in \"req_status_show_field\" "
                          "of the \"req_status_show\" in %V:%ui: no "
                          "\"req_status_zone_add_indicator\" of a zone it "
                          "shows declares it",
                          &fields[i], &rlcf->file, rlcf->line);
            return NGX_ERROR;
        }
    }

    return ngx_http_ipng_stats_reqstat_join(cf->pool, fields,
                                            rlcf->show_fields->nelts,
                                            &rlcf->show_fields_text);
}


/* fields, each escaped, separated by 0x1f */

static ngx_int_t
ngx_http_ipng_stats_reqstat_join(ngx_pool_t *pool, ngx_str_t *fields,
    ngx_uint_t n, ngx_str_t *text)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i;

    len = n;

    for (i = 0; i < n; i++) {
        len += ngx_http_ipng_stats_escaped_len(&fields[i]);
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    text->data = p;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = NGX_HTTP_IPNG_STATS_REQSTAT_SEP;
        }

        p = ngx_http_ipng_stats_escape(p, &fields[i]);
    }

    text->len = p - text->data;

    return NGX_OK;
}
