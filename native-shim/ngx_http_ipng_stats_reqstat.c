
/*
 * njs-ipng-stats native shim, reqstat counting, as Tengine's
 * ngx_http_reqstat_module counts (and as real Tengine 3.2.0 was seen to):
 *
 * - which zones a request counts in, and (unless "req_status_lazy on")
 *   its key in each, is decided once, at the rewrite phase of the first
 *   location; a request that never gets there (a 400, a "return" at
 *   server level) is decided at the log phase.  An internal redirect
 *   (error_page, try_files, ...) does not change the decision: it clears
 *   r->ctx, so the decision is kept in a cleanup of the request's pool,
 *   which a redirect keeps (as nginx's realip module keeps its state);
 * - the key is cut to the zone's key length, and a cut key carries the
 *   identity of the whole key (ngx_http_ipng_stats_reqstat_key.c);
 * - at the log phase the request adds Tengine's 29 columns and the zone's
 *   indicators to the per-worker table, under (zone, key), in the shape
 *   "reqstat" of that zone (docs/wire-format.md).  Subrequests reach the
 *   log phase only with "log_subrequest on".
 *
 * Differences from Tengine, chosen (docs/reqstat.md): bytes_in is
 * $request_length (stock nginx counts no bytes per request on the socket);
 * with "req_status_lazy on" the key is taken once, at the log phase
 * (Tengine counts the bytes under both keys when they differ);
 * conn_total counts a connection's first request, never a subrequest.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_reqstat.h"
#include "ngx_http_ipng_stats_reqstat_key.h"
#include "ngx_http_ipng_stats_table.h"


/* Tengine's columns, in its order: the counters of a "reqstat" line */
enum {
    NGX_HTTP_IPNG_STATS_RS_BYTES_IN = 0,
    NGX_HTTP_IPNG_STATS_RS_BYTES_OUT,
    NGX_HTTP_IPNG_STATS_RS_CONN_TOTAL,
    NGX_HTTP_IPNG_STATS_RS_REQ_TOTAL,
    NGX_HTTP_IPNG_STATS_RS_2XX,
    NGX_HTTP_IPNG_STATS_RS_3XX,
    NGX_HTTP_IPNG_STATS_RS_4XX,
    NGX_HTTP_IPNG_STATS_RS_5XX,
    NGX_HTTP_IPNG_STATS_RS_OTHER_STATUS,
    NGX_HTTP_IPNG_STATS_RS_RT,
    NGX_HTTP_IPNG_STATS_RS_UPS_REQ,
    NGX_HTTP_IPNG_STATS_RS_UPS_RT,
    NGX_HTTP_IPNG_STATS_RS_UPS_TRIES,
    NGX_HTTP_IPNG_STATS_RS_200,
    NGX_HTTP_IPNG_STATS_RS_206,
    NGX_HTTP_IPNG_STATS_RS_302,
    NGX_HTTP_IPNG_STATS_RS_304,
    NGX_HTTP_IPNG_STATS_RS_403,
    NGX_HTTP_IPNG_STATS_RS_404,
    NGX_HTTP_IPNG_STATS_RS_416,
    NGX_HTTP_IPNG_STATS_RS_499,
    NGX_HTTP_IPNG_STATS_RS_500,
    NGX_HTTP_IPNG_STATS_RS_502,
    NGX_HTTP_IPNG_STATS_RS_503,
    NGX_HTTP_IPNG_STATS_RS_504,
    NGX_HTTP_IPNG_STATS_RS_508,
    NGX_HTTP_IPNG_STATS_RS_OTHER_DETAIL,
    NGX_HTTP_IPNG_STATS_RS_UPS_4XX,
    NGX_HTTP_IPNG_STATS_RS_UPS_5XX,
    NGX_HTTP_IPNG_STATS_RS_NFIELDS
};


/* what the first location decided for a request */
typedef struct {
    ngx_http_request_t                  *request;
    ngx_array_t                         *zones;     /* ..._zone_t *; NULL */
    ngx_str_t                           *keys;      /* NKEYS a zone; */
                                                    /* NULL: lazy */
} ngx_http_ipng_stats_reqstat_decision_t;


static ngx_http_ipng_stats_reqstat_decision_t *
    ngx_http_ipng_stats_reqstat_decided(ngx_http_request_t *r);
static ngx_http_ipng_stats_reqstat_decision_t *
    ngx_http_ipng_stats_reqstat_decide(ngx_http_request_t *r);
static void ngx_http_ipng_stats_reqstat_fields(ngx_http_request_t *r,
    uint64_t *f);
static ngx_int_t ngx_http_ipng_stats_reqstat_indicator_value(
    ngx_http_request_t *r, ngx_http_ipng_stats_reqstat_indicator_t *ind);
static ngx_int_t ngx_http_ipng_stats_reqstat_indicator(u_char *data,
    size_t len);
static void ngx_http_ipng_stats_reqstat_mark(void *data);


#define ngx_http_ipng_stats_reqstat_loc_conf(r)                              \
    (&((ngx_http_ipng_stats_loc_conf_t *)                                    \
       ngx_http_get_module_loc_conf(r, ngx_http_ipng_stats_module))->reqstat)


ngx_int_t
ngx_http_ipng_stats_reqstat_rewrite(ngx_http_request_t *r)
{
    if (ngx_http_ipng_stats_reqstat_decided(r) == NULL) {
        (void) ngx_http_ipng_stats_reqstat_decide(r);
    }

    return NGX_DECLINED;
}


void
ngx_http_ipng_stats_reqstat_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_conf_t *rcf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    uint64_t                                  f[NGX_HTTP_IPNG_STATS_RS_NFIELDS];
    ngx_str_t                                 lazy[2];  /* NKEYS */
    ngx_str_t                                *key;
    ngx_int_t                                 n;
    ngx_uint_t                                i, j;
    ngx_http_ipng_stats_table_t              *t;
    ngx_http_ipng_stats_entry_t              *e;
    ngx_http_ipng_stats_reqstat_zone_t      **zone;
    ngx_http_ipng_stats_reqstat_decision_t   *d;
    ngx_http_ipng_stats_reqstat_indicator_t  *ind;

    if (rcf->zones.nelts == 0) {
        return;
    }

    d = ngx_http_ipng_stats_reqstat_decided(r);

    if (d == NULL) {
        d = ngx_http_ipng_stats_reqstat_decide(r);

        if (d == NULL) {
            return;
        }
    }

    if (d->zones == NULL || d->zones->nelts == 0) {
        return;
    }

    t = ngx_http_ipng_stats_table(pcf);
    if (t == NULL) {
        return;
    }

    ngx_http_ipng_stats_reqstat_fields(r, f);

    zone = d->zones->elts;

    for (i = 0; i < d->zones->nelts; i++) {

        if (d->keys) {
            key = &d->keys[i * NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS];

        } else {
            key = lazy;
            ngx_http_ipng_stats_reqstat_key(r, zone[i], key);
        }

        if (key[0].len == NGX_HTTP_IPNG_STATS_REQSTAT_NO_KEY) {
            continue;
        }

        e = ngx_http_ipng_stats_table_entry(t, &zone[i]->shape,
                                            &zone[i]->name, key);
        if (e == NULL) {
            continue;
        }

        for (j = 0; j < NGX_HTTP_IPNG_STATS_RS_NFIELDS; j++) {
            e->counters[j] += f[j];
        }

        if (zone[i]->indicators == NULL) {
            continue;
        }

        ind = zone[i]->indicators->elts;

        for (j = 0; j < zone[i]->indicators->nelts; j++) {
            n = ngx_http_ipng_stats_reqstat_indicator_value(r, &ind[j]);

            if (n != NGX_ERROR) {
                e->counters[NGX_HTTP_IPNG_STATS_RS_NFIELDS + j] +=
                                                                (uint64_t) n;
            }
        }
    }
}


/* the decision of this request (not of its parent or of a subrequest) */

static ngx_http_ipng_stats_reqstat_decision_t *
ngx_http_ipng_stats_reqstat_decided(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t                      *cln;
    ngx_http_ipng_stats_reqstat_decision_t  *d;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler != ngx_http_ipng_stats_reqstat_mark) {
            continue;
        }

        d = cln->data;

        if (d->request == r) {
            return d;
        }
    }

    return NULL;
}


static ngx_http_ipng_stats_reqstat_decision_t *
ngx_http_ipng_stats_reqstat_decide(ngx_http_request_t *r)
{
    ngx_uint_t                               i, n;
    ngx_array_t                             *zones;
    ngx_pool_cleanup_t                      *cln;
    ngx_http_ipng_stats_reqstat_zone_t     **zone;
    ngx_http_ipng_stats_reqstat_decision_t  *d;
    ngx_http_ipng_stats_reqstat_loc_conf_t  *rlcf;

    rlcf = ngx_http_ipng_stats_reqstat_loc_conf(r);

    zones = rlcf->zones;

    /* req_status_bypass: decided with the zones, as Tengine */

    if (zones && rlcf->bypass) {
        switch (ngx_http_test_predicates(r, rlcf->bypass)) {

        case NGX_ERROR:
            return NULL;

        case NGX_DECLINED:
            zones = NULL;
            break;

        default: /* NGX_OK */
            break;
        }
    }

    n = (zones && !rlcf->lazy) ? zones->nelts : 0;

    cln = ngx_pool_cleanup_add(r->pool,
                               sizeof(ngx_http_ipng_stats_reqstat_decision_t)
                               + n * NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS
                                 * sizeof(ngx_str_t));
    if (cln == NULL) {
        return NULL;
    }

    d = cln->data;

    d->request = r;
    d->zones = zones;
    d->keys = NULL;

    if (n) {
        d->keys = (ngx_str_t *) &d[1];
        zone = zones->elts;

        for (i = 0; i < n; i++) {
            ngx_http_ipng_stats_reqstat_key(r, zone[i],
                              &d->keys[i * NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS]);
        }
    }

    /* set last: a half-made decision is never found */

    cln->handler = ngx_http_ipng_stats_reqstat_mark;

    return d;
}


/* the 29 columns of one request, the same in each of its zones */

static void
ngx_http_ipng_stats_reqstat_fields(ngx_http_request_t *r, uint64_t *f)
{
    off_t                       bytes;
    ngx_uint_t                  i, n, status, other;
    ngx_time_t                 *tp;
    ngx_msec_int_t              ms;
    ngx_http_upstream_state_t  *state;

    ngx_memzero(f, NGX_HTTP_IPNG_STATS_RS_NFIELDS * sizeof(uint64_t));

    bytes = r->request_length;
    f[NGX_HTTP_IPNG_STATS_RS_BYTES_IN] = (uint64_t) ngx_max(bytes, 0);

    bytes = r->connection->sent;
    f[NGX_HTTP_IPNG_STATS_RS_BYTES_OUT] = (uint64_t) ngx_max(bytes, 0);

    /* HTTP/2: the stream's connection counts the streams of its connection */

    if (r == r->main && r->connection->requests == 1) {
        f[NGX_HTTP_IPNG_STATS_RS_CONN_TOTAL] = 1;
    }

    f[NGX_HTTP_IPNG_STATS_RS_REQ_TOTAL] = 1;

    status = ngx_http_ipng_stats_log_status(r);

    other = 0;

    switch (status / 100) {

    case 2:
        f[NGX_HTTP_IPNG_STATS_RS_2XX] = 1;

        if (status == 200) {
            f[NGX_HTTP_IPNG_STATS_RS_200] = 1;

        } else if (status == 206) {
            f[NGX_HTTP_IPNG_STATS_RS_206] = 1;

        } else {
            other = 1;
        }

        break;

    case 3:
        f[NGX_HTTP_IPNG_STATS_RS_3XX] = 1;

        if (status == 302) {
            f[NGX_HTTP_IPNG_STATS_RS_302] = 1;

        } else if (status == 304) {
            f[NGX_HTTP_IPNG_STATS_RS_304] = 1;

        } else {
            other = 1;
        }

        break;

    case 4:
        f[NGX_HTTP_IPNG_STATS_RS_4XX] = 1;

        switch (status) {
        case 403:
            f[NGX_HTTP_IPNG_STATS_RS_403] = 1;
            break;
        case 404:
            f[NGX_HTTP_IPNG_STATS_RS_404] = 1;
            break;
        case 416:
            f[NGX_HTTP_IPNG_STATS_RS_416] = 1;
            break;
        case 499:
            f[NGX_HTTP_IPNG_STATS_RS_499] = 1;
            break;
        default:
            other = 1;
        }

        break;

    case 5:
        f[NGX_HTTP_IPNG_STATS_RS_5XX] = 1;

        switch (status) {
        case 500:
            f[NGX_HTTP_IPNG_STATS_RS_500] = 1;
            break;
        case 502:
            f[NGX_HTTP_IPNG_STATS_RS_502] = 1;
            break;
        case 503:
            f[NGX_HTTP_IPNG_STATS_RS_503] = 1;
            break;
        case 504:
            f[NGX_HTTP_IPNG_STATS_RS_504] = 1;
            break;
        case 508:
            f[NGX_HTTP_IPNG_STATS_RS_508] = 1;
            break;
        default:
            other = 1;
        }

        break;

    default:
        /* outside 200-599: both "other" columns, as Tengine */
        f[NGX_HTTP_IPNG_STATS_RS_OTHER_STATUS] = 1;
        other = 1;
    }

    f[NGX_HTTP_IPNG_STATS_RS_OTHER_DETAIL] = other;

    /* $request_time in ms */

    tp = ngx_timeofday();

    ms = (ngx_msec_int_t)
             ((tp->sec - r->start_sec) * 1000 + (tp->msec - r->start_msec));

    f[NGX_HTTP_IPNG_STATS_RS_RT] = (uint64_t) ngx_max(ms, 0);

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return;
    }

    state = r->upstream_states->elts;
    n = r->upstream_states->nelts;

    f[NGX_HTTP_IPNG_STATS_RS_UPS_REQ] = 1;

    /* the last try's status; an aborted try has none */

    status = state[n - 1].status;

    if (status >= 400 && status < 500) {
        f[NGX_HTTP_IPNG_STATS_RS_UPS_4XX] = 1;

    } else if (status >= 500 && status < 600) {
        f[NGX_HTTP_IPNG_STATS_RS_UPS_5XX] = 1;
    }

    /*
     * every try, and the sum of their times; a state without a peer after
     * the first only separates the upstreams of an internal redirect
     */

    for (i = 0; i < n; /* void */ ) {
        ms = (ngx_msec_int_t) state[i].response_time;

        f[NGX_HTTP_IPNG_STATS_RS_UPS_TRIES]++;
        f[NGX_HTTP_IPNG_STATS_RS_UPS_RT] += (uint64_t) ngx_max(ms, 0);

        if (++i < n && state[i].peer == NULL) {
            i++;
        }
    }
}


static ngx_int_t
ngx_http_ipng_stats_reqstat_indicator_value(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_indicator_t *ind)
{
    off_t                       n;
    ngx_http_variable_value_t  *v;

    switch (ind->read) {

    case NGX_HTTP_IPNG_STATS_REQSTAT_REQUEST_LENGTH:
        n = r->request_length;
        break;

    case NGX_HTTP_IPNG_STATS_REQSTAT_BYTES_SENT:
        n = r->connection->sent;
        break;

    case NGX_HTTP_IPNG_STATS_REQSTAT_BODY_BYTES_SENT:
        n = r->connection->sent - r->header_size;

        if (n < 0) {
            n = 0;
        }

        break;

    default: /* NGX_HTTP_IPNG_STATS_REQSTAT_BY_VARIABLE */
        v = ngx_http_get_indexed_variable(r, ind->index);

        if (v == NULL || v->not_found || !v->valid) {
            return NGX_ERROR;
        }

        return ngx_http_ipng_stats_reqstat_indicator(v->data, v->len);
    }

    /* what the parse of the printed number gives: "-5" gives 5 */

    return (ngx_int_t) (n < 0 ? -n : n);
}


/*
 * An indicator's value, parsed as Tengine parses it: the digits and dots
 * at the end of the value ("0.012, 0.034" gives "0.034"; "-5" gives "5");
 * with a dot the digits are read without it ("0.034" gives 34, "1.5"
 * gives 15); two dots, a trailing dot or no digit at all: not counted.
 */

static ngx_int_t
ngx_http_ipng_stats_reqstat_indicator(u_char *data, size_t len)
{
    size_t  start, point;

    point = 0;

    for (start = len; start > 0; start--) {
        if (data[start - 1] == '.') {
            point = len - start;
            continue;
        }

        if (data[start - 1] < '0' || data[start - 1] > '9') {
            break;
        }
    }

    if (point) {
        return ngx_atofp(data + start, len - start, point);
    }

    return ngx_atoi(data + start, len - start);
}


/* the cleanup that holds a decision: it frees nothing, it marks */

static void
ngx_http_ipng_stats_reqstat_mark(void *data)
{
}
