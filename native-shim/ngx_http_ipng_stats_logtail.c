
/*
 * njs-ipng-stats native shim:
 *
 *   ipng_stats_logtail FORMAT udp://IPv4:PORT [buffer=SIZE] [flush=TIME]
 *                      [if=CONDITION];
 *
 * Every request (of every server and location) is rendered with the named
 * log_format, byte for byte as access_log writes it, by the shim's own
 * renderer (ngx_http_ipng_stats_log_format.c), and appended to a
 * per-worker buffer.  The buffer goes out as one UDP datagram, with one
 * sendto() on a per-worker socket, when the next line would not fit, when
 * the flush timer fires (armed by the first line after a flush), and when
 * the worker exits (reload, quit, stop).  Nothing waits for a receiver:
 * without one the kernel drops the datagram, and send errors are ignored.
 */


#include "ngx_http_ipng_stats_module.h"


/* the largest UDP payload over IPv4 */
#define NGX_HTTP_IPNG_STATS_DATAGRAM_MAX  65507


struct ngx_http_ipng_stats_logtail_s {
    ngx_http_ipng_stats_line_t             *line;

    struct sockaddr_in                      sin;
    size_t                                  size;
    ngx_msec_t                              flush;
    ngx_http_complex_value_t               *filter;

    /* per worker */
    u_char                                 *start;
    u_char                                 *pos;
    u_char                                 *last;
    ngx_socket_t                            fd;
    ngx_event_t                             event;
};


static void ngx_http_ipng_stats_logtail_send(ngx_http_ipng_stats_logtail_t *lt,
    u_char *buf, size_t len);
static void ngx_http_ipng_stats_logtail_flush(
    ngx_http_ipng_stats_logtail_t *lt);
static void ngx_http_ipng_stats_logtail_timer(ngx_event_t *ev);


char *
ngx_http_ipng_stats_logtail(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ipng_stats_main_conf_t *mcf = conf;

    u_char                               *host, *colon, *end;
    ssize_t                               size;
    ngx_int_t                             port;
    ngx_str_t                            *value, s, dest;
    in_addr_t                             inaddr;
    ngx_int_t                             rc;
    ngx_uint_t                            i;
    ngx_msec_t                            flush;
    ngx_http_ipng_stats_logtail_t        *lt;
    ngx_http_compile_complex_value_t      ccv;

    if (mcf->logtail) {
        return "is duplicate";
    }

    value = cf->args->elts;

    lt = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_logtail_t));
    if (lt == NULL) {
        return NGX_CONF_ERROR;
    }

    lt->fd = (ngx_socket_t) -1;

    /* the format: defined earlier in this http{} block */

    rc = ngx_http_ipng_stats_line_compile(cf, &value[1], &lt->line);

    if (rc == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown log format \"%V\" in "
                           "\"ipng_stats_logtail\": define it with "
                           "\"log_format\" before this line", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (rc != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the destination: udp://IPv4:PORT, resolved now and only now */

    dest = value[2];

    if (dest.len < 6 || ngx_strncmp(dest.data, "udp://", 6) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_logtail\" destination must be "
                           "udp://IPv4:PORT, got \"%V\"", &dest);
        return NGX_CONF_ERROR;
    }

    host = dest.data + 6;
    end = dest.data + dest.len;
    colon = ngx_strlchr(host, end, ':');

    inaddr = INADDR_NONE;

    if (colon && ngx_strlchr(colon + 1, end, ':') == NULL) {
        inaddr = ngx_inet_addr(host, colon - host);
    }

    if (inaddr == INADDR_NONE) {
        if (colon == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ipng_stats_logtail\" destination \"%V\" "
                               "has no port: it must be udp://IPv4:PORT",
                               &dest);
        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ipng_stats_logtail\" host must be a literal "
                               "IPv4 address (no host names, no IPv6), got "
                               "\"%V\"", &dest);
        }

        return NGX_CONF_ERROR;
    }

    port = ngx_atoi(colon + 1, end - colon - 1);

    if (port < 1 || port > 65535) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid port in \"%V\" of \"ipng_stats_logtail\": "
                           "it must be 1..65535", &dest);
        return NGX_CONF_ERROR;
    }

    lt->sin.sin_family = AF_INET;
    lt->sin.sin_addr.s_addr = inaddr;
    lt->sin.sin_port = htons((in_port_t) port);

    lt->size = 64 * 1024;
    lt->flush = 1000;

    for (i = 3; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "buffer=", 7) == 0) {
            s.len = value[i].len - 7;
            s.data = value[i].data + 7;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid buffer size \"%V\" in "
                                   "\"ipng_stats_logtail\"", &s);
                return NGX_CONF_ERROR;
            }

            if (size < 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"ipng_stats_logtail\" buffer= must be at "
                                   "least 1k, got \"%V\"", &s);
                return NGX_CONF_ERROR;
            }

            lt->size = size;
            continue;
        }

        if (ngx_strncmp(value[i].data, "flush=", 6) == 0) {
            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            flush = ngx_parse_time(&s, 0);

            if (flush == (ngx_msec_t) NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid flush time \"%V\" in "
                                   "\"ipng_stats_logtail\"", &s);
                return NGX_CONF_ERROR;
            }

            if (flush < 100) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"ipng_stats_logtail\" flush= must be at "
                                   "least 100ms, got \"%V\"", &s);
                return NGX_CONF_ERROR;
            }

            lt->flush = flush;
            continue;
        }

        if (ngx_strncmp(value[i].data, "if=", 3) == 0) {
            s.len = value[i].len - 3;
            s.data = value[i].data + 3;

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = ngx_palloc(cf->pool,
                                           sizeof(ngx_http_complex_value_t));
            if (ccv.complex_value == NULL) {
                return NGX_CONF_ERROR;
            }

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            lt->filter = ccv.complex_value;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"ipng_stats_logtail\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    /* a datagram carries at most 65507 bytes however large the buffer */

    if (lt->size > NGX_HTTP_IPNG_STATS_DATAGRAM_MAX) {
        lt->size = NGX_HTTP_IPNG_STATS_DATAGRAM_MAX;
    }

    mcf->logtail = lt;

    return NGX_CONF_OK;
}


void
ngx_http_ipng_stats_logtail_write(ngx_http_request_t *r,
    ngx_http_ipng_stats_logtail_t *lt)
{
    u_char     *line, *p;
    size_t      len;
    ngx_str_t   val;

    if (lt->start == NULL) {
        return;
    }

    if (lt->filter) {
        if (ngx_http_complex_value(r, lt->filter, &val) != NGX_OK) {
            return;
        }

        if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
            return;
        }
    }

    len = ngx_http_ipng_stats_line_length(r, lt->line) + 1;  /* "\n" */

    if (len > (size_t) (lt->last - lt->pos)) {
        ngx_http_ipng_stats_logtail_flush(lt);
    }

    if (len > lt->size) {
        /* a line longer than a datagram goes alone, cut to the buffer size */

        line = ngx_pnalloc(r->pool, len);
        if (line == NULL) {
            return;
        }

    } else {
        line = lt->pos;
    }

    p = ngx_http_ipng_stats_line_render(r, lt->line, line, line + len - 1);

    *p++ = LF;

    if (line != lt->pos) {
        ngx_http_ipng_stats_logtail_send(lt, line, lt->size);
        return;
    }

    lt->pos = p;

    if (!lt->event.timer_set) {
        ngx_add_timer(&lt->event, lt->flush);
    }
}


static void
ngx_http_ipng_stats_logtail_send(ngx_http_ipng_stats_logtail_t *lt,
    u_char *buf, size_t len)
{
    /* fire and forget: no receiver, a full socket buffer, all the same */

    (void) sendto(lt->fd, buf, len, 0, (struct sockaddr *) &lt->sin,
                  sizeof(struct sockaddr_in));
}


static void
ngx_http_ipng_stats_logtail_flush(ngx_http_ipng_stats_logtail_t *lt)
{
    if (lt->pos == lt->start) {
        return;
    }

    ngx_http_ipng_stats_logtail_send(lt, lt->start, lt->pos - lt->start);

    lt->pos = lt->start;
}


static void
ngx_http_ipng_stats_logtail_timer(ngx_event_t *ev)
{
    ngx_http_ipng_stats_logtail_flush(ev->data);
}


ngx_int_t
ngx_http_ipng_stats_logtail_init_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_logtail_t *lt)
{
    lt->fd = ngx_socket(AF_INET, SOCK_DGRAM, 0);

    if (lt->fd == (ngx_socket_t) -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "ipng_stats_logtail: " ngx_socket_n " failed");
        return NGX_OK;
    }

    if (ngx_nonblocking(lt->fd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "ipng_stats_logtail: " ngx_nonblocking_n " failed");
        (void) ngx_close_socket(lt->fd);
        lt->fd = (ngx_socket_t) -1;
        return NGX_OK;
    }

    lt->start = ngx_alloc(lt->size, cycle->log);
    if (lt->start == NULL) {
        (void) ngx_close_socket(lt->fd);
        lt->fd = (ngx_socket_t) -1;
        return NGX_OK;
    }

    lt->pos = lt->start;
    lt->last = lt->start + lt->size;

    lt->event.handler = ngx_http_ipng_stats_logtail_timer;
    lt->event.data = lt;
    lt->event.log = cycle->log;
    /* a pending flush does not hold up a graceful exit: exit flushes */
    lt->event.cancelable = 1;

    return NGX_OK;
}


void
ngx_http_ipng_stats_logtail_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_logtail_t *lt)
{
    if (lt->start == NULL) {
        return;
    }

    ngx_http_ipng_stats_logtail_flush(lt);

    if (lt->event.timer_set) {
        ngx_del_timer(&lt->event);
    }

    (void) ngx_close_socket(lt->fd);
    lt->fd = (ngx_socket_t) -1;

    ngx_free(lt->start);
    lt->start = NULL;
}
