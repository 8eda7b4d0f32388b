
/*
 * njs-ipng-stats native shim: log_format definitions, rendered in the shim.
 *
 * The logtail writes the lines that access_log writes, but it must not run
 * the log module's compiled formats: ngx_http_log_module.c has no header,
 * its structures are private, and a distribution's security update can
 * change them without changing nginx's version (Debian's 1.26.3-3+deb13u10
 * did).  So the shim uses only nginx's public API:
 *
 *   - the "log_format" directive of ngx_http_log_module's public command
 *     table is swapped for ngx_http_ipng_stats_log_format() while the http
 *     block is parsed (as ngx_http_ipng_stats_listen.c swaps "listen"); it
 *     calls the log module's own handler first, so nginx behaves and
 *     validates exactly as without the shim, then remembers the format's
 *     name, escape= and strings;
 *
 *   - a format is compiled here: literal text and variable references
 *     ("$name", "${name}"), each variable resolved by index through
 *     ngx_http_get_variable_index();
 *
 *   - a line is rendered with ngx_http_get_indexed_variable() and the log
 *     module's documented escapings: "default" writes '"', '\', bytes below
 *     0x20 and from 0x7f up as "\xXX" (upper-case hex) and a variable that
 *     is not found as "-"; "json" uses ngx_escape_json() and writes nothing
 *     for a variable that is not found; "none" copies values as they are.
 *
 * The predefined "combined" format is the one nginx documents.
 */


#include "ngx_http_ipng_stats_module.h"


#define NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT  0
#define NGX_HTTP_IPNG_STATS_ESCAPE_JSON     1
#define NGX_HTTP_IPNG_STATS_ESCAPE_NONE     2


/* literal text, or a variable */
typedef struct {
    ngx_str_t                       text;
    ngx_int_t                       index;      /* NGX_ERROR: literal text */
    ngx_uint_t                      log_time;   /* unsigned log_time:1; */
} ngx_http_ipng_stats_line_part_t;


struct ngx_http_ipng_stats_line_s {
    ngx_uint_t                      escape;
    ngx_array_t                     parts;      /* line_part_t */
    ngx_array_t                     flushes;    /* ngx_uint_t, var index */
};


static char *ngx_http_ipng_stats_log_format(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static void ngx_http_ipng_stats_log_format_restore(void *data);
static ngx_int_t ngx_http_ipng_stats_line_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_line_t *line, ngx_str_t *s);
static ngx_int_t ngx_http_ipng_stats_line_add_variable(ngx_conf_t *cf,
    ngx_http_ipng_stats_line_t *line, ngx_str_t *name);
static size_t ngx_http_ipng_stats_line_value_length(
    ngx_http_ipng_stats_line_t *line, ngx_http_variable_value_t *v);
static u_char *ngx_http_ipng_stats_line_value_copy(
    ngx_http_ipng_stats_line_t *line, u_char *p,
    ngx_http_variable_value_t *v);
static ngx_uint_t ngx_http_ipng_stats_escape_default(u_char *dst,
    u_char *src, size_t size);


static char *(*ngx_http_ipng_stats_log_format_orig)(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_command_t  *ngx_http_ipng_stats_log_format_cmd;


/* as documented for ngx_http_log_module's predefined "combined" */
static ngx_str_t  ngx_http_ipng_stats_combined_name = ngx_string("combined");
static ngx_str_t  ngx_http_ipng_stats_combined =
    ngx_string("$remote_addr - $remote_user [$time_local] "
               "\"$request\" $status $body_bytes_sent "
               "\"$http_referer\" \"$http_user_agent\"");


/*
 * The log module does not read these as variables: it computes them itself
 * when it writes the line.  The core variables of the same names give the
 * same text, but $bytes_sent, $body_bytes_sent and $pipe are cacheable, so
 * a value read earlier in the request (say by add_header) would be stale:
 * these are evaluated afresh for every line.
 */
static ngx_str_t  ngx_http_ipng_stats_log_time_vars[] = {
    ngx_string("pipe"),
    ngx_string("time_local"),
    ngx_string("time_iso8601"),
    ngx_string("msec"),
    ngx_string("request_time"),
    ngx_string("status"),
    ngx_string("bytes_sent"),
    ngx_string("body_bytes_sent"),
    ngx_string("request_length"),
    ngx_null_string
};


ngx_int_t
ngx_http_ipng_stats_log_format_preconfiguration(ngx_conf_t *cf)
{
    ngx_command_t       *cmd;
    ngx_pool_cleanup_t  *cln;

    for (cmd = ngx_http_log_module.commands; cmd->name.len; cmd++) {
        if (cmd->name.len == sizeof("log_format") - 1
            && ngx_strcmp(cmd->name.data, "log_format") == 0)
        {
            break;
        }
    }

    if (cmd->name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ipng_stats: the \"log_format\" directive of "
                           "ngx_http_log_module was not found");
        return NGX_ERROR;
    }

    if (cmd->set != ngx_http_ipng_stats_log_format) {
        ngx_http_ipng_stats_log_format_orig = cmd->set;
        ngx_http_ipng_stats_log_format_cmd = cmd;
        cmd->set = ngx_http_ipng_stats_log_format;
    }

    /* undone in postconfiguration, or here if the configuration fails */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ipng_stats_log_format_restore;
    cln->data = NULL;

    return NGX_OK;
}


ngx_int_t
ngx_http_ipng_stats_log_format_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_log_format_restore(NULL);

    return NGX_OK;
}


static void
ngx_http_ipng_stats_log_format_restore(void *data)
{
    if (ngx_http_ipng_stats_log_format_cmd
        && ngx_http_ipng_stats_log_format_cmd->set
           == ngx_http_ipng_stats_log_format)
    {
        ngx_http_ipng_stats_log_format_cmd->set =
                                          ngx_http_ipng_stats_log_format_orig;
    }
}


static char *
ngx_http_ipng_stats_log_format(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char                              *rv;
    u_char                            *escape;
    ngx_str_t                         *value;
    ngx_uint_t                         s;
    ngx_http_ipng_stats_main_conf_t   *mcf;
    ngx_http_ipng_stats_log_format_t  *fmt;

    /* the log module validates and keeps its own copy, as always */

    rv = ngx_http_ipng_stats_log_format_orig(cf, cmd, conf);

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);
    value = cf->args->elts;

    fmt = ngx_array_push(&mcf->formats);
    if (fmt == NULL) {
        return NGX_CONF_ERROR;
    }

    fmt->name = value[1];
    fmt->escape = NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT;

    s = 2;

    if (ngx_strncmp(value[s].data, "escape=", 7) == 0) {
        escape = value[s].data + 7;

        if (ngx_strcmp(escape, "json") == 0) {
            fmt->escape = NGX_HTTP_IPNG_STATS_ESCAPE_JSON;

        } else if (ngx_strcmp(escape, "none") == 0) {
            fmt->escape = NGX_HTTP_IPNG_STATS_ESCAPE_NONE;
        }

        s++;
    }

    /* the strings' text lives in cf->pool; only the array is reused */

    fmt->nstrings = cf->args->nelts - s;
    fmt->strings = NULL;

    if (fmt->nstrings) {
        fmt->strings = ngx_palloc(cf->pool,
                                  fmt->nstrings * sizeof(ngx_str_t));
        if (fmt->strings == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(fmt->strings, &value[s],
                   fmt->nstrings * sizeof(ngx_str_t));
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_ipng_stats_line_compile(ngx_conf_t *cf, ngx_str_t *name,
    ngx_http_ipng_stats_line_t **linep)
{
    ngx_str_t                         *strings;
    ngx_uint_t                         i, nstrings, escape;
    ngx_http_ipng_stats_line_t        *line;
    ngx_http_ipng_stats_main_conf_t   *mcf;
    ngx_http_ipng_stats_log_format_t  *fmt;

    /* found as access_log finds it: "combined" first, any letter case */

    if (name->len == ngx_http_ipng_stats_combined_name.len
        && ngx_strncasecmp(name->data, ngx_http_ipng_stats_combined_name.data,
                           name->len)
           == 0)
    {
        escape = NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT;
        strings = &ngx_http_ipng_stats_combined;
        nstrings = 1;

    } else {
        mcf = ngx_http_conf_get_module_main_conf(cf,
                                                 ngx_http_ipng_stats_module);
        fmt = mcf->formats.elts;

        for (i = 0; i < mcf->formats.nelts; i++) {
            if (fmt[i].name.len == name->len
                && ngx_strncasecmp(fmt[i].name.data, name->data, name->len)
                   == 0)
            {
                break;
            }
        }

        if (i == mcf->formats.nelts) {
            return NGX_DECLINED;
        }

        escape = fmt[i].escape;
        strings = fmt[i].strings;
        nstrings = fmt[i].nstrings;
    }

    line = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_line_t));
    if (line == NULL) {
        return NGX_ERROR;
    }

    line->escape = escape;

    if (ngx_array_init(&line->parts, cf->pool, 16,
                       sizeof(ngx_http_ipng_stats_line_part_t))
        != NGX_OK
        || ngx_array_init(&line->flushes, cf->pool, 8, sizeof(ngx_uint_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the strings of one log_format make one line, without separators */

    for (i = 0; i < nstrings; i++) {
        if (ngx_http_ipng_stats_line_add(cf, line, &strings[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    *linep = line;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_line_add(ngx_conf_t *cf, ngx_http_ipng_stats_line_t *line,
    ngx_str_t *s)
{
    u_char                           *p, *end, *start, ch;
    ngx_str_t                         name;
    ngx_uint_t                        bracket;
    ngx_http_ipng_stats_line_part_t  *part;

    p = s->data;
    end = s->data + s->len;

    while (p < end) {

        if (*p != '$') {
            start = p;

            while (p < end && *p != '$') {
                p++;
            }

            part = ngx_array_push(&line->parts);
            if (part == NULL) {
                return NGX_ERROR;
            }

            part->text.data = start;
            part->text.len = p - start;
            part->index = NGX_ERROR;
            part->log_time = 0;

            continue;
        }

        /* "$name" or "${name}"; the log module has accepted the syntax */

        p++;
        bracket = 0;

        if (p < end && *p == '{') {
            bracket = 1;
            p++;
        }

        name.data = p;

        while (p < end) {
            ch = *p;

            if ((ch >= 'A' && ch <= 'Z')
                || (ch >= 'a' && ch <= 'z')
                || (ch >= '0' && ch <= '9')
                || ch == '_')
            {
                p++;
                continue;
            }

            break;
        }

        name.len = p - name.data;

        if (bracket && p < end && *p == '}') {
            p++;
        }

        if (name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "ipng_stats_logtail: invalid variable in "
                               "log format \"%V\"", s);
            return NGX_ERROR;
        }

        if (ngx_http_ipng_stats_line_add_variable(cf, line, &name) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_line_add_variable(ngx_conf_t *cf,
    ngx_http_ipng_stats_line_t *line, ngx_str_t *name)
{
    ngx_int_t                         index;
    ngx_str_t                        *lt;
    ngx_uint_t                       *flush;
    ngx_http_ipng_stats_line_part_t  *part;

    index = ngx_http_get_variable_index(cf, name);
    if (index == NGX_ERROR) {
        return NGX_ERROR;
    }

    part = ngx_array_push(&line->parts);
    if (part == NULL) {
        return NGX_ERROR;
    }

    part->text = *name;
    part->index = index;
    part->log_time = 0;

    for (lt = ngx_http_ipng_stats_log_time_vars; lt->len; lt++) {
        if (lt->len == name->len
            && ngx_strncmp(lt->data, name->data, name->len) == 0)
        {
            part->log_time = 1;
            return NGX_OK;
        }
    }

    flush = ngx_array_push(&line->flushes);
    if (flush == NULL) {
        return NGX_ERROR;
    }

    *flush = (ngx_uint_t) index;

    return NGX_OK;
}


size_t
ngx_http_ipng_stats_line_length(ngx_http_request_t *r,
    ngx_http_ipng_stats_line_t *line)
{
    size_t                            len;
    ngx_uint_t                        i;
    ngx_http_variable_value_t        *v;
    ngx_http_ipng_stats_line_part_t  *part;

    /* like the log module: uncacheable values are read once per line */

    ngx_http_script_flush_no_cacheable_variables(r, &line->flushes);

    part = line->parts.elts;

    for (i = 0; i < line->parts.nelts; i++) {
        if (part[i].log_time) {
            r->variables[part[i].index].valid = 0;
            r->variables[part[i].index].not_found = 0;
        }
    }

    len = 0;

    for (i = 0; i < line->parts.nelts; i++) {
        if (part[i].index == NGX_ERROR) {
            len += part[i].text.len;
            continue;
        }

        v = ngx_http_get_indexed_variable(r, part[i].index);
        len += ngx_http_ipng_stats_line_value_length(line, v);
    }

    return len;
}


u_char *
ngx_http_ipng_stats_line_render(ngx_http_request_t *r,
    ngx_http_ipng_stats_line_t *line, u_char *buf, u_char *end)
{
    size_t                            len;
    ngx_uint_t                        i;
    ngx_http_variable_value_t        *v;
    ngx_http_ipng_stats_line_part_t  *part;

    /*
     * the values are those ngx_http_ipng_stats_line_length() just read and
     * cached; "end" guards the buffer all the same
     */

    part = line->parts.elts;

    for (i = 0; i < line->parts.nelts; i++) {
        if (part[i].index == NGX_ERROR) {
            if (part[i].text.len > (size_t) (end - buf)) {
                return buf;
            }

            buf = ngx_cpymem(buf, part[i].text.data, part[i].text.len);
            continue;
        }

        v = ngx_http_get_indexed_variable(r, part[i].index);
        len = ngx_http_ipng_stats_line_value_length(line, v);

        if (len > (size_t) (end - buf)) {
            return buf;
        }

        buf = ngx_http_ipng_stats_line_value_copy(line, buf, v);
    }

    return buf;
}


static size_t
ngx_http_ipng_stats_line_value_length(ngx_http_ipng_stats_line_t *line,
    ngx_http_variable_value_t *v)
{
    if (v == NULL || v->not_found) {
        return line->escape == NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT ? 1 : 0;
    }

    switch (line->escape) {

    case NGX_HTTP_IPNG_STATS_ESCAPE_JSON:
        return v->len + ngx_escape_json(NULL, v->data, v->len);

    case NGX_HTTP_IPNG_STATS_ESCAPE_NONE:
        return v->len;

    default: /* NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT */
        /* "\xXX": three more bytes for each byte escaped */
        return v->len
               + 3 * ngx_http_ipng_stats_escape_default(NULL, v->data, v->len);
    }
}


static u_char *
ngx_http_ipng_stats_line_value_copy(ngx_http_ipng_stats_line_t *line,
    u_char *p, ngx_http_variable_value_t *v)
{
    if (v == NULL || v->not_found) {
        if (line->escape == NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT) {
            *p++ = '-';
        }

        return p;
    }

    switch (line->escape) {

    case NGX_HTTP_IPNG_STATS_ESCAPE_JSON:
        return (u_char *) ngx_escape_json(p, v->data, v->len);

    case NGX_HTTP_IPNG_STATS_ESCAPE_NONE:
        return ngx_cpymem(p, v->data, v->len);

    default: /* NGX_HTTP_IPNG_STATS_ESCAPE_DEFAULT */
        return p + v->len + 3 * ngx_http_ipng_stats_escape_default(p, v->data,
                                                                   v->len);
    }
}


/*
 * With dst NULL, counts the bytes that need escaping; otherwise also writes
 * the escaped text to dst.  Returns the count either way.
 */

static ngx_uint_t
ngx_http_ipng_stats_escape_default(u_char *dst, u_char *src, size_t size)
{
    u_char             ch;
    ngx_uint_t         n;
    static const char  hex[] = "0123456789ABCDEF";

    n = 0;

    while (size--) {
        ch = *src++;

        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            n++;

            if (dst) {
                *dst++ = '\\';
                *dst++ = 'x';
                *dst++ = hex[ch >> 4];
                *dst++ = hex[ch & 0xf];
            }

            continue;
        }

        if (dst) {
            *dst++ = ch;
        }
    }

    return n;
}


/*
 * $status as a log line has it, for the subsystems that count by status:
 * the status of the response sent, 9 for an HTTP/0.9 request, 0 when
 * nothing was sent.
 */

ngx_uint_t
ngx_http_ipng_stats_log_status(ngx_http_request_t *r)
{
    if (r->err_status) {
        return r->err_status;
    }

    if (r->headers_out.status) {
        return r->headers_out.status;
    }

    if (r->http_version == NGX_HTTP_VERSION_9) {
        return 9;
    }

    return 0;
}
