
/*
 * njs-ipng-stats native shim: the spec's configuration, run by njs, and
 * the same glue for the other subsystems (ngx_http_ipng_stats_njs_dict(),
 * ngx_http_ipng_stats_njs_display()).
 *
 *   ipng_stats_zone NAME:SIZE;   js_shared_dict_zone zone=NAME:SIZE
 *                                type=string;
 *   ipng_stats;                  js_import ipng_stats from BUNDLE; (http)
 *                                js_content ipng_stats.scrape;
 *                                js_periodic ipng_stats.tick
 *                                    interval=FLUSH worker_affinity=all;
 *                                (the periodic once, in the first such
 *                                location, at the flush interval)
 *   ipng_stats_bundle PATH;      the BUNDLE above
 *
 * Each njs directive is run through ngx_http_js_module's public command
 * table, exactly as nginx's ngx_conf_handler() runs it for a line of
 * nginx.conf: the directive syntax is njs's public interface, and no
 * structure of njs is copied here.  The one field read from njs's
 * configuration is js_path's, through its command's offset and the
 * documented layout of ngx_conf_set_str_array_slot() (an ngx_array_t * of
 * ngx_str_t), and only when js_path still uses that slot function.
 */


#include "ngx_http_ipng_stats_module.h"


/*
 * A location whose content handler is one of the bundle's (the scrape of
 * "ipng_stats;", reqstat's "req_status_show", ...): lcf is set for the
 * scrape only, which ipng never counts.
 */
typedef struct {
    ngx_http_core_loc_conf_t             *clcf;
    ngx_http_ipng_stats_ipng_loc_conf_t  *lcf;
    ngx_http_handler_pt                   handler;  /* as js_content set it */
    const char                           *caller;   /* "ipng_stats;", ... */
    const char                           *what;     /* "scrape handler" */
    ngx_str_t                             file;
    ngx_uint_t                            line;
} ngx_http_ipng_stats_display_t;


struct ngx_http_ipng_stats_njs_s {
    ngx_str_t                       zone;       /* ipng_stats_zone NAME */
    ngx_str_t                       bundle;     /* ipng_stats_bundle PATH */

    /* where the bundle was imported, with js_path as it was then */
    ngx_str_t                       imported;
    ngx_uint_t                      js_path_set;    /* unsigned :1 */
    const char                     *import_caller;
    ngx_str_t                       import_file;
    ngx_uint_t                      import_line;

    ngx_array_t                     displays; /* ..._display_t */

    /* the first display's location, which carries the tick */
    ngx_http_conf_ctx_t            *tick_ctx;
    const char                     *tick_caller;

    /* js_shared_dict_zone ... type=number, as written */
    ngx_array_t                     number_zones;   /* of ..._zone_line_t */
};


typedef struct {
    ngx_str_t                       name;
    ngx_str_t                       file;
    ngx_uint_t                      line;
} ngx_http_ipng_stats_zone_line_t;


typedef struct {
    ngx_uint_t                      js_first;   /* unsigned :1 */
} ngx_ipng_stats_load_order_conf_t;


static ngx_http_ipng_stats_njs_t *ngx_http_ipng_stats_njs_conf(ngx_conf_t *cf);
static ngx_module_t *ngx_http_ipng_stats_js_module(ngx_cycle_t *cycle);
static ngx_command_t *ngx_http_ipng_stats_js_command(ngx_module_t *js,
    ngx_str_t *name);
static char *ngx_http_ipng_stats_js_run(ngx_conf_t *cf,
    ngx_http_conf_ctx_t *ctx, ngx_uint_t context, const char *caller,
    ngx_str_t *words, ngx_uint_t n);
static ngx_int_t ngx_http_ipng_stats_js_path_set(ngx_cycle_t *cycle);
static char *ngx_http_ipng_stats_import(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs, const char *caller);
static u_char *ngx_http_ipng_stats_caller(ngx_conf_t *cf);
static ngx_http_ipng_stats_display_t *ngx_http_ipng_stats_display(
    ngx_conf_t *cf, const char *caller, const char *what,
    const char *handler);
static void *ngx_ipng_stats_load_order_create_conf(ngx_cycle_t *cycle);
static ngx_shm_zone_t *ngx_http_ipng_stats_shm_zone_find(ngx_cycle_t *cycle,
    ngx_str_t *name);
static char *ngx_http_ipng_stats_dict_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_ipng_stats_dict_zone_restore(void *data);


/*
 * njs's "js_shared_dict_zone", whose "set" handler is swapped for
 * ngx_http_ipng_stats_dict_zone() while the http{} block is read (as
 * "listen" is, ngx_http_ipng_stats_listen.c): it notes the zones declared
 * type=number and runs njs's handler.  The zone's type is njs's private
 * state; the directive's arguments are its public syntax.
 */
static char *(*ngx_http_ipng_stats_dict_zone_orig)(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_command_t  *ngx_http_ipng_stats_dict_zone_cmd;


/*
 * A core module only to see the load order: nginx creates a dynamically
 * loaded core module's configuration at its load_module line, so that is
 * where the shim can tell whether ngx_http_js_module was loaded before it.
 * (Positions in cycle->modules do not tell: ngx_http_js_module asks to be
 * placed before ngx_http_copy_filter_module wherever it is loaded.)
 */

static ngx_core_module_t  ngx_ipng_stats_load_order_module_ctx = {
    ngx_string("ipng_stats_load_order"),
    ngx_ipng_stats_load_order_create_conf, /* create configuration */
    NULL                                   /* init configuration */
};


ngx_module_t  ngx_ipng_stats_load_order_module = {
    NGX_MODULE_V1,
    &ngx_ipng_stats_load_order_module_ctx, /* module context */
    NULL,                                  /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_ipng_stats_js_module_name =
    ngx_string("ngx_http_js_module");
static ngx_str_t  ngx_http_ipng_stats_bundle_file =
    ngx_string("ipng-stats.js");
static ngx_str_t  ngx_http_ipng_stats_default_bundle =
    ngx_string(NGX_HTTP_IPNG_STATS_BUNDLE);
static ngx_str_t  ngx_http_ipng_stats_default_zone =
    ngx_string(NGX_HTTP_IPNG_STATS_DEFAULT_ZONE);


char *
ngx_http_ipng_stats_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    u_char                     *p, *last, c;
    ssize_t                     size;
    ngx_str_t                  *value, name, size_text, words[3];
    ngx_uint_t                  i;
    ngx_http_ipng_stats_njs_t  *njs;

    njs = ngx_http_ipng_stats_njs_conf(cf);
    if (njs == NULL) {
        return NGX_CONF_ERROR;
    }

    if (njs->zone.len) {
        return "is duplicate";
    }

    value = cf->args->elts;
    last = value[1].data + value[1].len;

    p = ngx_strlchr(value[1].data, last, ':');

    if (p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"ipng_stats_zone\": "
                           "it must be NAME:SIZE, e.g. ipng:4m", &value[1]);
        return NGX_CONF_ERROR;
    }

    name.data = value[1].data;
    name.len = p - value[1].data;

    size_text.data = p + 1;
    size_text.len = last - size_text.data;

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_zone\" needs a zone name before "
                           "\":\", e.g. ipng:4m");
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < name.len; i++) {
        c = name.data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid zone name \"%V\" in "
                               "\"ipng_stats_zone\": use letters, digits, "
                               "\"_\" and \"-\" only", &name);
            return NGX_CONF_ERROR;
        }
    }

    /* the spec: "an nginx size spec with k or m suffix" */

    size = NGX_ERROR;

    if (size_text.len > 1) {
        switch (size_text.data[size_text.len - 1]) {
        case 'k': case 'K': case 'm': case 'M':
            size = ngx_parse_size(&size_text);
        }
    }

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\" in \"ipng_stats_zone\": "
                           "it must be a number with a k or m suffix, "
                           "e.g. 4m or 512k", &size_text);
        return NGX_CONF_ERROR;
    }

    /* more than the 8 pages nginx's slab allocator, and so njs, need */

    if (size < NGX_HTTP_IPNG_STATS_ZONE_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone size \"%V\" in \"ipng_stats_zone\" is too "
                           "small: it must be at least %uzk ("
                           NGX_HTTP_IPNG_STATS_ZONE_MIN_WHY ")",
                           &size_text,
                           (size_t) NGX_HTTP_IPNG_STATS_ZONE_MIN / 1024);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ipng_stats_shm_zone_find(cf->cycle, &name) != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone name \"%V\" in \"ipng_stats_zone\" is "
                           "already used by another shared memory zone "
                           "(js_shared_dict_zone, limit_req_zone, ...) "
                           "declared before it: pick another name",
                           &name);
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&words[0], "js_shared_dict_zone");

    words[1].len = sizeof("zone=") - 1 + value[1].len;
    words[1].data = ngx_pnalloc(cf->pool, words[1].len);
    if (words[1].data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(words[1].data, "zone=%V", &value[1]);

    /* one record per (source, vip), written by the shim's lease holder */
    ngx_str_set(&words[2], "type=string");

    if (ngx_http_ipng_stats_js_run(cf, cf->ctx, NGX_HTTP_MAIN_CONF,
                                   "ipng_stats_zone", words, 3)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    njs->zone = name;

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_bundle(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                  *value;
    ngx_http_ipng_stats_njs_t  *njs;

    njs = ngx_http_ipng_stats_njs_conf(cf);
    if (njs == NULL) {
        return NGX_CONF_ERROR;
    }

    if (njs->bundle.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_bundle\" needs the path of "
                           "ipng-stats.js");
        return NGX_CONF_ERROR;
    }

    if (njs->imported.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats_bundle\" must come before the "
                           "first \"%s\" (in %V:%ui), which "
                           "imports the bundle",
                           njs->import_caller, &njs->import_file,
                           njs->import_line);
        return NGX_CONF_ERROR;
    }

    njs->bundle = value[1];

    return NGX_CONF_OK;
}


char *
ngx_http_ipng_stats_scrape(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ipng_stats_display_t  *display;

    if (cf->cmd_type != NGX_HTTP_LOC_CONF) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ipng_stats;\" without a value is the scrape "
                           "handler: it belongs in a location (\"ipng_stats "
                           "on|off\" switches counting here)");
        return NGX_CONF_ERROR;
    }

    display = ngx_http_ipng_stats_display(cf, "ipng_stats;", "scrape handler",
                                          "scrape");
    if (display == NULL) {
        return NGX_CONF_ERROR;
    }

    if (display == NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    display->lcf = conf;

    return NGX_CONF_OK;
}


/*
 * The glue for the shim's other subsystems (pipeline contract, section
 * 3): "js_shared_dict_zone zone=NAME:SIZE type=string;" at http level,
 * for the zone a subsystem's njs part stores into.  The directive being
 * read (cf->args[0]) names the caller in njs's messages.
 */

char *
ngx_http_ipng_stats_njs_dict(ngx_conf_t *cf, ngx_str_t *name, ssize_t size)
{
    u_char               *caller;
    ngx_str_t             words[3], *value;
    ngx_http_conf_ctx_t  *http_ctx;

    value = cf->args->elts;

    caller = ngx_http_ipng_stats_caller(cf);
    if (caller == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ipng_stats_shm_zone_find(cf->cycle, name) != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs the shared memory zone \"%V\", "
                           "whose name is already used by another zone "
                           "(js_shared_dict_zone, limit_req_zone, ...) "
                           "declared before it: pick another name",
                           &value[0], name);
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&words[0], "js_shared_dict_zone");

    words[1].len = sizeof("zone=:") - 1 + name->len + NGX_SIZE_T_LEN;
    words[1].data = ngx_pnalloc(cf->pool, words[1].len);
    if (words[1].data == NULL) {
        return NGX_CONF_ERROR;
    }

    words[1].len = ngx_sprintf(words[1].data, "zone=%V:%uz", name,
                               (size_t) size)
                   - words[1].data;

    ngx_str_set(&words[2], "type=string");

    http_ctx = (ngx_http_conf_ctx_t *)
                   cf->cycle->conf_ctx[ngx_http_module.index];

    return ngx_http_ipng_stats_js_run(cf, http_ctx, NGX_HTTP_MAIN_CONF,
                                      (const char *) caller, words, 3);
}


/*
 * The glue's second half: the location of the directive being read
 * (cf->args[0], e.g. "req_status_show") gets the bundle's default export
 * HANDLER as its content handler, with the bundle imported (once) and the
 * tick that drains the shim (once per configuration).
 */

char *
ngx_http_ipng_stats_njs_display(ngx_conf_t *cf, const char *handler)
{
    u_char                         *caller;
    ngx_str_t                      *value;
    ngx_http_ipng_stats_display_t  *display;

    value = cf->args->elts;

    caller = ngx_http_ipng_stats_caller(cf);
    if (caller == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cf->cmd_type != NGX_HTTP_LOC_CONF) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is a content handler: it belongs in a "
                           "location", &value[0]);
        return NGX_CONF_ERROR;
    }

    display = ngx_http_ipng_stats_display(cf, (const char *) caller,
                                          "display handler", handler);
    if (display == NULL) {
        return NGX_CONF_ERROR;
    }

    if (display == NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    return NGX_CONF_OK;
}


/* the name of the directive being read, as a C string for messages */

static u_char *
ngx_http_ipng_stats_caller(ngx_conf_t *cf)
{
    u_char     *caller;
    ngx_str_t  *value;

    value = cf->args->elts;

    caller = ngx_pnalloc(cf->pool, value[0].len + 1);
    if (caller == NULL) {
        return NULL;
    }

    ngx_cpystrn(caller, value[0].data, value[0].len + 1);

    return caller;
}


/*
 * The current location made a display of the bundle's HANDLER: NULL on
 * error (logged), NGX_CONF_UNSET_PTR when it already is one.
 */

static ngx_http_ipng_stats_display_t *
ngx_http_ipng_stats_display(ngx_conf_t *cf, const char *caller,
    const char *what, const char *handler)
{
    size_t                          len;
    ngx_str_t                       words[4];
    ngx_uint_t                      i;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_ipng_stats_njs_t      *njs;
    ngx_http_ipng_stats_display_t  *display;

    njs = ngx_http_ipng_stats_njs_conf(cf);
    if (njs == NULL) {
        return NULL;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    display = njs->displays.elts;

    for (i = 0; i < njs->displays.nelts; i++) {
        if (display[i].clcf == clcf) {
            return NGX_CONF_UNSET_PTR;
        }
    }

    if (clcf->handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" cannot be combined with another "
                           "content handler (proxy_pass, fastcgi_pass, "
                           "js_content, ...) given before it in the same "
                           "location: the %s must be the "
                           "location's only one", caller, what);
        return NULL;
    }

    if (njs->imported.len == 0) {
        if (ngx_http_ipng_stats_import(cf, njs, caller) != NGX_CONF_OK) {
            return NULL;
        }
    }

    ngx_str_set(&words[0], "js_content");

    len = ngx_strlen(handler);
    words[1].len = sizeof("ipng_stats.") - 1 + len;
    words[1].data = ngx_pnalloc(cf->pool, words[1].len);
    if (words[1].data == NULL) {
        return NULL;
    }

    ngx_memcpy(ngx_cpymem(words[1].data, "ipng_stats.",
                          sizeof("ipng_stats.") - 1),
               handler, len);

    if (ngx_http_ipng_stats_js_run(cf, cf->ctx, NGX_HTTP_LOC_CONF, caller,
                                   words, 2)
        != NGX_CONF_OK)
    {
        return NULL;
    }

    /*
     * The tick (nginx/ipng-stats-tick.conf): js_periodic is only allowed
     * in a location, and one per configuration is enough: the first
     * display location carries it, so that a configuration with only
     * reqstat's or SSL status's directives drains too.  Its interval is
     * the flush interval, known once http{} is read: the line is run then
     * (ngx_http_ipng_stats_njs_tick()).
     */

    if (njs->displays.nelts == 0) {
        njs->tick_ctx = cf->ctx;
        njs->tick_caller = caller;
    }

    display = ngx_array_push(&njs->displays);
    if (display == NULL) {
        return NULL;
    }

    display->clcf = clcf;
    display->lcf = NULL;
    display->handler = clcf->handler;
    display->caller = caller;
    display->what = what;
    display->file = cf->conf_file->file.name;
    display->line = cf->conf_file->line;

    return display;
}


/*
 * "js_periodic ipng_stats.tick interval=FLUSH worker_affinity=all;" in the
 * first display location, once http{} is read and the flush interval is
 * known.  Every run of the tick clones a VM of the whole bundle (njs runs
 * the bundle's top-level code for each clone, about 400,000 instructions),
 * so the tick runs once per flush interval: a 100 ms period (the explicit
 * form's nginx/ipng-stats-tick.conf) would clone it ten times a second in
 * every worker for one flush.  Each worker's flush stays paced by its own
 * last flush (src/pipeline/flush-pacing.ts), which a tick one flush
 * interval after the last always finds due.
 */

char *
ngx_http_ipng_stats_njs_tick(ngx_conf_t *cf, ngx_http_ipng_stats_njs_t *njs,
    ngx_msec_t interval)
{
    u_char     *p;
    ngx_str_t   words[4];

    if (njs == NULL || njs->tick_ctx == NULL) {
        return NGX_CONF_OK;
    }

    p = ngx_pnalloc(cf->pool, sizeof("interval=ms") - 1 + NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&words[0], "js_periodic");
    ngx_str_set(&words[1], "ipng_stats.tick");
    words[2].data = p;
    words[2].len = ngx_sprintf(p, "interval=%Mms", interval) - p;
    ngx_str_set(&words[3], "worker_affinity=all");

    return ngx_http_ipng_stats_js_run(cf, njs->tick_ctx, NGX_HTTP_LOC_CONF,
                                      njs->tick_caller, words, 4);
}


/*
 * The bundle is imported at http level, where njs compiles it once for
 * every server and location (as a "js_import" at http level would be), as
 * "ipng_stats": a name of its own, so that a "js_import ipng from ..." of
 * the explicit form never collides with it.
 */

static char *
ngx_http_ipng_stats_import(ngx_conf_t *cf, ngx_http_ipng_stats_njs_t *njs,
    const char *caller)
{
    ngx_str_t             path, words[4];
    ngx_int_t             js_path;
    ngx_file_info_t       fi;
    ngx_http_conf_ctx_t  *http_ctx;

    js_path = ngx_http_ipng_stats_js_path_set(cf->cycle);

    if (njs->bundle.len) {
        path = njs->bundle;

    } else if (js_path == 1) {
        /* njs looks it up as for any js_import: prefix, then js_path */
        path = ngx_http_ipng_stats_bundle_file;

    } else {
        path = ngx_http_ipng_stats_default_bundle;
    }

    /* a clear message rather than njs's "Cannot load module" */

    if (path.data[0] == '/'
        && ngx_file_info(path.data, &fi) == NGX_FILE_ERROR)
    {
        if (njs->bundle.len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "\"ipng_stats;\" imports the bundle that "
                               "\"ipng_stats_bundle\" names, \"%V\", which "
                               "cannot be read", &path);
            return NGX_CONF_ERROR;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%s\" imports the njs-ipng-stats "
                           "bundle from \"%V\", which cannot be read: "
                           "install it there, set \"js_path\" (http level, "
                           "before this line) to the directory that holds "
                           "ipng-stats.js, or name the file with "
                           "\"ipng_stats_bundle\"", caller, &path);
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&words[0], "js_import");
    ngx_str_set(&words[1], "ipng_stats");
    ngx_str_set(&words[2], "from");
    words[3] = path;

    http_ctx = (ngx_http_conf_ctx_t *)
                   cf->cycle->conf_ctx[ngx_http_module.index];

    if (ngx_http_ipng_stats_js_run(cf, http_ctx, NGX_HTTP_MAIN_CONF,
                                   caller, words, 4)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    njs->imported = path;
    njs->import_caller = caller;
    njs->js_path_set = (js_path == 1);
    njs->import_file = cf->conf_file->file.name;
    njs->import_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


/*
 * Runs one directive of ngx_http_js_module, words[0] being its name, in
 * the configuration context ctx (of the kind "context", e.g.
 * NGX_HTTP_LOC_CONF), as ngx_conf_handler() would for a line of nginx.conf
 * with these words there.
 */

static char *
ngx_http_ipng_stats_js_run(ngx_conf_t *cf, ngx_http_conf_ctx_t *ctx,
    ngx_uint_t context, const char *caller, ngx_str_t *words, ngx_uint_t n)
{
    char           *rv;
    void           *conf, **confp;
    ngx_str_t      *arg;
    ngx_conf_t      save;
    ngx_array_t    *args;
    ngx_module_t   *js;
    ngx_command_t  *cmd;

    js = ngx_http_ipng_stats_js_module(cf->cycle);

    if (js == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" is run by ngx_http_js_module, which is "
                           "not loaded: load it first (its load_module "
                           "line before the shim's)", caller);
        return NGX_CONF_ERROR;
    }

    cmd = ngx_http_ipng_stats_js_command(js, &words[0]);

    if (cmd == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs the \"%V\" directive of "
                           "ngx_http_js_module, which this njs does not "
                           "have (njs 0.8.1 or newer has it)",
                           caller, &words[0]);
        return NGX_CONF_ERROR;
    }

    if (!(cmd->type & context)
        || (cmd->type & (NGX_DIRECT_CONF|NGX_MAIN_CONF)))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs njs's \"%V\" here, which this njs "
                           "does not allow in this context",
                           caller, &words[0]);
        return NGX_CONF_ERROR;
    }

    conf = NULL;
    confp = *(void **) ((char *) ctx + cmd->conf);

    if (confp) {
        conf = confp[js->ctx_index];
    }

    args = ngx_array_create(cf->pool, n, sizeof(ngx_str_t));
    if (args == NULL) {
        return NGX_CONF_ERROR;
    }

    arg = ngx_array_push_n(args, n);
    if (arg == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(arg, words, n * sizeof(ngx_str_t));

    save = *cf;
    cf->args = args;
    cf->ctx = ctx;
    cf->cmd_type = context;

    rv = cmd->set(cf, cmd, conf);

    *cf = save;

    if (rv == NGX_CONF_OK) {
        return NGX_CONF_OK;
    }

    if (rv != NGX_CONF_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\": njs's \"%V\" %s", caller, &words[0], rv);
    }

    return NGX_CONF_ERROR;
}


/*
 * 1 when http-level js_path names a directory, 0 when it does not, and
 * NGX_DECLINED when njs no longer keeps js_path in a string array slot.
 */

static ngx_int_t
ngx_http_ipng_stats_js_path_set(ngx_cycle_t *cycle)
{
    void                 *conf;
    ngx_str_t             name;
    ngx_array_t          *paths;
    ngx_module_t         *js;
    ngx_command_t        *cmd;
    ngx_http_conf_ctx_t  *http_ctx;

    js = ngx_http_ipng_stats_js_module(cycle);
    if (js == NULL) {
        return NGX_DECLINED;
    }

    ngx_str_set(&name, "js_path");

    cmd = ngx_http_ipng_stats_js_command(js, &name);

    if (cmd == NULL
        || cmd->set != ngx_conf_set_str_array_slot
        || cmd->conf != NGX_HTTP_LOC_CONF_OFFSET)
    {
        return NGX_DECLINED;
    }

    http_ctx = (ngx_http_conf_ctx_t *) cycle->conf_ctx[ngx_http_module.index];
    conf = http_ctx->loc_conf[js->ctx_index];

    paths = *(ngx_array_t **) ((char *) conf + cmd->offset);

    if (paths == NULL || paths == NGX_CONF_UNSET_PTR || paths->nelts == 0) {
        return 0;
    }

    return 1;
}


static ngx_module_t *
ngx_http_ipng_stats_js_module(ngx_cycle_t *cycle)
{
    ngx_uint_t     i;
    ngx_module_t  *m;

    for (i = 0; cycle->modules[i]; i++) {
        m = cycle->modules[i];

        if (m->type == NGX_HTTP_MODULE
            && m->name
            && ngx_strcmp(m->name, ngx_http_ipng_stats_js_module_name.data)
               == 0)
        {
            return m;
        }
    }

    return NULL;
}


static ngx_command_t *
ngx_http_ipng_stats_js_command(ngx_module_t *js, ngx_str_t *name)
{
    ngx_command_t  *cmd;

    if (js->commands == NULL) {
        return NULL;
    }

    for (cmd = js->commands; cmd->name.len; cmd++) {
        if (cmd->name.len == name->len
            && ngx_strncmp(cmd->name.data, name->data, name->len) == 0)
        {
            return cmd;
        }
    }

    return NULL;
}


static ngx_http_ipng_stats_njs_t *
ngx_http_ipng_stats_njs_conf(ngx_conf_t *cf)
{
    ngx_http_ipng_stats_njs_t        *njs;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ipng_stats_module);

    if (mcf->njs) {
        return mcf->njs;
    }

    njs = ngx_pcalloc(cf->pool, sizeof(ngx_http_ipng_stats_njs_t));
    if (njs == NULL) {
        return NULL;
    }

    if (ngx_array_init(&njs->displays, cf->pool, 2,
                       sizeof(ngx_http_ipng_stats_display_t))
        != NGX_OK
        || ngx_array_init(&njs->number_zones, cf->pool, 1,
                          sizeof(ngx_http_ipng_stats_zone_line_t))
           != NGX_OK)
    {
        return NULL;
    }

    mcf->njs = njs;

    return njs;
}


static void *
ngx_ipng_stats_load_order_create_conf(ngx_cycle_t *cycle)
{
    ngx_ipng_stats_load_order_conf_t  *locf;

    locf = ngx_pcalloc(cycle->pool, sizeof(ngx_ipng_stats_load_order_conf_t));
    if (locf == NULL) {
        return NULL;
    }

    locf->js_first = (ngx_http_ipng_stats_js_module(cycle) != NULL);

    return locf;
}


/*
 * The shim's directives run njs's, so njs must be there when they are
 * read, and be the module that nginx set up first.
 */

ngx_int_t
ngx_http_ipng_stats_njs_preconfiguration(ngx_conf_t *cf)
{
    ngx_str_t                          name;
    ngx_module_t                      *js;
    ngx_command_t                     *cmd;
    ngx_pool_cleanup_t                *cln;
    ngx_ipng_stats_load_order_conf_t  *locf;

    js = ngx_http_ipng_stats_js_module(cf->cycle);

    if (js == NULL) {
        return NGX_OK;
    }

    locf = (ngx_ipng_stats_load_order_conf_t *)
               ngx_get_conf(cf->cycle->conf_ctx,
                            ngx_ipng_stats_load_order_module);

    if (locf && !locf->js_first) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the shim (ngx_http_ipng_stats_module) is loaded "
                           "before ngx_http_js_module: load "
                           "ngx_http_js_module first (its load_module line "
                           "before the shim's)");
        return NGX_ERROR;
    }

    ngx_str_set(&name, "js_shared_dict_zone");

    cmd = ngx_http_ipng_stats_js_command(js, &name);

    if (cmd == NULL || cmd->set == ngx_http_ipng_stats_dict_zone) {
        return NGX_OK;
    }

    ngx_http_ipng_stats_dict_zone_orig = cmd->set;
    ngx_http_ipng_stats_dict_zone_cmd = cmd;
    cmd->set = ngx_http_ipng_stats_dict_zone;

    /* undone in postconfiguration, or here if the configuration fails */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ipng_stats_dict_zone_restore;
    cln->data = NULL;

    return NGX_OK;
}


static void
ngx_http_ipng_stats_dict_zone_restore(void *data)
{
    if (ngx_http_ipng_stats_dict_zone_cmd
        && ngx_http_ipng_stats_dict_zone_cmd->set
           == ngx_http_ipng_stats_dict_zone)
    {
        ngx_http_ipng_stats_dict_zone_cmd->set =
                                           ngx_http_ipng_stats_dict_zone_orig;
    }
}


/* "js_shared_dict_zone zone=NAME:SIZE ... type=number ...": noted */

static char *
ngx_http_ipng_stats_dict_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    u_char                           *colon;
    ngx_str_t                        *value, name;
    ngx_uint_t                        i, number;
    ngx_http_ipng_stats_njs_t        *njs;
    ngx_http_ipng_stats_zone_line_t  *zl;

    value = cf->args->elts;

    ngx_str_null(&name);
    number = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len > 5
            && ngx_strncmp(value[i].data, "zone=", 5) == 0)
        {
            name.data = value[i].data + 5;
            colon = ngx_strlchr(name.data, value[i].data + value[i].len, ':');
            name.len = (colon ? colon : value[i].data + value[i].len)
                       - name.data;

        } else if (value[i].len == 11
                   && ngx_strncmp(value[i].data, "type=number", 11) == 0)
        {
            number = 1;
        }
    }

    if (number && name.len) {
        njs = ngx_http_ipng_stats_njs_conf(cf);
        if (njs == NULL) {
            return NGX_CONF_ERROR;
        }

        zl = ngx_array_push(&njs->number_zones);
        if (zl == NULL) {
            return NGX_CONF_ERROR;
        }

        zl->name = name;
        zl->file = cf->conf_file->file.name;
        zl->line = cf->conf_file->line;
    }

    return ngx_http_ipng_stats_dict_zone_orig(cf, cmd, conf);
}


/*
 * Two modes, not three: the shim counts into a type=string zone (the
 * record layout) only; a type=number zone is the mode without the shim.
 */

ngx_int_t
ngx_http_ipng_stats_zone_type_check(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs)
{
    ngx_str_t                         zone;
    ngx_uint_t                        i;
    ngx_http_ipng_stats_zone_line_t  *zl;

    ngx_http_ipng_stats_dict_zone_restore(NULL);

    if (njs == NULL) {
        return NGX_OK;
    }

    zone = njs->zone.len ? njs->zone : ngx_http_ipng_stats_default_zone;
    zl = njs->number_zones.elts;

    for (i = 0; i < njs->number_zones.nelts; i++) {
        if (zl[i].name.len == zone.len
            && ngx_strncmp(zl[i].name.data, zone.data, zone.len) == 0)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"js_shared_dict_zone\" in %V:%ui declares the "
                          "counter zone \"%V\" type=number, which the shim "
                          "does not count into: write \"ipng_stats_zone "
                          "%V:SIZE;\" instead, or \"js_shared_dict_zone "
                          "zone=%V:SIZE type=string;\" (type=number is for "
                          "nginx without the shim)",
                          &zl[i].file, zl[i].line, &zone, &zone, &zone);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * After every location is merged: what the directives of the spec cannot
 * see when they are read.
 */

ngx_int_t
ngx_http_ipng_stats_njs_postconfiguration(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs)
{
    ngx_str_t                       zone;
    ngx_uint_t                      i;
    ngx_http_ipng_stats_display_t  *display, *scrape;

    if (njs == NULL || njs->displays.nelts == 0) {
        return NGX_OK;
    }

    display = njs->displays.elts;
    scrape = NULL;

    for (i = 0; i < njs->displays.nelts; i++) {

        /* proxy_pass, fastcgi_pass, ... after "ipng_stats;" */
        if (display[i].clcf->handler != display[i].handler) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"%s\" in %V:%ui cannot be combined with "
                          "another content handler (proxy_pass, "
                          "fastcgi_pass, ...) in the same location: the "
                          "%s must be the location's only one",
                          display[i].caller, &display[i].file,
                          display[i].line, display[i].what);
            return NGX_ERROR;
        }

        if (display[i].lcf == NULL) {
            continue;
        }

        /*
         * The spec: a scrape location is never counted, whatever
         * "ipng_stats on|off" says, so neither are the requests that its
         * allow/deny refuses before the scrape handler runs.
         */

        display[i].lcf->enable = 0;

        if (scrape == NULL) {
            scrape = &display[i];
        }
    }

    if (njs->bundle.len == 0
        && !njs->js_path_set
        && ngx_http_ipng_stats_js_path_set(cf->cycle) == 1)
    {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"js_path\" comes after \"%s\" in %V:%ui, "
                      "which imported the bundle from \"%V\": write "
                      "js_path before it (at http level), so that the "
                      "bundle is looked up there",
                      njs->import_caller, &njs->import_file,
                      njs->import_line, &njs->imported);
        return NGX_ERROR;
    }

    if (scrape == NULL) {
        return NGX_OK;
    }

    /* the zone the scrape will open */

    zone = njs->zone.len ? njs->zone : ngx_http_ipng_stats_default_zone;

    if (ngx_http_ipng_stats_shm_zone_find(cf->cycle, &zone) == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"ipng_stats;\" in %V:%ui needs the counter zone: "
                      "add \"ipng_stats_zone NAME:SIZE;\" at http level, "
                      "e.g. \"ipng_stats_zone ipng:4m;\"",
                      &scrape->file, scrape->line);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The explicit form, "js_shared_dict_zone zone=ipng_stats:SIZE", has no
 * line of the shim's to refuse a small size at: checked once the http
 * block is read.
 */

ngx_int_t
ngx_http_ipng_stats_zone_size_check(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs)
{
    ngx_str_t        zone;
    ngx_shm_zone_t  *shm_zone;

    zone = (njs && njs->zone.len) ? njs->zone
                                  : ngx_http_ipng_stats_default_zone;

    shm_zone = ngx_http_ipng_stats_shm_zone_find(cf->cycle, &zone);

    if (shm_zone != NULL
        && shm_zone->shm.size < NGX_HTTP_IPNG_STATS_ZONE_MIN)
    {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "zone \"%V\" of %uzk is too small for ipng stats: "
                      "it needs at least %uzk ("
                      NGX_HTTP_IPNG_STATS_ZONE_MIN_WHY ")",
                      &zone, shm_zone->shm.size / 1024,
                      (size_t) NGX_HTTP_IPNG_STATS_ZONE_MIN / 1024);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a shared memory zone declared so far, by any module */

static ngx_shm_zone_t *
ngx_http_ipng_stats_shm_zone_find(ngx_cycle_t *cycle, ngx_str_t *name)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_shm_zone_t   *shm_zone;

    part = &cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (name->len == shm_zone[i].shm.name.len
            && ngx_strncmp(name->data, shm_zone[i].shm.name.data, name->len)
               == 0)
        {
            return &shm_zone[i];
        }
    }
}


/* whether the ipng counter zone exists (ipng_stats_zone, the explicit form) */

ngx_uint_t
ngx_http_ipng_stats_counter_zone_declared(ngx_conf_t *cf,
    ngx_http_ipng_stats_njs_t *njs)
{
    ngx_str_t  zone;

    zone = (njs && njs->zone.len) ? njs->zone
                                  : ngx_http_ipng_stats_default_zone;

    return ngx_http_ipng_stats_shm_zone_find(cf->cycle, &zone) != NULL;
}


ngx_int_t
ngx_http_ipng_stats_zone_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                        *zone;
    ngx_http_ipng_stats_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_ipng_stats_module);

    if (mcf->njs && mcf->njs->zone.len) {
        zone = &mcf->njs->zone;

    } else {
        zone = &ngx_http_ipng_stats_default_zone;
    }

    v->len = zone->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = zone->data;

    return NGX_OK;
}
