
/*
 * njs-ipng-stats native shim: "listen ... device=IFNAME ipng_source_tag=TAG"
 * and $ipng_source_tag.
 *
 * Parsing.  While the http{} block is parsed, the "set" handler of the core
 * module's "listen" command is swapped for ngx_http_ipng_stats_listen(): it
 * removes device= and ipng_source_tag= from cf->args, calls nginx's own
 * handler, and records which address configuration (ngx_http_conf_addr_t)
 * the listen went into.  The swap is undone in postconfiguration, or by a
 * pool cleanup if the configuration fails before that.
 *
 * Distinct sockets.  nginx merges every listen of one address:port into one
 * ngx_http_conf_addr_t and so into one socket.  Listens of the same
 * address:port with different device= must become different sockets, so
 * while nginx's handler runs, the address configurations of other devices
 * are hidden from its "is this address already known" comparison (their
 * sockaddr family is set to AF_UNSPEC for the duration of the call and then
 * restored).  nginx then creates one ngx_http_conf_addr_t per device; the
 * shim marks each "bind", so ngx_http_optimize_servers() gives each its own
 * ngx_listening_t, in the order of the sorted address list.
 *
 * Sockets.  The kernel lets several sockets listen on one address:port only
 * if each is bound to a different device, and the device must be set
 * before bind().  nginx binds in ngx_open_listening_sockets(), after
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
 *
 * Attribution.  Each ngx_http_addr_conf_t (what a connection's
 * hc->addr_conf points to) is mapped to its source tag at init_conf time;
 * $ipng_source_tag looks hc->addr_conf up in that short array.
 */


#include "ngx_http_ipng_stats_module.h"

#include <net/if.h>


typedef struct {
    ngx_uint_t                      port;
    ngx_uint_t                      addr;
    ngx_uint_t                      nservers;
    struct sockaddr                *sockaddr;
    sa_family_t                     family;
} ngx_http_ipng_stats_snap_t;


static char *ngx_http_ipng_stats_listen(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_ipng_stats_listen_args(ngx_conf_t *cf,
    ngx_str_t *device, ngx_str_t *tag, ngx_uint_t *ingress);
static ngx_http_ipng_stats_listen_t *ngx_http_ipng_stats_find_listen(
    ngx_http_ipng_stats_main_conf_t *mcf, struct sockaddr *sa);
static ngx_int_t ngx_http_ipng_stats_listen_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_main_conf_t *mcf, ngx_http_conf_port_t *port,
    ngx_http_conf_addr_t *addr, struct sockaddr *old, ngx_str_t *device,
    ngx_str_t *tag, ngx_uint_t ingress);
static void ngx_http_ipng_stats_listen_restore(void *data);
static char *ngx_ipng_stats_core_init_conf(ngx_cycle_t *cycle, void *conf);
static ngx_int_t ngx_ipng_stats_core_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_ipng_stats_map_sources(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf);
static ngx_int_t ngx_http_ipng_stats_bind_devices(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf);
static ngx_int_t ngx_http_ipng_stats_open_socket(ngx_cycle_t *cycle,
    ngx_listening_t *ls, ngx_str_t *device);
static ngx_int_t ngx_http_ipng_stats_get_device(ngx_socket_t s, u_char *buf,
    size_t size);
static void ngx_http_ipng_stats_unignore(void *data);
static ngx_int_t ngx_http_ipng_stats_ingress_tag(ngx_http_request_t *r,
    ngx_str_t *tag);
static int ngx_http_ipng_stats_ingress_ifindex(ngx_connection_t *c);
static ngx_int_t ngx_http_ipng_stats_set_pktinfo(ngx_cycle_t *cycle,
    ngx_listening_t *ls);


static char *(*ngx_http_ipng_stats_listen_orig)(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_command_t  *ngx_http_ipng_stats_listen_cmd;


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


static ngx_str_t  ngx_http_ipng_stats_device_param =
    ngx_string("device=");
static ngx_str_t  ngx_http_ipng_stats_tag_param =
    ngx_string("ipng_source_tag=");


ngx_int_t
ngx_http_ipng_stats_listen_preconfiguration(ngx_conf_t *cf)
{
    ngx_command_t       *cmd;
    ngx_pool_cleanup_t  *cln;

    for (cmd = ngx_http_core_module.commands; cmd->name.len; cmd++) {
        if (cmd->name.len == 6 && ngx_strcmp(cmd->name.data, "listen") == 0) {
            break;
        }
    }

    if (cmd->name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ipng_stats: the \"listen\" directive of "
                           "ngx_http_core_module was not found");
        return NGX_ERROR;
    }

    if (cmd->set != ngx_http_ipng_stats_listen) {
        ngx_http_ipng_stats_listen_orig = cmd->set;
        ngx_http_ipng_stats_listen_cmd = cmd;
        cmd->set = ngx_http_ipng_stats_listen;
    }

    /* undone in postconfiguration, or here if the configuration fails */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ipng_stats_listen_restore;
    cln->data = NULL;

    return NGX_OK;
}


ngx_int_t
ngx_http_ipng_stats_listen_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_listen_restore(NULL);

    return NGX_OK;
}


static void
ngx_http_ipng_stats_listen_restore(void *data)
{
    if (ngx_http_ipng_stats_listen_cmd
        && ngx_http_ipng_stats_listen_cmd->set == ngx_http_ipng_stats_listen)
    {
        ngx_http_ipng_stats_listen_cmd->set = ngx_http_ipng_stats_listen_orig;
    }
}


static char *
ngx_http_ipng_stats_listen(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char                             *rv;
    ngx_str_t                         device, tag, *key;
    ngx_uint_t                        p, a, i, found, ingress;
    ngx_array_t                      *snaps;
    ngx_http_conf_port_t             *port;
    ngx_http_conf_addr_t             *addr;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_ipng_stats_snap_t       *snap;
    ngx_http_ipng_stats_listen_t     *lst;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (ngx_http_ipng_stats_listen_args(cf, &device, &tag, &ingress)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /* remember every known address, hide those of other devices */

    snaps = ngx_array_create(cf->temp_pool, 8,
                             sizeof(ngx_http_ipng_stats_snap_t));
    if (snaps == NULL) {
        return NGX_CONF_ERROR;
    }

    port = cmcf->ports ? cmcf->ports->elts : NULL;

    for (p = 0; port && p < cmcf->ports->nelts; p++) {
        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {
            snap = ngx_array_push(snaps);
            if (snap == NULL) {
                return NGX_CONF_ERROR;
            }

            snap->port = p;
            snap->addr = a;
            snap->nservers = addr[a].servers.nelts;
            snap->sockaddr = addr[a].opt.sockaddr;
            snap->family = addr[a].opt.sockaddr->sa_family;

            lst = ngx_http_ipng_stats_find_listen(mcf, addr[a].opt.sockaddr);
            key = lst ? &lst->device : NULL;

            if ((key ? key->len : 0) != device.len
                || (device.len
                    && ngx_strncmp(key->data, device.data, device.len) != 0))
            {
                addr[a].opt.sockaddr->sa_family = AF_UNSPEC;
            }
        }
    }

    rv = ngx_http_ipng_stats_listen_orig(cf, cmd, conf);

    snap = snaps->elts;
    for (i = 0; i < snaps->nelts; i++) {
        snap[i].sockaddr->sa_family = snap[i].family;
    }

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* find the address configurations this listen created or joined */

    port = cmcf->ports->elts;

    for (p = 0; p < cmcf->ports->nelts; p++) {
        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {

            found = 0;

            for (i = 0; i < snaps->nelts; i++) {
                if (snap[i].port == p && snap[i].addr == a) {
                    found = 1;
                    break;
                }
            }

            if (found && snap[i].nservers == addr[a].servers.nelts) {
                continue;
            }

            if (ngx_http_ipng_stats_listen_add(cf, mcf, &port[p], &addr[a],
                                               found ? snap[i].sockaddr : NULL,
                                               &device, &tag, ingress)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }
        }
    }

    return NGX_CONF_OK;
}


/* takes device=, ipng_source_tag= and ipng_ingress out of cf->args */

static ngx_int_t
ngx_http_ipng_stats_listen_args(ngx_conf_t *cf, ngx_str_t *device,
    ngx_str_t *tag, ngx_uint_t *ingress)
{
    ngx_str_t   *value, *param, *dst;
    ngx_uint_t   i, j;

    ngx_str_null(device);
    ngx_str_null(tag);
    *ingress = 0;

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; /* void */ ) {

        if (value[i].len == 12
            && ngx_strncmp(value[i].data, "ipng_ingress", 12) == 0)
        {
            if (*ingress) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate \"ipng_ingress\" in \"listen\": "
                                   "give it at most once");
                return NGX_ERROR;
            }

            *ingress = 1;
            goto remove;
        }

        if (value[i].len >= ngx_http_ipng_stats_device_param.len
            && ngx_strncmp(value[i].data, "device=",
                           ngx_http_ipng_stats_device_param.len) == 0)
        {
            param = &ngx_http_ipng_stats_device_param;
            dst = device;

        } else if (value[i].len >= ngx_http_ipng_stats_tag_param.len
                   && ngx_strncmp(value[i].data, "ipng_source_tag=",
                                  ngx_http_ipng_stats_tag_param.len) == 0)
        {
            param = &ngx_http_ipng_stats_tag_param;
            dst = tag;

        } else {
            i++;
            continue;
        }

        if (dst->data) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate \"%V\" in \"listen\": give it at "
                               "most once", param);
            return NGX_ERROR;
        }

        dst->data = value[i].data + param->len;
        dst->len = value[i].len - param->len;

        if (dst->len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "empty \"%V\" in \"listen\": it needs a value",
                               param);
            return NGX_ERROR;
        }

        if (dst == device && dst->len > NGX_HTTP_IPNG_STATS_IFNAME_MAX) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"device=%V\" in \"listen\" is too long: an "
                               "interface name has at most %d characters "
                               "(IFNAMSIZ - 1)",
                               dst, NGX_HTTP_IPNG_STATS_IFNAME_MAX);
            return NGX_ERROR;
        }

    remove:

        for (j = i; j + 1 < cf->args->nelts; j++) {
            value[j] = value[j + 1];
        }

        cf->args->nelts--;
    }

    if (*ingress && device->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"device=\" and \"ipng_ingress\" exclude each "
                           "other in \"listen\": device= binds the socket to "
                           "one interface, ipng_ingress reads the interface "
                           "of each connection");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_http_ipng_stats_listen_t *
ngx_http_ipng_stats_find_listen(ngx_http_ipng_stats_main_conf_t *mcf,
    struct sockaddr *sa)
{
    ngx_uint_t                     i;
    ngx_http_ipng_stats_listen_t  *lst;

    lst = mcf->listens.elts;

    for (i = 0; i < mcf->listens.nelts; i++) {
        if (lst[i].sockaddr == sa) {
            return &lst[i];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_ipng_stats_listen_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_main_conf_t *mcf, ngx_http_conf_port_t *port,
    ngx_http_conf_addr_t *addr, struct sockaddr *old, ngx_str_t *device,
    ngx_str_t *tag, ngx_uint_t ingress)
{
    ngx_uint_t                     a, same, without;
    ngx_http_conf_addr_t          *other;
    ngx_http_ipng_stats_listen_t  *lst, *o;

    lst = old ? ngx_http_ipng_stats_find_listen(mcf, old) : NULL;

    if (lst == NULL && (device->len || tag->len || ingress)) {
        lst = ngx_array_push(&mcf->listens);
        if (lst == NULL) {
            return NGX_ERROR;
        }

        lst->sockaddr = NULL;
        lst->device = *device;
        ngx_str_null(&lst->tag);
        lst->ingress = 0;
    }

    if (lst) {
        /* nginx replaces opt (and its sockaddr) when options are given */
        lst->sockaddr = addr->opt.sockaddr;

        /* like a socket option: given once, it holds for the socket */
        lst->ingress |= ingress;

        if (tag->len) {
            if (lst->tag.len
                && (lst->tag.len != tag->len
                    || ngx_strncmp(lst->tag.data, tag->data, tag->len) != 0))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "conflicting \"ipng_source_tag=\" for the "
                                   "listening socket %V: \"%V\" and \"%V\"",
                                   &addr->opt.addr_text, &lst->tag, tag);
                return NGX_ERROR;
            }

            lst->tag = *tag;
        }
    }

    if (lst && lst->device.len) {
        /* a socket of its own, see ngx_http_init_listening() */
        addr->opt.bind = 1;
    }

    /* one address and port: all listens have a different device, or none */

    other = port->addrs.elts;
    same = 0;
    without = 0;

    for (a = 0; a < port->addrs.nelts; a++) {
        if (ngx_cmp_sockaddr(other[a].opt.sockaddr, other[a].opt.socklen,
                             addr->opt.sockaddr, addr->opt.socklen, 0)
            != NGX_OK)
        {
            continue;
        }

        same++;

        o = ngx_http_ipng_stats_find_listen(mcf, other[a].opt.sockaddr);

        if (o == NULL || o->device.len == 0) {
            without++;
        }
    }

    if (same > 1 && without) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "listen %V is used both with and without "
                           "\"device=\": on one address and port every "
                           "listen needs its own device=, or none has one",
                           &addr->opt.addr_text);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_ipng_stats_source_tag_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                        *tag, ingress;
    ngx_uint_t                        i;
    ngx_http_connection_t            *hc;
    ngx_http_ipng_stats_source_t     *src;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    tag = &mcf->default_source;
    hc = r->http_connection;

    if (hc) {
        src = mcf->sources.elts;

        for (i = 0; i < mcf->sources.nelts; i++) {
            if (src[i].addr_conf != hc->addr_conf) {
                continue;
            }

            if (src[i].ingress
                && ngx_http_ipng_stats_ingress_tag(r, &ingress) == NGX_OK)
            {
                tag = &ingress;

            } else if (src[i].tag.len) {
                tag = &src[i].tag;
            }

            break;
        }
    }

    v->len = tag->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = tag->data;

    return NGX_OK;
}


static char *
ngx_ipng_stats_core_init_conf(ngx_cycle_t *cycle, void *conf)
{
    ngx_http_ipng_stats_main_conf_t  *mcf;

    if (cycle->conf_ctx[ngx_http_module.index] == NULL) {
        return NGX_CONF_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_ipng_stats_module);
    if (mcf == NULL || mcf->listens.nelts == 0) {
        return NGX_CONF_OK;
    }

    if (ngx_http_ipng_stats_map_sources(cycle, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* "nginx -s reload" reads the configuration too: it binds nothing */

    if (ngx_process == NGX_PROCESS_SIGNALLER || mcf->bound.nelts == 0) {
        return NGX_CONF_OK;
    }

    if (ngx_http_ipng_stats_bind_devices(cycle, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* the address of entry n of an ngx_http_port_t, and its configuration */

static ngx_http_addr_conf_t *
ngx_http_ipng_stats_port_addr(ngx_http_port_t *hport, int family,
    ngx_uint_t n, u_char **ip, size_t *len)
{
    ngx_http_in_addr_t   *in;
#if (NGX_HAVE_INET6)
    ngx_http_in6_addr_t  *in6;

    if (family == AF_INET6) {
        in6 = hport->addrs;
        *ip = (u_char *) &in6[n].addr6;
        *len = sizeof(struct in6_addr);
        return &in6[n].conf;
    }
#endif

    in = hport->addrs;
    *ip = (u_char *) &in[n].addr;
    *len = sizeof(in_addr_t);
    return &in[n].conf;
}


static u_char *
ngx_http_ipng_stats_sockaddr_ip(struct sockaddr *sa, size_t *len)
{
#if (NGX_HAVE_INET6)
    if (sa->sa_family == AF_INET6) {
        *len = sizeof(struct in6_addr);
        return (u_char *) &((struct sockaddr_in6 *) sa)->sin6_addr;
    }
#endif

    *len = sizeof(in_addr_t);
    return (u_char *) &((struct sockaddr_in *) sa)->sin_addr;
}


static ngx_int_t
ngx_http_ipng_stats_map_sources(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_main_conf_t *mcf)
{
    u_char                           *ip, *cip;
    size_t                            len, clen;
    in_port_t                         pn;
    ngx_uint_t                        i, j, k, p, a, seq, nth, *ix, n;
    ngx_listening_t                  *ls;
    ngx_http_port_t                  *hport;
    ngx_http_addr_conf_t             *ac;
    ngx_http_conf_port_t             *port, *cp;
    ngx_http_conf_addr_t             *addr, *own, *ca;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_ipng_stats_bound_t      *b;
    ngx_http_ipng_stats_source_t     *src;
    ngx_http_ipng_stats_listen_t     *lst, *olst;

    cmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_core_module);

    if (cmcf->ports == NULL) {
        return NGX_OK;
    }

    port = cmcf->ports->elts;
    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].handler != ngx_http_init_connection || ls[i].worker != 0) {
            continue;
        }

        pn = ngx_inet_get_port(ls[i].sockaddr);
        cp = NULL;

        for (p = 0; p < cmcf->ports->nelts; p++) {
            if (port[p].family == ls[i].sockaddr->sa_family
                && port[p].type == ls[i].type
                && port[p].port == pn)
            {
                cp = &port[p];
                break;
            }
        }

        if (cp == NULL) {
            continue;
        }

        /*
         * the socket's own address configuration: the seq-th one with its
         * address, as ngx_http_init_listening() creates the sockets of one
         * address in the order of the sorted address list
         */

        seq = 0;

        for (j = 0; j < i; j++) {
            if (ls[j].handler == ngx_http_init_connection
                && ls[j].worker == 0
                && ngx_cmp_sockaddr(ls[j].sockaddr, ls[j].socklen,
                                    ls[i].sockaddr, ls[i].socklen, 1)
                   == NGX_OK)
            {
                seq++;
            }
        }

        addr = cp->addrs.elts;
        own = NULL;
        nth = 0;

        for (a = 0; a < cp->addrs.nelts; a++) {
            if (ngx_cmp_sockaddr(addr[a].opt.sockaddr, addr[a].opt.socklen,
                                 ls[i].sockaddr, ls[i].socklen, 0)
                == NGX_OK
                && nth++ == seq)
            {
                own = &addr[a];
                break;
            }
        }

        if (own == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                          "ipng_stats: no address configuration for the "
                          "listening socket %V", &ls[i].addr_text);
            return NGX_ERROR;
        }

        olst = ngx_http_ipng_stats_find_listen(mcf, own->opt.sockaddr);
        hport = ls[i].servers;

        for (k = 0; k < hport->naddrs; k++) {
            ac = ngx_http_ipng_stats_port_addr(hport,
                                               ls[i].sockaddr->sa_family, k,
                                               &ip, &len);

            lst = olst;

            if (k + 1 < hport->naddrs) {
                /* an address served through this (wildcard) socket */

                for (a = 0; a < cp->addrs.nelts; a++) {
                    ca = &addr[a];
                    cip = ngx_http_ipng_stats_sockaddr_ip(ca->opt.sockaddr,
                                                          &clen);

                    if (clen == len && ngx_memcmp(cip, ip, len) == 0) {
                        lst = ngx_http_ipng_stats_find_listen(mcf,
                                                           ca->opt.sockaddr);
                        if (lst == NULL || lst->tag.len == 0) {
                            lst = olst;
                        }

                        break;
                    }
                }
            }

            if (lst == NULL) {
                continue;
            }

            src = ngx_array_push(&mcf->sources);
            if (src == NULL) {
                return NGX_ERROR;
            }

            src->addr_conf = ac;
            src->tag = lst->tag.len ? lst->tag : lst->device;
            src->ingress = olst ? olst->ingress : 0;
        }

        if (olst && olst->ingress) {
            ix = ngx_array_push(&mcf->ingress);
            if (ix == NULL) {
                return NGX_ERROR;
            }

            *ix = i;
        }

        if (olst && olst->device.len) {
            b = ngx_array_push(&mcf->bound);
            if (b == NULL) {
                return NGX_ERROR;
            }

            b->index = i;
            b->device = olst->device;
        }
    }

    /* reuseport copies of device and ingress sockets, one per worker */

    k = mcf->bound.nelts;
    n = mcf->ingress.nelts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].handler != ngx_http_init_connection || ls[i].worker == 0) {
            continue;
        }

        ix = mcf->ingress.elts;

        for (j = 0; j < n; j++) {
            if (ls[ix[j]].servers == ls[i].servers) {
                ix = ngx_array_push(&mcf->ingress);
                if (ix == NULL) {
                    return NGX_ERROR;
                }

                *ix = i;
                break;
            }
        }

        b = mcf->bound.elts;

        for (j = 0; j < k; j++) {
            if (ls[b[j].index].servers == ls[i].servers) {
                break;
            }
        }

        if (j == k) {
            continue;
        }

        b = ngx_array_push(&mcf->bound);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->index = i;
        b->device = ((ngx_http_ipng_stats_bound_t *) mcf->bound.elts)[j].device;
    }

    return NGX_OK;
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
    b = mcf->bound.elts;
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

            olsp = ngx_array_push(&mcf->ignored);
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

    for (i = 0; i < mcf->bound.nelts; i++) {
        nls = &ls[b[i].index];

        if (nls->fd != (ngx_socket_t) -1) {
            continue;
        }

        /* reload: take over the old socket of the same device */

        olsp = mcf->ignored.elts;

        for (j = 0; j < mcf->ignored.nelts; j++) {
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

            claimed = mcf->claimed.elts;

            for (k = 0; k < mcf->claimed.nelts; k++) {
                if (claimed[k] == ols) {
                    break;
                }
            }

            if (k < mcf->claimed.nelts) {
                continue;
            }

            claimed = ngx_array_push(&mcf->claimed);
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

    for (i = 0; i < mcf->bound.nelts; i++) {
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

    if (mcf->committed) {
        return;
    }

    olsp = mcf->ignored.elts;

    for (i = 0; i < mcf->ignored.nelts; i++) {
        olsp[i]->ignore = 0;
    }

    mcf->ignored.nelts = 0;
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

    olsp = mcf->claimed.elts;

    for (i = 0; i < mcf->claimed.nelts; i++) {
        olsp[i]->remain = 1;
    }

    mcf->committed = 1;

    ls = cycle->listening.elts;

    /* ipng_ingress: accepted connections inherit these, workers read them */

    ix = mcf->ingress.elts;

    for (i = 0; !ngx_test_config && i < mcf->ingress.nelts; i++) {
        /* on failure the socket's connections get the fallback tag */
        (void) ngx_http_ipng_stats_set_pktinfo(cycle, &ls[ix[i]]);
    }

    b = mcf->bound.elts;

    for (i = 0; i < mcf->bound.nelts; i++) {
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


#define NGX_HTTP_IPNG_STATS_IFCACHE      16
#define NGX_HTTP_IPNG_STATS_IFCACHE_TTL  10000


typedef struct {
    int                             ifindex;
    ngx_msec_t                      expires;
    size_t                          len;
    u_char                          name[IFNAMSIZ];
} ngx_http_ipng_stats_ifname_t;


/* per worker: interface names change rarely, if_indextoname() is a syscall */
static ngx_http_ipng_stats_ifname_t
    ngx_http_ipng_stats_ifcache[NGX_HTTP_IPNG_STATS_IFCACHE];


/* the ingress interface of a connection, read once per connection */
typedef struct {
    ngx_atomic_uint_t               number;     /* c->number */
    int                             ifindex;
} ngx_http_ipng_stats_conn_if_t;


/* per worker: one slot per entry of ngx_cycle->connections */
static ngx_http_ipng_stats_conn_if_t  *ngx_http_ipng_stats_conn_if;


/* the ingress interface of the connection's SYN, 0 when unknown */

static int
ngx_http_ipng_stats_ingress_ifindex(ngx_connection_t *c)
{
    int                 level, name, ifindex;
    u_char              buf[256];
    socklen_t           len;
    struct msghdr       msg;
    struct cmsghdr     *cmsg;
    struct in_pktinfo   pi;
#if (NGX_HAVE_INET6)
    struct in6_pktinfo  pi6;
#endif

#if (NGX_HAVE_INET6 && defined IPV6_2292PKTOPTIONS)
    if (c->listening->sockaddr->sa_family == AF_INET6) {
        level = IPPROTO_IPV6;
        name = IPV6_2292PKTOPTIONS;

    } else
#endif
    {
        level = IPPROTO_IP;
        name = IP_PKTOPTIONS;
    }

    len = sizeof(buf);

    if (getsockopt(c->fd, level, name, buf, &len) == -1 || len == 0) {
        return 0;
    }

    ngx_memzero(&msg, sizeof(struct msghdr));
    msg.msg_control = buf;
    msg.msg_controllen = len;

    ifindex = 0;

    for (cmsg = CMSG_FIRSTHDR(&msg);
         cmsg != NULL;
         cmsg = CMSG_NXTHDR(&msg, cmsg))
    {
        if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO
            && cmsg->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo)))
        {
            ngx_memcpy(&pi, CMSG_DATA(cmsg), sizeof(struct in_pktinfo));
            ifindex = pi.ipi_ifindex;
            break;
        }

#if (NGX_HAVE_INET6)
        if (cmsg->cmsg_level == IPPROTO_IPV6
            && cmsg->cmsg_type == IPV6_PKTINFO
            && cmsg->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo)))
        {
            ngx_memcpy(&pi6, CMSG_DATA(cmsg), sizeof(struct in6_pktinfo));
            ifindex = pi6.ipi6_ifindex;
            break;
        }
#endif
    }

    return ifindex;
}


static ngx_int_t
ngx_http_ipng_stats_ingress_tag(ngx_http_request_t *r, ngx_str_t *tag)
{
    int                             ifindex;
    ngx_uint_t                      n;
    ngx_connection_t               *c;
    ngx_http_ipng_stats_ifname_t   *e;
    ngx_http_ipng_stats_conn_if_t  *slot;

    c = r->connection;

    if (c->fd == (ngx_socket_t) -1 || c->listening == NULL) {
        return NGX_DECLINED;
    }

    /*
     * keepalive: the interface of the connection's SYN does not change, so
     * getsockopt() runs for its first request only (HTTP/2 streams, whose
     * connections are not in ngx_cycle->connections, read it every time)
     */

    slot = NULL;

    if (ngx_http_ipng_stats_conn_if == NULL) {
        ngx_http_ipng_stats_conn_if = ngx_pcalloc(ngx_cycle->pool,
                                  ngx_cycle->connection_n
                                  * sizeof(ngx_http_ipng_stats_conn_if_t));
    }

    if (ngx_http_ipng_stats_conn_if
        && c >= ngx_cycle->connections
        && c < ngx_cycle->connections + ngx_cycle->connection_n)
    {
        n = c - ngx_cycle->connections;
        slot = &ngx_http_ipng_stats_conn_if[n];
    }

    if (slot && slot->number == c->number && slot->ifindex > 0) {
        ifindex = slot->ifindex;

    } else {
        ifindex = ngx_http_ipng_stats_ingress_ifindex(c);

        if (slot && ifindex > 0) {
            slot->number = c->number;
            slot->ifindex = ifindex;
        }
    }

    if (ifindex <= 0) {
        return NGX_DECLINED;
    }

    e = &ngx_http_ipng_stats_ifcache[ifindex % NGX_HTTP_IPNG_STATS_IFCACHE];

    if (e->ifindex != ifindex
        || (ngx_msec_int_t) (e->expires - ngx_current_msec) <= 0)
    {
        if (if_indextoname(ifindex, (char *) e->name) == NULL) {
            e->ifindex = 0;
            return NGX_DECLINED;
        }

        e->ifindex = ifindex;
        e->len = ngx_strlen(e->name);
        e->expires = ngx_current_msec + NGX_HTTP_IPNG_STATS_IFCACHE_TTL;
    }

    /* the request may outlive a cache entry */

    tag->data = ngx_pnalloc(r->pool, e->len);
    if (tag->data == NULL) {
        return NGX_DECLINED;
    }

    ngx_memcpy(tag->data, e->name, e->len);
    tag->len = e->len;

    return NGX_OK;
}
