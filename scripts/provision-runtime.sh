#!/usr/bin/env bash
# Provides the nginx + njs runtime the product is tested and demonstrated
# with, and builds native-shim/ against it. Idempotent: a second run with
# nothing changed does no work beyond a few checks.
#
# Default: nginx 1.26.3 and njs 0.8.9 from Debian trixie's binary packages,
# extracted into a cache outside the clone (bookworm's own nginx is too old:
# njs 0.7.9 has no ngx.shared and no js_periodic). See
# ../shared/runtime-notes.md for why each step is here.
#
# Overrides (use your own nginx instead of the trixie one):
#   IPNG_NGINX_BINARY   path to an nginx binary (1.26.x or newer)
#   IPNG_NJS_MODULE     path to its ngx_http_js_module.so (njs >= 0.8.1),
#                       or "builtin" when njs is compiled into the binary
#   IPNG_NGINX_SOURCE   an nginx source tree of the same version as the
#                       binary, used to build the shim (--with-compat)
#   IPNG_RUNTIME_CACHE  where the downloaded runtime is kept
#                       (default: ~/.cache/njs-ipng-stats)
#
# Writes build/runtime.env: the paths the demo, the tests and the benches use.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${IPNG_RUNTIME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/njs-ipng-stats}
build="$repo/build"
nginx_version=1.26.3
njs_version=0.8.9
trixie_packages="nginx nginx-common libnginx-mod-http-js nginx-dev njs
  libc6 libcrypt1 libpcre2-8-0 libssl3t64 zlib1g libxml2 liblzma5 libzstd1"
# Headers the shim's build needs: nginx's configure checks for them.
build_packages="libpcre2-dev libssl-dev zlib1g-dev"
# Real tools the tests and benchmarks drive: promtool and the Prometheus
# server (scrape tests), ip netns and curl (the shim's attribution tests),
# wrk and valgrind (benchmarks, shim memory checks), chromium (the status
# page's browser test, driven by playwright-core; never a downloaded browser).
tool_packages="prometheus iproute2 curl wrk valgrind chromium"

say() { printf 'provision: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

mkdir -p "$cache" "$build"
exec 9>"$cache/.lock"
flock 9

apt_install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
    fi
    say "installing ${missing[*]}"
    # An apt index older than a day may name versions the mirror has dropped.
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
        apt-get update -qq >&2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" > "$cache/apt-install.log" 2>&1 \
        || { tail -20 "$cache/apt-install.log" >&2; die "apt-get install failed"; }
}

provision_trixie() {
    local root="$cache/trixie-$nginx_version-njs-$njs_version"
    if [ -x "$root/usr/sbin/nginx" ] && [ -f "$root/.complete" ]; then
        echo "$root"; return 0
    fi
    say "downloading nginx $nginx_version + njs $njs_version from Debian trixie"
    local apt="$cache/apt"
    rm -rf "$apt" "$root"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$root"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
        > "$apt/sources.list"
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=-
                -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
                -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq >&2
    # shellcheck disable=SC2086
    (cd "$apt/debs" && apt-get "${opts[@]}" download $trixie_packages >&2)
    local deb
    for deb in "$apt/debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
    rm -rf "$apt"
    touch "$root/.complete"
    echo "$root"
}

# The trixie binaries need trixie's glibc: run them through its loader.
write_wrapper() {
    local root=$1 target=$2 out=$3
    cat > "$out" <<EOF
#!/bin/sh
exec "$root/usr/lib64/ld-linux-x86-64.so.2" \\
    --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \\
    "$root$target" "\$@"
EOF
    chmod +x "$out"
}

if [ -n "${IPNG_NGINX_BINARY:-}" ]; then
    [ -x "$IPNG_NGINX_BINARY" ] || die "IPNG_NGINX_BINARY=$IPNG_NGINX_BINARY is not executable"
    [ -n "${IPNG_NJS_MODULE:-}" ] || die "IPNG_NGINX_BINARY is set: set IPNG_NJS_MODULE too (a path, or 'builtin')"
    [ -n "${IPNG_NGINX_SOURCE:-}" ] || die "IPNG_NGINX_BINARY is set: set IPNG_NGINX_SOURCE to its source tree (the shim is built against it)"
    nginx_bin=$IPNG_NGINX_BINARY
    njs_module=$IPNG_NJS_MODULE
    nginx_src=$IPNG_NGINX_SOURCE
    njs_cli=$(command -v njs || true)
else
    apt_install_missing ca-certificates
    root=$(provision_trixie)
    mkdir -p "$cache/bin"
    write_wrapper "$root" /usr/sbin/nginx "$cache/bin/nginx"
    write_wrapper "$root" /usr/bin/njs "$cache/bin/njs"
    nginx_bin="$cache/bin/nginx"
    njs_module="$root/usr/lib/nginx/modules/ngx_http_js_module.so"
    nginx_src="$root/usr/share/nginx/src"
    njs_cli="$cache/bin/njs"
fi

# Refuse a runtime that cannot work rather than fail obscurely later:
# js_periodic needs njs >= 0.8.1, which needs nginx >= 1.22.
version_line=$("$nginx_bin" -v 2>&1)
case "$version_line" in
    *nginx/1.2[2-9].*|*nginx/1.[3-9][0-9].*) ;;
    *) die "need nginx >= 1.22 with njs >= 0.8.1, got: $version_line" ;;
esac

# The shim: a dynamic module built --with-compat against the same nginx.
# The configured tree lives in build/ because it records this clone's path.
apt_install_missing gcc make $build_packages $tool_packages
shim_build="$build/nginx-shim-build"
shim_so="$build/ngx_http_ipng_stats_module.so"
stamp="$nginx_src|$repo/native-shim|$(sha256sum "$repo/native-shim/config" | cut -d' ' -f1)"
if [ ! -f "$shim_build/.configured" ] || [ "$(cat "$shim_build/.configured")" != "$stamp" ]; then
    say "configuring the shim build against $nginx_src"
    rm -rf "$shim_build"
    mkdir -p "$shim_build"
    cp -a "$nginx_src/." "$shim_build/"
    (cd "$shim_build" && ./configure --with-compat --with-http_ssl_module \
        --with-cc-opt="-Wall -Wextra -Werror -Wno-unused-parameter" \
        --add-dynamic-module="$repo/native-shim" > configure.log 2>&1) \
        || { tail -20 "$shim_build/configure.log" >&2; die "configure failed (log: $shim_build/configure.log)"; }
    echo "$stamp" > "$shim_build/.configured"
fi
make -s -C "$shim_build" -f objs/Makefile modules >&2 \
    || die "the shim did not compile"
cp "$shim_build/objs/ngx_http_ipng_stats_module.so" "$shim_so.tmp"
mv "$shim_so.tmp" "$shim_so"

cat > "$build/runtime.env" <<EOF
# Written by scripts/provision-runtime.sh; read by the demo, tests and benches.
NGINX_BINARY=$nginx_bin
NJS_MODULE=$njs_module
SHIM_MODULE=$shim_so
NJS_CLI=$njs_cli
EOF
say "$version_line, njs module: $njs_module"
say "shim: $shim_so"
