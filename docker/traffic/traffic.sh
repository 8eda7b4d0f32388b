#!/bin/sh
# The compose demo's opt-in traffic generator (profile "traffic"): a mix
# of answers (200, 301, 404, 500) to the demo site, one request at a time,
# bounded in count and in time, then it exits.
#
#   TRAFFIC_TARGET    base URL of the demo site (default http://nginx:8080)
#   TRAFFIC_REQUESTS  at most this many requests (default 3000)
#   TRAFFIC_SECONDS   at most this long (default 900)
#   TRAFFIC_PAUSE     seconds between requests (default 0.2)
set -eu

target=${TRAFFIC_TARGET:-http://nginx:8080}
requests=${TRAFFIC_REQUESTS:-3000}
seconds=${TRAFFIC_SECONDS:-900}
pause=${TRAFFIC_PAUSE:-0.2}
# One round: / and three /hello (200), /moved (301), /missing (404), /error (500).
paths="/ /hello /hello /hello /moved /missing /error"

end=$(( $(date +%s) + seconds ))
# nginx may still be starting (depends_on does not wait for it).
tries=0
until curl -s -o /dev/null --max-time 2 "$target/hello"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ] || [ "$(date +%s)" -ge "$end" ]; then
        echo "traffic: $target does not answer" >&2
        exit 1
    fi
    sleep 1
done
# The probe above was counted too; it is not part of the mix.
sent=0
while [ "$sent" -lt "$requests" ] && [ "$(date +%s)" -lt "$end" ]; do
    for path in $paths; do
        [ "$sent" -lt "$requests" ] || break
        curl -s -o /dev/null --max-time 5 "$target$path" || true
        sent=$((sent + 1))
        sleep "$pause"
    done
done
echo "traffic: sent $sent requests to $target"
