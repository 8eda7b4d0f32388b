
/*
 * njs-ipng-stats native shim, core pipeline: the per-worker table
 * (ngx_http_ipng_stats_table.c), generic in what it counts.
 */


#ifndef _NGX_HTTP_IPNG_STATS_TABLE_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_TABLE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_pipeline.h"


/*
 * What a subsystem counts, declared once by the subsystem (a part may
 * declare several, one per shape): an entry is keyed by nkeys byte
 * strings and holds ncounters counters and nhistograms histograms (over
 * the pipeline's bucket bounds).  Counter "seen" (0 unless set) counts
 * what the entry saw: an entry is written when it is not 0.  With
 * "events" set, that counter counts the events themselves (requests),
 * which a full handoff reports lost; a shape that sees the same events
 * again (per (tag, vip) histograms of requests counted per (tag, vip,
 * status)) leaves it unset.
 *
 * A shape whose keys come from clients (reqstat's "$host,...") sets
 * "forget": its entries that saw nothing since the previous drain are
 * freed at the next, so that a stream of new keys cannot fill the table
 * for good; and max_entries, when not 0, bounds its entries below the
 * table's bound.
 *
 * A gauge (made with _table_gauge_entry(), of a shape with no keys, one
 * counter and no histograms) holds this worker's current value, set with
 * _table_gauge() and never added up: it is written as a "g" line with the
 * worker's pid while it is not 0, and once more when it changed to 0, so
 * that the reader can keep one value per worker and drop it when the
 * worker stops reporting.
 *
 * With "grouped" set (a shape of two keys or more, no histograms, not
 * forgetting), the entries that share all keys but the last are written
 * as one "m" line of the wire format, sorted by their last key
 * (docs/wire-format.md): ipng's per-status counters, one line per (tag,
 * vip).
 */
typedef struct {
    ngx_str_t                       name;       /* on the wire */
    ngx_uint_t                      nkeys;
    ngx_uint_t                      ncounters;
    ngx_uint_t                      nhistograms;
    ngx_uint_t                      events;     /* unsigned events:1; */
    ngx_uint_t                      seen;
    ngx_uint_t                      forget;     /* unsigned forget:1; */
    ngx_uint_t                      max_entries;
    ngx_uint_t                      grouped;    /* unsigned grouped:1; */
} ngx_http_ipng_stats_subsystem_t;


typedef struct ngx_http_ipng_stats_entry_s  ngx_http_ipng_stats_entry_t;

/* one (subsystem, zone, key) */
struct ngx_http_ipng_stats_entry_s {
    ngx_http_ipng_stats_entry_t     *chain;     /* in a hash bucket */
    ngx_http_ipng_stats_entry_t     *next;      /* in order of creation */
    ngx_http_ipng_stats_subsystem_t *subsystem;
    ngx_uint_t                       hash;
    ngx_str_t                        zone;
    ngx_uint_t                       gauge;     /* unsigned gauge:1; */
    ngx_str_t                       *keys;      /* nkeys */
    uint64_t                        *counters;  /* ncounters */

    /* per histogram: the sum (ms), then the count of each bucket, +Inf */
    uint64_t                        *histograms;
};


/*
 * the requests a zone of a shape could not count because its entries (or
 * the table's) were at their bound: written as one "d" line per zone, so
 * that they are shown with the zone that lost them, not as the table's
 * "x" (which ipng reads as its own zone's)
 */
typedef struct {
    ngx_http_ipng_stats_subsystem_t *subsystem;
    ngx_str_t                       *zone;      /* the configuration's */
    uint64_t                         requests;
} ngx_http_ipng_stats_zone_drops_t;


/* at most max_entries entries of each shape per worker */
typedef struct {
    ngx_http_ipng_stats_subsystem_t *subsystem;
    ngx_uint_t                       entries;
} ngx_http_ipng_stats_table_use_t;


typedef struct {
    ngx_pool_t                      *pool;
    ngx_http_ipng_stats_entry_t    **hash;
    ngx_uint_t                       hash_size;     /* a power of two */
    ngx_http_ipng_stats_entry_t     *first;
    ngx_http_ipng_stats_entry_t     *last;

    /* the entries of grouped shapes, in wire order (by their keys) */
    ngx_http_ipng_stats_entry_t    **grouped;
    ngx_uint_t                       ngrouped;
    ngx_uint_t                       grouped_size;
    ngx_array_t                      uses;  /* ..._table_use_t, a shape */
    ngx_uint_t                       nentries;
    ngx_uint_t                       max_entries;
    ngx_uint_t                       nbounds;
    ngx_uint_t                      *bounds;
    ngx_str_t                       *bounds_text;
    uint64_t                         dropped;
    ngx_array_t                      zone_drops;    /* ..._zone_drops_t */

    /*
     * entries freed in the worker's life (idle keys forgotten, the table
     * destroyed): an entry pointer kept across requests (reqstat keeps one
     * per connection and zone) with this count is valid while it is equal
     */
    ngx_uint_t                       freed;
} ngx_http_ipng_stats_table_t;


/* a histogram's slots in an entry: the sum, then nbounds + 1 buckets */
#define ngx_http_ipng_stats_histogram(t, e, h)                                \
    (&(e)->histograms[(h) * ((t)->nbounds + 2)])

/* a gauge entry: its value, then whether it changed since the last clear */
#define NGX_HTTP_IPNG_STATS_GAUGE_VALUE    0
#define NGX_HTTP_IPNG_STATS_GAUGE_CHANGED  1


/*
 * A subsystem that reads its values instead of observing events (SSL
 * status reads OpenSSL's counters) registers a collector at configuration
 * time: it runs in the worker right before each rendering of the worker's
 * table (the drain, at the flush interval) and at the worker's exit
 * (exiting set: the last reading, gauges go to 0), and adds what changed.
 */
typedef void (*ngx_http_ipng_stats_collect_pt)(
    ngx_http_ipng_stats_table_t *t, void *data, ngx_uint_t exiting);

typedef struct {
    ngx_http_ipng_stats_collect_pt   handler;
    void                            *data;
} ngx_http_ipng_stats_collector_t;


ngx_int_t ngx_http_ipng_stats_collector_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf,
    ngx_http_ipng_stats_collect_pt handler, void *data);
void ngx_http_ipng_stats_table_collect(
    ngx_http_ipng_stats_pipeline_conf_t *pcf, ngx_http_ipng_stats_table_t *t,
    ngx_uint_t exiting);

ngx_http_ipng_stats_table_t *ngx_http_ipng_stats_table(
    ngx_http_ipng_stats_pipeline_conf_t *pcf);
ngx_http_ipng_stats_table_t *ngx_http_ipng_stats_table_if_any(void);
ngx_http_ipng_stats_entry_t *ngx_http_ipng_stats_table_entry(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_subsystem_t *sub,
    ngx_str_t *zone, ngx_str_t *keys);

/*
 * the same, with the hash of (subsystem, zone) made once, at configuration,
 * by ngx_http_ipng_stats_table_zone_hash(): a caller that looks up entries
 * of a few zones per request skips hashing their names; a NULL is not
 * counted as dropped: the caller counts it as its zone's, with
 * ngx_http_ipng_stats_table_zone_dropped()
 */
ngx_uint_t ngx_http_ipng_stats_table_zone_hash(
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone);
ngx_http_ipng_stats_entry_t *ngx_http_ipng_stats_table_zone_entry(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_subsystem_t *sub,
    ngx_str_t *zone, ngx_uint_t zone_hash, ngx_str_t *keys);

/*
 * one request that (subsystem, zone) could not count: a "d" line of that
 * zone; zone must live as long as the configuration
 */
void ngx_http_ipng_stats_table_zone_dropped(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_subsystem_t *sub, ngx_str_t *zone);
ngx_http_ipng_stats_entry_t *ngx_http_ipng_stats_table_gauge_entry(
    ngx_http_ipng_stats_table_t *t, ngx_http_ipng_stats_subsystem_t *sub,
    ngx_str_t *zone);
void ngx_http_ipng_stats_table_gauge(ngx_http_ipng_stats_entry_t *e,
    uint64_t value);
ngx_int_t ngx_http_ipng_stats_table_same_group(
    ngx_http_ipng_stats_entry_t *a, ngx_http_ipng_stats_entry_t *b);
void ngx_http_ipng_stats_table_observe(ngx_http_ipng_stats_table_t *t,
    ngx_http_ipng_stats_entry_t *e, ngx_uint_t h, ngx_msec_int_t ms);
uint64_t ngx_http_ipng_stats_table_pending(ngx_http_ipng_stats_table_t *t);
void ngx_http_ipng_stats_table_clear(ngx_http_ipng_stats_table_t *t);
void ngx_http_ipng_stats_table_destroy(void);


#endif /* _NGX_HTTP_IPNG_STATS_TABLE_H_INCLUDED_ */
