
/*
 * njs-ipng-stats native shim, SSL status: the directives of the SSL status
 * module (andreydomas/ngx_http_ssl_status_module), counted exactly.
 *
 *   ssl_status_zone ZONE;   (server) this server's SSL context counts
 *                           into ZONE; several servers sum up
 *   ssl_status ZONE;        (location) shows ZONE: the bundle's sslStatus
 *                           handler, through the njs glue
 *
 * OpenSSL counts per SSL_CTX, and each worker has its own copy of every
 * context (made in the master, copied at fork), so each worker reads its
 * copies.  Nothing runs per request or per handshake: a collector of the
 * pipeline (ngx_http_ipng_stats_table.h) reads the contexts of every zone
 * right before the worker's table is rendered for the drain (the njs tick,
 * at the flush interval) and at the worker's exit, and adds the change
 * since its previous reading to the zone's entry.  The session count
 * "number" is not a counter but this worker's current value: it goes as
 * a gauge (a "g" line with the worker's pid, docs/wire-format.md), and
 * goes to 0 when the worker exits; the njs side sums the live workers'.
 *
 * Beyond the original, exact per-zone counts of the handshakes that
 * carried requests, full and resumed, taken from the connection: at its
 * first request (log phase), the zone of the context the handshake ended
 * with (the one SNI selected, found through the context's ex_data) and
 * SSL_session_reused(); the connection is marked in its SSL object's
 * ex_data, so keepalive and HTTP/2 requests after the first cost one
 * lookup.
 *
 * Only nginx's public API: ngx_http_ssl_srv_conf_t is in
 * ngx_http_ssl_module.h, SSL_CTX_sess_*() and the ex_data functions are
 * OpenSSL's.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_table.h"
#include "ngx_http_ipng_stats_wire.h"

#if (NGX_HTTP_SSL)


/* on the wire, after counter 0 (the readings that saw a change) */
#define NGX_HTTP_IPNG_STATS_SSL_NUMBER     0
#define NGX_HTTP_IPNG_STATS_SSL_VALUES     12


struct ngx_http_ipng_stats_ssl_zone_s {
    ngx_str_node_t                  sn;         /* by name */
    ngx_array_t                     contexts;   /* SSL_CTX *, each once */
    ngx_uint_t                      implicit;   /* unsigned implicit:1; */

    /* this worker's (the configuration is copied at fork) */
    uint64_t                        last[NGX_HTTP_IPNG_STATS_SSL_VALUES];
    ngx_http_ipng_stats_entry_t    *counters;
    ngx_http_ipng_stats_entry_t    *number;
};


typedef struct {
    ngx_str_t                       name;
    ngx_http_ipng_stats_ssl_zone_t *zone;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_str_t                       file;
    ngx_uint_t                      line;
} ngx_http_ipng_stats_ssl_show_t;


typedef struct {
    SSL_CTX                        *ctx;
    ngx_http_ipng_stats_ssl_zone_t *zone;
    ngx_uint_t                      server;     /* in the order of servers */
} ngx_http_ipng_stats_ssl_member_t;


static ngx_http_ipng_stats_ssl_zone_t *ngx_http_ipng_stats_ssl_zone_find(
    ngx_http_ipng_stats_ssl_conf_t *scf, ngx_str_t *name);
static ngx_http_ipng_stats_ssl_zone_t *ngx_http_ipng_stats_ssl_zone_add(
    ngx_conf_t *cf, ngx_http_ipng_stats_ssl_conf_t *scf, ngx_str_t *name);
static ngx_int_t ngx_http_ipng_stats_ssl_dict(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf);
static ngx_int_t ngx_http_ipng_stats_ssl_zones_text(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf);
static void ngx_http_ipng_stats_ssl_mark_tls(ngx_http_core_main_conf_t *cmcf);
static int ngx_libc_cdecl ngx_http_ipng_stats_ssl_member_cmp(const void *one,
    const void *two);
static void ngx_http_ipng_stats_ssl_collect(ngx_http_ipng_stats_table_t *t,
    void *data, ngx_uint_t exiting);
static void ngx_http_ipng_stats_ssl_read(ngx_http_ipng_stats_ssl_zone_t *z,
    uint64_t *now);


/*
 * the counters as the original prints them after "number", each zone's
 * sums over its contexts; counter 0 counts the readings that saw a change,
 * and the worker's first (an entry is written when it is not 0)
 */
static ngx_http_ipng_stats_subsystem_t  ngx_http_ipng_stats_ssl_counters = {
    ngx_string("ssl"),
    0,
    NGX_HTTP_IPNG_STATS_SSL_VALUES,
    0,
    0,                                  /* readings, not events */
    0,                                  /* counter 0: changed readings */
    0,                                  /* one entry a configured zone */
    0,                                  /* the table's bound */
    0
};

/* per zone: the connections that carried requests, full and resumed */
#define NGX_HTTP_IPNG_STATS_SSL_CONNECTIONS  0
#define NGX_HTTP_IPNG_STATS_SSL_FULL         1
#define NGX_HTTP_IPNG_STATS_SSL_RESUMED      2

static ngx_http_ipng_stats_subsystem_t  ngx_http_ipng_stats_ssl_handshakes = {
    ngx_string("ssl_handshakes"),
    0,
    3,
    0,
    1,                                  /* counter 0: the connections */
    NGX_HTTP_IPNG_STATS_SSL_CONNECTIONS,
    0,                                  /* one entry a configured zone */
    0,                                  /* the table's bound */
    0
};


/*
 * OpenSSL's ex_data indexes, process-wide and allocated once (a reload
 * reuses them): the zone of a context, and the mark of a counted
 * connection
 */
static int  ngx_http_ipng_stats_ssl_ctx_index = -1;
static int  ngx_http_ipng_stats_ssl_conn_index = -1;

static ngx_http_ipng_stats_subsystem_t  ngx_http_ipng_stats_ssl_number = {
    ngx_string("ssl_number"),
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0
};


char *
ngx_http_ipng_stats_ssl_status_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ipng_stats_ssl_srv_conf_t *sscf = conf;

    ngx_str_t                        *value;
    ngx_http_ipng_stats_ssl_zone_t   *z;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (sscf->zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "needs a zone name";
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);

    if (ngx_http_ipng_stats_ssl_dict(cf, &mcf->ssl) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    z = ngx_http_ipng_stats_ssl_zone_find(&mcf->ssl, &value[1]);

    if (z == NULL) {
        z = ngx_http_ipng_stats_ssl_zone_add(cf, &mcf->ssl, &value[1]);
        if (z == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    sscf->zone = z;
    sscf->file = cf->conf_file->file.name;
    sscf->line = cf->conf_file->line;

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_ssl_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char                             *rv;
    ngx_str_t                        *value;
    ngx_http_ipng_stats_ssl_show_t   *show;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "needs a zone name";
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);

    if (ngx_http_ipng_stats_ssl_dict(cf, &mcf->ssl) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rv = ngx_http_ipng_stats_njs_display(cf, "sslStatus");
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (mcf->ssl.shows == NULL) {
        mcf->ssl.shows = ngx_array_create(cf->pool, 2,
                                      sizeof(ngx_http_ipng_stats_ssl_show_t));
        if (mcf->ssl.shows == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    show = ngx_array_push(mcf->ssl.shows);
    if (show == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the zone is looked up once every server has been read */

    show->name = value[1];
    show->zone = NULL;
    show->clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    show->file = cf->conf_file->file.name;
    show->line = cf->conf_file->line;

    return NGX_CONF_OK;
}


void
ngx_http_ipng_stats_ssl_create_conf(ngx_http_ipng_stats_ssl_conf_t *scf)
{
    ngx_rbtree_init(&scf->tree, &scf->sentinel,
                    ngx_str_rbtree_insert_value);

    scf->zones = NULL;
    scf->shows = NULL;
    scf->dict = 0;
    ngx_str_null(&scf->zones_text);
}


void *
ngx_http_ipng_stats_ssl_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_ssl_srv_conf_t  *sscf;

    /*
     * set by ngx_pcalloc():
     *
     *     sscf->zone = NULL;
     *     sscf->tls = 0;
     */

    sscf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_ssl_srv_conf_t));

    return sscf;
}


/*
 * With every server read: each "ssl_status" names a zone, each zone's
 * servers speak TLS, and each zone gets its servers' SSL contexts, each
 * context once.
 */

ngx_int_t
ngx_http_ipng_stats_ssl_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    ngx_str_t                            dflt_name;
    ngx_uint_t                           i, n;
    SSL_CTX                            **ctx;
    ngx_array_t                          members;
    ngx_http_ssl_srv_conf_t             *tls;
    ngx_http_core_srv_conf_t           **cscfp;
    ngx_http_core_main_conf_t           *cmcf;
    ngx_http_ipng_stats_ssl_show_t      *show;
    ngx_http_ipng_stats_ssl_zone_t      *z, *dflt;
    ngx_http_ipng_stats_ssl_member_t    *m;
    ngx_http_ipng_stats_ssl_srv_conf_t  *sscf;

    if (scf->zones == NULL && scf->shows == NULL) {
        return NGX_OK;
    }

    dflt = NULL;
    ngx_str_set(&dflt_name, NGX_HTTP_IPNG_STATS_SSL_DEFAULT);

    show = scf->shows ? scf->shows->elts : NULL;
    n = scf->shows ? scf->shows->nelts : 0;

    for (i = 0; i < n; i++) {
        z = ngx_http_ipng_stats_ssl_zone_find(scf, &show[i].name);

        if (z == NULL
            && show[i].name.len == dflt_name.len
            && ngx_strncmp(show[i].name.data, dflt_name.data, dflt_name.len)
               == 0)
        {
            /*
             * the original's current source counts every TLS server
             * without "ssl_status_zone" into "default"; here only when
             * a location shows it, so that nobody pays for it unasked
             */

            z = ngx_http_ipng_stats_ssl_zone_add(cf, scf, &dflt_name);
            if (z == NULL) {
                return NGX_ERROR;
            }

            z->implicit = 1;
        }

        if (z == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "unknown zone \"%V\" in \"ssl_status\" in %V:%ui: "
                          "no server declares it with \"ssl_status_zone "
                          "%V;\"", &show[i].name, &show[i].file,
                          show[i].line, &show[i].name);
            return NGX_ERROR;
        }

        if (z->implicit) {
            dflt = z;
        }

        show[i].zone = z;
    }

    if (ngx_http_ipng_stats_ssl_ctx_index == -1) {
        ngx_http_ipng_stats_ssl_ctx_index = SSL_CTX_get_ex_new_index(0, NULL,
                                                                     NULL,
                                                                     NULL,
                                                                     NULL);
        ngx_http_ipng_stats_ssl_conn_index = SSL_get_ex_new_index(0, NULL,
                                                                  NULL, NULL,
                                                                  NULL);

        if (ngx_http_ipng_stats_ssl_ctx_index == -1
            || ngx_http_ipng_stats_ssl_conn_index == -1)
        {
            ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                          "SSL_get_ex_new_index() failed");
            return NGX_ERROR;
        }
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    ngx_http_ipng_stats_ssl_mark_tls(cmcf);

    if (ngx_array_init(&members, cf->temp_pool, cmcf->servers.nelts,
                       sizeof(ngx_http_ipng_stats_ssl_member_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    cscfp = cmcf->servers.elts;

    for (i = 0; i < cmcf->servers.nelts; i++) {
        sscf = cscfp[i]->ctx->srv_conf[ngx_http_ipng_stats_module.ctx_index];
        tls = cscfp[i]->ctx->srv_conf[ngx_http_ssl_module.ctx_index];

        z = sscf->zone;

        if (z && (!sscf->tls || tls->ssl.ctx == NULL)) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ssl_status_zone %V\" in %V:%ui is in a server "
                          "without TLS: the zone counts the sessions of "
                          "the server's SSL context, which needs "
                          "\"listen ... ssl\" and \"ssl_certificate\"",
                          &z->sn.str, &sscf->file, sscf->line);
            return NGX_ERROR;
        }

        if (z == NULL && dflt && sscf->tls && tls->ssl.ctx) {
            z = dflt;
        }

        if (z == NULL) {
            continue;
        }

        m = ngx_array_push(&members);
        if (m == NULL) {
            return NGX_ERROR;
        }

        m->ctx = tls->ssl.ctx;
        m->zone = z;
        m->server = i;
    }

    /* a context that several servers share counts once, in the first zone */

    ngx_qsort(members.elts, members.nelts,
              sizeof(ngx_http_ipng_stats_ssl_member_t),
              ngx_http_ipng_stats_ssl_member_cmp);

    m = members.elts;

    for (i = 0; i < members.nelts; i++) {
        if (i > 0 && m[i].ctx == m[i - 1].ctx) {
            continue;
        }

        ctx = ngx_array_push(&m[i].zone->contexts);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        *ctx = m[i].ctx;

        if (SSL_CTX_set_ex_data(m[i].ctx, ngx_http_ipng_stats_ssl_ctx_index,
                                m[i].zone)
            == 0)
        {
            ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                          "SSL_CTX_set_ex_data() failed");
            return NGX_ERROR;
        }
    }

    if (scf->zones == NULL) {
        return NGX_OK;
    }

    if (ngx_http_ipng_stats_ssl_zones_text(cf, scf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ipng_stats_collector_add(cf, pcf,
                                             ngx_http_ipng_stats_ssl_collect,
                                             scf);
}


/*
 * the servers with a "listen ... ssl" (or quic): the others have no TLS
 * connections, even with an SSL context inherited from http level
 */

static void
ngx_http_ipng_stats_ssl_mark_tls(ngx_http_core_main_conf_t *cmcf)
{
    ngx_uint_t                           p, a, s;
    ngx_http_conf_port_t                *port;
    ngx_http_conf_addr_t                *addr;
    ngx_http_core_srv_conf_t           **cscfp;
    ngx_http_ipng_stats_ssl_srv_conf_t  *sscf;

    if (cmcf->ports == NULL) {
        return;
    }

    port = cmcf->ports->elts;

    for (p = 0; p < cmcf->ports->nelts; p++) {
        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {
            if (!addr[a].opt.ssl && !addr[a].opt.quic) {
                continue;
            }

            cscfp = addr[a].servers.elts;

            for (s = 0; s < addr[a].servers.nelts; s++) {
                sscf = cscfp[s]->ctx->srv_conf[
                                       ngx_http_ipng_stats_module.ctx_index];
                sscf->tls = 1;
            }
        }
    }
}


static int ngx_libc_cdecl
ngx_http_ipng_stats_ssl_member_cmp(const void *one, const void *two)
{
    const ngx_http_ipng_stats_ssl_member_t  *a = one, *b = two;

    if (a->ctx == b->ctx) {
        return (a->server < b->server) ? -1 : (a->server > b->server);
    }

    return ((uintptr_t) a->ctx < (uintptr_t) b->ctx) ? -1 : 1;
}


static ngx_http_ipng_stats_ssl_zone_t *
ngx_http_ipng_stats_ssl_zone_find(ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_str_t *name)
{
    return (ngx_http_ipng_stats_ssl_zone_t *)
               ngx_str_rbtree_lookup(&scf->tree, name,
                                     ngx_crc32_short(name->data, name->len));
}


static ngx_http_ipng_stats_ssl_zone_t *
ngx_http_ipng_stats_ssl_zone_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf, ngx_str_t *name)
{
    ngx_http_ipng_stats_ssl_zone_t  *z, **zp;

    if (scf->zones == NULL) {
        scf->zones = ngx_array_create(cf->pool, 4,
                                      sizeof(ngx_http_ipng_stats_ssl_zone_t *));
        if (scf->zones == NULL) {
            return NULL;
        }
    }

    z = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_ssl_zone_t));
    if (z == NULL) {
        return NULL;
    }

    if (ngx_array_init(&z->contexts, cf->pool, 1, sizeof(SSL_CTX *))
        != NGX_OK)
    {
        return NULL;
    }

    z->sn.str = *name;
    z->sn.node.key = ngx_crc32_short(name->data, name->len);

    ngx_rbtree_insert(&scf->tree, &z->sn.node);

    zp = ngx_array_push(scf->zones);
    if (zp == NULL) {
        return NULL;
    }

    *zp = z;

    return z;
}


/*
 * the zones for the bundle, which lists only these (a zone gone from the
 * configuration keeps its totals in the dictionary, unshown)
 */

static ngx_int_t
ngx_http_ipng_stats_ssl_zones_text(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf)
{
    u_char                           *p;
    size_t                            len;
    ngx_uint_t                        i;
    ngx_http_ipng_stats_ssl_zone_t  **zones;

    zones = scf->zones->elts;
    len = 0;

    for (i = 0; i < scf->zones->nelts; i++) {
        len += 1 + ngx_http_ipng_stats_escaped_len(&zones[i]->sn.str);
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    scf->zones_text.data = p;

    for (i = 0; i < scf->zones->nelts; i++) {
        if (i) {
            *p++ = '\x1f';
        }

        p = ngx_http_ipng_stats_escape(p, &zones[i]->sn.str);
    }

    scf->zones_text.len = p - scf->zones_text.data;

    return NGX_OK;
}


/* the njs dictionary the bundle's SSL status part stores in, once */

static ngx_int_t
ngx_http_ipng_stats_ssl_dict(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf)
{
    ngx_str_t  name;

    if (scf->dict) {
        return NGX_OK;
    }

    ngx_str_set(&name, NGX_HTTP_IPNG_STATS_SSL_DICT);

    if (ngx_http_ipng_stats_njs_dict(cf, &name,
                                     NGX_HTTP_IPNG_STATS_SSL_DICT_SIZE)
        != NGX_CONF_OK)
    {
        return NGX_ERROR;
    }

    scf->dict = 1;

    return NGX_OK;
}


/*
 * In the worker, before its table is rendered: each zone's sums over its
 * contexts, the change of each counter since this worker's last reading,
 * and the session count as this worker's gauge (0 once it exits: its
 * sessions go with it).  A counter cannot go down within a context, so a
 * sum that did would be a bug; it is read as no change.
 */

static void
ngx_http_ipng_stats_ssl_collect(ngx_http_ipng_stats_table_t *t, void *data,
    ngx_uint_t exiting)
{
    ngx_http_ipng_stats_ssl_conf_t *scf = data;

    uint64_t                         now[NGX_HTTP_IPNG_STATS_SSL_VALUES];
    ngx_uint_t                       i, z, changed;
    ngx_http_ipng_stats_entry_t     *e;
    ngx_http_ipng_stats_ssl_zone_t **zones, *zone;

    zones = scf->zones->elts;

    for (z = 0; z < scf->zones->nelts; z++) {
        zone = zones[z];

        ngx_http_ipng_stats_ssl_read(zone, now);

        changed = 0;

        for (i = 1; i < NGX_HTTP_IPNG_STATS_SSL_VALUES; i++) {
            if (now[i] > zone->last[i]) {
                changed = 1;
            }
        }

        /*
         * a worker's first reading writes every zone, changed or not, so
         * that the reader knows each configured zone from the start
         */

        if (changed || zone->counters == NULL) {
            if (zone->counters == NULL) {
                zone->counters = ngx_http_ipng_stats_table_entry(t,
                                     &ngx_http_ipng_stats_ssl_counters,
                                     &zone->sn.str, NULL);
            }

            /* without an entry, the change waits for the next reading */

            e = zone->counters;

            if (e) {
                e->counters[0]++;

                for (i = 1; i < NGX_HTTP_IPNG_STATS_SSL_VALUES; i++) {
                    if (now[i] > zone->last[i]) {
                        e->counters[i] += now[i] - zone->last[i];
                        zone->last[i] = now[i];
                    }
                }
            }
        }

        if (exiting) {
            now[NGX_HTTP_IPNG_STATS_SSL_NUMBER] = 0;
        }

        if (zone->number == NULL) {
            if (now[NGX_HTTP_IPNG_STATS_SSL_NUMBER] == 0) {
                continue;
            }

            zone->number = ngx_http_ipng_stats_table_gauge_entry(t,
                               &ngx_http_ipng_stats_ssl_number,
                               &zone->sn.str);
            if (zone->number == NULL) {
                continue;
            }
        }

        ngx_http_ipng_stats_table_gauge(zone->number,
                                        now[NGX_HTTP_IPNG_STATS_SSL_NUMBER]);
    }
}


/* the original's order: number, connect, ..., cache_full */

static void
ngx_http_ipng_stats_ssl_read(ngx_http_ipng_stats_ssl_zone_t *z,
    uint64_t *now)
{
    SSL_CTX     **ctx, *c;
    ngx_uint_t    i;

    ngx_memzero(now, NGX_HTTP_IPNG_STATS_SSL_VALUES * sizeof(uint64_t));

    ctx = z->contexts.elts;

    for (i = 0; i < z->contexts.nelts; i++) {
        c = ctx[i];

        now[0] += (uint64_t) SSL_CTX_sess_number(c);
        now[1] += (uint64_t) SSL_CTX_sess_connect(c);
        now[2] += (uint64_t) SSL_CTX_sess_connect_good(c);
        now[3] += (uint64_t) SSL_CTX_sess_connect_renegotiate(c);
        now[4] += (uint64_t) SSL_CTX_sess_accept(c);
        now[5] += (uint64_t) SSL_CTX_sess_accept_good(c);
        now[6] += (uint64_t) SSL_CTX_sess_accept_renegotiate(c);
        now[7] += (uint64_t) SSL_CTX_sess_hits(c);
        now[8] += (uint64_t) SSL_CTX_sess_cb_hits(c);
        now[9] += (uint64_t) SSL_CTX_sess_misses(c);
        now[10] += (uint64_t) SSL_CTX_sess_timeouts(c);
        now[11] += (uint64_t) SSL_CTX_sess_cache_full(c);
    }
}


/*
 * The first request of a TLS connection counts its handshake into the
 * zone of the context the handshake ended with (after SNI), full or
 * resumed.  A context in no zone counts nothing; neither do connections
 * that carried no request (failed handshakes: "accept" - "accept_good").
 */

void
ngx_http_ipng_stats_ssl_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    ngx_ssl_conn_t                  *ssl;
    ngx_http_ipng_stats_entry_t     *e;
    ngx_http_ipng_stats_table_t     *t;
    ngx_http_ipng_stats_ssl_zone_t  *zone;

    if (scf->zones == NULL || r->connection->ssl == NULL) {
        return;
    }

    ssl = r->connection->ssl->connection;

    if (ssl == NULL
        || SSL_get_ex_data(ssl, ngx_http_ipng_stats_ssl_conn_index) != NULL)
    {
        return;
    }

    /* counted or not, the connection is seen: one lookup from now on */

    if (SSL_set_ex_data(ssl, ngx_http_ipng_stats_ssl_conn_index, ssl) == 0) {
        return;
    }

    zone = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
                               ngx_http_ipng_stats_ssl_ctx_index);
    if (zone == NULL) {
        return;
    }

    t = ngx_http_ipng_stats_table(pcf);
    if (t == NULL) {
        return;
    }

    e = ngx_http_ipng_stats_table_entry(t,
                                        &ngx_http_ipng_stats_ssl_handshakes,
                                        &zone->sn.str, NULL);
    if (e == NULL) {
        return;
    }

    e->counters[NGX_HTTP_IPNG_STATS_SSL_CONNECTIONS]++;
    e->counters[SSL_session_reused(ssl) ? NGX_HTTP_IPNG_STATS_SSL_RESUMED
                                        : NGX_HTTP_IPNG_STATS_SSL_FULL]++;
}


ngx_int_t
ngx_http_ipng_stats_ssl_zone_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                        i;
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_ipng_stats_ssl_show_t   *show;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* a configuration has a handful of "ssl_status" locations */

    if (mcf->ssl.shows) {
        show = mcf->ssl.shows->elts;

        for (i = 0; i < mcf->ssl.shows->nelts; i++) {
            if (show[i].clcf == clcf) {
                v->len = show[i].name.len;
                v->valid = 1;
                v->no_cacheable = 0;
                v->not_found = 0;
                v->data = show[i].name.data;

                return NGX_OK;
            }
        }
    }

    v->not_found = 1;

    return NGX_OK;
}


#else


char *
ngx_http_ipng_stats_ssl_status_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return "needs nginx built with the http_ssl_module";
}


char *
ngx_http_ipng_stats_ssl_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return "needs nginx built with the http_ssl_module";
}


void
ngx_http_ipng_stats_ssl_create_conf(ngx_http_ipng_stats_ssl_conf_t *scf)
{
    scf->zones = NULL;
    scf->shows = NULL;
    scf->dict = 0;
}


void *
ngx_http_ipng_stats_ssl_create_srv_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_ssl_srv_conf_t));
}


ngx_int_t
ngx_http_ipng_stats_ssl_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
    return NGX_OK;
}


void
ngx_http_ipng_stats_ssl_observe(ngx_http_request_t *r,
    ngx_http_ipng_stats_ssl_conf_t *scf,
    ngx_http_ipng_stats_pipeline_conf_t *pcf)
{
}


ngx_int_t
ngx_http_ipng_stats_ssl_zone_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->not_found = 1;

    return NGX_OK;
}


#endif
