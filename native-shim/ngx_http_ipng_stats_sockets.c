
/*
 * njs-ipng-stats native shim, listen: the master-side sockets of
 * "listen ... device=" and "ipng_ingress".
 *
 * The kernel lets several sockets listen on one address:port only if each
 * is bound to a different device, and the device must be set before
 * bind().  nginx binds in ngx_open_listening_sockets(), after
 * configuration and before any init_module handler, and skips sockets that
 * already have a descriptor.  So the shim's core module, whose init_conf
 * runs in the master after the configuration is read (after the events
 * module cloned reuseport sockets) and before ngx_open_listening_sockets(),
 * creates each device socket itself: socket(), SO_REUSEADDR,
 * SO_BINDTODEVICE, bind(), listen().  On reload it takes over the old
 * cycle's socket of the same address, port and device instead (the device
 * of an old socket is read back with getsockopt(SO_BINDTODEVICE)); the old
 * device sockets are marked "ignore" meanwhile so that nginx's own
 * address-only matching cannot hand them to another listen.  Workers never
 * call SO_BINDTODEVICE.  init_module, in the master, checks every device
 * socket once more.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_sockets.h"
#include "ngx_http_ipng_stats_attribution.h"


static char *ngx_ipng_stats_core_init_conf(ngx_cycle_t *cycle, void *conf);
static ngx_int_t ngx_ipng_stats_core_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_ipng_stats_bind_devices(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf);
static ngx_int_t ngx_http_ipng_stats_open_socket(ngx_cycle_t *cycle,
    ngx_listening_t *ls, ngx_str_t *device);
static ngx_int_t ngx_http_ipng_stats_get_device(ngx_socket_t s, u_char *buf,
    size_t size);
static void ngx_http_ipng_stats_unignore(void *data);
static ngx_int_t ngx_http_ipng_stats_set_pktinfo(ngx_cycle_t *cycle,
    ngx_listening_t *ls);


static ngx_core_module_t  ngx_ipng_stats_core_module_ctx = {
    ngx_string("ipng_stats"),
    NULL,                                  /* create configuration */
    ngx_ipng_stats_core_init_conf          /* init configuration */
};


ngx_module_t  ngx_ipng_stats_core_module = {
    NGX_MODULE_V1,
    &ngx_ipng_stats_core_module_ctx,       /* module context */
    NULL,                                  /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_ipng_stats_core_init_module,       /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static char *
ngx_ipng_stats_core_init_conf(ngx_cycle_t *cycle, void *conf)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (cycle->conf_ctx[ngx_http_module.index] == NULL) {
        return NGX_CONF_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_ipng_stats_module);
    if (mcf == NULL || mcf->listen.listens.nelts == 0) {
        return NGX_CONF_OK;
    }

    if (ngx_http_ipng_stats_map_sources(cycle, &mcf->listen) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* "nginx -s reload" reads the configuration too: it binds nothing */

    if (ngx_process == NGX_PROCESS_SIGNALLER || mcf->listen.bound.nelts == 0) {
        return NGX_CONF_OK;
    }

    if (ngx_http_ipng_stats_bind_devices(cycle, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ipng_stats_bind_devices(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf)
{
    u_char                        name[IFNAMSIZ];
    ngx_int_t                     n;
    ngx_uint_t                    i, j, k;
    ngx_cycle_t                  *old;
    ngx_listening_t              *ls, *nls, *ols, **olsp, **claimed;
    ngx_pool_cleanup_t           *cln;
    ngx_http_ipng_stats_bound_t  *b;

    ls = cycle->listening.elts;
    b = mcf->listen.bound.elts;
    old = cycle->old_cycle;

    /* the old cycle's device sockets: only the shim may hand them on */

    if (old && old->listening.nelts) {
        ols = old->listening.elts;

        for (i = 0; i < old->listening.nelts; i++) {
            if (ols[i].ignore || ols[i].fd == (ngx_socket_t) -1
                || ols[i].type != SOCK_STREAM
                || ngx_http_ipng_stats_get_device(ols[i].fd, name,
                                                  sizeof(name))
                   <= 0)
            {
                continue;
            }

            olsp = ngx_array_push(&mcf->listen.ignored);
            if (olsp == NULL) {
                return NGX_ERROR;
            }

            *olsp = &ols[i];
            ols[i].ignore = 1;
        }

        cln = ngx_pool_cleanup_add(cycle->pool, 0);
        if (cln == NULL) {
            ngx_http_ipng_stats_unignore(mcf);
            return NGX_ERROR;
        }

        cln->handler = ngx_http_ipng_stats_unignore;
        cln->data = mcf;
    }

    for (i = 0; i < mcf->listen.bound.nelts; i++) {
        nls = &ls[b[i].index];

        if (nls->fd != (ngx_socket_t) -1) {
            continue;
        }

        /* reload: take over the old socket of the same device */

        olsp = mcf->listen.ignored.elts;

        for (j = 0; j < mcf->listen.ignored.nelts; j++) {
            ols = olsp[j];

            if (ols->worker != nls->worker
                || ngx_cmp_sockaddr(ols->sockaddr, ols->socklen,
                                    nls->sockaddr, nls->socklen, 1)
                   != NGX_OK)
            {
                continue;
            }

            n = ngx_http_ipng_stats_get_device(ols->fd, name, sizeof(name));

            if (n != (ngx_int_t) b[i].device.len
                || ngx_strncmp(name, b[i].device.data, n) != 0)
            {
                continue;
            }

            claimed = mcf->listen.claimed.elts;

            for (k = 0; k < mcf->listen.claimed.nelts; k++) {
                if (claimed[k] == ols) {
                    break;
                }
            }

            if (k < mcf->listen.claimed.nelts) {
                continue;
            }

            claimed = ngx_array_push(&mcf->listen.claimed);
            if (claimed == NULL) {
                return NGX_ERROR;
            }

            *claimed = ols;

            nls->fd = ols->fd;
            nls->inherited = ols->inherited;
            nls->previous = ols;

            if (ols->backlog != nls->backlog) {
                nls->listen = 1;
            }

            break;
        }

        if (nls->fd != (ngx_socket_t) -1) {
            continue;
        }

        if (ngx_http_ipng_stats_open_socket(cycle, nls, &b[i].device)
            != NGX_OK)
        {
            goto failed;
        }
    }

    return NGX_OK;

failed:

    /* ngx_init_cycle() does not close listening sockets if init_conf fails */

    for (i = 0; i < mcf->listen.bound.nelts; i++) {
        nls = &ls[b[i].index];

        if (nls->open && nls->fd != (ngx_socket_t) -1) {
            (void) ngx_close_socket(nls->fd);
            nls->fd = (ngx_socket_t) -1;
            nls->open = 0;
        }
    }

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_ipng_stats_open_socket(ngx_cycle_t *cycle, ngx_listening_t *ls,
    ngx_str_t *device)
{
    int           reuseaddr;
    u_char        name[IFNAMSIZ];
    ngx_err_t     err;
    ngx_socket_t  s;

    ngx_memcpy(name, device->data, device->len);
    name[device->len] = '\0';

    s = ngx_socket(ls->sockaddr->sa_family, ls->type, 0);

    if (s == (ngx_socket_t) -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      ngx_socket_n " %V failed", &ls->addr_text);
        return NGX_ERROR;
    }

    reuseaddr = 1;

    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR,
                   (const void *) &reuseaddr, sizeof(int))
        == -1)
    {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      "setsockopt(SO_REUSEADDR) %V failed", &ls->addr_text);
        goto failed;
    }

#if (NGX_HAVE_REUSEPORT)

    if (ls->reuseport) {
        int  reuseport = 1;

        if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT,
                       (const void *) &reuseport, sizeof(int))
            == -1)
        {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                          "setsockopt(SO_REUSEPORT) %V failed",
                          &ls->addr_text);
            goto failed;
        }
    }

#endif

    /* before bind(): sockets of one address:port differ only by device */

    if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, name, device->len + 1)
        == -1)
    {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      "listen %V device=%V: setsockopt(SO_BINDTODEVICE) "
                      "failed", &ls->addr_text, device);
        goto failed;
    }

#if (NGX_HAVE_INET6 && defined IPV6_V6ONLY)

    if (ls->sockaddr->sa_family == AF_INET6) {
        int  ipv6only = ls->ipv6only;

        if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY,
                       (const void *) &ipv6only, sizeof(int))
            == -1)
        {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                          "setsockopt(IPV6_V6ONLY) %V failed",
                          &ls->addr_text);
            goto failed;
        }
    }

#endif

    if (ngx_nonblocking(s) == -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      ngx_nonblocking_n " %V failed", &ls->addr_text);
        goto failed;
    }

    if (bind(s, ls->sockaddr, ls->socklen) == -1) {
        err = ngx_socket_errno;

        /* like nginx itself, "nginx -t" does not mind a running instance */

        if (err == NGX_EADDRINUSE && ngx_test_config) {
            (void) ngx_close_socket(s);
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_EMERG, cycle->log, err,
                      "bind() to %V device=%V failed", &ls->addr_text,
                      device);
        goto failed;
    }

    if (listen(s, ls->backlog) == -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_socket_errno,
                      "listen() to %V device=%V, backlog %d failed",
                      &ls->addr_text, device, ls->backlog);
        goto failed;
    }

    ls->fd = s;
    ls->open = 1;
    ls->listen = 1;

    ngx_log_debug2(NGX_LOG_DEBUG_CORE, cycle->log, 0,
                   "ipng_stats: listening on %V device=%V",
                   &ls->addr_text, device);

    return NGX_OK;

failed:

    (void) ngx_close_socket(s);

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_ipng_stats_get_device(ngx_socket_t s, u_char *buf, size_t size)
{
    socklen_t  len;

    len = size;

    if (getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, buf, &len) == -1) {
        return -1;
    }

    /* the length may or may not count the terminating zero */

    return ngx_strnlen(buf, len);
}


static void
ngx_http_ipng_stats_unignore(void *data)
{
    ngx_http_ipng_stats_main_conf_t *mcf = data;

    ngx_uint_t         i;
    ngx_listening_t  **olsp;

    if (mcf->listen.committed) {
        return;
    }

    olsp = mcf->listen.ignored.elts;

    for (i = 0; i < mcf->listen.ignored.nelts; i++) {
        olsp[i]->ignore = 0;
    }

    mcf->listen.ignored.nelts = 0;
}


static ngx_int_t
ngx_ipng_stats_core_init_module(ngx_cycle_t *cycle)
{
    u_char                            name[IFNAMSIZ];
    ngx_int_t                         n;
    ngx_uint_t                        i;
    ngx_uint_t                       *ix;
    ngx_listening_t                  *ls, **olsp;
    ngx_http_ipng_stats_bound_t      *b;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (cycle->conf_ctx[ngx_http_module.index] == NULL) {
        return NGX_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_ipng_stats_module);
    if (mcf == NULL) {
        return NGX_OK;
    }

    /* the old sockets taken over stay open, the others are closed */

    ngx_http_ipng_stats_unignore(mcf);

    olsp = mcf->listen.claimed.elts;

    for (i = 0; i < mcf->listen.claimed.nelts; i++) {
        olsp[i]->remain = 1;
    }

    mcf->listen.committed = 1;

    ls = cycle->listening.elts;

    /* ipng_ingress: accepted connections inherit these, workers read them */

    ix = mcf->listen.ingress.elts;

    for (i = 0; !ngx_test_config && i < mcf->listen.ingress.nelts; i++) {
        /* on failure the socket's connections get the fallback tag */
        (void) ngx_http_ipng_stats_set_pktinfo(cycle, &ls[ix[i]]);
    }

    b = mcf->listen.bound.elts;

    for (i = 0; i < mcf->listen.bound.nelts; i++) {
        if (ls[b[i].index].fd == (ngx_socket_t) -1) {
            continue;
        }

        n = ngx_http_ipng_stats_get_device(ls[b[i].index].fd, name,
                                           sizeof(name));

        if (n != (ngx_int_t) b[i].device.len
            || ngx_strncmp(name, b[i].device.data, n) != 0)
        {
            ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                          "listen %V device=%V: the socket is not bound to "
                          "the device (a listen without device= on the same "
                          "address and port was changed into one with "
                          "device=: restart nginx)",
                          &ls[b[i].index].addr_text, &b[i].device);
        }
    }

    return NGX_OK;
}


/*
 * ipng_ingress (for direct server return): the socket is not bound to a
 * device, so replies leave by the routing table, and the interface of each
 * connection is read back per request.  Linux keeps the ingress interface
 * of the connection's SYN in the accepted socket (inet->mc_index, IPv4;
 * np->mcast_oif, IPv6) and reports it through IP_PKTOPTIONS /
 * IPV6_2292PKTOPTIONS when IP_PKTINFO / IPV6_RECVPKTINFO is on; accepted
 * sockets inherit that from the listening socket, where the master sets it.
 * For IPv6 the kernel may instead report the interface of the latest data
 * segment (np->pktoptions): the same interface unless the path changed.
 */

static ngx_int_t
ngx_http_ipng_stats_set_pktinfo(ngx_cycle_t *cycle, ngx_listening_t *ls)
{
    int  on;

    if (ls->fd == (ngx_socket_t) -1) {
        return NGX_OK;
    }

    on = 1;

#if (NGX_HAVE_INET6 && defined IPV6_RECVPKTINFO)
    if (ls->sockaddr->sa_family == AF_INET6) {
        if (setsockopt(ls->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
                       (const void *) &on, sizeof(int))
            == -1)
        {
            ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                          "listen %V ipng_ingress: "
                          "setsockopt(IPV6_RECVPKTINFO) failed",
                          &ls->addr_text);
            return NGX_ERROR;
        }

        return NGX_OK;
    }
#endif

    if (setsockopt(ls->fd, IPPROTO_IP, IP_PKTINFO, (const void *) &on,
                   sizeof(int))
        == -1)
    {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "listen %V ipng_ingress: setsockopt(IP_PKTINFO) failed",
                      &ls->addr_text);
        return NGX_ERROR;
    }

    return NGX_OK;
}
