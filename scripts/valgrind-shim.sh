#!/usr/bin/env bash
# Runs the shim's integration tests (test/integration/shim-*.test.ts and the
# reqstat-config and reqstat-counting tests, or the
# files given as arguments) with every nginx process (master and workers,
# nginx -t too) under valgrind memcheck, then reports the errors and leaks
# whose stacks pass through the shim's code.
#
#   bash scripts/valgrind-shim.sh                      all shim tests
#   bash scripts/valgrind-shim.sh test/integration/shim-logtail.test.ts
#
# The trixie nginx runs through its own dynamic loader (see
# provision-runtime.sh), so valgrind runs the loader with nginx as its
# argument; forked workers stay under valgrind. nginx does not free its
# cycle pools at exit by design, so "still reachable" memory is expected and
# ignored; what counts is any Invalid read/write, use of uninitialised
# values, or a "definitely/indirectly lost" block allocated through a
# function of the shim (ngx_http_ipng_stats_* / ngx_ipng_stats_*).
#
# Exit status: 0 when nothing is attributable to the shim, 1 otherwise (or
# when no nginx process ran under valgrind at all). .ci/run calls it with
# the list of shim tests CI checks.
# The raw logs stay in build/valgrind/logs/ (one file per process).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/build/valgrind"
logs="$out/logs"

command -v valgrind >/dev/null || {
    echo "valgrind-shim: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
}
[ -f "$repo/build/runtime.env" ] || {
    echo "valgrind-shim: run 'npm run provision' first" >&2
    exit 2
}
# shellcheck disable=SC1091
. "$repo/build/runtime.env"
# shellcheck source=lib/trixie-apt.sh
. "$repo/scripts/lib/trixie-apt.sh"

cache=${IPNG_RUNTIME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/njs-ipng-stats}

# The trixie nginx runs through trixie's loader (a wrapper script written by
# provision-runtime.sh). That loader is stripped, and valgrind must find
# strlen in it: rebuild it with its symbols from trixie's libc6-dbg (same
# private apt source as provision-runtime.sh, scripts/lib/trixie-apt.sh;
# eu-unstrip from elfutils).
loader=$(sed -n 's/^exec "\([^"]*ld-linux[^"]*\)".*/\1/p' "$NGINX_BINARY" 2>/dev/null || true)
if [ -n "$loader" ]; then
    libpath=$(sed -n 's/^ *--library-path "\([^"]*\)".*/\1/p' "$NGINX_BINARY")
    binary=$(sed -n 's/^ *"\([^"]*\)" "\$@"$/\1/p' "$NGINX_BINARY")
    root=${binary%/usr/sbin/nginx}
    glibc=$(zcat "$root/usr/share/doc/libc6/changelog.Debian.gz" | sed -n '1s/^glibc (\([^)]*\)).*/\1/p')
    dbg="$cache/trixie-dbg-$glibc"
    exec 9>"$cache/.lock"
    flock 9
    if [ ! -f "$dbg/.complete" ]; then
        command -v eu-unstrip >/dev/null \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends elfutils >&2
        echo "valgrind-shim: fetching trixie libc6-dbg $glibc (symbols of the loader)" >&2
        rm -rf "$dbg"
        mkdir -p "$dbg/bin"
        trixie_apt_setup "$dbg/apt" || exit 2
        apt-get "${trixie_apt_opts[@]}" update -qq >&2
        (cd "$dbg/apt" && apt-get "${trixie_apt_opts[@]}" download "libc6-dbg=$glibc" >&2)
        dpkg-deb -x "$dbg"/apt/libc6-dbg_*.deb "$dbg/root"
        real=$(readlink -f "$loader")
        id=$(readelf -n "$real" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
        eu-unstrip -o "$dbg/bin/ld-linux-x86-64.so.2" "$real" \
            "$dbg/root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
        rm -rf "$dbg/apt"
        touch "$dbg/.complete"
    fi
    flock -u 9
    run=("$dbg/bin/ld-linux-x86-64.so.2" --library-path "$libpath" "$binary")
else
    run=("$NGINX_BINARY")
fi

rm -rf "$logs"
mkdir -p "$logs"
cat > "$out/nginx" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --num-callers=30 \\
    --log-file="$logs/vg.%p.log" \\
    ${run[*]@Q} "\$@"
EOF
chmod +x "$out/nginx"

if [ $# -eq 0 ]; then
    set -- "$repo"/test/integration/shim-*.test.ts \
        "$repo"/test/integration/reqstat-config.test.ts \
        "$repo"/test/integration/reqstat-counting.test.ts
fi

echo "valgrind-shim: running $# test file(s) under valgrind (slow)" >&2
set +e
(cd "$repo" && TEST_NGINX_BINARY="$out/nginx" npx vitest run "$@") > "$out/vitest.log" 2>&1
tests=$?
set -e
grep -E "Test Files|Tests " "$out/vitest.log" | sed 's/^/valgrind-shim: vitest: /' >&2 || true

# One error record per blank-line separated block of a valgrind log.
report="$out/report.txt"
: > "$report"
processes=0
errors_total=0
for f in "$logs"/vg.*.log; do
    [ -e "$f" ] || continue
    processes=$((processes + 1))
    n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
    errors_total=$((errors_total + ${n:-0}))
    awk -v file="$f" '
        /^==[0-9]+== $/ { if (block ~ /ipng_stats/ && block ~ /(Invalid|uninitialised|definitely lost|indirectly lost|Mismatched|overlap)/) print "--- " file "\n" block; block=""; next }
        { block = block $0 "\n" }
        END { if (block ~ /ipng_stats/ && block ~ /(Invalid|uninitialised|definitely lost|indirectly lost)/) print "--- " file "\n" block }
    ' "$f" >> "$report"
done

if [ "$processes" -eq 0 ]; then
    echo "valgrind-shim: no nginx process ran under valgrind: nothing was checked (see $out/vitest.log)" >&2
    exit 1
fi
shim=$(grep -c '^--- ' "$report" || true)
echo "valgrind-shim: $processes nginx processes checked, $errors_total valgrind errors in all (nginx/njs included), $shim attributable to the shim" >&2
if [ "$shim" -gt 0 ]; then
    echo "valgrind-shim: see $report" >&2
    head -60 "$report" >&2
    exit 1
fi
echo "valgrind-shim: tests exit status $tests (timing-sensitive tests may fail under valgrind's slowdown)" >&2
exit 0
