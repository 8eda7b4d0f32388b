
/*
 * njs-ipng-stats native shim, listen: the request-time attribution,
 * $ipng_source_tag.
 *
 * Each ngx_http_addr_conf_t (what a connection's hc->addr_conf points to)
 * is mapped to its source tag at init_conf time, in the master
 * (ngx_http_ipng_stats_map_sources(), called by the core module of
 * ngx_http_ipng_stats_sockets.c); $ipng_source_tag looks hc->addr_conf up
 * in that short array.  A listen with "ipng_ingress" names the source by
 * the interface the connection came in through instead.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_attribution.h"

#include <net/if.h>


static ngx_int_t ngx_http_ipng_stats_ingress_tag(ngx_http_request_t *r,
    ngx_str_t *tag);
static int ngx_http_ipng_stats_ingress_ifindex(ngx_connection_t *c);


char *
ngx_http_ipng_stats_default_source(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t                          *value;
    ngx_http_ipng_stats_listen_conf_t  *lcf;

    lcf = (ngx_http_ipng_stats_listen_conf_t *) ((u_char *) conf
                                                 + cmd->offset);

    if (lcf->default_source.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_default_source\" must not be empty");
        return NGX_CONF_ERROR;
    }

    lcf->default_source = value[1];

    return NGX_CONF_OK;
}


void
ngx_http_ipng_stats_attribution_init_conf(
    ngx_http_ipng_stats_listen_conf_t *lcf)
{
    if (lcf->default_source.data == NULL) {
        ngx_str_set(&lcf->default_source, "direct");
    }
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

    tag = &mcf->listen.default_source;
    hc = r->http_connection;

    if (hc) {
        src = mcf->listen.sources.elts;

        for (i = 0; i < mcf->listen.sources.nelts; i++) {
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


ngx_int_t
ngx_http_ipng_stats_map_sources(ngx_cycle_t *cycle,
    ngx_http_ipng_stats_listen_conf_t *lcf)
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

        olst = ngx_http_ipng_stats_find_listen(lcf, own->opt.sockaddr);
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
                        lst = ngx_http_ipng_stats_find_listen(lcf,
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

            src = ngx_array_push(&lcf->sources);
            if (src == NULL) {
                return NGX_ERROR;
            }

            src->addr_conf = ac;
            src->tag = lst->tag.len ? lst->tag : lst->device;
            src->ingress = olst ? olst->ingress : 0;
        }

        if (olst && olst->ingress) {
            ix = ngx_array_push(&lcf->ingress);
            if (ix == NULL) {
                return NGX_ERROR;
            }

            *ix = i;
        }

        if (olst && olst->device.len) {
            b = ngx_array_push(&lcf->bound);
            if (b == NULL) {
                return NGX_ERROR;
            }

            b->index = i;
            b->device = olst->device;
        }
    }

    /* reuseport copies of device and ingress sockets, one per worker */

    k = lcf->bound.nelts;
    n = lcf->ingress.nelts;

    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].handler != ngx_http_init_connection || ls[i].worker == 0) {
            continue;
        }

        ix = lcf->ingress.elts;

        for (j = 0; j < n; j++) {
            if (ls[ix[j]].servers == ls[i].servers) {
                ix = ngx_array_push(&lcf->ingress);
                if (ix == NULL) {
                    return NGX_ERROR;
                }

                *ix = i;
                break;
            }
        }

        b = lcf->bound.elts;

        for (j = 0; j < k; j++) {
            if (ls[b[j].index].servers == ls[i].servers) {
                break;
            }
        }

        if (j == k) {
            continue;
        }

        b = ngx_array_push(&lcf->bound);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->index = i;
        b->device = ((ngx_http_ipng_stats_bound_t *) lcf->bound.elts)[j].device;
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
