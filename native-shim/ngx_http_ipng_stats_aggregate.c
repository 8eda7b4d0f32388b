
/*
 * njs-ipng-stats native shim: per-worker aggregation of every request.
 *
 * The log-phase handler adds each request to a table private to the worker
 * (no locks, no shared memory): per (source tag, vip, status) the requests
 * and the bytes in and out, per (source tag, vip) the request-duration
 * histogram and, when an upstream answered, the upstream histogram.  The
 * njs tick reads the table as text through one of two variables, which
 * render it and clear it:
 *
 *   $ipng_stats_deltas         every worker gets its own counts and adds
 *                              them to the njs shared dictionary itself;
 *
 *   $ipng_stats_writer_deltas  one worker, the holder of the writer lease,
 *                              gets everybody's counts and is the only one
 *                              that writes the dictionary (whose values are
 *                              then read-modify-write and would lose
 *                              updates with two writers); the others append
 *                              their block to the handoff and get "".
 *
 * A worker that exits (reload, quit, stop) appends what it still holds to
 * a shared-memory zone, the handoff, which the next read of
 * $ipng_stats_deltas in any worker, or of $ipng_stats_writer_deltas by the
 * holder of the lease, returns and clears too.  The lease lives in the
 * handoff zone's header: the holder's pid and when it last read.
 *
 * The text is the wire format of docs/wire-format.md: one record a line,
 * fields separated by 0x1f, and every field escaped ("\xHH" for each byte
 * outside 0x20-0x7e and for "\"), so a tag or an address carries any byte.
 */


#include "ngx_http_ipng_stats_module.h"


#define NGX_HTTP_IPNG_STATS_SEP         '\x1f'
#define NGX_HTTP_IPNG_STATS_HASH_START  256

/*
 * Several workers' blocks must fit between two reads of the writer: at the
 * spec's sizing a block is ~12,000 "c" lines of ~45 bytes plus histogram
 * lines, ~600 KB.  Shared memory pages are resident only once touched, so
 * an idle zone costs little.  A zone of another size is a new zone at
 * reload: a shim with an older layout of the header never shares one.
 */
#define NGX_HTTP_IPNG_STATS_HANDOFF     (4 * 1024 * 1024)

/*
 * A holder that has not read $ipng_stats_writer_deltas for this long, or
 * for three flush intervals if that is longer, is taken over: longer than
 * a scrape or a slow njs tick could block a live writer's event loop, so a
 * live writer never loses the lease while it may still be writing what it
 * read; and a live writer reads once per flush interval.
 */
#define NGX_HTTP_IPNG_STATS_LEASE       10000
#define NGX_HTTP_IPNG_STATS_LEASE_FLUSHES  3


typedef struct ngx_http_ipng_stats_code_s  ngx_http_ipng_stats_code_t;
typedef struct ngx_http_ipng_stats_pair_s  ngx_http_ipng_stats_pair_t;


/* one (tag, vip, status) */
struct ngx_http_ipng_stats_code_s {
    ngx_http_ipng_stats_code_t  *next;
    ngx_uint_t                   status;
    uint64_t                     requests;
    uint64_t                     bytes_in;
    uint64_t                     bytes_out;
};


/* one (tag, vip): its codes and its two histograms */
struct ngx_http_ipng_stats_pair_s {
    ngx_http_ipng_stats_pair_t  *chain;     /* in a hash bucket */
    ngx_http_ipng_stats_pair_t  *next;      /* in order of creation */
    ngx_http_ipng_stats_code_t  *codes;
    ngx_http_ipng_stats_code_t  *last_code;
    ngx_uint_t                   hash;
    ngx_str_t                    tag;
    ngx_str_t                    vip;
    uint64_t                     n;         /* request observations */
    uint64_t                     sum_ms;
    uint64_t                     upstream_n;
    uint64_t                     upstream_sum_ms;
    uint64_t                    *hist;      /* nbounds + 1, twice */
};


/* this worker's table */
typedef struct {
    ngx_pool_t                  *pool;
    ngx_http_ipng_stats_pair_t **hash;
    ngx_uint_t                   hash_size;     /* a power of two */
    ngx_http_ipng_stats_pair_t  *first;
    ngx_http_ipng_stats_pair_t  *last;
    ngx_uint_t                   npairs;
    ngx_uint_t                   ncodes;
    ngx_uint_t                   max_entries;
    ngx_uint_t                   nbounds;
    ngx_uint_t                  *bounds;
    ngx_str_t                   *bounds_text;
    uint64_t                     dropped;
} ngx_http_ipng_stats_table_t;


/*
 * the handoff zone: blocks of exited workers and of workers that are not
 * the writer, waiting for a reader; and the writer lease
 */
typedef struct {
    ngx_pid_t                    writer;        /* 0: nobody holds it */

    /*
     * ngx_current_msec of the writer's last read: nginx takes it from
     * CLOCK_MONOTONIC, one clock for every process of the host, which a
     * change of the wall clock does not move (ngx_time() would jump, and
     * could keep a dead writer's lease or take a live one's)
     */
    ngx_msec_t                   writer_read;

    size_t                       size;
    size_t                       len;
    uint64_t                     lost;
    u_char                       data[1];
} ngx_http_ipng_stats_handoff_t;


typedef struct {
    ngx_uint_t                   skip;      /* unsigned skip:1; */
} ngx_http_ipng_stats_ctx_t;


static ngx_int_t ngx_http_ipng_stats_table_init(
    ngx_http_ipng_stats_main_conf_t *mcf, ngx_log_t *log);
static ngx_http_ipng_stats_pair_t *ngx_http_ipng_stats_pair(
    ngx_http_variable_value_t *tag, ngx_http_variable_value_t *vip);
static ngx_http_ipng_stats_code_t *ngx_http_ipng_stats_code(
    ngx_http_ipng_stats_pair_t *pair, ngx_uint_t status);
static ngx_int_t ngx_http_ipng_stats_grow(void);
static ngx_uint_t ngx_http_ipng_stats_bucket(ngx_msec_int_t ms);
static size_t ngx_http_ipng_stats_render_len(uint64_t lost);
static u_char *ngx_http_ipng_stats_render(u_char *p, uint64_t lost);
static u_char *ngx_http_ipng_stats_render_key(u_char *p, u_char type,
    ngx_http_ipng_stats_pair_t *pair);
static uint64_t ngx_http_ipng_stats_pending(void);
static void ngx_http_ipng_stats_clear(void);
static size_t ngx_http_ipng_stats_digits(uint64_t n);
static size_t ngx_http_ipng_stats_escaped_len(ngx_str_t *field);
static u_char *ngx_http_ipng_stats_escape(u_char *p, ngx_str_t *field);
static ngx_int_t ngx_http_ipng_stats_drain_start(
    ngx_http_ipng_stats_main_conf_t *mcf, ngx_http_variable_value_t *v);
static ngx_int_t ngx_http_ipng_stats_drain(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_slab_pool_t *shpool,
    ngx_http_ipng_stats_handoff_t *ho, ngx_uint_t writer);
static ngx_uint_t ngx_http_ipng_stats_lease(ngx_http_ipng_stats_handoff_t *ho,
    ngx_msec_t lease, ngx_log_t *log);
static ngx_int_t ngx_http_ipng_stats_hand_over(ngx_pool_t *pool,
    ngx_log_t *log, ngx_slab_pool_t *shpool,
    ngx_http_ipng_stats_handoff_t *ho);
static void ngx_http_ipng_stats_release(ngx_http_ipng_stats_main_conf_t *mcf);
static ngx_int_t ngx_http_ipng_stats_handoff_init(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_http_ipng_stats_table_t  ngx_http_ipng_stats_table;

static ngx_http_variable_value_t  ngx_http_ipng_stats_empty =
    ngx_http_variable("");


ngx_int_t
ngx_http_ipng_stats_aggregate_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_main_conf_t *mcf)
{
    ngx_str_t  name;

    ngx_str_set(&name, "ipng_source_tag");

    mcf->tag_index = ngx_http_get_variable_index(cf, &name);
    if (mcf->tag_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    ngx_str_set(&name, "server_addr");

    mcf->server_addr_index = ngx_http_get_variable_index(cf, &name);
    if (mcf->server_addr_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    /* same name, size and tag: kept across "nginx -s reload" */

    ngx_str_set(&name, "ipng_stats_handoff");

    mcf->handoff = ngx_shared_memory_add(cf, &name,
                                         NGX_HTTP_IPNG_STATS_HANDOFF,
                                         &ngx_http_ipng_stats_module);
    if (mcf->handoff == NULL) {
        return NGX_ERROR;
    }

    mcf->handoff->init = ngx_http_ipng_stats_handoff_init;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_handoff_init(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                          size;
    ngx_slab_pool_t                *shpool;
    ngx_http_ipng_stats_handoff_t  *ho;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    /* three quarters of the zone: the rest holds the slab pool itself */

    size = shm_zone->shm.size / 4 * 3;

    ho = ngx_slab_alloc(shpool, size);
    if (ho == NULL) {
        return NGX_ERROR;
    }

    ho->writer = 0;
    ho->writer_read = 0;
    ho->size = size - offsetof(ngx_http_ipng_stats_handoff_t, data);
    ho->len = 0;
    ho->lost = 0;

    shpool->data = ho;
    shm_zone->data = ho;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ipng_stats_table_init(ngx_http_ipng_stats_main_conf_t *mcf,
    ngx_log_t *log)
{
    size_t                        size;
    ngx_http_ipng_stats_table_t  *t;

    t = &ngx_http_ipng_stats_table;

    /* a log that outlives every request: the pool lives as the worker */

    t->pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, log);
    if (t->pool == NULL) {
        return NGX_ERROR;
    }

    size = NGX_HTTP_IPNG_STATS_HASH_START
           * sizeof(ngx_http_ipng_stats_pair_t *);

    t->hash = ngx_pcalloc(t->pool, size);
    if (t->hash == NULL) {
        ngx_destroy_pool(t->pool);
        t->pool = NULL;
        return NGX_ERROR;
    }

    t->hash_size = NGX_HTTP_IPNG_STATS_HASH_START;
    t->first = NULL;
    t->last = NULL;
    t->npairs = 0;
    t->ncodes = 0;
    t->max_entries = mcf->entries;
    t->nbounds = mcf->buckets->nelts;
    t->bounds = mcf->buckets->elts;
    t->bounds_text = &mcf->buckets_text;
    t->dropped = 0;

    return NGX_OK;
}


void
ngx_http_ipng_stats_aggregate(ngx_http_request_t *r,
    ngx_http_ipng_stats_main_conf_t *mcf)
{
    off_t                        bytes;
    ngx_uint_t                   i, n, status, reached;
    ngx_time_t                  *tp;
    ngx_msec_int_t               ms, ums, sms;
    ngx_http_ipng_stats_ctx_t   *ctx;
    ngx_http_ipng_stats_pair_t  *pair;
    ngx_http_ipng_stats_code_t  *code;
    ngx_http_upstream_state_t   *state;
    ngx_http_variable_value_t   *tag, *vip;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ipng_stats_module);

    if (ctx && ctx->skip) {
        return;
    }

    if (ngx_http_ipng_stats_table.pool == NULL
        && ngx_http_ipng_stats_table_init(mcf, ngx_cycle->log) != NGX_OK)
    {
        return;
    }

    /* $ipng_source_tag and $server_addr, as a log line would show them */

    tag = ngx_http_get_indexed_variable(r, mcf->tag_index);
    if (tag == NULL || tag->not_found) {
        tag = &ngx_http_ipng_stats_empty;
    }

    vip = ngx_http_get_indexed_variable(r, mcf->server_addr_index);
    if (vip == NULL || vip->not_found) {
        vip = &ngx_http_ipng_stats_empty;
    }

    /* $status */

    if (r->err_status) {
        status = r->err_status;

    } else if (r->headers_out.status) {
        status = r->headers_out.status;

    } else if (r->http_version == NGX_HTTP_VERSION_9) {
        status = 9;

    } else {
        status = 0;
    }

    pair = ngx_http_ipng_stats_pair(tag, vip);
    if (pair == NULL) {
        ngx_http_ipng_stats_table.dropped++;
        return;
    }

    code = ngx_http_ipng_stats_code(pair, status);
    if (code == NULL) {
        ngx_http_ipng_stats_table.dropped++;
        return;
    }

    code->requests++;

    bytes = r->request_length;
    code->bytes_in += (uint64_t) ngx_max(bytes, 0);

    bytes = r->connection->sent;
    code->bytes_out += (uint64_t) ngx_max(bytes, 0);

    /* $request_time */

    tp = ngx_timeofday();

    ms = (ngx_msec_int_t)
             ((tp->sec - r->start_sec) * 1000 + (tp->msec - r->start_msec));
    ms = ngx_max(ms, 0);

    pair->n++;
    pair->sum_ms += (uint64_t) ms;
    pair->hist[ngx_http_ipng_stats_bucket(ms)]++;

    /*
     * $upstream_response_time: the sum of the times it prints as numbers;
     * a state without a peer after the first only separates the upstreams
     * of an internal redirect and is not printed
     */

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return;
    }

    state = r->upstream_states->elts;
    n = r->upstream_states->nelts;

    reached = 0;
    ums = 0;

    for (i = 0; i < n; /* void */ ) {
        sms = state[i].response_time;

        if (sms != -1) {
            ums += ngx_max(sms, 0);
            reached = 1;
        }

        if (++i < n && state[i].peer == NULL) {
            i++;
        }
    }

    if (!reached) {
        return;
    }

    pair->upstream_n++;
    pair->upstream_sum_ms += (uint64_t) ums;
    pair->hist[ngx_http_ipng_stats_table.nbounds + 1
               + ngx_http_ipng_stats_bucket(ums)]++;
}


static ngx_uint_t
ngx_http_ipng_stats_bucket(ngx_msec_int_t ms)
{
    ngx_uint_t  i;

    /* the first bound >= ms, else +Inf: as src/counters/bucketing.ts */

    for (i = 0; i < ngx_http_ipng_stats_table.nbounds; i++) {
        if ((ngx_uint_t) ms <= ngx_http_ipng_stats_table.bounds[i]) {
            return i;
        }
    }

    return ngx_http_ipng_stats_table.nbounds;
}


static ngx_http_ipng_stats_pair_t *
ngx_http_ipng_stats_pair(ngx_http_variable_value_t *tag,
    ngx_http_variable_value_t *vip)
{
    u_char                       *p;
    size_t                        size;
    ngx_uint_t                    i, hash;
    ngx_http_ipng_stats_pair_t   *pair;
    ngx_http_ipng_stats_table_t  *t;

    t = &ngx_http_ipng_stats_table;

    hash = 0;

    for (i = 0; i < tag->len; i++) {
        hash = ngx_hash(hash, tag->data[i]);
    }

    hash = ngx_hash(hash, NGX_HTTP_IPNG_STATS_SEP);

    for (i = 0; i < vip->len; i++) {
        hash = ngx_hash(hash, vip->data[i]);
    }

    for (pair = t->hash[hash & (t->hash_size - 1)]; pair; pair = pair->chain) {
        if (pair->hash == hash
            && pair->tag.len == tag->len
            && pair->vip.len == vip->len
            && ngx_memcmp(pair->tag.data, tag->data, tag->len) == 0
            && ngx_memcmp(pair->vip.data, vip->data, vip->len) == 0)
        {
            return pair;
        }
    }

    if (t->npairs >= t->max_entries) {
        return NULL;
    }

    if (t->npairs >= t->hash_size && ngx_http_ipng_stats_grow() != NGX_OK) {
        return NULL;
    }

    size = sizeof(ngx_http_ipng_stats_pair_t)
           + 2 * (t->nbounds + 1) * sizeof(uint64_t)
           + tag->len + vip->len;

    pair = ngx_pcalloc(t->pool, size);
    if (pair == NULL) {
        return NULL;
    }

    pair->hist = (uint64_t *) &pair[1];

    p = (u_char *) &pair->hist[2 * (t->nbounds + 1)];

    pair->tag.len = tag->len;
    pair->tag.data = p;
    p = ngx_cpymem(p, tag->data, tag->len);

    pair->vip.len = vip->len;
    pair->vip.data = p;
    ngx_memcpy(p, vip->data, vip->len);

    pair->hash = hash;
    pair->chain = t->hash[hash & (t->hash_size - 1)];
    t->hash[hash & (t->hash_size - 1)] = pair;

    if (t->last) {
        t->last->next = pair;

    } else {
        t->first = pair;
    }

    t->last = pair;
    t->npairs++;

    return pair;
}


static ngx_int_t
ngx_http_ipng_stats_grow(void)
{
    ngx_uint_t                    size, k;
    ngx_http_ipng_stats_pair_t  **hash, *pair;
    ngx_http_ipng_stats_table_t  *t;

    t = &ngx_http_ipng_stats_table;

    size = t->hash_size * 2;

    hash = ngx_pcalloc(t->pool, size * sizeof(ngx_http_ipng_stats_pair_t *));
    if (hash == NULL) {
        return NGX_ERROR;
    }

    for (pair = t->first; pair; pair = pair->next) {
        k = pair->hash & (size - 1);
        pair->chain = hash[k];
        hash[k] = pair;
    }

    /* large allocations of a pool can be given back */

    (void) ngx_pfree(t->pool, t->hash);

    t->hash = hash;
    t->hash_size = size;

    return NGX_OK;
}


static ngx_http_ipng_stats_code_t *
ngx_http_ipng_stats_code(ngx_http_ipng_stats_pair_t *pair, ngx_uint_t status)
{
    ngx_http_ipng_stats_code_t   *code;
    ngx_http_ipng_stats_table_t  *t;

    for (code = pair->codes; code; code = code->next) {
        if (code->status == status) {
            return code;
        }
    }

    t = &ngx_http_ipng_stats_table;

    if (t->ncodes >= t->max_entries) {
        return NULL;
    }

    code = ngx_pcalloc(t->pool, sizeof(ngx_http_ipng_stats_code_t));
    if (code == NULL) {
        return NULL;
    }

    code->status = status;

    if (pair->last_code) {
        pair->last_code->next = code;

    } else {
        pair->codes = code;
    }

    pair->last_code = code;
    t->ncodes++;

    return code;
}


static size_t
ngx_http_ipng_stats_digits(uint64_t n)
{
    size_t  len;

    for (len = 1; n >= 10; len++) {
        n /= 10;
    }

    return len;
}


/* the exact length of this worker's block, "" when nothing is pending */

static size_t
ngx_http_ipng_stats_render_len(uint64_t lost)
{
    size_t                        len, key;
    ngx_uint_t                    i, any;
    ngx_http_ipng_stats_pair_t   *pair;
    ngx_http_ipng_stats_code_t   *code;
    ngx_http_ipng_stats_table_t  *t;

    t = &ngx_http_ipng_stats_table;

    len = 0;
    any = 0;

    for (pair = t->first; pair; pair = pair->next) {

        /* "X US TAG US VIP US" */
        key = 2 + ngx_http_ipng_stats_escaped_len(&pair->tag)
              + 1 + ngx_http_ipng_stats_escaped_len(&pair->vip) + 1;

        for (code = pair->codes; code; code = code->next) {
            if (code->requests == 0) {
                continue;
            }

            any = 1;
            len += key + ngx_max(ngx_http_ipng_stats_digits(code->status), 3)
                   + 1 + ngx_http_ipng_stats_digits(code->requests)
                   + 1 + ngx_http_ipng_stats_digits(code->bytes_in)
                   + 1 + ngx_http_ipng_stats_digits(code->bytes_out) + 1;
        }

        if (pair->n) {
            any = 1;
            len += key + ngx_http_ipng_stats_digits(pair->sum_ms);

            for (i = 0; i <= t->nbounds; i++) {
                len += 1 + ngx_http_ipng_stats_digits(pair->hist[i]);
            }

            len++;
        }

        if (pair->upstream_n) {
            any = 1;
            len += key + ngx_http_ipng_stats_digits(pair->upstream_sum_ms);

            for (i = 0; i <= t->nbounds; i++) {
                len += 1 + ngx_http_ipng_stats_digits(
                                                pair->hist[t->nbounds + 1 + i]);
            }

            len++;
        }
    }

    lost += t->dropped;

    if (lost) {
        any = 1;
        len += 2 + ngx_http_ipng_stats_digits(lost) + 1;
    }

    if (!any) {
        return 0;
    }

    return 2 + t->bounds_text->len + 1 + len;
}


static u_char *
ngx_http_ipng_stats_render(u_char *p, uint64_t lost)
{
    ngx_uint_t                    i;
    uint64_t                     *hist;
    ngx_http_ipng_stats_pair_t   *pair;
    ngx_http_ipng_stats_code_t   *code;
    ngx_http_ipng_stats_table_t  *t;

    t = &ngx_http_ipng_stats_table;

    p = ngx_sprintf(p, "b%c%V\n", NGX_HTTP_IPNG_STATS_SEP, t->bounds_text);

    for (pair = t->first; pair; pair = pair->next) {

        for (code = pair->codes; code; code = code->next) {
            if (code->requests == 0) {
                continue;
            }

            p = ngx_http_ipng_stats_render_key(p, 'c', pair);
            p = ngx_sprintf(p, "%c%03ui%c%uL%c%uL%c%uL\n",
                            NGX_HTTP_IPNG_STATS_SEP, code->status,
                            NGX_HTTP_IPNG_STATS_SEP, code->requests,
                            NGX_HTTP_IPNG_STATS_SEP, code->bytes_in,
                            NGX_HTTP_IPNG_STATS_SEP, code->bytes_out);
        }

        if (pair->n) {
            p = ngx_http_ipng_stats_render_key(p, 'd', pair);
            p = ngx_sprintf(p, "%c%uL", NGX_HTTP_IPNG_STATS_SEP,
                            pair->sum_ms);

            for (i = 0; i <= t->nbounds; i++) {
                p = ngx_sprintf(p, "%c%uL", NGX_HTTP_IPNG_STATS_SEP,
                                pair->hist[i]);
            }

            *p++ = '\n';
        }

        if (pair->upstream_n) {
            p = ngx_http_ipng_stats_render_key(p, 'u', pair);
            p = ngx_sprintf(p, "%c%uL", NGX_HTTP_IPNG_STATS_SEP,
                            pair->upstream_sum_ms);

            hist = &pair->hist[t->nbounds + 1];

            for (i = 0; i <= t->nbounds; i++) {
                p = ngx_sprintf(p, "%c%uL", NGX_HTTP_IPNG_STATS_SEP, hist[i]);
            }

            *p++ = '\n';
        }
    }

    lost += t->dropped;

    if (lost) {
        p = ngx_sprintf(p, "x%c%uL\n", NGX_HTTP_IPNG_STATS_SEP, lost);
    }

    return p;
}


/* "TYPE US TAG US VIP": the fields of a line that name its pair */

static u_char *
ngx_http_ipng_stats_render_key(u_char *p, u_char type,
    ngx_http_ipng_stats_pair_t *pair)
{
    *p++ = type;
    *p++ = NGX_HTTP_IPNG_STATS_SEP;
    p = ngx_http_ipng_stats_escape(p, &pair->tag);
    *p++ = NGX_HTTP_IPNG_STATS_SEP;

    return ngx_http_ipng_stats_escape(p, &pair->vip);
}


/*
 * docs/wire-format.md: a field keeps the bytes 0x20-0x7e but "\", every
 * other byte becomes "\xHH"; njs would turn bytes that are not UTF-8 into
 * U+FFFD, and a newline or 0x1f would split the line
 */

#define ngx_http_ipng_stats_plain(c)                                          \
    ((c) >= 0x20 && (c) <= 0x7e && (c) != '\\')


static size_t
ngx_http_ipng_stats_escaped_len(ngx_str_t *field)
{
    size_t   len, i;

    len = field->len;

    for (i = 0; i < field->len; i++) {
        if (!ngx_http_ipng_stats_plain(field->data[i])) {
            len += 3;
        }
    }

    return len;
}


static u_char *
ngx_http_ipng_stats_escape(u_char *p, ngx_str_t *field)
{
    u_char         c;
    size_t         i;
    static u_char  hex[] = "0123456789abcdef";

    for (i = 0; i < field->len; i++) {
        c = field->data[i];

        if (ngx_http_ipng_stats_plain(c)) {
            *p++ = c;
            continue;
        }

        *p++ = '\\';
        *p++ = 'x';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xf];
    }

    return p;
}


/* observations held: one request counts once, in exactly one code */

static uint64_t
ngx_http_ipng_stats_pending(void)
{
    uint64_t                      n;
    ngx_http_ipng_stats_pair_t   *pair;
    ngx_http_ipng_stats_code_t   *code;

    n = ngx_http_ipng_stats_table.dropped;

    for (pair = ngx_http_ipng_stats_table.first; pair; pair = pair->next) {
        for (code = pair->codes; code; code = code->next) {
            n += code->requests;
        }
    }

    return n;
}


/* entries stay allocated: a steady state allocates nothing */

static void
ngx_http_ipng_stats_clear(void)
{
    ngx_uint_t                    nbounds;
    ngx_http_ipng_stats_pair_t   *pair;
    ngx_http_ipng_stats_code_t   *code;

    nbounds = ngx_http_ipng_stats_table.nbounds;

    for (pair = ngx_http_ipng_stats_table.first; pair; pair = pair->next) {
        for (code = pair->codes; code; code = code->next) {
            code->requests = 0;
            code->bytes_in = 0;
            code->bytes_out = 0;
        }

        pair->n = 0;
        pair->sum_ms = 0;
        pair->upstream_n = 0;
        pair->upstream_sum_ms = 0;
        ngx_memzero(pair->hist, 2 * (nbounds + 1) * sizeof(uint64_t));
    }

    ngx_http_ipng_stats_table.dropped = 0;
}



/* both drains: the value starts empty; the table exists from the first */

static ngx_int_t
ngx_http_ipng_stats_drain_start(ngx_http_ipng_stats_main_conf_t *mcf,
    ngx_http_variable_value_t *v)
{
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->len = 0;
    v->data = (u_char *) "";

    if (ngx_http_ipng_stats_table.pool == NULL) {
        return ngx_http_ipng_stats_table_init(mcf, ngx_cycle->log);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_ipng_stats_deltas_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_slab_pool_t                  *shpool;
    ngx_http_ipng_stats_handoff_t    *ho;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    if (ngx_http_ipng_stats_drain_start(mcf, v) != NGX_OK) {
        return NGX_ERROR;
    }

    shpool = (ngx_slab_pool_t *) mcf->handoff->shm.addr;
    ho = mcf->handoff->data;

    ngx_shmtx_lock(&shpool->mutex);

    return ngx_http_ipng_stats_drain(r, v, shpool, ho, 0);
}


ngx_int_t
ngx_http_ipng_stats_writer_deltas_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_msec_t                        lease;
    ngx_slab_pool_t                  *shpool;
    ngx_http_ipng_stats_handoff_t    *ho;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    if (ngx_http_ipng_stats_drain_start(mcf, v) != NGX_OK) {
        return NGX_ERROR;
    }

    shpool = (ngx_slab_pool_t *) mcf->handoff->shm.addr;
    ho = mcf->handoff->data;

    ngx_shmtx_lock(&shpool->mutex);

    /*
     * an exiting worker writes no more: it gives the lease up at once, so
     * that a worker of the new generation takes it at its next read, and
     * what it counted goes the way of every other non-writer's
     */

    if (ngx_exiting || ngx_terminate) {
        if (ho->writer == ngx_pid) {
            ho->writer = 0;
        }

        ngx_shmtx_unlock(&shpool->mutex);

        return ngx_http_ipng_stats_hand_over(r->pool, r->connection->log,
                                             shpool, ho);
    }

    lease = ngx_max(NGX_HTTP_IPNG_STATS_LEASE,
                    NGX_HTTP_IPNG_STATS_LEASE_FLUSHES * mcf->flush_interval);

    if (!ngx_http_ipng_stats_lease(ho, lease, r->connection->log)) {
        ngx_shmtx_unlock(&shpool->mutex);

        return ngx_http_ipng_stats_hand_over(r->pool, r->connection->log,
                                             shpool, ho);
    }

    /* the writer: "w", the handoff, its own block, as $ipng_stats_deltas */

    return ngx_http_ipng_stats_drain(r, v, shpool, ho, 1);
}


/*
 * called with the handoff locked, which it unlocks: the value becomes the
 * writer line "w" (for the lease holder), everything in the handoff (then
 * emptied) and this worker's own block (then cleared); "" when all three
 * are empty
 */

static ngx_int_t
ngx_http_ipng_stats_drain(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    ngx_slab_pool_t *shpool, ngx_http_ipng_stats_handoff_t *ho,
    ngx_uint_t writer)
{
    u_char    *p;
    size_t     len, own;
    uint64_t   lost;

    lost = ho->lost;
    own = ngx_http_ipng_stats_render_len(lost);
    len = (writer ? 2 : 0) + ho->len + own;

    if (len == 0) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_ERROR;
    }

    v->data = p;

    if (writer) {
        *p++ = 'w';
        *p++ = '\n';
    }

    p = ngx_cpymem(p, ho->data, ho->len);

    ho->len = 0;
    ho->lost = 0;

    ngx_shmtx_unlock(&shpool->mutex);

    if (own) {
        p = ngx_http_ipng_stats_render(p, lost);
        ngx_http_ipng_stats_clear();
    }

    v->len = p - v->data;

    if (v->len != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ipng_stats: %s rendered %uz bytes, expected %uz",
                      writer ? "writer deltas" : "deltas", v->len, len);
        v->len = ngx_min(v->len, len);
    }

    return NGX_OK;
}


/*
 * called with the handoff locked: whether this process holds the writer
 * lease now, taking it when it is free, or when the holder is silent or
 * gone; a holder's read renews it
 */

static ngx_uint_t
ngx_http_ipng_stats_lease(ngx_http_ipng_stats_handoff_t *ho,
    ngx_msec_t lease, ngx_log_t *log)
{
    ngx_msec_int_t  silent;

    if (ho->writer != 0 && ho->writer != ngx_pid) {

        silent = (ngx_msec_int_t) (ngx_current_msec - ho->writer_read);

        if (silent > (ngx_msec_int_t) lease) {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "ipng_stats: writer lease taken over from "
                          "process %P, silent for %M ms",
                          ho->writer, (ngx_msec_t) silent);

        } else if (kill(ho->writer, 0) == -1 && ngx_errno == NGX_ESRCH) {

            /* crashed or killed: it released nothing */

            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "ipng_stats: writer lease taken over from "
                          "process %P, which is gone", ho->writer);

        } else {
            return 0;
        }
    }

    ho->writer = ngx_pid;
    ho->writer_read = ngx_current_msec;

    return 1;
}


/*
 * a non-writer's block goes to the handoff, for the writer's next read;
 * rendered outside the lock, which is then held for a copy only; a block
 * that does not fit stays in the table, whole, and goes next time:
 * nothing is lost and nothing is counted as lost
 */

static ngx_int_t
ngx_http_ipng_stats_hand_over(ngx_pool_t *pool, ngx_log_t *log,
    ngx_slab_pool_t *shpool, ngx_http_ipng_stats_handoff_t *ho)
{
    u_char      *buf, *p;
    size_t       len;
    ngx_uint_t   done;

    len = ngx_http_ipng_stats_render_len(0);

    if (len == 0) {
        return NGX_OK;
    }

    buf = ngx_pnalloc(pool, len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = ngx_http_ipng_stats_render(buf, 0);

    if ((size_t) (p - buf) != len) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "ipng_stats: block rendered %uz bytes, expected %uz",
                      (size_t) (p - buf), len);
        (void) ngx_pfree(pool, buf);
        return NGX_OK;
    }

    done = 0;

    ngx_shmtx_lock(&shpool->mutex);

    if (ho->size - ho->len >= len) {
        ngx_memcpy(ho->data + ho->len, buf, len);
        ho->len += len;
        done = 1;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (done) {
        ngx_http_ipng_stats_clear();
    }

    /* a large allocation, given back before the request ends */

    (void) ngx_pfree(pool, buf);

    return NGX_OK;
}


static void
ngx_http_ipng_stats_release(ngx_http_ipng_stats_main_conf_t *mcf)
{
    ngx_slab_pool_t                *shpool;
    ngx_http_ipng_stats_handoff_t  *ho;

    if (mcf->handoff == NULL || mcf->handoff->data == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) mcf->handoff->shm.addr;
    ho = mcf->handoff->data;

    ngx_shmtx_lock(&shpool->mutex);

    if (ho->writer == ngx_pid) {
        ho->writer = 0;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


void
ngx_http_ipng_stats_aggregate_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf)
{
    u_char                         *buf, *p;
    size_t                          len;
    ngx_slab_pool_t                *shpool;
    ngx_http_ipng_stats_handoff_t  *ho;

    /* before anything else: the next read by another worker takes it */

    ngx_http_ipng_stats_release(mcf);

    if (ngx_http_ipng_stats_table.pool == NULL) {
        return;
    }

    len = ngx_http_ipng_stats_render_len(0);
    buf = NULL;
    p = NULL;

    if (len) {
        buf = ngx_alloc(len, cycle->log);

        if (buf) {
            p = ngx_http_ipng_stats_render(buf, 0);
        }
    }

    if (len && mcf->handoff && mcf->handoff->data) {
        shpool = (ngx_slab_pool_t *) mcf->handoff->shm.addr;
        ho = mcf->handoff->data;

        ngx_shmtx_lock(&shpool->mutex);

        if (buf && (size_t) (p - buf) == len && ho->size - ho->len >= len) {
            ngx_memcpy(ho->data + ho->len, buf, len);
            ho->len += len;

        } else {
            ho->lost += ngx_http_ipng_stats_pending();
        }

        ngx_shmtx_unlock(&shpool->mutex);
    }

    if (buf) {
        ngx_free(buf);
    }

    ngx_destroy_pool(ngx_http_ipng_stats_table.pool);
    ngx_memzero(&ngx_http_ipng_stats_table,
                sizeof(ngx_http_ipng_stats_table_t));
}


ngx_int_t
ngx_http_ipng_stats_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_ipng_stats_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ipng_stats_module);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    if (ctx && ctx->skip) {
        v->len = 1;
        v->data = (u_char *) "1";

    } else {
        v->len = 0;
        v->data = (u_char *) "";
    }

    return NGX_OK;
}


/* any value but "" and "0" marks the request: it is not counted */

void
ngx_http_ipng_stats_set_skip_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                  skip;
    ngx_http_ipng_stats_ctx_t  *ctx;

    skip = !(v->len == 0 || (v->len == 1 && v->data[0] == '0'));

    ctx = ngx_http_get_module_ctx(r, ngx_http_ipng_stats_module);

    if (ctx == NULL) {
        if (!skip) {
            return;
        }

        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_ipng_stats_ctx_t));
        if (ctx == NULL) {
            return;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_ipng_stats_module);
    }

    ctx->skip = skip;
}
