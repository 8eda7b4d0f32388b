
/*
 * njs-ipng-stats native shim, core pipeline: a worker's table as one block
 * of the wire format (docs/wire-format.md), the same for every subsystem:
 *
 *   b US BOUNDS
 *   r US SUBSYSTEM US ZONE US NKEYS US KEY... US COUNTERS US HISTOGRAM...
 *   g US GAUGE US ZONE US PID US VALUE
 *   m US SUBSYSTEM US ZONE US NKEYS US NCOUNTERS US KEY... US MEMBERS
 *   d US SUBSYSTEM US ZONE US REQUESTS
 *   x US LOST
 *
 * An "m" line (a grouped shape's entries that share all keys but the
 * last) carries, after those keys, its members space separated: each
 * entry's last key (escaped, a space too) followed by its counters, in
 * the order of the last keys.
 * Every field is escaped ("\xHH" for each byte outside 0x20-0x7e and for
 * "\"), so a key carries any byte; counters and histograms are decimal
 * numbers separated by spaces, a histogram that saw nothing is empty.
 * A "d" line counts the requests a zone of a shape could not count (its
 * entries at their bound), so that the zone that lost them shows them;
 * "x" counts what the table and the handoff lost otherwise.
 * The length is computed first, exactly, and the block written into a
 * buffer of that length.
 */


#include "ngx_http_ipng_stats_wire.h"


#define NGX_HTTP_IPNG_STATS_SEP  '\x1f'


static ngx_uint_t ngx_http_ipng_stats_wire_histogram_empty(
    ngx_http_ipng_stats_table_t *t, uint64_t *hist);
static ngx_uint_t ngx_http_ipng_stats_wire_gauge_due(
    ngx_http_ipng_stats_entry_t *e);
static size_t ngx_http_ipng_stats_digits(uint64_t n);
static size_t ngx_http_ipng_stats_wire_groups_len(
    ngx_http_ipng_stats_table_t *t);
static u_char *ngx_http_ipng_stats_wire_groups_render(
    ngx_http_ipng_stats_table_t *t, u_char *p);
static size_t ngx_http_ipng_stats_wire_drops_len(
    ngx_http_ipng_stats_table_t *t);
static u_char *ngx_http_ipng_stats_wire_drops_render(
    ngx_http_ipng_stats_table_t *t, u_char *p);
static ngx_uint_t ngx_http_ipng_stats_wire_group_end(
    ngx_http_ipng_stats_table_t *t, ngx_uint_t first, ngx_uint_t *any);
static size_t ngx_http_ipng_stats_escaped_len_as(ngx_str_t *field,
    ngx_uint_t member);
static u_char *ngx_http_ipng_stats_escape_as(u_char *p, ngx_str_t *field,
    ngx_uint_t member);


/* the exact length of the block, 0 when nothing is pending */

size_t
ngx_http_ipng_stats_wire_len(ngx_http_ipng_stats_table_t *t, uint64_t lost)
{
    size_t                            len, groups;
    uint64_t                         *hist;
    ngx_uint_t                        i, k, h, any;
    ngx_http_ipng_stats_entry_t      *e;
    ngx_http_ipng_stats_subsystem_t  *sub;

    len = 0;
    any = 0;

    for (e = t->first; e; e = e->next) {
        sub = e->subsystem;

        if (e->gauge) {
            if (!ngx_http_ipng_stats_wire_gauge_due(e)) {
                continue;
            }

            /* "g US GAUGE US ZONE US PID US VALUE" */

            any = 1;
            len += 2 + sub->name.len
                   + 1 + ngx_http_ipng_stats_escaped_len(&e->zone)
                   + 1 + ngx_http_ipng_stats_digits((uint64_t) ngx_pid)
                   + 1 + ngx_http_ipng_stats_digits(
                             e->counters[NGX_HTTP_IPNG_STATS_GAUGE_VALUE])
                   + 1;
            continue;
        }

        if (e->counters[sub->seen] == 0 || sub->grouped) {
            continue;
        }

        any = 1;

        /* "r US SUBSYSTEM US ZONE US NKEYS" */

        len += 2 + sub->name.len
               + 1 + ngx_http_ipng_stats_escaped_len(&e->zone)
               + 1 + ngx_http_ipng_stats_digits(sub->nkeys);

        for (k = 0; k < sub->nkeys; k++) {
            len += 1 + ngx_http_ipng_stats_escaped_len(&e->keys[k]);
        }

        /* US, the counters separated by spaces */

        for (i = 0; i < sub->ncounters; i++) {
            len += 1 + ngx_http_ipng_stats_digits(e->counters[i]);
        }

        for (h = 0; h < sub->nhistograms; h++) {
            len++;

            hist = ngx_http_ipng_stats_histogram(t, e, h);

            if (ngx_http_ipng_stats_wire_histogram_empty(t, hist)) {
                continue;
            }

            /* the sum, then each bucket after a space */

            len += ngx_http_ipng_stats_digits(hist[0]);

            for (i = 0; i <= t->nbounds; i++) {
                len += 1 + ngx_http_ipng_stats_digits(hist[1 + i]);
            }
        }

        len++;
    }

    groups = ngx_http_ipng_stats_wire_groups_len(t);

    if (groups) {
        any = 1;
        len += groups;
    }

    groups = ngx_http_ipng_stats_wire_drops_len(t);

    if (groups) {
        any = 1;
        len += groups;
    }

    lost += t->dropped;

    if (lost) {
        any = 1;
        len += 2 + ngx_http_ipng_stats_digits(lost) + 1;
    }

    if (!any) {
        return 0;
    }

    return 2 + t->bounds_text->len + 1 + len;
}


u_char *
ngx_http_ipng_stats_wire_render(ngx_http_ipng_stats_table_t *t, u_char *p,
    uint64_t lost)
{
    uint64_t                         *hist;
    ngx_uint_t                        i, k, h;
    ngx_http_ipng_stats_entry_t      *e;
    ngx_http_ipng_stats_subsystem_t  *sub;

    p = ngx_sprintf(p, "b%c%V\n", NGX_HTTP_IPNG_STATS_SEP, t->bounds_text);

    for (e = t->first; e; e = e->next) {
        sub = e->subsystem;

        if (e->gauge) {
            if (!ngx_http_ipng_stats_wire_gauge_due(e)) {
                continue;
            }

            p = ngx_sprintf(p, "g%c%V%c", NGX_HTTP_IPNG_STATS_SEP,
                            &sub->name, NGX_HTTP_IPNG_STATS_SEP);
            p = ngx_http_ipng_stats_escape(p, &e->zone);
            p = ngx_sprintf(p, "%c%P%c%uL\n", NGX_HTTP_IPNG_STATS_SEP,
                            ngx_pid, NGX_HTTP_IPNG_STATS_SEP,
                            e->counters[NGX_HTTP_IPNG_STATS_GAUGE_VALUE]);
            continue;
        }

        if (e->counters[sub->seen] == 0 || sub->grouped) {
            continue;
        }

        p = ngx_sprintf(p, "r%c%V%c", NGX_HTTP_IPNG_STATS_SEP, &sub->name,
                        NGX_HTTP_IPNG_STATS_SEP);
        p = ngx_http_ipng_stats_escape(p, &e->zone);
        p = ngx_sprintf(p, "%c%ui", NGX_HTTP_IPNG_STATS_SEP, sub->nkeys);

        for (k = 0; k < sub->nkeys; k++) {
            *p++ = NGX_HTTP_IPNG_STATS_SEP;
            p = ngx_http_ipng_stats_escape(p, &e->keys[k]);
        }

        for (i = 0; i < sub->ncounters; i++) {
            p = ngx_sprintf(p, "%c%uL", i ? ' ' : NGX_HTTP_IPNG_STATS_SEP,
                            e->counters[i]);
        }

        for (h = 0; h < sub->nhistograms; h++) {
            *p++ = NGX_HTTP_IPNG_STATS_SEP;

            hist = ngx_http_ipng_stats_histogram(t, e, h);

            if (ngx_http_ipng_stats_wire_histogram_empty(t, hist)) {
                continue;
            }

            p = ngx_sprintf(p, "%uL", hist[0]);

            for (i = 0; i <= t->nbounds; i++) {
                p = ngx_sprintf(p, " %uL", hist[1 + i]);
            }
        }

        *p++ = '\n';
    }

    p = ngx_http_ipng_stats_wire_groups_render(t, p);

    p = ngx_http_ipng_stats_wire_drops_render(t, p);

    lost += t->dropped;

    if (lost) {
        p = ngx_sprintf(p, "x%c%uL\n", NGX_HTTP_IPNG_STATS_SEP, lost);
    }

    return p;
}


/* "d US SUBSYSTEM US ZONE US REQUESTS" for each zone that dropped some */

static size_t
ngx_http_ipng_stats_wire_drops_len(ngx_http_ipng_stats_table_t *t)
{
    size_t                             len;
    ngx_uint_t                         i;
    ngx_http_ipng_stats_zone_drops_t  *d;

    len = 0;
    d = t->zone_drops.elts;

    for (i = 0; i < t->zone_drops.nelts; i++) {
        if (d[i].requests == 0) {
            continue;
        }

        len += 2 + d[i].subsystem->name.len
               + 1 + ngx_http_ipng_stats_escaped_len(d[i].zone)
               + 1 + ngx_http_ipng_stats_digits(d[i].requests) + 1;
    }

    return len;
}


static u_char *
ngx_http_ipng_stats_wire_drops_render(ngx_http_ipng_stats_table_t *t,
    u_char *p)
{
    ngx_uint_t                         i;
    ngx_http_ipng_stats_zone_drops_t  *d;

    d = t->zone_drops.elts;

    for (i = 0; i < t->zone_drops.nelts; i++) {
        if (d[i].requests == 0) {
            continue;
        }

        p = ngx_sprintf(p, "d%c%V%c", NGX_HTTP_IPNG_STATS_SEP,
                        &d[i].subsystem->name, NGX_HTTP_IPNG_STATS_SEP);
        p = ngx_http_ipng_stats_escape(p, d[i].zone);
        p = ngx_sprintf(p, "%c%uL\n", NGX_HTTP_IPNG_STATS_SEP,
                        d[i].requests);
    }

    return p;
}


/*
 * the index after the group that starts at first in the grouped array;
 * any: whether one of its entries has something to write
 */

static ngx_uint_t
ngx_http_ipng_stats_wire_group_end(ngx_http_ipng_stats_table_t *t,
    ngx_uint_t first, ngx_uint_t *any)
{
    ngx_uint_t                    i;
    ngx_http_ipng_stats_entry_t  *e;

    *any = 0;

    for (i = first; i < t->ngrouped; i++) {
        e = t->grouped[i];

        if (i > first
            && !ngx_http_ipng_stats_table_same_group(t->grouped[first], e))
        {
            break;
        }

        if (e->counters[e->subsystem->seen]) {
            *any = 1;
        }
    }

    return i;
}


static size_t
ngx_http_ipng_stats_wire_groups_len(ngx_http_ipng_stats_table_t *t)
{
    size_t                            len;
    ngx_uint_t                        g, end, i, k, any;
    ngx_http_ipng_stats_entry_t      *e;
    ngx_http_ipng_stats_subsystem_t  *sub;

    len = 0;

    for (g = 0; g < t->ngrouped; g = end) {
        end = ngx_http_ipng_stats_wire_group_end(t, g, &any);

        if (!any) {
            continue;
        }

        e = t->grouped[g];
        sub = e->subsystem;

        /* "m US SUBSYSTEM US ZONE US NKEYS US NCOUNTERS", shared keys, US */

        len += 2 + sub->name.len
               + 1 + ngx_http_ipng_stats_escaped_len(&e->zone)
               + 1 + ngx_http_ipng_stats_digits(sub->nkeys)
               + 1 + ngx_http_ipng_stats_digits(sub->ncounters) + 1;

        for (k = 0; k + 1 < sub->nkeys; k++) {
            len += ngx_http_ipng_stats_escaped_len(&e->keys[k]) + 1;
        }

        /* the members, a space before each but the first, then "\n" */

        for (i = g; i < end; i++) {
            e = t->grouped[i];

            if (e->counters[sub->seen] == 0) {
                continue;
            }

            len += 1 + ngx_http_ipng_stats_escaped_len_as(
                                                &e->keys[sub->nkeys - 1], 1);

            for (k = 0; k < sub->ncounters; k++) {
                len += 1 + ngx_http_ipng_stats_digits(e->counters[k]);
            }
        }
    }

    return len;
}


static u_char *
ngx_http_ipng_stats_wire_groups_render(ngx_http_ipng_stats_table_t *t,
    u_char *p)
{
    ngx_uint_t                        g, end, i, k, any, first;
    ngx_http_ipng_stats_entry_t      *e;
    ngx_http_ipng_stats_subsystem_t  *sub;

    for (g = 0; g < t->ngrouped; g = end) {
        end = ngx_http_ipng_stats_wire_group_end(t, g, &any);

        if (!any) {
            continue;
        }

        e = t->grouped[g];
        sub = e->subsystem;

        p = ngx_sprintf(p, "m%c%V%c", NGX_HTTP_IPNG_STATS_SEP, &sub->name,
                        NGX_HTTP_IPNG_STATS_SEP);
        p = ngx_http_ipng_stats_escape(p, &e->zone);
        p = ngx_sprintf(p, "%c%ui%c%ui%c", NGX_HTTP_IPNG_STATS_SEP,
                        sub->nkeys, NGX_HTTP_IPNG_STATS_SEP, sub->ncounters,
                        NGX_HTTP_IPNG_STATS_SEP);

        for (k = 0; k + 1 < sub->nkeys; k++) {
            p = ngx_http_ipng_stats_escape(p, &e->keys[k]);
            *p++ = NGX_HTTP_IPNG_STATS_SEP;
        }

        first = 1;

        for (i = g; i < end; i++) {
            e = t->grouped[i];

            if (e->counters[sub->seen] == 0) {
                continue;
            }

            if (!first) {
                *p++ = ' ';
            }

            first = 0;

            p = ngx_http_ipng_stats_escape_as(p, &e->keys[sub->nkeys - 1], 1);

            for (k = 0; k < sub->ncounters; k++) {
                p = ngx_sprintf(p, " %uL", e->counters[k]);
            }
        }

        *p++ = '\n';
    }

    return p;
}


/*
 * a gauge is written while it is not 0, as this worker's sign of life for
 * the reader, and once when it changed to 0, so that the reader drops it
 */

static ngx_uint_t
ngx_http_ipng_stats_wire_gauge_due(ngx_http_ipng_stats_entry_t *e)
{
    return e->counters[NGX_HTTP_IPNG_STATS_GAUGE_VALUE] != 0
           || e->counters[NGX_HTTP_IPNG_STATS_GAUGE_CHANGED] != 0;
}


static ngx_uint_t
ngx_http_ipng_stats_wire_histogram_empty(ngx_http_ipng_stats_table_t *t,
    uint64_t *hist)
{
    ngx_uint_t  i;

    for (i = 0; i <= t->nbounds; i++) {
        if (hist[1 + i]) {
            return 0;
        }
    }

    return 1;
}


static size_t
ngx_http_ipng_stats_digits(uint64_t n)
{
    size_t  len;

    for (len = 1; n >= 10; len++) {
        n /= 10;
    }

    return len;
}


/*
 * docs/wire-format.md: a field keeps the bytes 0x20-0x7e but "\", every
 * other byte becomes "\xHH"; njs would turn bytes that are not UTF-8 into
 * U+FFFD, and a newline or 0x1f would split the line; a member of an "m"
 * line, which spaces separate, escapes the space too
 */

#define ngx_http_ipng_stats_plain(c, member)                                  \
    ((c) >= 0x20 && (c) <= 0x7e && (c) != '\\'                                \
     && !((member) && (c) == ' '))


size_t
ngx_http_ipng_stats_escaped_len(ngx_str_t *field)
{
    return ngx_http_ipng_stats_escaped_len_as(field, 0);
}


u_char *
ngx_http_ipng_stats_escape(u_char *p, ngx_str_t *field)
{
    return ngx_http_ipng_stats_escape_as(p, field, 0);
}


static size_t
ngx_http_ipng_stats_escaped_len_as(ngx_str_t *field, ngx_uint_t member)
{
    size_t  len, i;

    len = field->len;

    for (i = 0; i < field->len; i++) {
        if (!ngx_http_ipng_stats_plain(field->data[i], member)) {
            len += 3;
        }
    }

    return len;
}


static u_char *
ngx_http_ipng_stats_escape_as(u_char *p, ngx_str_t *field, ngx_uint_t member)
{
    u_char         c;
    size_t         i;
    static u_char  hex[] = "0123456789abcdef";

    for (i = 0; i < field->len; i++) {
        c = field->data[i];

        if (ngx_http_ipng_stats_plain(c, member)) {
            *p++ = c;
            continue;
        }

        *p++ = '\\';
        *p++ = 'x';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xf];
    }

    return p;
}
