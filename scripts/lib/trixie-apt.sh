# Sourced by provision-runtime.sh and valgrind-shim.sh: a private apt
# configuration that knows Debian trixie, made from the machine's own apt
# sources. The mirror is the one this machine already uses (no repository
# host is written into this repository); only the suite becomes trixie.
#
#   trixie_mirror                 prints the mirror URI, or fails saying why
#   trixie_apt_setup DIR          writes DIR/sources.list and the list and
#                                 cache directories; sets the array
#                                 trixie_apt_opts for apt-get/apt-cache
#
# IPNG_DEBIAN_MIRROR overrides the mirror (a URI such as the one in your
# sources' "URIs:" field). IPNG_APT_ETC names another /etc/apt to read
# (the tests' fixtures).

# The first http(s) URI of a source whose suite is a release's main suite
# (no "-updates", "-security", ...): that mirror also carries trixie.
trixie_mirror() {
    if [ -n "${IPNG_DEBIAN_MIRROR:-}" ]; then
        echo "$IPNG_DEBIAN_MIRROR"
        return 0
    fi
    local etc=${IPNG_APT_ETC:-/etc/apt} f uri=
    for f in "$etc"/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk '
            BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; main = 0; deb = 0
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^[ \t]*#/) continue
                    if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
                    if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
                    if ($i ~ /^Suites:/) {
                        n = split(substr($i, 8), s, /[ \t]+/)
                        for (j = 1; j <= n; j++) if (s[j] != "" && s[j] !~ /-/) main = 1
                    }
                }
                if (deb && main) {
                    m = split(uris, u, /[ \t]+/)
                    for (j = 1; j <= m; j++)
                        if (u[j] ~ /^https?:\/\//) { print u[j]; exit }
                }
            }' "$f")
        [ -n "$uri" ] && break
    done
    if [ -z "$uri" ]; then
        for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            uri=$(awk '
                $1 == "deb" {
                    i = 2
                    if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
                    if ($i ~ /^https?:\/\// && $(i + 1) !~ /-/) { print $i; exit }
                }' "$f")
            [ -n "$uri" ] && break
        done
    fi
    if [ -z "$uri" ]; then
        echo "no Debian mirror found in $etc/sources.list.d/*.sources or" \
             "$etc/sources.list (a 'deb' source over http(s) for a" \
             "release's main suite is needed, or set IPNG_DEBIAN_MIRROR=URI)" >&2
        return 1
    fi
    echo "${uri%/}"
}

trixie_apt_setup() {
    local dir=$1 mirror
    mirror=$(trixie_mirror) || return 1
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
        > "$dir/sources.list"
    trixie_apt_opts=(-o "Dir::Etc::sourcelist=$dir/sources.list"
                     -o Dir::Etc::sourceparts=-
                     -o "Dir::State::Lists=$dir/lists"
                     -o "Dir::State::status=/dev/null"
                     -o "Dir::Cache=$dir/cache"
                     -o APT::Sandbox::User=root)
}
