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
# wrk and valgrind (benchmarks, shim memory checks), docker-compose 1.29
# (the compose demo's file is checked with it and with compose v2, below),
# chromium (the status page's browser test, driven by playwright-core;
# never a downloaded browser).
tool_packages="prometheus iproute2 curl wrk valgrind docker-compose chromium"

# shellcheck source=lib/trixie-apt.sh
. "$repo/scripts/lib/trixie-apt.sh"

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

# The archive serves only the newest revision of each package, and a
# security update keeps nginx's upstream version (1.26.3-3+deb13uNN) while
# changing its internals. Each revision is cached in a directory of its own
# with the exact versions it holds (.debian-versions); trixie-current names
# the one in use. The index is refreshed at every run: a newer revision is
# reported in one line and fetched only with IPNG_RUNTIME_REFRESH=1.
provision_trixie() {
    local apt="$cache/trixie-apt" current="$cache/trixie-current"
    local root= offered= cached=
    trixie_apt_setup "$apt" || die "cannot configure Debian trixie's archive"
    if [ -f "$current" ] && [ -f "$cache/$(cat "$current")/.complete" ]; then
        root="$cache/$(cat "$current")"
        cached=$(sed -n 's/^nginx=//p' "$root/.debian-versions")
    fi
    if timeout 120 apt-get "${trixie_apt_opts[@]}" update -qq > "$apt/update.log" 2>&1; then
        offered=$(apt-cache "${trixie_apt_opts[@]}" policy nginx \
            | sed -n 's/^ *Candidate: //p')
    elif [ -n "$root" ]; then
        say "could not reach Debian's archive to look for a newer nginx revision; using the cached $cached"
    else
        tail -5 "$apt/update.log" >&2
        die "cannot download Debian trixie's package index (see $apt/update.log)"
    fi
    if [ -n "$root" ]; then
        if [ -z "$offered" ] || [ "$offered" = "$cached" ]; then
            echo "$root"; return 0
        fi
        if [ "${IPNG_RUNTIME_REFRESH:-}" != 1 ]; then
            say "Debian trixie now offers nginx $offered (cached: $cached); IPNG_RUNTIME_REFRESH=1 npm run provision fetches it"
            echo "$root"; return 0
        fi
    fi
    case "$offered" in
        "$nginx_version"-*) ;;
        *) die "Debian trixie offers nginx ${offered:-(none)}, not $nginx_version: this repository is tested with $nginx_version" ;;
    esac
    local name="trixie-nginx-$offered"
    root="$cache/$name"
    say "downloading nginx $offered + njs from Debian trixie"
    rm -rf "$apt/debs" "$root"
    mkdir -p "$apt/debs" "$root"
    # shellcheck disable=SC2086
    (cd "$apt/debs" && apt-get "${trixie_apt_opts[@]}" download $trixie_packages >&2) \
        || die "apt-get download of the trixie packages failed"
    local deb
    for deb in "$apt/debs"/*.deb; do
        dpkg-deb -x "$deb" "$root"
        dpkg-deb --show --showformat='${Package}=${Version}\n' "$deb"
    done > "$root/.debian-versions.all"
    grep -E '^(nginx|libnginx-mod-http-js|nginx-dev|njs)=' "$root/.debian-versions.all" \
        > "$root/.debian-versions"
    rm -rf "$apt/debs"
    grep -q "^libnginx-mod-http-js=$njs_version-" "$root/.debian-versions" \
        || die "Debian trixie's njs module is $(grep '^libnginx-mod-http-js=' "$root/.debian-versions"), not $njs_version: this repository is tested with $njs_version"
    touch "$root/.complete"
    echo "$name" > "$current"
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
    debian_versions=
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
    debian_versions=$(paste -sd' ' "$root/.debian-versions")
fi

# Refuse a runtime that cannot work rather than fail obscurely later:
# js_periodic needs njs >= 0.8.1, which needs nginx >= 1.22.
version_line=$("$nginx_bin" -v 2>&1)
case "$version_line" in
    *nginx/1.2[2-9].*|*nginx/1.[3-9][0-9].*) ;;
    *) die "need nginx >= 1.22 with njs >= 0.8.1, got: $version_line" ;;
esac

# What a shim build and a binary are, precisely enough to tell a mismatch:
# the Debian revision where there is one (a security update keeps the
# upstream version), else the upstream version.
source_identity() {
    local src=$1
    if [ -z "${IPNG_NGINX_BINARY:-}" ]; then
        sed -n 's/^nginx-dev=//p' "$src/../../../../.debian-versions"
    else
        sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' "$src/src/core/nginx.h"
    fi
}
if [ -n "$debian_versions" ]; then
    binary_identity=$(echo "$debian_versions" | tr ' ' '\n' | sed -n 's/^nginx=//p')
else
    binary_identity=${version_line##*nginx/}
fi

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
    source_identity "$nginx_src" > "$shim_build/.source-identity"
fi
make -s -C "$shim_build" -f objs/Makefile modules >&2 \
    || die "the shim did not compile"
cp "$shim_build/objs/ngx_http_ipng_stats_module.so" "$shim_so.tmp"
mv "$shim_so.tmp" "$shim_so"

# Compose v2 for the compose demo's checks: trixie's docker-compose, a Go
# binary that runs on bookworm's glibc, kept in the cache like the nginx
# runtime (bookworm's own docker-compose is 1.29). Not fatal: the compose
# tests say why they skip.
provision_compose_v2() {
    local apt="$cache/trixie-apt" dir="$cache/compose-v2" deb
    local bin="$dir/usr/libexec/docker/cli-plugins/docker-compose"
    if [ -x "$bin" ]; then echo "$bin"; return 0; fi
    trixie_apt_setup "$apt" || return 1
    if ! ls "$apt/lists/"*Packages* > /dev/null 2>&1; then
        timeout 120 apt-get "${trixie_apt_opts[@]}" update -qq > "$apt/update.log" 2>&1 || return 1
    fi
    say "downloading compose v2 (Debian trixie's docker-compose)"
    rm -rf "$apt/compose-debs" "$dir.tmp"
    mkdir -p "$apt/compose-debs"
    (cd "$apt/compose-debs" && apt-get "${trixie_apt_opts[@]}" download docker-compose >&2) || return 1
    deb=$(ls "$apt/compose-debs"/docker-compose_*.deb)
    dpkg-deb -x "$deb" "$dir.tmp"
    dpkg-deb --show --showformat='${Package}=${Version}\n' "$deb" > "$dir.tmp/.debian-version"
    rm -rf "$apt/compose-debs" "$dir"
    mv "$dir.tmp" "$dir"
    echo "$bin"
}
compose_v2=$(provision_compose_v2) \
    || { say "warning: could not fetch compose v2; the compose v2 checks will skip"; compose_v2=; }

cat > "$build/runtime.env" <<EOF
# Written by scripts/provision-runtime.sh; read by the demo, tests and benches.
NGINX_BINARY=$nginx_bin
NJS_MODULE=$njs_module
SHIM_MODULE=$shim_so
NJS_CLI=$njs_cli
# Exact Debian package versions of the downloaded runtime (empty with
# IPNG_NGINX_BINARY): printed by the test run's summary.
DEBIAN_VERSIONS="$debian_versions"
# The nginx the shim was compiled against, and the nginx binary it loads
# into: the tests refuse to run when they differ.
SHIM_BUILT_AGAINST=$(cat "$shim_build/.source-identity")
NGINX_IDENTITY=$binary_identity
# Compose v2 (trixie's docker-compose) for the compose demo's checks.
COMPOSE_V2=$compose_v2
EOF
say "$version_line, njs module: $njs_module"
[ -z "$debian_versions" ] || say "Debian packages: $debian_versions"
say "shim: $shim_so"
