#!/usr/bin/env bash
# Shadowsocks through Turnout's mixed port against Clash 1.18's mixed port, both to the same ss-server
# (shadowsocks-libev), for aes-128-gcm and chacha20-ietf-poly1305, in one run, interleaved trial by trial:
#   download  curl GET of SIZE_MB MiB from bench/BulkServer.java through the proxy's SOCKS5 side (speed_download)
#   upload    curl PUT of a SIZE_MB MiB file to bench/UploadSink.java through it (speed_upload)
#   setup     sequential SOCKS5 CONNECT (by name) + GET + read-to-close, bench/setup.c client, connections/s
#   CPU       the proxy process's user + system time over the download and the upload, seconds per GiB moved,
#             and over the setup runs, microseconds per connection
# Medians of TRIALS; ratios are Turnout / Clash (for CPU, lower is better). Everything runs on loopback inside a
# network namespace of this script's own, removed on exit. Clash comes from ../shared/peers (see its README); it
# needs a GeoIP2-shaped Country.mmdb, built once by .ci/country-mmdb.sh.
# Usage (root, after `mvn -q -DskipTests package`): bench/ss.sh
#   env: SIZE_MB (512), TRIALS (3), SETUP_N (2000 connections per setup run), KEEP=1 (keep the work folder)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
size_mb=${SIZE_MB:-512}
trials=${TRIALS:-3}
setup_n=${SETUP_N:-2000}
dist=dist/target/turnout
peers=../shared/peers
clash_gz=$peers/clash-linux-amd64-v1.18.0.gz
mmdb=$(.ci/country-mmdb.sh) || mmdb=""
need() { echo "bench/ss.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || need "needs root (network namespace)"
[ -x "$dist/bin/turnout" ] || need "build first: mvn -q -DskipTests package"
[ -f "$dist"/plugins/turnout-plugin-shadowsocks-*.jar ] || need "the packaged Turnout has no shadowsocks plugin"
command -v ss-server >/dev/null || need "needs ss-server (apt-get install shadowsocks-libev)"
command -v gcc >/dev/null || need "needs gcc for bench/setup.c"
[ -f "$clash_gz" ] || need "no Clash at $clash_gz (see $peers/README.md)"
[ -n "$mmdb" ] || need "no Country.mmdb for Clash (.ci/country-mmdb.sh said why above; see $peers/README.md)"

ns=s13-ss-bench-$$
work=$(mktemp -d /tmp/s13-ss-bench.XXXXXX)
cleanup() {
  kill_netns "$ns"
  rm -rf "/etc/netns/$ns"; [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "/etc/netns/$ns"
printf '127.0.0.1 localhost aes.bench chacha.bench\n' > "/etc/netns/$ns/hosts"
inns() { ip netns exec "$ns" "$@"; }

gcc -O2 -pthread -o "$work/setup" bench/setup.c
gunzip -c "$clash_gz" > "$work/clash" && chmod +x "$work/clash"
mkdir -p "$work/clash-home" && cp "$mmdb" "$work/clash-home/Country.mmdb"
head -c $((size_mb * 1024 * 1024)) /dev/zero > "$work/upload.bin"

# One ss-server per cipher; both proxies use the same two.
password=bench-$$
ciphers=(aes-128-gcm chacha20-ietf-poly1305)
hosts=(aes.bench chacha.bench)
for i in 0 1; do
  inns ss-server -s 127.0.0.1 -p $((8381 + i)) -k "$password" -m "${ciphers[$i]}" >"$work/ss-server-$i.log" 2>&1 &
done
inns java bench/BulkServer.java 8080 $((size_mb * 1024 * 1024)) >"$work/bulk.log" 2>&1 &
inns java bench/UploadSink.java 8081 >"$work/sink.log" 2>&1 &
inns "$work/setup" serve 8082 >"$work/setup-server.log" 2>&1 &
proxies() { # the proxies: and rules: of both configs
  cat <<CONF
proxies:
  - {name: ss-aes, type: ss, server: 127.0.0.1, port: 8381, cipher: aes-128-gcm, password: $password}
  - {name: ss-chacha, type: ss, server: 127.0.0.1, port: 8382, cipher: chacha20-ietf-poly1305, password: $password}
rules:
  - DOMAIN-SUFFIX,aes.bench,ss-aes
  - DOMAIN-SUFFIX,chacha.bench,ss-chacha
  - MATCH,DIRECT
CONF
}
{ printf 'mixed-port: 7890\nlog-level: warning\n'; proxies; } > "$work/turnout.yaml"
{ printf 'mixed-port: 7891\nlog-level: warning\nmode: rule\n'; proxies; } > "$work/clash-home/config.yaml"
inns "$dist/bin/turnout" run -c "$work/turnout.yaml" --pid-file "$work/turnout.pid" >"$work/turnout.log" 2>&1 &
# Not through inns: ip netns exec execs the program itself, so $! is Clash (a function would be a subshell).
ip netns exec "$ns" "$work/clash" -d "$work/clash-home" >"$work/clash.log" 2>&1 &
clash_pid=$!
for p in 8381 8382 8080 8081 8082 7890 7891; do wait_port "$ns" "$p"; done
turnout_pid=$(cat "$work/turnout.pid")
[ "$(cat /proc/$clash_pid/comm)" = clash ] || need "could not find Clash's process"
declare -A port=([turnout]=7890 [clash]=7891) pid=([turnout]=$turnout_pid [clash]=$clash_pid)
tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
down() { inns curl -sS -o /dev/null --max-time 300 -w '%{speed_download}' --socks5-hostname "127.0.0.1:$1" "http://$2:8080/"; }
up() { inns curl -sS -o /dev/null --max-time 300 -w '%{speed_upload}' -H 'Expect:' -T "$work/upload.bin" \
  --socks5-hostname "127.0.0.1:$1" "http://$2:8081/"; }
setup() { inns "$work/setup" client 127.0.0.1 "$1" "$setup_n" 60 "$2" 8082 | awk '{print $2; if ($6 > 0) print "failed " $6 > "/dev/stderr"}'; }

# Warm-up (Turnout's JIT; both proxies' first connections), and a check that every path works at all.
for proxy in turnout clash; do
  for h in "${hosts[@]}"; do
    down "${port[$proxy]}" "$h" >/dev/null || { echo "$proxy -> $h failed; logs in $work" >&2; KEEP=1; exit 1; }
    up "${port[$proxy]}" "$h" >/dev/null
    setup "${port[$proxy]}" "$h" >/dev/null
  done
done

declare -A R
mibs() { awk -v s="$1" 'BEGIN {printf "%.1f", s / 1048576}'; }
per_gib() { awk -v t="$1" -v k="$tck" -v mb="$size_mb" 'BEGIN {printf "%.2f", t / k / (mb / 1024)}'; }
add() { R[$1]="${R[$1]:-} $2"; }
measure() { # proxy host-index: one trial of everything
  local p=$1 h=${hosts[$2]} t0 t1 s
  t0=$(ticks "${pid[$p]}"); s=$(down "${port[$p]}" "$h"); t1=$(ticks "${pid[$p]}")
  add "$p-$2-down" "$(mibs "$s")"; add "$p-$2-cpu-down" "$(per_gib $((t1 - t0)))"
  t0=$(ticks "${pid[$p]}"); s=$(up "${port[$p]}" "$h"); t1=$(ticks "${pid[$p]}")
  add "$p-$2-up" "$(mibs "$s")"; add "$p-$2-cpu-up" "$(per_gib $((t1 - t0)))"
  t0=$(ticks "${pid[$p]}"); s=$(setup "${port[$p]}" "$h"); t1=$(ticks "${pid[$p]}")
  add "$p-$2-setup" "$s"; add "$p-$2-cpu-setup" "$(awk -v t=$((t1 - t0)) -v k="$tck" -v n="$setup_n" 'BEGIN {printf "%.0f", t / k / n * 1e6}')"
}
for trial in $(seq 1 "$trials"); do
  for i in 0 1; do
    # Alternate who goes first, so neither always meets a warmer machine.
    if (( (trial + i) % 2 )); then measure turnout "$i"; measure clash "$i"; else measure clash "$i"; measure turnout "$i"; fi
  done
done

median() { printf '%s\n' $1 | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
row() { # label key
  local tm cm
  tm=$(median "${R[turnout-$2]}"); cm=$(median "${R[clash-$2]}")
  awk -v l="$1" -v t="$tm" -v c="$cm" -v rt="${R[turnout-$2]}" -v rc="${R[clash-$2]}" \
    'BEGIN {printf "  %-24s %9.2f %9.2f %6.2f   runs%s |%s\n", l, t, c, (c > 0 ? t / c : 0), rt, rc}'
}
echo "ss through the mixed port (SOCKS5), Turnout vs Clash 1.18, same ss-server; ${size_mb} MiB transfers,"
echo "setup = ${setup_n} sequential connections per run; median of $trials interleaved trials; ratio = Turnout / Clash"
printf '  %-24s %9s %9s %6s\n' "" Turnout Clash ratio
for i in 0 1; do
  echo "${ciphers[$i]}"
  row "download MiB/s" "$i-down"
  row "upload MiB/s" "$i-up"
  row "setup connections/s" "$i-setup"
  row "CPU s/GiB, download" "$i-cpu-down"
  row "CPU s/GiB, upload" "$i-cpu-up"
  row "CPU us per connection" "$i-cpu-setup"
done
