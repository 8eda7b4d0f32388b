
/*
 * njs-ipng-stats native shim, core pipeline: the per-worker table.
 *
 * Each worker counts into a table of its own (no locks, no shared memory)
 * keyed by (subsystem, zone, key bytes); an entry holds the fixed vector
 * of counters and histograms its subsystem declared.  Entries stay
 * allocated when the table is cleared, so a steady state allocates
 * nothing, except those of a shape that forgets idle keys (they are
 * allocated one by one and freed when idle for a whole drain); a table
 * with max_entries entries of a shape refuses its new keys, and the
 * observations that needed one are counted as dropped (per zone, for a
 * caller that names the zone that lost them).  The entries of
 * a grouped shape are also kept in an array sorted by their keys, so that
 * the wire writes each group's entries together, in order, without
 * sorting at every flush.
 */


#include "ngx_http_ipng_stats_table.h"


#define NGX_HTTP_IPNG_STATS_HASH_START  256
#define NGX_HTTP_IPNG_STATS_KEY_SEP     '\x1f'


static ngx_int_t ngx_http_ipng_stats_table_init(
    ngx_http_ipng_stats_pipeline_conf_t *pcf, ngx_log_t *log);
static ngx_int_t ngx_http_ipng_stats_table_grow(
    ngx_http_ipng_stats_table_t *t);
static ngx_uint_t ngx_http_ipng_stats_table_bucket(
    ngx_http_ipng_stats_table_t *t, ngx_msec_int_t ms);
static ngx_http_ipng_stats_table_use_t *ngx_http_ipng_stats_table_use(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_subsystem_t *sub);
static ngx_http_ipng_stats_entry_t *ngx_http_ipng_stats_table_find(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_subsystem_t *sub,
    ngx_str_t *zone, ngx_uint_t zone_hash, ngx_str_t *keys, ngx_uint_t gauge);
static void ngx_http_ipng_stats_table_forget(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_entry_t *e);
static ngx_int_t ngx_http_ipng_stats_table_group_room(
    ngx_http_ipng_stats_table_t *t);
static void ngx_http_ipng_stats_table_group_in(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_entry_t *e);
static ngx_int_t ngx_http_ipng_stats_table_cmp(ngx_http_ipng_stats_entry_t *a,
    ngx_http_ipng_stats_entry_t *b, ngx_uint_t nkeys);
static ngx_int_t ngx_http_ipng_stats_str_cmp(ngx_str_t *a, ngx_str_t *b);


/* an entry's counters, histograms and, for a gauge, its "changed" mark */
#define ngx_http_ipng_stats_table_slots(t, sub, gauge)                        \
    ((sub)->ncounters + (sub)->nhistograms * ((t)->nbounds + 2)              \
     + ((gauge) ? 1 : 0))


static ngx_http_ipng_stats_table_t  ngx_http_ipng_stats_worker_table;


ngx_int_t
ngx_http_ipng_stats_collector_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf,
    ngx_http_ipng_stats_collect_pt handler, void *data)
{
    ngx_http_ipng_stats_collector_t  *c;

    if (pcf->collectors == NULL) {
        pcf->collectors = ngx_array_create(cf->pool, 2,
                                     sizeof(ngx_http_ipng_stats_collector_t));
        if (pcf->collectors == NULL) {
            return NGX_ERROR;
        }
    }

    c = ngx_array_push(pcf->collectors);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->handler = handler;
    c->data = data;

    return NGX_OK;
}


void
ngx_http_ipng_stats_table_collect(ngx_http_ipng_stats_pipeline_conf_t *pcf,
    ngx_http_ipng_stats_table_t *t, ngx_uint_t exiting)
{
    ngx_uint_t                        i;
    ngx_http_ipng_stats_collector_t  *c;

    if (pcf->collectors == NULL) {
        return;
    }

    c = pcf->collectors->elts;

    for (i = 0; i < pcf->collectors->nelts; i++) {
        c[i].handler(t, c[i].data, exiting);
    }
}


/* the start of an entry's hash: its shape and zone */

static ngx_inline ngx_uint_t
ngx_http_ipng_stats_table_hash_zone(ngx_http_ipng_stats_subsystem_t *sub,
    ngx_str_t *zone)
{
    ngx_uint_t  i, hash;

    hash = (ngx_uint_t) (uintptr_t) sub;

    for (i = 0; i < zone->len; i++) {
        hash = ngx_hash(hash, zone->data[i]);
    }

    return hash;
}


/* this worker's table, created at its first use */

ngx_http_ipng_stats_table_t *
ngx_http_ipng_stats_table(ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    if (ngx_http_ipng_stats_worker_table.pool == NULL
        && ngx_http_ipng_stats_table_init(pcf, ngx_cycle->log) != NGX_OK)
    {
        return NULL;
    }

    return &ngx_http_ipng_stats_worker_table;
}


ngx_http_ipng_stats_table_t *
ngx_http_ipng_stats_table_if_any(void)
{
    if (ngx_http_ipng_stats_worker_table.pool == NULL) {
        return NULL;
    }

    return &ngx_http_ipng_stats_worker_table;
}


static ngx_int_t
ngx_http_ipng_stats_table_init(ngx_http_ipng_stats_pipeline_conf_t *pcf,
    ngx_log_t *log)
{
    size_t                        size;
    ngx_http_ipng_stats_table_t  *t;

    t = &ngx_http_ipng_stats_worker_table;

    /* a log that outlives every request: the pool lives as the worker */

    t->pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, log);
    if (t->pool == NULL) {
        return NGX_ERROR;
    }

    size = NGX_HTTP_IPNG_STATS_HASH_START
           * sizeof(ngx_http_ipng_stats_entry_t *);

    t->hash = ngx_pcalloc(t->pool, size);
    if (t->hash == NULL) {
        ngx_destroy_pool(t->pool);
        t->pool = NULL;
        return NGX_ERROR;
    }

    if (ngx_array_init(&t->uses, t->pool, 8,
                       sizeof(ngx_http_ipng_stats_table_use_t))
        != NGX_OK
        || ngx_array_init(&t->zone_drops, t->pool, 4,
                          sizeof(ngx_http_ipng_stats_zone_drops_t))
           != NGX_OK)
    {
        ngx_destroy_pool(t->pool);
        t->pool = NULL;
        return NGX_ERROR;
    }

    t->hash_size = NGX_HTTP_IPNG_STATS_HASH_START;
    t->first = NULL;
    t->last = NULL;
    t->grouped = NULL;
    t->ngrouped = 0;
    t->grouped_size = 0;
    t->nentries = 0;
    t->max_entries = pcf->entries;
    t->nbounds = pcf->buckets->nelts;
    t->bounds = pcf->buckets->elts;
    t->bounds_text = &pcf->buckets_text;
    t->dropped = 0;

    return NGX_OK;
}


/*
 * the entry of (subsystem, zone, keys), created when it is new and there
 * is room; NULL, with the observation counted as dropped, otherwise
 */

ngx_http_ipng_stats_entry_t *
ngx_http_ipng_stats_table_entry(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone, ngx_str_t *keys)
{
    ngx_http_ipng_stats_entry_t  *e;

    e = ngx_http_ipng_stats_table_find(t, sub, zone,
                               ngx_http_ipng_stats_table_hash_zone(sub, zone),
                               keys, 0);
    if (e == NULL) {
        t->dropped++;
    }

    return e;
}


void
ngx_http_ipng_stats_table_zone_dropped(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone)
{
    ngx_uint_t                         i;
    ngx_http_ipng_stats_zone_drops_t  *d;

    d = t->zone_drops.elts;

    for (i = 0; i < t->zone_drops.nelts; i++) {
        if (d[i].subsystem == sub && d[i].zone == zone) {
            d[i].requests++;
            return;
        }
    }

    d = ngx_array_push(&t->zone_drops);

    if (d == NULL) {
        /* no memory to name the zone: a drop all the same */
        t->dropped++;
        return;
    }

    d->subsystem = sub;
    d->zone = zone;
    d->requests = 1;
}


ngx_uint_t
ngx_http_ipng_stats_table_zone_hash(ngx_http_ipng_stats_subsystem_t *sub,
    ngx_str_t *zone)
{
    return ngx_http_ipng_stats_table_hash_zone(sub, zone);
}


ngx_http_ipng_stats_entry_t *
ngx_http_ipng_stats_table_zone_entry(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone,
    ngx_uint_t zone_hash, ngx_str_t *keys)
{
    return ngx_http_ipng_stats_table_find(t, sub, zone, zone_hash, keys, 0);
}


/* a gauge's entry (zone only), created as ngx_http_ipng_stats_table_entry() */

ngx_http_ipng_stats_entry_t *
ngx_http_ipng_stats_table_gauge_entry(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone)
{
    ngx_http_ipng_stats_entry_t  *e;

    e = ngx_http_ipng_stats_table_find(t, sub, zone,
                               ngx_http_ipng_stats_table_hash_zone(sub, zone),
                               NULL, 1);
    if (e == NULL) {
        t->dropped++;
    }

    return e;
}


static ngx_http_ipng_stats_entry_t *
ngx_http_ipng_stats_table_find(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone,
    ngx_uint_t zone_hash, ngx_str_t *keys, ngx_uint_t gauge)
{
    u_char                           *p;
    size_t                            size;
    ngx_uint_t                        i, k, hash, nslots;
    ngx_http_ipng_stats_entry_t      *e;
    ngx_http_ipng_stats_table_use_t  *use;

    hash = zone_hash;

    for (k = 0; k < sub->nkeys; k++) {
        hash = ngx_hash(hash, NGX_HTTP_IPNG_STATS_KEY_SEP);

        for (i = 0; i < keys[k].len; i++) {
            hash = ngx_hash(hash, keys[k].data[i]);
        }
    }

    for (e = t->hash[hash & (t->hash_size - 1)]; e; e = e->chain) {
        if (e->hash != hash
            || e->subsystem != sub
            || e->zone.len != zone->len
            || ngx_memcmp(e->zone.data, zone->data, zone->len) != 0)
        {
            continue;
        }

        for (k = 0; k < sub->nkeys; k++) {
            if (e->keys[k].len != keys[k].len
                || (keys[k].len
                    && ngx_memcmp(e->keys[k].data, keys[k].data, keys[k].len)
                       != 0))
            {
                break;
            }
        }

        if (k == sub->nkeys) {
            return e;
        }
    }

    use = ngx_http_ipng_stats_table_use(t, sub);

    if (use == NULL
        || use->entries >= t->max_entries
        || (sub->max_entries && use->entries >= sub->max_entries))
    {
        goto dropped;
    }

    if (t->nentries >= t->hash_size
        && ngx_http_ipng_stats_table_grow(t) != NGX_OK)
    {
        goto dropped;
    }

    if (sub->grouped && ngx_http_ipng_stats_table_group_room(t) != NGX_OK) {
        goto dropped;
    }

    nslots = ngx_http_ipng_stats_table_slots(t, sub, gauge);

    size = sizeof(ngx_http_ipng_stats_entry_t)
           + nslots * sizeof(uint64_t)
           + sub->nkeys * sizeof(ngx_str_t)
           + zone->len;

    for (k = 0; k < sub->nkeys; k++) {
        size += keys[k].len;
    }

    if (sub->forget) {
        e = ngx_calloc(size, ngx_cycle->log);

    } else {
        e = ngx_pcalloc(t->pool, size);
    }

    if (e == NULL) {
        goto dropped;
    }

    e->counters = (uint64_t *) &e[1];
    e->histograms = &e->counters[sub->ncounters];
    e->keys = (ngx_str_t *) &e->counters[nslots];

    p = (u_char *) &e->keys[sub->nkeys];

    e->zone.len = zone->len;
    e->zone.data = p;
    p = ngx_cpymem(p, zone->data, zone->len);

    for (k = 0; k < sub->nkeys; k++) {
        e->keys[k].len = keys[k].len;
        e->keys[k].data = p;
        p = ngx_cpymem(p, keys[k].data, keys[k].len);
    }

    e->subsystem = sub;
    e->gauge = gauge;
    e->hash = hash;
    e->chain = t->hash[hash & (t->hash_size - 1)];
    t->hash[hash & (t->hash_size - 1)] = e;

    if (t->last) {
        t->last->next = e;

    } else {
        t->first = e;
    }

    t->last = e;
    t->nentries++;
    use->entries++;

    if (sub->grouped) {
        ngx_http_ipng_stats_table_group_in(t, e);
    }

    return e;

dropped:

    return NULL;
}


/* room for one more entry in the grouped array */

static ngx_int_t
ngx_http_ipng_stats_table_group_room(ngx_http_ipng_stats_table_t *t)
{
    size_t                         size;
    ngx_http_ipng_stats_entry_t  **grouped;

    if (t->ngrouped < t->grouped_size) {
        return NGX_OK;
    }

    size = ngx_max(t->grouped_size * 2, NGX_HTTP_IPNG_STATS_HASH_START);

    grouped = ngx_palloc(t->pool, size * sizeof(ngx_http_ipng_stats_entry_t *));
    if (grouped == NULL) {
        return NGX_ERROR;
    }

    if (t->ngrouped) {
        ngx_memcpy(grouped, t->grouped,
                   t->ngrouped * sizeof(ngx_http_ipng_stats_entry_t *));

        /* large allocations of a pool can be given back */

        (void) ngx_pfree(t->pool, t->grouped);
    }

    t->grouped = grouped;
    t->grouped_size = size;

    return NGX_OK;
}


/*
 * a new entry of a grouped shape into the sorted array (room was made):
 * a binary search and a move, once per entry in the worker's life
 */

static void
ngx_http_ipng_stats_table_group_in(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_entry_t *e)
{
    ngx_uint_t  lo, hi, mid;

    lo = 0;
    hi = t->ngrouped;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (ngx_http_ipng_stats_table_cmp(t->grouped[mid], e,
                                          e->subsystem->nkeys)
            < 0)
        {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    ngx_memmove(&t->grouped[lo + 1], &t->grouped[lo],
                (t->ngrouped - lo) * sizeof(ngx_http_ipng_stats_entry_t *));

    t->grouped[lo] = e;
    t->ngrouped++;
}


/* whether two entries of grouped shapes go on one line of the wire */

ngx_int_t
ngx_http_ipng_stats_table_same_group(ngx_http_ipng_stats_entry_t *a,
    ngx_http_ipng_stats_entry_t *b)
{
    return a->subsystem == b->subsystem
           && ngx_http_ipng_stats_table_cmp(a, b, a->subsystem->nkeys - 1)
              == 0;
}


/*
 * the order of the grouped array: by shape, zone, then the first nkeys
 * keys, each compared byte by byte, a prefix first (the order of
 * JavaScript's string comparison for ASCII, which the bundle's records
 * keep)
 */

static ngx_int_t
ngx_http_ipng_stats_table_cmp(ngx_http_ipng_stats_entry_t *a,
    ngx_http_ipng_stats_entry_t *b, ngx_uint_t nkeys)
{
    ngx_int_t   rc;
    ngx_uint_t  k;

    if (a->subsystem != b->subsystem) {
        return (uintptr_t) a->subsystem < (uintptr_t) b->subsystem ? -1 : 1;
    }

    rc = ngx_http_ipng_stats_str_cmp(&a->zone, &b->zone);
    if (rc != 0) {
        return rc;
    }

    for (k = 0; k < nkeys; k++) {
        rc = ngx_http_ipng_stats_str_cmp(&a->keys[k], &b->keys[k]);
        if (rc != 0) {
            return rc;
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_ipng_stats_str_cmp(ngx_str_t *a, ngx_str_t *b)
{
    size_t     len;
    ngx_int_t  rc;

    len = ngx_min(a->len, b->len);

    if (len) {
        rc = ngx_memcmp(a->data, b->data, len);
        if (rc != 0) {
            return rc;
        }
    }

    if (a->len == b->len) {
        return 0;
    }

    return a->len < b->len ? -1 : 1;
}


/* the entries of a shape so far (run for new keys only); NULL: no memory */

static ngx_http_ipng_stats_table_use_t *
ngx_http_ipng_stats_table_use(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub)
{
    ngx_uint_t                        i;
    ngx_http_ipng_stats_table_use_t  *use;

    use = t->uses.elts;

    for (i = 0; i < t->uses.nelts; i++) {
        if (use[i].subsystem == sub) {
            return &use[i];
        }
    }

    use = ngx_array_push(&t->uses);
    if (use == NULL) {
        return NULL;
    }

    use->subsystem = sub;
    use->entries = 0;

    return use;
}


static ngx_int_t
ngx_http_ipng_stats_table_grow(ngx_http_ipng_stats_table_t *t)
{
    ngx_uint_t                     size, k;
    ngx_http_ipng_stats_entry_t  **hash, *e;

    size = t->hash_size * 2;

    hash = ngx_pcalloc(t->pool, size * sizeof(ngx_http_ipng_stats_entry_t *));
    if (hash == NULL) {
        return NGX_ERROR;
    }

    for (e = t->first; e; e = e->next) {
        k = e->hash & (size - 1);
        e->chain = hash[k];
        hash[k] = e;
    }

    /* large allocations of a pool can be given back */

    (void) ngx_pfree(t->pool, t->hash);

    t->hash = hash;
    t->hash_size = size;

    return NGX_OK;
}


void
ngx_http_ipng_stats_table_gauge(ngx_http_ipng_stats_entry_t *e,
    uint64_t value)
{
    if (e->counters[NGX_HTTP_IPNG_STATS_GAUGE_VALUE] != value) {
        e->counters[NGX_HTTP_IPNG_STATS_GAUGE_VALUE] = value;
        e->counters[NGX_HTTP_IPNG_STATS_GAUGE_CHANGED] = 1;
    }
}


void
ngx_http_ipng_stats_table_observe(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_entry_t *e, ngx_uint_t h, ngx_msec_int_t ms)
{
    uint64_t  *hist;

    ms = ngx_max(ms, 0);

    hist = ngx_http_ipng_stats_histogram(t, e, h);

    hist[0] += (uint64_t) ms;
    hist[1 + ngx_http_ipng_stats_table_bucket(t, ms)]++;
}


static ngx_uint_t
ngx_http_ipng_stats_table_bucket(ngx_http_ipng_stats_table_t *t,
    ngx_msec_int_t ms)
{
    ngx_uint_t  i;

    /* the first bound >= ms, else +Inf: as src/counters/bucketing.ts */

    for (i = 0; i < t->nbounds; i++) {
        if ((ngx_uint_t) ms <= t->bounds[i]) {
            return i;
        }
    }

    return t->nbounds;
}


/* events held: counter 0 of the entries that count them, and the dropped */

uint64_t
ngx_http_ipng_stats_table_pending(ngx_http_ipng_stats_table_t *t)
{
    uint64_t                           n;
    ngx_uint_t                         i;
    ngx_http_ipng_stats_entry_t       *e;
    ngx_http_ipng_stats_zone_drops_t  *d;

    n = t->dropped;

    d = t->zone_drops.elts;

    for (i = 0; i < t->zone_drops.nelts; i++) {
        n += d[i].requests;
    }

    for (e = t->first; e; e = e->next) {
        if (e->subsystem->events && !e->gauge) {
            n += e->counters[e->subsystem->seen];
        }
    }

    return n;
}


void
ngx_http_ipng_stats_table_clear(ngx_http_ipng_stats_table_t *t)
{
    ngx_uint_t                         i, nslots;
    ngx_http_ipng_stats_entry_t       *e, *next, *prev;
    ngx_http_ipng_stats_zone_drops_t  *d;
    ngx_http_ipng_stats_subsystem_t   *sub;

    prev = NULL;

    for (e = t->first; e; e = next) {
        next = e->next;
        sub = e->subsystem;

        /* a gauge keeps its value: it is not a delta */

        if (e->gauge) {
            e->counters[NGX_HTTP_IPNG_STATS_GAUGE_CHANGED] = 0;
            prev = e;
            continue;
        }

        if (sub->forget && e->counters[sub->seen] == 0) {

            /* idle since the previous drain: unlinked and freed */

            if (prev) {
                prev->next = next;

            } else {
                t->first = next;
            }

            if (t->last == e) {
                t->last = prev;
            }

            ngx_http_ipng_stats_table_forget(t, e);
            continue;
        }

        nslots = ngx_http_ipng_stats_table_slots(t, sub, 0);

        ngx_memzero(e->counters, nslots * sizeof(uint64_t));

        prev = e;
    }

    t->dropped = 0;

    /* the zones stay named: a steady state allocates nothing */

    d = t->zone_drops.elts;

    for (i = 0; i < t->zone_drops.nelts; i++) {
        d[i].requests = 0;
    }
}


/* e, already out of the list of creation, out of its chain, freed */

static void
ngx_http_ipng_stats_table_forget(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_entry_t *e)
{
    ngx_uint_t                         i;
    ngx_http_ipng_stats_entry_t      **chain;
    ngx_http_ipng_stats_table_use_t   *use;

    for (chain = &t->hash[e->hash & (t->hash_size - 1)];
         *chain;
         chain = &(*chain)->chain)
    {
        if (*chain == e) {
            *chain = e->chain;
            break;
        }
    }

    use = t->uses.elts;

    for (i = 0; i < t->uses.nelts; i++) {
        if (use[i].subsystem == e->subsystem) {
            use[i].entries--;
            break;
        }
    }

    t->nentries--;
    t->freed++;

    ngx_free(e);
}


void
ngx_http_ipng_stats_table_destroy(void)
{
    ngx_uint_t                    freed;
    ngx_http_ipng_stats_entry_t  *e, *next;

    if (ngx_http_ipng_stats_worker_table.pool == NULL) {
        return;
    }

    for (e = ngx_http_ipng_stats_worker_table.first; e; e = next) {
        next = e->next;

        if (e->subsystem->forget) {
            ngx_free(e);
        }
    }

    /* a table made again after this one must not validate its entries */

    freed = ngx_http_ipng_stats_worker_table.freed + 1;

    ngx_destroy_pool(ngx_http_ipng_stats_worker_table.pool);
    ngx_memzero(&ngx_http_ipng_stats_worker_table,
                sizeof(ngx_http_ipng_stats_table_t));

    ngx_http_ipng_stats_worker_table.freed = freed;
}
