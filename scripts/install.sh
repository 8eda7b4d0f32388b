#!/usr/bin/env bash
# Installs njs-ipng-stats into the nginx you run: builds the shim against
# that nginx's source tree, installs the shim, the bundle and the include
# files under a destination root, checks the result with that nginx's own
# `nginx -t`, and prints the lines to add to nginx.conf.
#
#   scripts/install.sh [--nginx BINARY] [--source DIR] [--prefix DEST]
#                      [--njs-module PATH|builtin] [--build-dir DIR]
#
#   --nginx       the nginx binary you run (default /usr/sbin/nginx)
#   --source      the source tree of exactly that nginx version: Debian's
#                 nginx-dev tree (/usr/share/nginx/src, the default) or an
#                 unpacked nginx.org release (nginx-X.Y.Z/)
#   --prefix      the destination root (default /): the shim goes to
#                 DEST<modules-path of the binary>, the bundle and includes
#                 to DEST/usr/share/njs-ipng-stats
#   --njs-module  the njs module that nginx loads (default: the binary's
#                 modules directory's ngx_http_js_module.so), or "builtin"
#                 when njs is compiled into the binary
#   --build-dir   where the shim is configured and compiled
#                 (default: build/install-shim in this repository)
#
# Refuses, before building anything: a binary that is not nginx, a binary
# built without --with-compat, a source tree of another nginx version, and
# (where dpkg owns both) an nginx-dev of another Debian revision than the
# nginx package.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

say() { printf 'install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

nginx_bin=/usr/sbin/nginx
source_dir=/usr/share/nginx/src
dest=/
njs_module=
build_dir="$repo/build/install-shim"

while [ $# -gt 0 ]; do
    case "$1" in
        --nginx) nginx_bin=${2:?--nginx needs a path}; shift 2 ;;
        --source) source_dir=${2:?--source needs a directory}; shift 2 ;;
        --prefix) dest=${2:?--prefix needs a directory}; shift 2 ;;
        --njs-module) njs_module=${2:?--njs-module needs a path or builtin}; shift 2 ;;
        --build-dir) build_dir=${2:?--build-dir needs a directory}; shift 2 ;;
        -h|--help) usage ;;
        *) say "unknown argument: $1"; usage ;;
    esac
done

# Paths printed into nginx.conf must not depend on the caller's directory.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
dest=$(absolute "$dest")
dest=${dest%/}
source_dir=$(absolute "$source_dir")
build_dir=$(absolute "$build_dir")

# --- the binary -------------------------------------------------------------
[ -x "$nginx_bin" ] || die "--nginx $nginx_bin: not an executable file"
build_info=$("$nginx_bin" -V 2>&1) \
    || die "--nginx $nginx_bin: '$nginx_bin -V' failed: $build_info"
binary_version=$(printf '%s\n' "$build_info" \
    | sed -n 's/^nginx version: [a-z]*\/\([0-9][0-9.]*\).*/\1/p' | head -1)
[ -n "$binary_version" ] \
    || die "--nginx $nginx_bin: '-V' printed no 'nginx version:' line (is it nginx?)"
configure_args=$(printf '%s\n' "$build_info" | sed -n 's/^configure arguments: //p')
case " $configure_args " in
    *" --with-compat "*) ;;
    *) die "nginx $binary_version at $nginx_bin was built without --with-compat:" \
           "it loads only modules built with its exact configure arguments;" \
           "rebuild nginx with --with-compat, or use a distribution's nginx" \
           "(Debian's and nginx.org's packages have it)" ;;
esac
modules_path=$(printf '%s\n' "$configure_args" | tr ' ' '\n' \
    | sed -n 's/^--modules-path=//p' | tail -1)
if [ -z "$modules_path" ]; then
    prefix_path=$(printf '%s\n' "$configure_args" | tr ' ' '\n' \
        | sed -n 's/^--prefix=//p' | tail -1)
    modules_path=${prefix_path:-/usr/local/nginx}/modules
fi

# --- the source tree --------------------------------------------------------
nginx_h="$source_dir/src/core/nginx.h"
if [ ! -f "$nginx_h" ] || [ ! -x "$source_dir/configure" ] || [ ! -d "$source_dir/auto" ]; then
    die "--source $source_dir: not an nginx source tree (needs configure," \
        "auto/ and src/core/nginx.h; Debian: apt-get install nginx-dev," \
        "which provides /usr/share/nginx/src; else unpack the nginx-$binary_version" \
        "release tarball)"
fi
source_version=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' "$nginx_h")
[ "$source_version" = "$binary_version" ] \
    || die "version mismatch: $nginx_bin is nginx $binary_version, but the source" \
           "tree $source_dir is nginx ${source_version:-(unknown)}: a module built" \
           "from it would be refused at load; use the source of nginx $binary_version"

# Debian's security updates keep the upstream version and may change
# internals: when dpkg owns both, the revisions must match too.
package_of() { dpkg-query -S "$1" 2>/dev/null | head -1 | cut -d: -f1; }
version_of() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
if command -v dpkg-query > /dev/null; then
    binary_pkg=$(package_of "$(readlink -f "$nginx_bin")" || true)
    source_pkg=$(package_of "$(readlink -f "$nginx_h")" || true)
    if [ -n "$binary_pkg" ] && [ -n "$source_pkg" ]; then
        binary_rev=$(version_of "$binary_pkg")
        source_rev=$(version_of "$source_pkg")
        [ "$binary_rev" = "$source_rev" ] \
            || die "revision mismatch: $binary_pkg is $binary_rev but $source_pkg" \
                   "is $source_rev; install the same revision of both"
    fi
fi

# --- the njs module ---------------------------------------------------------
if [ -z "$njs_module" ]; then
    case "$configure_args" in
        *njs/nginx*) njs_module=builtin ;;
        *) njs_module="$modules_path/ngx_http_js_module.so" ;;
    esac
fi
if [ "$njs_module" != builtin ]; then
    njs_module=$(absolute "$njs_module")
    [ -f "$njs_module" ] \
        || die "no njs module at $njs_module: install njs >= 0.8.1 for nginx" \
               "$binary_version (README: 'Adding it to your nginx') or name it" \
               "with --njs-module"
fi

say "nginx $binary_version ($nginx_bin), --with-compat, source $source_dir"

# --- build the shim ---------------------------------------------------------
# Same feature set as the binary where it matters to configure: the
# --with-compat layout covers the rest of the structures.
configure_opts=(--with-compat)
case " $configure_args " in
    *" --with-http_ssl_module "*) configure_opts+=(--with-http_ssl_module) ;;
esac
stamp="$source_dir|$source_version|$(sha256sum < "$repo/native-shim/config" | cut -d' ' -f1)|${configure_opts[*]}"
if [ ! -f "$build_dir/.configured" ] || [ "$(cat "$build_dir/.configured")" != "$stamp" ]; then
    say "configuring the shim against $source_dir"
    rm -rf "$build_dir"
    mkdir -p "$build_dir"
    cp -a "$source_dir/." "$build_dir/"
    (cd "$build_dir" && ./configure "${configure_opts[@]}" \
        --add-dynamic-module="$repo/native-shim" > configure.log 2>&1) \
        || { tail -15 "$build_dir/configure.log" >&2
             die "configure failed (log: $build_dir/configure.log); on Debian:" \
                 "apt-get install gcc make libpcre2-dev libssl-dev zlib1g-dev"; }
    echo "$stamp" > "$build_dir/.configured"
fi
make -s -C "$build_dir" -f objs/Makefile modules >&2 || die "the shim did not compile"

# --- install ----------------------------------------------------------------
modules_dir="$dest$modules_path"
share_dir="$dest/usr/share/njs-ipng-stats"
shim="$modules_dir/ngx_http_ipng_stats_module.so"
[ -f "$repo/dist/ipng-stats.js" ] || die "$repo/dist/ipng-stats.js is missing (npm run build)"
install -d "$modules_dir" "$share_dir/dist" "$share_dir/nginx"
install -m 0644 "$build_dir/objs/ngx_http_ipng_stats_module.so" "$shim"
install -m 0644 "$repo/dist/ipng-stats.js" "$share_dir/dist/ipng-stats.js"
# the recorder module of the no-shim form (nginx/ipng-stats-log-fallback.conf)
install -m 0644 "$repo/dist/ipng-stats-recorder.js" "$share_dir/dist/ipng-stats-recorder.js"
install -m 0644 "$repo"/nginx/ipng-stats*.conf "$share_dir/nginx/"
say "installed $shim"
say "installed $share_dir/dist/ipng-stats*.js and $share_dir/nginx/ipng-stats*.conf"

# --- the lines, checked by this nginx ----------------------------------------
main_lines=
[ "$njs_module" = builtin ] || main_lines="load_module $njs_module;
"
main_lines="${main_lines}load_module $shim;"
http_lines="js_path $share_dir/dist;
js_shared_dict_zone zone=ipng_stats:4m type=string;
include $share_dir/nginx/ipng-stats.conf;"
server_lines="include $share_dir/nginx/ipng-stats-tick.conf;
location = /metrics {
    allow 127.0.0.1;
    deny all;
    js_content ipng.scrape;
}"

# nginx -t loads the modules (nginx's own signature and version check),
# parses the bundle and the includes (js_periodic needs njs >= 0.8.1), all
# in a scratch prefix so nothing of the running nginx is touched.
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
indent() { sed "s/^/$1/"; }
{
    printf '%s\n' "$main_lines"
    printf 'worker_processes 2;\n'
    printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\n' "$check" "$check"
    printf 'events { }\nhttp {\n    access_log off;\n'
    for t in client_body proxy fastcgi uwsgi scgi; do
        printf '    %s_temp_path %s/%s;\n' "$t" "$check" "$t"
    done
    printf '%s\n' "$http_lines" | indent '    '
    printf '    server {\n        listen unix:%s/check.sock;\n' "$check"
    printf '%s\n' "$server_lines" | indent '        '
    printf '    }\n}\n'
} > "$check/nginx.conf"
if ! out=$("$nginx_bin" -t -p "$check" -c "$check/nginx.conf" -e "$check/error.log" 2>&1); then
    printf '%s\n' "$out" >&2
    die "nginx -t refused the installed files (nginx's message above). An njs" \
        "older than 0.8.1 reports js_periodic as an unknown directive."
fi

# Debian's nginx.conf already loads its njs module through
# modules-enabled/: a second load_module of it is an error there.
conf_path=$(printf '%s\n' "$configure_args" | tr ' ' '\n' | sed -n 's/^--conf-path=//p' | tail -1)
printed_main=$main_lines
if [ "$njs_module" != builtin ] && [ -n "$conf_path" ]; then
    loaded_by=$(grep -l -F "$(basename "$njs_module")" "$(dirname "$conf_path")"/modules-enabled/*.conf 2>/dev/null | head -1 || true)
    if [ -n "$loaded_by" ]; then
        printed_main=$(printf '%s\n' "$main_lines" | sed "s|^load_module $njs_module;|# load_module $njs_module;   # already loaded by $loaded_by|")
    fi
fi

cat <<EOF
njs-ipng-stats is installed for nginx $binary_version; \`nginx -t\` accepted it.
Add to nginx.conf, in the main context (top level), where worker_processes
must be set (the tick's worker_affinity=all requires it; Debian's default
nginx.conf has \`worker_processes auto;\`):

$(printf '%s\n' "$printed_main")

inside http { }:

$(printf '%s\n' "$http_lines" | indent '    ')

and inside exactly one server { } (the scrape endpoint; restrict who may read it):

$(printf '%s\n' "$server_lines" | indent '        ')
EOF
