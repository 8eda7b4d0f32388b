
/*
 * njs-ipng-stats native shim, core pipeline: the handoff zone, the writer
 * lease and the drain.
 *
 * The njs tick of every worker reads $ipng_stats_writer_deltas at the
 * flush interval.  One worker, the holder of the writer lease, gets
 * everybody's counts (of every subsystem) and is the only one that writes
 * the njs shared dictionary, whose values are read-modify-write and would
 * lose updates with two writers; the others append their block to the
 * handoff and get "".  The value, and each block in the handoff, is the
 * wire format of docs/wire-format.md (ngx_http_ipng_stats_wire.c).
 *
 * A worker that exits (reload, quit, stop) appends what it still holds to
 * the handoff, which the holder's next read returns and clears too.  The
 * lease lives in the handoff zone's header: the holder's pid and when it
 * last read.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_handoff.h"
#include "ngx_http_ipng_stats_table.h"
#include "ngx_http_ipng_stats_wire.h"


/*
 * Several workers' blocks must fit between two reads of the writer: at the
 * spec's sizing a block is ~12,000 "r" lines of ~70 bytes (an ipng
 * entry with its duration histogram), ~850 KB.  Shared memory pages are
 * resident only once touched, so an idle zone costs little.  A zone of
 * another size is a new zone at reload: a shim with an older layout of the
 * header never shares one.
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




static ngx_int_t ngx_http_ipng_stats_drain(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_http_ipng_stats_table_t *t,
    ngx_slab_pool_t *shpool, ngx_http_ipng_stats_handoff_t *ho);
static ngx_uint_t ngx_http_ipng_stats_lease(ngx_http_ipng_stats_handoff_t *ho,
    ngx_msec_t lease, ngx_log_t *log);
static ngx_int_t ngx_http_ipng_stats_hand_over(ngx_pool_t *pool,
    ngx_log_t *log, ngx_http_ipng_stats_table_t *t, ngx_slab_pool_t *shpool,
    ngx_http_ipng_stats_handoff_t *ho);
static void ngx_http_ipng_stats_release(
    ngx_http_ipng_stats_pipeline_conf_t *pcf);
static ngx_int_t ngx_http_ipng_stats_handoff_init(ngx_shm_zone_t *shm_zone,
    void *data);


/* same name, size and tag: kept across "nginx -s reload" */

ngx_int_t
ngx_http_ipng_stats_handoff_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf, void *tag)
{
    ngx_str_t  name;

    ngx_str_set(&name, "ipng_stats_handoff");

    pcf->handoff = ngx_shared_memory_add(cf, &name,
                                         NGX_HTTP_IPNG_STATS_HANDOFF, tag);
    if (pcf->handoff == NULL) {
        return NGX_ERROR;
    }

    pcf->handoff->init = ngx_http_ipng_stats_handoff_init;

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


ngx_int_t
ngx_http_ipng_stats_writer_deltas_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    void                                 *mcf;
    ngx_msec_t                            lease;
    ngx_slab_pool_t                      *shpool;
    ngx_http_ipng_stats_table_t          *t;
    ngx_http_ipng_stats_handoff_t        *ho;
    ngx_http_ipng_stats_pipeline_conf_t  *pcf;

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->len = 0;
    v->data = (u_char *) "";

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);
    pcf = (ngx_http_ipng_stats_pipeline_conf_t *) ((u_char *) mcf + data);

    t = ngx_http_ipng_stats_table(pcf);
    if (t == NULL) {
        return NGX_ERROR;
    }

    ngx_http_ipng_stats_table_collect(pcf, t, 0);

    shpool = (ngx_slab_pool_t *) pcf->handoff->shm.addr;
    ho = pcf->handoff->data;

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

        return ngx_http_ipng_stats_hand_over(r->pool, r->connection->log, t,
                                             shpool, ho);
    }

    lease = ngx_max(NGX_HTTP_IPNG_STATS_LEASE,
                    NGX_HTTP_IPNG_STATS_LEASE_FLUSHES * pcf->flush_interval);

    if (!ngx_http_ipng_stats_lease(ho, lease, r->connection->log)) {
        ngx_shmtx_unlock(&shpool->mutex);

        return ngx_http_ipng_stats_hand_over(r->pool, r->connection->log, t,
                                             shpool, ho);
    }

    return ngx_http_ipng_stats_drain(r, v, t, shpool, ho);
}


/*
 * the writer's read, called with the handoff locked, which it unlocks: the
 * value becomes the writer line "w", everything in the handoff (then
 * emptied) and this worker's own block (then cleared)
 */

static ngx_int_t
ngx_http_ipng_stats_drain(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    ngx_http_ipng_stats_table_t *t, ngx_slab_pool_t *shpool,
    ngx_http_ipng_stats_handoff_t *ho)
{
    u_char    *p;
    size_t     len, own;
    uint64_t   lost;

    lost = ho->lost;
    own = ngx_http_ipng_stats_wire_len(t, lost);
    len = 2 + ho->len + own;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_ERROR;
    }

    v->data = p;

    *p++ = 'w';
    *p++ = '\n';

    p = ngx_cpymem(p, ho->data, ho->len);

    ho->len = 0;
    ho->lost = 0;

    ngx_shmtx_unlock(&shpool->mutex);

    if (own) {
        p = ngx_http_ipng_stats_wire_render(t, p, lost);
    }

    /* also with nothing to render: keys idle since the last read go */

    ngx_http_ipng_stats_table_clear(t);

    v->len = p - v->data;

    if (v->len != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ipng_stats: writer deltas rendered %uz bytes, "
                      "expected %uz", v->len, len);
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
    ngx_http_ipng_stats_table_t *t, ngx_slab_pool_t *shpool,
    ngx_http_ipng_stats_handoff_t *ho)
{
    u_char      *buf, *p;
    size_t       len;
    ngx_uint_t   done;

    len = ngx_http_ipng_stats_wire_len(t, 0);

    if (len == 0) {
        /* nothing to hand over: keys idle since the last read are forgotten */
        ngx_http_ipng_stats_table_clear(t);
        return NGX_OK;
    }

    buf = ngx_pnalloc(pool, len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = ngx_http_ipng_stats_wire_render(t, buf, 0);

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
        ngx_http_ipng_stats_table_clear(t);
    }

    /* a large allocation, given back before the request ends */

    (void) ngx_pfree(pool, buf);

    return NGX_OK;
}


static void
ngx_http_ipng_stats_release(ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    ngx_slab_pool_t                *shpool;
    ngx_http_ipng_stats_handoff_t  *ho;

    if (pcf->handoff == NULL || pcf->handoff->data == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) pcf->handoff->shm.addr;
    ho = pcf->handoff->data;

    ngx_shmtx_lock(&shpool->mutex);

    if (ho->writer == ngx_pid) {
        ho->writer = 0;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/* what this worker still holds goes to the handoff zone */

void
ngx_http_ipng_stats_handoff_exit_process(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    u_char                         *buf, *p;
    size_t                          len;
    ngx_slab_pool_t                *shpool;
    ngx_http_ipng_stats_table_t    *t;
    ngx_http_ipng_stats_handoff_t  *ho;

    /* before anything else: the next read by another worker takes it */

    ngx_http_ipng_stats_release(pcf);

    /*
     * a subsystem that reads its values (SSL status) has counted since its
     * last reading even when this worker never drained
     */

    if (pcf->collectors
        && (ngx_process == NGX_PROCESS_WORKER
            || ngx_process == NGX_PROCESS_SINGLE))
    {
        t = ngx_http_ipng_stats_table(pcf);

        if (t) {
            ngx_http_ipng_stats_table_collect(pcf, t, 1);
        }

    } else {
        t = ngx_http_ipng_stats_table_if_any();
    }

    if (t == NULL) {
        return;
    }

    len = ngx_http_ipng_stats_wire_len(t, 0);
    buf = NULL;
    p = NULL;

    if (len) {
        buf = ngx_alloc(len, cycle->log);

        if (buf) {
            p = ngx_http_ipng_stats_wire_render(t, buf, 0);
        }
    }

    if (len && pcf->handoff && pcf->handoff->data) {
        shpool = (ngx_slab_pool_t *) pcf->handoff->shm.addr;
        ho = pcf->handoff->data;

        ngx_shmtx_lock(&shpool->mutex);

        if (buf && (size_t) (p - buf) == len && ho->size - ho->len >= len) {
            ngx_memcpy(ho->data + ho->len, buf, len);
            ho->len += len;

        } else {
            ho->lost += ngx_http_ipng_stats_table_pending(t);
        }

        ngx_shmtx_unlock(&shpool->mutex);
    }

    if (buf) {
        ngx_free(buf);
    }

    ngx_http_ipng_stats_table_destroy();
}
