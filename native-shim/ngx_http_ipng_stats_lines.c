
/*
 * $ipng_stats_lines, for the scrape handler (src/exposition/prometheus.ts).
 * Most lines of a large scrape differ from the line before only in their
 * tail: `nginx_ipng_requests_total{source_tag="a",vip="b",code="` is the
 * head of 60 lines.  njs would put the head in front of every tail with a
 * split and a join per series (about 900 instructions a line, 36,000
 * lines at the spec's sizing); here it is a copy.
 *
 * Assigning the variable expands the assigned template; reading it gives
 * the expansion, once per request (the value is cached in the request's
 * variable slot; nothing assigned: not found).  The template is text in
 * which
 *
 *   0x1c HEAD 0x1c   writes HEAD and makes it the current head
 *   0x1d             writes a newline and the current head
 *
 * and every other byte is written as it is.  A template with an
 * unterminated head, or a 0x1d before any head, expands to nothing (not
 * found): the scrape then renders the lines itself.
 */


#include "ngx_http_ipng_stats_module.h"


#define NGX_HTTP_IPNG_STATS_LINES_HEAD  0x1c
#define NGX_HTTP_IPNG_STATS_LINES_NEXT  0x1d


static ngx_int_t ngx_http_ipng_stats_lines_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_ipng_stats_set_lines_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static size_t ngx_http_ipng_stats_lines_size(u_char *p, u_char *last);
static u_char *ngx_http_ipng_stats_lines_expand(u_char *dst, u_char *p,
    u_char *last);


static ngx_str_t  ngx_http_ipng_stats_lines_name =
    ngx_string("ipng_stats_lines");


/*
 * The variable is indexed: its request slot caches the expansion.  The
 * index is the variable's data (set per configuration, so a reload that
 * fails leaves the running configuration's index alone).
 */

ngx_int_t
ngx_http_ipng_stats_lines_preconfiguration(ngx_conf_t *cf)
{
    ngx_int_t             index;
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_ipng_stats_lines_name,
                                NGX_HTTP_VAR_CHANGEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    index = ngx_http_get_variable_index(cf, &ngx_http_ipng_stats_lines_name);
    if (index == NGX_ERROR) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_ipng_stats_lines_variable;
    var->set_handler = ngx_http_ipng_stats_set_lines_variable;
    var->data = (uintptr_t) index;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_lines_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    /* only reached while nothing was assigned (an assignment caches) */

    v->not_found = 1;

    return NGX_OK;
}


static void
ngx_http_ipng_stats_set_lines_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                     *out, *end;
    size_t                      size;
    ngx_http_variable_value_t  *slot;

    slot = &r->variables[data];

    slot->valid = 0;
    slot->no_cacheable = 0;
    slot->not_found = 1;
    slot->len = 0;
    slot->data = NULL;

    size = ngx_http_ipng_stats_lines_size(v->data, v->data + v->len);

    /* a variable's value holds at most 28 bits of length */

    if (size == (size_t) NGX_ERROR || size > 0x0fffffff) {
        return;
    }

    out = ngx_pnalloc(r->pool, size + 1);
    if (out == NULL) {
        return;
    }

    end = ngx_http_ipng_stats_lines_expand(out, v->data, v->data + v->len);

    slot->valid = 1;
    slot->not_found = 0;
    slot->len = end - out;
    slot->data = out;
}


/*
 * Both passes jump from mark to mark with memchr(), not a loop per byte
 * (a line is ~10 bytes of tail behind a ~70-byte head): the next head
 * mark is looked for once per head, the next line mark once per line.
 */

/* the expansion's length, or NGX_ERROR for a malformed template */

static size_t
ngx_http_ipng_stats_lines_size(u_char *p, u_char *last)
{
    u_char      *head, *end, *next;
    size_t       size, head_len;
    ngx_uint_t   have_head;

    size = 0;
    head_len = 0;
    have_head = 0;

    while (p < last) {
        end = memchr(p, NGX_HTTP_IPNG_STATS_LINES_HEAD, last - p);
        if (end == NULL) {
            end = last;
        }

        /* the text up to the next head: each line mark adds a head */

        size += end - p;

        for ( ;; ) {
            next = memchr(p, NGX_HTTP_IPNG_STATS_LINES_NEXT, end - p);
            if (next == NULL) {
                break;
            }

            if (!have_head) {
                return (size_t) NGX_ERROR;
            }

            size += head_len;
            p = next + 1;
        }

        if (end == last) {
            break;
        }

        head = end + 1;
        p = memchr(head, NGX_HTTP_IPNG_STATS_LINES_HEAD, last - head);
        if (p == NULL) {
            return (size_t) NGX_ERROR;
        }

        head_len = p - head;
        have_head = 1;
        size += head_len;
        p++;
    }

    return size;
}


static u_char *
ngx_http_ipng_stats_lines_expand(u_char *dst, u_char *p, u_char *last)
{
    u_char  *head, *end, *next;
    size_t   head_len;

    head = NULL;
    head_len = 0;

    while (p < last) {
        end = memchr(p, NGX_HTTP_IPNG_STATS_LINES_HEAD, last - p);
        if (end == NULL) {
            end = last;
        }

        for ( ;; ) {
            next = memchr(p, NGX_HTTP_IPNG_STATS_LINES_NEXT, end - p);
            if (next == NULL) {
                break;
            }

            dst = ngx_cpymem(dst, p, next - p);
            *dst++ = LF;
            dst = ngx_cpymem(dst, head, head_len);
            p = next + 1;
        }

        dst = ngx_cpymem(dst, p, end - p);

        if (end == last) {
            break;
        }

        /* the size pass found the head's closing mark */

        head = end + 1;
        p = memchr(head, NGX_HTTP_IPNG_STATS_LINES_HEAD, last - head);
        head_len = p - head;
        dst = ngx_cpymem(dst, head, head_len);
        p++;
    }

    return dst;
}
