#!/usr/bin/env bash
# Bulk-download throughput through Turnout's mixed port, against the same transfer without Turnout, in one run:
#   (a) curl straight to the server            (b) curl -> dante alone (a plain SOCKS5 server)
#   (c) curl -> Turnout -> DIRECT              (d) curl -> Turnout -> SOCKS5 plugin -> dante
#   (e) curl -> Turnout's HTTP proxy side (a plain GET, parsed per request) -> DIRECT
# Everything runs on loopback inside a network namespace of this script's own, removed on exit.
# Usage (root, after `mvn -q -DskipTests package`): bench/mixed.sh [SIZE_MB] [RUNS]; TURNOUT_DIST=another packaged Turnout
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
size_mb=${1:-1024}
runs=${2:-3}
dist=${TURNOUT_DIST:-dist/target/turnout}
[ "$(id -u)" -eq 0 ] || { echo "bench/mixed.sh: needs root (network namespace)" >&2; exit 1; }
[ -x "$dist/bin/turnout" ] || { echo "bench/mixed.sh: build first: mvn -q -DskipTests package" >&2; exit 1; }
cds_fit "$dist"
command -v danted >/dev/null || [ -x /usr/sbin/danted ] || { echo "bench/mixed.sh: needs dante-server" >&2; exit 1; }

ns=tbench-$$
work=$(mktemp -d)
cleanup() {
  kill_netns "$ns"
  rm -rf "/etc/netns/$ns"; [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "/etc/netns/$ns"
printf '127.0.0.1 localhost direct.bench socks.bench\n' > "/etc/netns/$ns/hosts"

inns() { ip netns exec "$ns" "$@"; }

inns java bench/BulkServer.java 8080 $((size_mb * 1024 * 1024)) >"$work/bulk.log" 2>&1 &
danted_conf "$work" 127.0.0.1
inns danted -f "$work/danted.conf" -p "$work/danted.pid" >"$work/danted.out" 2>&1 &
cat >"$work/config.yaml" <<CONF
mixed-port: 7890
log-level: info
proxies:
  - {name: dante, type: socks5, server: 127.0.0.1, port: 1080}
rules:
  - DOMAIN,socks.bench,dante
  - MATCH,DIRECT
CONF
inns "$dist/bin/turnout" run -c "$work/config.yaml" --pid-file "$work/turnout.pid" >"$work/turnout.log" 2>&1 &
wait_port "$ns" 8080; wait_port "$ns" 1080; wait_port "$ns" 7890

speed() { inns curl -s -o /dev/null --max-time 120 -w '%{speed_download}' "$@"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
declare -a a b c d e
speed http://127.0.0.1:8080/ >/dev/null   # warm-up: JIT and page cache
speed --socks5-hostname 127.0.0.1:7890 http://direct.bench:8080/ >/dev/null || { echo "Turnout -> DIRECT failed; its log:" >&2; cat "$work/turnout.log" >&2; exit 1; }
speed --socks5-hostname 127.0.0.1:7890 http://socks.bench:8080/ >/dev/null || { echo "Turnout -> dante failed; its log:" >&2; cat "$work/turnout.log" >&2; exit 1; }
for i in $(seq 1 "$runs"); do
  a+=("$(speed http://127.0.0.1:8080/)")
  b+=("$(speed --socks5-hostname 127.0.0.1:1080 http://socks.bench:8080/)")
  c+=("$(speed --socks5-hostname 127.0.0.1:7890 http://direct.bench:8080/)")
  d+=("$(speed --socks5-hostname 127.0.0.1:7890 http://socks.bench:8080/)")
  e+=("$(speed --proxy http://127.0.0.1:7890 http://direct.bench:8080/)")
done
ma=$(median "${a[@]}"); mb=$(median "${b[@]}"); mc=$(median "${c[@]}"); md=$(median "${d[@]}"); me=$(median "${e[@]}")
mib() { awk -v v="$1" 'BEGIN {printf "%.0f", v / 1048576}'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.2f", x / y}'; }
echo "bulk download of ${size_mb} MiB, median of $runs runs, MiB/s (ratio to (a)):"
echo "  (a) direct, no proxy           $(mib "$ma")"
echo "  (b) dante alone                $(mib "$mb")  ($(ratio "$mb" "$ma"))"
echo "  (c) Turnout -> DIRECT          $(mib "$mc")  ($(ratio "$mc" "$ma"))"
echo "  (d) Turnout -> SOCKS5 -> dante $(mib "$md")  ($(ratio "$md" "$ma"); $(ratio "$md" "$mb") of dante alone)"
echo "  (e) Turnout HTTP GET -> DIRECT $(mib "$me")  ($(ratio "$me" "$ma"); $(ratio "$me" "$mc") of (c))"
