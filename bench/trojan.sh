#!/usr/bin/env bash
# Trojan: Turnout's mixed port -> trojan-gfw against Clash 1.18's mixed port -> the same trojan-gfw, in one run,
# on loopback in a network namespace of this script's own (removed on exit). Both trust the server's test CA
# through SSL_CERT_FILE and send SNI trojan.test. Measured, interleaved (Turnout, then Clash, each trial):
#   single-stream download and upload (curl through the SOCKS5 side, MiB/s), connection setup (sequential SOCKS5
#   CONNECT + GET + read to close, bench/trojan_peer.py, per second), and each proxy's CPU (user + system, from
#   /proc) per GiB moved in the transfers, and each one's RSS holding HOLD (500) idle flows open through it at once.
#   Printed: medians of TRIALS and Turnout's ratio to Clash.
#   NMT=1 starts Turnout with native memory tracking and keeps, per trial T, what holds its memory while the flows
#   are held (jcmd's VM.native_memory summary and GC.heap_info, /proc's smaps_rollup) in nmt-T.txt and /proc's smaps
#   in nmt-T.smaps (T = 0: holding them before any transfer), in the work folder, which is then kept and whose path
#   is printed at the end.
# Usage (root, after `mvn -q -DskipTests package`): [HOLD=N] [NMT=1] bench/trojan.sh [SIZE_MB] [TRIALS] [SETUP_N]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
size_mb=${1:-512}
trials=${2:-3}
setup_n=${3:-300}
hold_n=${HOLD:-500}
dist=dist/target/turnout
peers_dir=${PEERS_DIR:-../shared/peers}
clash=${PEERS_CACHE:-$HOME/.cache/turnout-peers}/clash-v1.18.0
geo=$(.ci/country-mmdb.sh) || geo=""
[ "$(id -u)" -eq 0 ] || { echo "bench/trojan.sh: needs root (network namespace)" >&2; exit 1; }
[ -x "$dist/bin/turnout" ] || { echo "bench/trojan.sh: build first: mvn -q -DskipTests package" >&2; exit 1; }
command -v trojan >/dev/null || { echo "bench/trojan.sh: needs trojan (apt-get install trojan)" >&2; exit 1; }
if [ ! -x "$clash" ]; then
  [ -f "$peers_dir/clash-linux-amd64-v1.18.0.gz" ] || { echo "bench/trojan.sh: no Clash 1.18 ($peers_dir)" >&2; exit 1; }
  mkdir -p "$(dirname "$clash")"
  gunzip -c "$peers_dir/clash-linux-amd64-v1.18.0.gz" >"$clash.part" && chmod +x "$clash.part" && mv "$clash.part" "$clash"
fi
[ -n "$geo" ] || { echo "bench/trojan.sh: Clash needs a Country.mmdb (.ci/country-mmdb.sh said why above)" >&2; exit 1; }

ns=s13-trojan-bench-$$
work=$(mktemp -d)
cleanup() {
  kill_netns "$ns"
  rm -rf "/etc/netns/$ns"; [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "/etc/netns/$ns"
printf '127.0.0.1 localhost bulk.bench\n' > "/etc/netns/$ns/hosts"
inns() { ip netns exec "$ns" "$@"; }

# A test CA and the server's certificate, as in the tests.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
  -days 1 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" -out "$work/server.csr" \
  -subj /CN=trojan.test >/dev/null 2>&1
printf 'subjectAltName=DNS:trojan.test\nextendedKeyUsage=serverAuth\n' >"$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
  -extfile "$work/server.ext" -out "$work/server.pem" >/dev/null 2>&1
chmod 644 "$work"/*.pem "$work"/*.key

cat >"$work/trojan.json" <<CONF
{"run_type": "server", "local_addr": "127.0.0.1", "local_port": 8443, "remote_addr": "127.0.0.1", "remote_port": 81,
 "password": ["bench"], "log_level": 2, "ssl": {"cert": "$work/server.pem", "key": "$work/server.key", "alpn": ["http/1.1"]},
 "tcp": {"no_delay": true}}
CONF
inns java bench/BulkServer.java 8080 $((size_mb * 1024 * 1024)) >"$work/bulk.log" 2>&1 &
inns java bench/BulkServer.java 8081 1024 >"$work/small.log" 2>&1 &
inns python3 bench/trojan_peer.py sink 8082 >"$work/sink.log" 2>&1 &
inns trojan -c "$work/trojan.json" -l "$work/trojan.log" >"$work/trojan.out" 2>&1 &
proxy="{name: tj, type: trojan, server: 127.0.0.1, port: 8443, password: bench, sni: trojan.test}"
cat >"$work/config.yaml" <<CONF
mixed-port: 7890
log-level: warning
proxies:
  - $proxy
rules:
  - MATCH,tj
CONF
mkdir -p "$work/clash"; cp "$geo" "$work/clash/Country.mmdb"
sed 's/^mixed-port: 7890/mixed-port: 7891/' "$work/config.yaml" >"$work/clash/config.yaml"
[ -z "${NMT:-}" ] || { KEEP=1; export TURNOUT_JAVA_OPTS="${TURNOUT_JAVA_OPTS:-$(launcher_java_opts "$dist")} -XX:NativeMemoryTracking=summary"; }
SSL_CERT_FILE=$work/ca.pem inns "$dist/bin/turnout" run -c "$work/config.yaml" >"$work/turnout.log" 2>&1 &
SSL_CERT_FILE=$work/ca.pem inns "$clash" -d "$work/clash" >"$work/clash.log" 2>&1 &
for p in 8080 8081 8082 8443 7890 7891; do wait_port "$ns" "$p"; done
pid_on() { inns ss -Htlnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
declare -A PID=([turnout]=$(pid_on 7890) [clash]=$(pid_on 7891))
declare -A PORT=([turnout]=7890 [clash]=7891)
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; }

bytes=$((size_mb * 1024 * 1024))
down() { inns curl -sS -o /dev/null --max-time 300 -w '%{speed_download}' --socks5-hostname "127.0.0.1:${PORT[$1]}" http://bulk.bench:8080/; }
truncate -s "$bytes" "$work/up.bin"
up() { inns curl -sS -o "$work/up.out" --max-time 300 -w '%{speed_upload}' -H 'Expect:' -T "$work/up.bin" \
  --socks5-hostname "127.0.0.1:${PORT[$1]}" http://bulk.bench:8082/; }
whole() { [ "$(cat "$work/up.out")" = "$bytes" ] || { echo "upload through $1 arrived short: $(cat "$work/up.out")" >&2; exit 1; }; }
setup() { inns python3 bench/trojan_peer.py setup "${PORT[$1]}" bulk.bench 8081 "$2"; }
# VmRSS in MB of proxy $1 while hold_n idle flows through it are open (5 s after the last opened).
held_rss() {
  local fifo=$work/hold.in line
  rm -f "$fifo"; mkfifo "$fifo"
  inns python3 bench/trojan_peer.py hold "${PORT[$1]}" bulk.bench 8081 "$hold_n" <"$fifo" >"$work/hold.out" 2>&1 &
  exec 4>"$fifo"
  for _ in $(seq 1 240); do grep -q '^held' "$work/hold.out" && break; sleep 0.5; done
  grep -q '^held' "$work/hold.out" || { echo "holding $hold_n flows through $1 failed: $(cat "$work/hold.out")" >&2; exit 1; }
  sleep 5
  if [ -n "${NMT:-}" ] && [ "$1" = turnout ]; then
    { jcmd "${PID[$1]}" VM.native_memory summary; jcmd "${PID[$1]}" GC.heap_info; cat "/proc/${PID[$1]}/smaps_rollup"
    } >"$work/nmt-$t.txt" 2>&1
    cp "/proc/${PID[$1]}/smaps" "$work/nmt-$t.smaps"
  fi
  awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/${PID[$1]}/status"
  exec 4>&-
  wait $! 2>/dev/null; sleep 2
}

declare -A R
add() { R[$1]="${R[$1]:-} $2"; }
# With NMT, the same breakdown once before any transfer (nmt-0.txt), to set against the trials'.
[ -z "${NMT:-}" ] || { t=0; echo "RSS MB, $hold_n held before any transfer: $(held_rss turnout)"; }
for who in turnout clash; do   # warm-up: JIT, TLS session state, page cache
  down "$who" >/dev/null || { echo "$who failed; its log:" >&2; cat "$work/$who.log" >&2; exit 1; }
  setup "$who" 100 >/dev/null
done
for t in $(seq 1 "$trials"); do
  for who in turnout clash; do
    c0=$(cpu "$who"); add "down-$who" "$(down "$who")"; add "up-$who" "$(up "$who")"; c1=$(cpu "$who"); whole "$who"
    add "cpu-$who" "$(awk -v d=$((c1 - c0)) -v t="$tick" -v b="$bytes" 'BEGIN {printf "%.3f", d / t / (2 * b / 1073741824)}')"
    add "setup-$who" "$(setup "$who" "$setup_n")"
    add "rss-$who" "$(held_rss "$who")"
  done
done
median() { printf '%s\n' $1 | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "trojan, ${size_mb} MiB each way per trial, setup $setup_n per trial; medians of $trials trials (runs in brackets)"
printf '%-22s %12s %12s %10s\n' "" Turnout "Clash 1.18" ratio
row() { # name key scale
  local a b; a=$(median "${R[$2-turnout]}"); b=$(median "${R[$2-clash]}")
  printf '%-22s %12.2f %12.2f %10.2f   [%s |%s ]\n' "$1" "$(awk -v v="$a" -v s="$3" 'BEGIN{print v/s}')" \
    "$(awk -v v="$b" -v s="$3" 'BEGIN{print v/s}')" "$(awk -v x="$a" -v y="$b" 'BEGIN{print x/y}')" "${R[$2-turnout]}" "${R[$2-clash]}"
}
row "download MiB/s" down 1048576
row "upload MiB/s" up 1048576
row "setup conn/s" setup 1
row "CPU s/GiB" cpu 1
row "RSS MB, $hold_n held" rss 1
[ -z "${NMT:-}" ] || echo "memory breakdowns: $work/nmt-*.txt"
