
/*
 * njs-ipng-stats native shim, listen: the configuration hook that reads
 * "listen ... device=IFNAME ipng_source_tag=TAG ipng_ingress".
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
 * The sockets themselves are created in the master
 * (ngx_http_ipng_stats_sockets.c); the source of a request is found by
 * ngx_http_ipng_stats_attribution.c.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_listen.h"


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
static ngx_int_t ngx_http_ipng_stats_listen_add(ngx_conf_t *cf,
    ngx_http_ipng_stats_main_conf_t *mcf, ngx_http_conf_port_t *port,
    ngx_http_conf_addr_t *addr, struct sockaddr *old, ngx_str_t *device,
    ngx_str_t *tag, ngx_uint_t ingress);
static void ngx_http_ipng_stats_listen_restore(void *data);


static char *(*ngx_http_ipng_stats_listen_orig)(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_command_t  *ngx_http_ipng_stats_listen_cmd;


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

            lst = ngx_http_ipng_stats_find_listen(&mcf->listen,
                                                  addr[a].opt.sockaddr);
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


ngx_http_ipng_stats_listen_t *
ngx_http_ipng_stats_find_listen(ngx_http_ipng_stats_listen_conf_t *lcf,
    struct sockaddr *sa)
{
    ngx_uint_t                     i;
    ngx_http_ipng_stats_listen_t  *lst;

    lst = lcf->listens.elts;

    for (i = 0; i < lcf->listens.nelts; i++) {
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

    lst = old ? ngx_http_ipng_stats_find_listen(&mcf->listen, old) : NULL;

    if (lst == NULL && (device->len || tag->len || ingress)) {
        lst = ngx_array_push(&mcf->listen.listens);
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

        o = ngx_http_ipng_stats_find_listen(&mcf->listen,
                                            other[a].opt.sockaddr);

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
ngx_http_ipng_stats_listen_create_conf(ngx_conf_t *cf,
    ngx_http_ipng_stats_listen_conf_t *lcf)
{
    if (ngx_array_init(&lcf->listens, cf->pool, 4,
                       sizeof(ngx_http_ipng_stats_listen_t))
        != NGX_OK
        || ngx_array_init(&lcf->sources, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_source_t))
           != NGX_OK
        || ngx_array_init(&lcf->bound, cf->pool, 4,
                          sizeof(ngx_http_ipng_stats_bound_t))
           != NGX_OK
        || ngx_array_init(&lcf->ingress, cf->pool, 4, sizeof(ngx_uint_t))
           != NGX_OK
        || ngx_array_init(&lcf->ignored, cf->pool, 4,
                          sizeof(ngx_listening_t *))
           != NGX_OK
        || ngx_array_init(&lcf->claimed, cf->pool, 4,
                          sizeof(ngx_listening_t *))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
