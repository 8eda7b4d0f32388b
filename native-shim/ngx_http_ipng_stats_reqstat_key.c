
/*
 * njs-ipng-stats native shim, reqstat: a zone's key for a request.
 *
 * The key is cut to the zone's key length.  A cut key carries a second
 * field, the identity of the whole key (its CRC32 and MurmurHash2, 16 hex
 * digits; not a cryptographic hash), so that two long keys that share
 * their first LEN bytes stay two lines, as in Tengine, which finds a node
 * by a hash of the whole key and keeps the cut text.  The field is empty
 * for a key that was not cut.
 *
 * A key that is one variable ("$uri", "$http_user_agent") is that
 * variable's value, read without nginx's script engine (which sizes, then
 * copies the value through a complex value's codes): the same bytes, an
 * unset variable giving the empty key as there.
 *
 * Per connection.  Tengine's usual key "$host,$server_addr:$server_port"
 * formats the local address and port for every request, which is most of
 * what reqstat costs a request.  A key whose variables are $host and
 * variables that cannot change on a connection (CONNECTION_CONSTANT) is a
 * function of $host on a connection: the first key a connection takes is
 * kept in the connection's pool with the $host it was made for, and a
 * later request whose $host is the same bytes takes it again.  A request
 * with another $host evaluates its key; the kept one is never replaced, so
 * that a key a request holds (the decision of a request still running on
 * an HTTP/2 connection) never changes under it.  The kept key also keeps
 * its table entry (ngx_http_ipng_stats_reqstat.c), so that its requests
 * skip hashing the zone and key.
 */


#include "ngx_http_ipng_stats_module.h"
#include "ngx_http_ipng_stats_reqstat_key.h"


/* the identity: CRC32 and MurmurHash2 of the whole key, in hex */
#define NGX_HTTP_IPNG_STATS_REQSTAT_ID_LEN  16


/* the kept keys of a connection, one slot per zone that can keep one */
typedef struct {
    ngx_http_ipng_stats_reqstat_kept_t  slot[1];
} ngx_http_ipng_stats_reqstat_kept_keys_t;


static ngx_int_t ngx_http_ipng_stats_reqstat_variable_init(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_zone_t *zone);
static void ngx_http_ipng_stats_reqstat_evaluate(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_str_t *key);
static ngx_int_t ngx_http_ipng_stats_reqstat_value(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_str_t *value);
static ngx_http_ipng_stats_reqstat_kept_t *
    ngx_http_ipng_stats_reqstat_kept(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone);
static ngx_int_t ngx_http_ipng_stats_reqstat_keep(ngx_connection_t *c,
    ngx_http_ipng_stats_reqstat_kept_t *kept, ngx_str_t *host, ngx_str_t *key);
static void ngx_http_ipng_stats_reqstat_kept_mark(void *data);


/*
 * Variables whose value a connection fixes: the local address and port
 * ($server_addr, $server_port) are the accepted socket's; an HTTP/2 or
 * HTTP/3 stream has the address of its connection.  $remote_addr is not
 * one (the realip module changes it per request), nor $server_name (the
 * virtual server follows the Host of each request).
 */
static ngx_str_t  ngx_http_ipng_stats_reqstat_connection_constant[] = {
    ngx_string("server_addr"),
    ngx_string("server_port"),
    ngx_null_string
};


ngx_int_t
ngx_http_ipng_stats_reqstat_key_init(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_uint_t *slots)
{
    u_char                     ch, *p, *last;
    ngx_str_t                  name, *constant;
    ngx_uint_t                 host;
    static ngx_str_t           host_name = ngx_string("host");

    zone->host_index = NGX_ERROR;
    zone->fixed = 0;

    if (ngx_http_ipng_stats_reqstat_variable_init(cf, zone) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the variables of the key, named as nginx's script compiler reads them */

    p = zone->key_text.data;
    last = p + zone->key_text.len;
    host = 0;

    while (p < last) {

        if (*p++ != '$' || p == last) {
            continue;
        }

        if (*p == '{') {
            name.data = ++p;

            while (p < last && *p != '}') {
                p++;
            }

        } else {
            name.data = p;

            while (p < last) {
                ch = *p;

                if ((ch < 'a' || ch > 'z') && (ch < 'A' || ch > 'Z')
                    && (ch < '0' || ch > '9') && ch != '_')
                {
                    break;
                }

                p++;
            }
        }

        name.len = p - name.data;

        if (name.len == 4 && ngx_strncasecmp(name.data, host_name.data, 4) == 0)
        {
            host = 1;
            continue;
        }

        for (constant = ngx_http_ipng_stats_reqstat_connection_constant;
             constant->len;
             constant++)
        {
            if (name.len == constant->len
                && ngx_strncasecmp(name.data, constant->data, name.len) == 0)
            {
                break;
            }
        }

        if (constant->len == 0) {
            /* a variable a request can change, or a regex capture */
            return NGX_OK;
        }
    }

    zone->fixed = 1;

    if (!host) {
        /* nothing the cache could compare; such keys are rare */
        return NGX_OK;
    }

    zone->host_index = ngx_http_get_variable_index(cf, &host_name);
    if (zone->host_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    zone->kept_slot = (*slots)++;

    return NGX_OK;
}


/* a key of one variable, "$name" or "${name}", as the script compiler reads */

static ngx_int_t
ngx_http_ipng_stats_reqstat_variable_init(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_zone_t *zone)
{
    u_char     ch, *p, *last;
    ngx_str_t  name;

    zone->variable_index = NGX_ERROR;

    p = zone->key_text.data;
    last = p + zone->key_text.len;

    if (last - p < 2 || *p++ != '$') {
        return NGX_OK;
    }

    if (*p == '{') {
        if (*(last - 1) != '}') {
            return NGX_OK;
        }

        p++;
        last--;
    }

    /* "$1" is a regex capture */

    if (p == last || (*p >= '0' && *p <= '9')) {
        return NGX_OK;
    }

    for (name.data = p; p < last; p++) {
        ch = *p;

        if ((ch < 'a' || ch > 'z') && (ch < 'A' || ch > 'Z')
            && (ch < '0' || ch > '9') && ch != '_')
        {
            return NGX_OK;
        }
    }

    name.len = last - name.data;

    zone->variable_index = ngx_http_get_variable_index(cf, &name);
    if (zone->variable_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_http_ipng_stats_reqstat_kept_t *
ngx_http_ipng_stats_reqstat_key(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_str_t *key)
{
    ngx_str_t                            host;
    ngx_http_variable_value_t           *v;
    ngx_http_ipng_stats_reqstat_kept_t  *kept;

    if (zone->host_index == NGX_ERROR) {
        ngx_http_ipng_stats_reqstat_evaluate(r, zone, key);
        return NULL;
    }

    /*
     * $host is the request's Host as nginx validated it, when it has one
     * (what ngx_http_variable_host() returns then; no configuration can
     * redefine $host): read without the variable machinery
     */

    if (r->headers_in.server.len) {
        host = r->headers_in.server;

    } else {
        v = ngx_http_get_indexed_variable(r, zone->host_index);

        if (v == NULL || v->not_found) {
            ngx_http_ipng_stats_reqstat_evaluate(r, zone, key);
            return NULL;
        }

        host.len = v->len;
        host.data = v->data;
    }

    kept = ngx_http_ipng_stats_reqstat_kept(r, zone);

    if (kept == NULL) {
        ngx_http_ipng_stats_reqstat_evaluate(r, zone, key);
        return NULL;
    }

    if (kept->kept) {
        if (kept->host.len == host.len
            && ngx_memcmp(kept->host.data, host.data, host.len) == 0)
        {
            key[0] = kept->key[0];
            key[1] = kept->key[1];
            return kept;
        }

        ngx_http_ipng_stats_reqstat_evaluate(r, zone, key);
        return NULL;
    }

    ngx_http_ipng_stats_reqstat_evaluate(r, zone, key);

    if (key[0].len == NGX_HTTP_IPNG_STATS_REQSTAT_NO_KEY
        || ngx_http_ipng_stats_reqstat_keep(r->connection, kept, &host, key)
           != NGX_OK)
    {
        return NULL;
    }

    return kept;
}


static void
ngx_http_ipng_stats_reqstat_evaluate(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_str_t *key)
{
    u_char  *id;

    ngx_str_null(&key[1]);

    if (zone->variable_index != NGX_ERROR) {
        if (ngx_http_ipng_stats_reqstat_value(r, zone, &key[0]) != NGX_OK) {
            goto failed;
        }

    } else if (ngx_http_complex_value(r, &zone->key, &key[0]) != NGX_OK) {
        goto failed;
    }

    if (key[0].len <= zone->key_length) {
        return;
    }

    id = ngx_pnalloc(r->pool, NGX_HTTP_IPNG_STATS_REQSTAT_ID_LEN);
    if (id == NULL) {
        goto failed;
    }

    key[1].len = ngx_sprintf(id, "%08xD%08xD",
                             ngx_crc32_long(key[0].data, key[0].len),
                             ngx_murmur_hash2(key[0].data, key[0].len))
                 - id;
    key[1].data = id;

    key[0].len = zone->key_length;

    return;

failed:

    key[0].len = NGX_HTTP_IPNG_STATS_REQSTAT_NO_KEY;
    key[0].data = NULL;
}


/*
 * the value of a one-variable key, copied (a complex value's result is a
 * copy too, which the decision holds until the log phase); flushed as a
 * complex value flushes it
 */

static ngx_int_t
ngx_http_ipng_stats_reqstat_value(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_str_t *value)
{
    ngx_http_variable_value_t  *v;

    v = ngx_http_get_flushed_variable(r, zone->variable_index);

    if (v == NULL || v->not_found || v->len == 0) {
        ngx_str_set(value, "");
        return NGX_OK;
    }

    value->data = ngx_pnalloc(r->pool, v->len);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(value->data, v->data, v->len);
    value->len = v->len;

    return NGX_OK;
}


/* the zone's slot on the request's connection, made at its first use */

static ngx_http_ipng_stats_reqstat_kept_t *
ngx_http_ipng_stats_reqstat_kept(ngx_http_request_t *r,
    ngx_http_ipng_stats_reqstat_zone_t *zone)
{
    ngx_pool_t                               *pool;
    ngx_pool_cleanup_t                       *cln;
    ngx_http_ipng_stats_reqstat_kept_keys_t  *keys;

    pool = r->connection->pool;

    for (cln = pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ipng_stats_reqstat_kept_mark) {
            keys = cln->data;
            goto found;
        }
    }

    cln = ngx_pool_cleanup_add(pool,
                         sizeof(ngx_http_ipng_stats_reqstat_kept_keys_t)
                         + (zone->kept_slots - 1)
                           * sizeof(ngx_http_ipng_stats_reqstat_kept_t));
    if (cln == NULL) {
        return NULL;
    }

    keys = cln->data;

    ngx_memzero(keys, sizeof(ngx_http_ipng_stats_reqstat_kept_keys_t)
                      + (zone->kept_slots - 1)
                        * sizeof(ngx_http_ipng_stats_reqstat_kept_t));

    cln->handler = ngx_http_ipng_stats_reqstat_kept_mark;

found:

    return &keys->slot[zone->kept_slot];
}


static ngx_int_t
ngx_http_ipng_stats_reqstat_keep(ngx_connection_t *c,
    ngx_http_ipng_stats_reqstat_kept_t *kept, ngx_str_t *host, ngx_str_t *key)
{
    u_char  *p;

    p = ngx_pnalloc(c->pool, host->len + key[0].len + key[1].len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    kept->host.len = host->len;
    kept->host.data = p;
    p = ngx_cpymem(p, host->data, host->len);

    kept->key[0].len = key[0].len;
    kept->key[0].data = p;
    p = ngx_cpymem(p, key[0].data, key[0].len);

    kept->key[1].len = key[1].len;
    kept->key[1].data = p;
    ngx_memcpy(p, key[1].data, key[1].len);

    kept->entry = NULL;
    kept->kept = 1;

    return NGX_OK;
}


/* the cleanup that holds a connection's kept keys: it frees nothing */

static void
ngx_http_ipng_stats_reqstat_kept_mark(void *data)
{
}
