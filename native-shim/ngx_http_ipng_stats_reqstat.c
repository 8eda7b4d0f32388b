
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
 * - unless the configuration makes the log phase's answer the same: with
 *   "req_status" at http level only (every location has its zones), no
 *   "req_status_bypass" and keys that no request can change ($host and
 *   what a connection fixes), the zones and keys are taken at the log
 *   phase, with no handler at the rewrite phase and no decision kept;
 * - a request that a full per-worker table drops in a zone is one dropped
 *   request of that zone ("d" on the wire, shown with the zone's own
 *   drops), in each zone that drops it;
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


/*
 * What one request adds, the same in each of its zones: most of the 29
 * columns are 0 for a request, so its columns are named (a class and a
 * detail status column, the upstream's class column or 0) rather than
 * made into a vector of 29 added whole.
 */
typedef struct {
    uint64_t                            bytes_in;
    uint64_t                            bytes_out;
    uint64_t                            rt;
    ngx_uint_t                          conn;       /* 0 or 1 */
    ngx_uint_t                          status_class;
    ngx_uint_t                          status_detail;
    ngx_uint_t                          upstream;   /* unsigned upstream:1; */
    uint64_t                            ups_tries;
    uint64_t                            ups_rt;
    ngx_uint_t                          ups_class;  /* 0: none */
} ngx_http_ipng_stats_reqstat_columns_t;


/* what the first location decided for a request */
typedef struct {
    ngx_http_request_t                  *request;
    ngx_array_t                         *zones;     /* ..._zone_t *; NULL */
    ngx_str_t                           *keys;      /* NKEYS a zone; */
                                                    /* NULL: lazy */

    /* a zone's key when it is the connection's kept key, else NULL */
    ngx_http_ipng_stats_reqstat_kept_t **kept;
} ngx_http_ipng_stats_reqstat_decision_t;


static ngx_http_ipng_stats_reqstat_decision_t *
    ngx_http_ipng_stats_reqstat_decided(ngx_http_request_t *r);
static ngx_http_ipng_stats_reqstat_decision_t *
    ngx_http_ipng_stats_reqstat_decide(ngx_http_request_t *r);
static void ngx_http_ipng_stats_reqstat_columns(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_columns_t *c);
static void ngx_http_ipng_stats_reqstat_add(uint64_t *counters,
    ngx_http_ipng_stats_reqstat_columns_t *c);
static ngx_http_ipng_stats_entry_t *ngx_http_ipng_stats_reqstat_entry(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_reqstat_zone_t *zone,
    ngx_str_t *key, ngx_http_ipng_stats_reqstat_kept_t *kept);
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
    ngx_str_t                                 lazy[2];  /* NKEYS */
    ngx_str_t                                *key, *keys;
    ngx_int_t                                 n;
    ngx_uint_t                                i, j;
    ngx_array_t                              *zones;
    ngx_http_ipng_stats_table_t              *t;
    ngx_http_ipng_stats_entry_t              *e;
    ngx_http_ipng_stats_reqstat_zone_t      **zone;
    ngx_http_ipng_stats_reqstat_kept_t       *kept, **kepts;
    ngx_http_ipng_stats_reqstat_columns_t     c;
    ngx_http_ipng_stats_reqstat_decision_t   *d;
    ngx_http_ipng_stats_reqstat_indicator_t  *ind;

    if (rcf->zones.nelts == 0) {
        return;
    }

    if (rcf->rewrite) {
        d = ngx_http_ipng_stats_reqstat_decided(r);

        if (d == NULL) {
            d = ngx_http_ipng_stats_reqstat_decide(r);

            if (d == NULL) {
                return;
            }
        }

        zones = d->zones;
        keys = d->keys;
        kepts = d->kept;

    } else {
        /* the zones of every location, the keys taken here */

        zones = ngx_http_ipng_stats_reqstat_loc_conf(r)->zones;
        keys = NULL;
        kepts = NULL;
    }

    if (zones == NULL || zones->nelts == 0) {
        return;
    }

    t = ngx_http_ipng_stats_table(pcf);
    if (t == NULL) {
        return;
    }

    ngx_http_ipng_stats_reqstat_columns(r, &c);

    zone = zones->elts;

    for (i = 0; i < zones->nelts; i++) {

        if (keys) {
            key = &keys[i * NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS];
            kept = kepts[i];

        } else {
            key = lazy;
            kept = ngx_http_ipng_stats_reqstat_key(r, zone[i], key);
        }

        if (key[0].len == NGX_HTTP_IPNG_STATS_REQSTAT_NO_KEY) {
            continue;
        }

        e = ngx_http_ipng_stats_reqstat_entry(t, zone[i], key, kept);
        if (e == NULL) {
            ngx_http_ipng_stats_table_zone_dropped(t, &zone[i]->shape,
                                                   &zone[i]->name);
            continue;
        }

        ngx_http_ipng_stats_reqstat_add(e->counters, &c);

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


/*
 * the zone's entry for the key; a connection's kept key keeps its entry,
 * so that its later requests skip hashing the zone and key while the
 * table has freed no entry (a drain forgets idle keys; the entry of a
 * key that was dropped at the bound is looked up again, and dropped again)
 */

static ngx_http_ipng_stats_entry_t *
ngx_http_ipng_stats_reqstat_entry(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_str_t *key,
    ngx_http_ipng_stats_reqstat_kept_t *kept)
{
    ngx_http_ipng_stats_entry_t  *e;

    if (kept && kept->entry && kept->freed == t->freed) {
        return kept->entry;
    }

    e = ngx_http_ipng_stats_table_zone_entry(t, &zone->shape, &zone->name,
                                             zone->shape_hash, key);

    if (kept) {
        kept->entry = e;
        kept->freed = t->freed;
    }

    return e;
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

    /*
     * the cleanup and the decision in one allocation (ngx_pool_cleanup_add()
     * makes two), linked into the pool's cleanups once made: a half-made
     * decision is never found
     */

    cln = ngx_palloc(r->pool,
                  sizeof(ngx_pool_cleanup_t)
                  + sizeof(ngx_http_ipng_stats_reqstat_decision_t)
                  + n * (NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS * sizeof(ngx_str_t)
                         + sizeof(ngx_http_ipng_stats_reqstat_kept_t *)));
    if (cln == NULL) {
        return NULL;
    }

    d = (ngx_http_ipng_stats_reqstat_decision_t *) &cln[1];

    d->request = r;
    d->zones = zones;
    d->keys = NULL;
    d->kept = NULL;

    if (n) {
        d->keys = (ngx_str_t *) &d[1];
        d->kept = (ngx_http_ipng_stats_reqstat_kept_t **)
                      &d->keys[n * NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS];
        zone = zones->elts;

        for (i = 0; i < n; i++) {
            d->kept[i] = ngx_http_ipng_stats_reqstat_key(r, zone[i],
                              &d->keys[i * NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS]);
        }
    }

    cln->handler = ngx_http_ipng_stats_reqstat_mark;
    cln->data = d;
    cln->next = r->pool->cleanup;
    r->pool->cleanup = cln;

    return d;
}


/* what one request adds */

static void
ngx_http_ipng_stats_reqstat_columns(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_columns_t *c)
{
    off_t                       bytes;
    ngx_uint_t                  i, n, status, detail;
    ngx_time_t                 *tp;
    ngx_msec_int_t              ms;
    ngx_http_upstream_state_t  *state;

    bytes = r->request_length;
    c->bytes_in = (uint64_t) ngx_max(bytes, 0);

    bytes = r->connection->sent;
    c->bytes_out = (uint64_t) ngx_max(bytes, 0);

    /* HTTP/2: the stream's connection counts the streams of its connection */

    c->conn = (r == r->main && r->connection->requests == 1);

    status = ngx_http_ipng_stats_log_status(r);

    detail = NGX_HTTP_IPNG_STATS_RS_OTHER_DETAIL;

    switch (status / 100) {

    case 2:
        c->status_class = NGX_HTTP_IPNG_STATS_RS_2XX;

        if (status == 200) {
            detail = NGX_HTTP_IPNG_STATS_RS_200;

        } else if (status == 206) {
            detail = NGX_HTTP_IPNG_STATS_RS_206;
        }

        break;

    case 3:
        c->status_class = NGX_HTTP_IPNG_STATS_RS_3XX;

        if (status == 302) {
            detail = NGX_HTTP_IPNG_STATS_RS_302;

        } else if (status == 304) {
            detail = NGX_HTTP_IPNG_STATS_RS_304;
        }

        break;

    case 4:
        c->status_class = NGX_HTTP_IPNG_STATS_RS_4XX;

        switch (status) {
        case 403:
            detail = NGX_HTTP_IPNG_STATS_RS_403;
            break;
        case 404:
            detail = NGX_HTTP_IPNG_STATS_RS_404;
            break;
        case 416:
            detail = NGX_HTTP_IPNG_STATS_RS_416;
            break;
        case 499:
            detail = NGX_HTTP_IPNG_STATS_RS_499;
            break;
        }

        break;

    case 5:
        c->status_class = NGX_HTTP_IPNG_STATS_RS_5XX;

        switch (status) {
        case 500:
            detail = NGX_HTTP_IPNG_STATS_RS_500;
            break;
        case 502:
            detail = NGX_HTTP_IPNG_STATS_RS_502;
            break;
        case 503:
            detail = NGX_HTTP_IPNG_STATS_RS_503;
            break;
        case 504:
            detail = NGX_HTTP_IPNG_STATS_RS_504;
            break;
        case 508:
            detail = NGX_HTTP_IPNG_STATS_RS_508;
            break;
        }

        break;

    default:
        /* outside 200-599: both "other" columns, as Tengine */
        c->status_class = NGX_HTTP_IPNG_STATS_RS_OTHER_STATUS;
    }

    c->status_detail = detail;

    /* $request_time in ms */

    tp = ngx_timeofday();

    ms = (ngx_msec_int_t)
             ((tp->sec - r->start_sec) * 1000 + (tp->msec - r->start_msec));

    c->rt = (uint64_t) ngx_max(ms, 0);

    c->upstream = 0;
    c->ups_tries = 0;
    c->ups_rt = 0;
    c->ups_class = 0;

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return;
    }

    state = r->upstream_states->elts;
    n = r->upstream_states->nelts;

    c->upstream = 1;

    /* the last try's status; an aborted try has none */

    status = state[n - 1].status;

    if (status >= 400 && status < 500) {
        c->ups_class = NGX_HTTP_IPNG_STATS_RS_UPS_4XX;

    } else if (status >= 500 && status < 600) {
        c->ups_class = NGX_HTTP_IPNG_STATS_RS_UPS_5XX;
    }

    /*
     * every try, and the sum of their times; a state without a peer after
     * the first only separates the upstreams of an internal redirect
     */

    for (i = 0; i < n; /* void */ ) {
        ms = (ngx_msec_int_t) state[i].response_time;

        c->ups_tries++;
        c->ups_rt += (uint64_t) ngx_max(ms, 0);

        if (++i < n && state[i].peer == NULL) {
            i++;
        }
    }
}


static void
ngx_http_ipng_stats_reqstat_add(uint64_t *counters,
    ngx_http_ipng_stats_reqstat_columns_t *c)
{
    counters[NGX_HTTP_IPNG_STATS_RS_BYTES_IN] += c->bytes_in;
    counters[NGX_HTTP_IPNG_STATS_RS_BYTES_OUT] += c->bytes_out;
    counters[NGX_HTTP_IPNG_STATS_RS_CONN_TOTAL] += c->conn;
    counters[NGX_HTTP_IPNG_STATS_RS_REQ_TOTAL]++;
    counters[c->status_class]++;
    counters[c->status_detail]++;
    counters[NGX_HTTP_IPNG_STATS_RS_RT] += c->rt;

    if (!c->upstream) {
        return;
    }

    counters[NGX_HTTP_IPNG_STATS_RS_UPS_REQ]++;
    counters[NGX_HTTP_IPNG_STATS_RS_UPS_TRIES] += c->ups_tries;
    counters[NGX_HTTP_IPNG_STATS_RS_UPS_RT] += c->ups_rt;

    if (c->ups_class) {
        counters[c->ups_class]++;
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
