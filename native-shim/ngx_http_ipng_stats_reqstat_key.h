
/*
 * njs-ipng-stats native shim, reqstat: a zone's key for a request
 * (ngx_http_ipng_stats_reqstat_key.c): the key cut to the zone's key
 * length, and the identity of the whole key when it was cut; kept per
 * connection for keys that only $host can change on a connection.
 */


#ifndef _NGX_HTTP_IPNG_STATS_REQSTAT_KEY_H_INCLUDED_
#define _NGX_HTTP_IPNG_STATS_REQSTAT_KEY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ipng_stats_reqstat_conf.h"
#include "ngx_http_ipng_stats_table.h"


/* a key's two fields on the wire: the cut key, the whole key's identity */
#define NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS   2

/* a key that could not be taken: the request is not counted in the zone */
#define NGX_HTTP_IPNG_STATS_REQSTAT_NO_KEY  ((size_t) -1)


/*
 * One zone's key kept on a connection (the first it took, never replaced),
 * and the table entry it counts in: looked up once, then valid while the
 * table has freed no entry since ("freed" is the table's count then).
 */
typedef struct {
    ngx_str_t                           host;
    ngx_str_t                           key[NGX_HTTP_IPNG_STATS_REQSTAT_NKEYS];
    ngx_http_ipng_stats_entry_t        *entry;
    ngx_uint_t                          freed;
    ngx_uint_t                          kept;   /* unsigned kept:1; */
} ngx_http_ipng_stats_reqstat_kept_t;


/* at configuration: whether the zone's key can be kept per connection */
ngx_int_t ngx_http_ipng_stats_reqstat_key_init(ngx_conf_t *cf,
    ngx_http_ipng_stats_reqstat_zone_t *zone, ngx_uint_t *slots);

/*
 * key[0]: the key, cut; key[1]: the whole key's identity, or empty;
 * returns the connection's kept key when key is it, else NULL
 */
ngx_http_ipng_stats_reqstat_kept_t *ngx_http_ipng_stats_reqstat_key(
    ngx_http_request_t *r, ngx_http_ipng_stats_reqstat_zone_t *zone,
    ngx_str_t *key);


#endif /* _NGX_HTTP_IPNG_STATS_REQSTAT_KEY_H_INCLUDED_ */
