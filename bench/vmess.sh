#!/usr/bin/env bash
# VMess through Turnout against Clash 1.18, in one run, to the same v2ray 4.34 (vmess over tcp, one cipher):
#   (t) curl -> Turnout's mixed port -> vmess plugin -> v2ray -> bulk server
#   (c) curl -> Clash 1.18's mixed port ->               v2ray -> bulk server
# For each: single-stream download throughput, connection setup rate (sequential small requests, each on a
# new connection since the server closes them) and the proxy's CPU seconds per GiB downloaded (utime+stime of
# its process around the downloads). Runs interleave t and c; medians of RUNS; ratios are t / c.
# Everything runs on loopback inside a network namespace of this script's own, removed on exit.
# NETWORK=h2 puts V2Ray's HTTP/2 transport (TLS, a self-signed certificate both skip checking) under vmess.
# NETWORK=grpc puts the gun transport (gRPC over TLS) under it: v2ray 4.34 has none, so the tests' grpc-java gun
# server (dist's Peers gun) carries each call to v2ray's tcp inbound, as a V2Ray gun inbound would.
# Before the runs each proxy sets up REQUESTS connections untimed: Turnout's JIT compiles its setup path over the
# first thousands (in a run of 3,000 grpc setups the C1 and C2 compiler threads took as much CPU as the event
# loops), which a proxy running for hours has long done.
# Usage (root, after `mvn -q -DskipTests install`): [NETWORK=tcp|h2|grpc] bench/vmess.sh [SIZE_MB] [RUNS] [CIPHER] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
size_mb=${1:-512}
runs=${2:-3}
cipher=${3:-aes-128-gcm}
requests=${4:-300}
network=${NETWORK:-tcp}
dist=${DIST:-dist/target/turnout}   # DIST: another build's layout, to compare builds run by run
clash_gz=../shared/peers/clash-linux-amd64-v1.18.0.gz
mmdb=$(.ci/country-mmdb.sh) || mmdb=""
[ "$(id -u)" -eq 0 ] || { echo "bench/vmess.sh: needs root (network namespace)" >&2; exit 1; }
[ -x "$dist/bin/turnout" ] || { echo "bench/vmess.sh: build first: mvn -q -DskipTests package" >&2; exit 1; }
command -v v2ray >/dev/null || { echo "bench/vmess.sh: needs v2ray (apt-get install v2ray)" >&2; exit 1; }
[ -f "$clash_gz" ] || { echo "bench/vmess.sh: Clash 1.18 not found at $clash_gz" >&2; exit 1; }
[ -n "$mmdb" ] || { echo "bench/vmess.sh: Clash needs a Country.mmdb (.ci/country-mmdb.sh said why above)" >&2; exit 1; }

ns=tbench-vmess-$$
work=$(mktemp -d)
cleanup() {
  kill_netns "$ns"
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }

uuid=$(cat /proc/sys/kernel/random/uuid)
inns java bench/BulkServer.java 8080 $((size_mb * 1024 * 1024)) >"$work/bulk.log" 2>&1 &
inns java bench/BulkServer.java 8081 100 >"$work/small.log" 2>&1 &
stream='{"network":"tcp"}'
transport=
server_port=10086
case "$network" in
  tcp) ;;
  h2)
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=h2.bench.test -addext subjectAltName=DNS:h2.bench.test \
      -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
    stream='{"network":"http","security":"tls","httpSettings":{"host":["h2.bench.test"],"path":"/h2"},
      "tlsSettings":{"certificates":[{"certificateFile":"'"$work/cert.pem"'","keyFile":"'"$work/key.pem"'"}]}}'
    # Clash 1.18 refuses h2 without tls: true (mihomo and Turnout take h2 as TLS anyway).
    transport=", network: h2, tls: true, servername: h2.bench.test, skip-cert-verify: true, h2-opts: {host: [h2.bench.test], path: /h2}" ;;
  grpc)
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=grpc.bench.test -addext subjectAltName=DNS:grpc.bench.test \
      -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
    mvn -q -o dependency:build-classpath -pl dist -Dmdep.outputFile="$work/cp.txt" >/dev/null
    [ -d dist/target/test-classes ] || mvn -q -o -pl dist test-compile >/dev/null
    inns java -cp "dist/target/test-classes:$(cat "$work/cp.txt")" dev.turnout.dist.testing.Peers gun 127.0.0.1 10087 \
      GunService "$work/cert.pem" "$work/key.pem" 127.0.0.1 10086 >"$work/gun.log" 2>&1 &
    server_port=10087
    transport=", network: grpc, tls: true, servername: grpc.bench.test, skip-cert-verify: true, grpc-opts: {grpc-service-name: GunService}" ;;
  *) echo "bench/vmess.sh: NETWORK is tcp, h2 or grpc" >&2; exit 1 ;;
esac
cat >"$work/v2ray.json" <<CONF
{"log":{"loglevel":"warning"},
 "inbounds":[{"listen":"127.0.0.1","port":10086,"protocol":"vmess","settings":{"clients":[{"id":"$uuid","alterId":0}]},
   "streamSettings":$stream}],
 "outbounds":[{"protocol":"freedom"}]}
CONF
inns v2ray -config "$work/v2ray.json" >"$work/v2ray.log" 2>&1 &
proxy="{name: v, type: vmess, server: 127.0.0.1, port: $server_port, uuid: $uuid, alterId: 0, cipher: $cipher$transport}"
printf 'mixed-port: 7890\nlog-level: warning\nproxies:\n  - %s\nrules:\n  - MATCH,v\n' "$proxy" >"$work/config.yaml"
mkdir -p "$work/clash"
cp "$mmdb" "$work/clash/Country.mmdb"
printf 'mixed-port: 7891\nlog-level: warning\nmode: rule\nproxies:\n  - %s\nrules:\n  - MATCH,v\n' "$proxy" >"$work/clash/config.yaml"
gunzip -c "$clash_gz" >"$work/clash-bin" && chmod +x "$work/clash-bin"
# Not through inns (a function: $! would be its subshell): ip netns exec execs the launcher, which execs java.
ip netns exec "$ns" "$dist/bin/turnout" run -c "$work/config.yaml" >"$work/turnout.log" 2>&1 &
turnout_pid=$!
ip netns exec "$ns" "$work/clash-bin" -d "$work/clash" >"$work/clash.log" 2>&1 &
clash_pid=$!
wait_port "$ns" 8080; wait_port "$ns" 8081; wait_port "$ns" 10086; wait_port "$ns" "$server_port"; wait_port "$ns" 7890; wait_port "$ns" 7891
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

speed() { inns curl -s -o /dev/null --max-time 300 -w '%{speed_download}' --socks5-hostname "127.0.0.1:$1" http://127.0.0.1:8080/; }
# v2ray 4.34's replay filter (a cuckoo filter) takes about one request in 1,200 at these rates for a replay and
# drains it unanswered ("invalid user > replayed request" in its info log; Clash's requests as often as Turnout's);
# over h2 such a stream then waits, so each request has 10 s, and the failures are counted, not fatal.
setup_rate() {   # setup_rate PORT FAILFILE
  local start end
  start=$(date +%s.%N)
  inns curl -s -o /dev/null --max-time 10 -w '%{http_code}\n' --socks5-hostname "127.0.0.1:$1" \
    "http://127.0.0.1:8081/[1-$requests]" | grep -vc '^200$' >>"$2" || true
  end=$(date +%s.%N)
  awk -v n="$requests" -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", n / (e - s)}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
declare -a ts cs tr cr tcpu ccpu tsc csc
for port in 7890 7891; do   # warm-up (JIT), and a check that both work
  speed $port >/dev/null || { echo "port $port failed; logs:" >&2; cat "$work/turnout.log" "$work/clash.log" >&2; exit 1; }
  setup_rate $port "$work/warm-up-failed" >/dev/null
done
if [ -n "${TIMING:-}" ]; then
  for port in 7890 7891; do
    inns curl -s -o /dev/null -w "$port connect %{time_connect} start %{time_starttransfer} total %{time_total}\n" \
      --socks5-hostname "127.0.0.1:$port" "http://127.0.0.1:8081/[1-5]"
  done
fi
for i in $(seq 1 "$runs"); do
  before=$(cpu $turnout_pid); ts+=("$(speed 7890)"); after=$(cpu $turnout_pid)
  tcpu+=("$(awk -v a="$after" -v b="$before" -v hz="$hz" -v mb="$size_mb" 'BEGIN {printf "%.2f", (a - b) / hz / (mb / 1024)}')")
  before=$(cpu $clash_pid); cs+=("$(speed 7891)"); after=$(cpu $clash_pid)
  ccpu+=("$(awk -v a="$after" -v b="$before" -v hz="$hz" -v mb="$size_mb" 'BEGIN {printf "%.2f", (a - b) / hz / (mb / 1024)}')")
  before=$(cpu $turnout_pid); tr+=("$(setup_rate 7890 "$work/failed-t")"); after=$(cpu $turnout_pid)
  tsc+=("$(awk -v a="$after" -v b="$before" -v hz="$hz" -v n="$requests" 'BEGIN {printf "%.0f", (a - b) / hz / n * 1e6}')")
  before=$(cpu $clash_pid); cr+=("$(setup_rate 7891 "$work/failed-c")"); after=$(cpu $clash_pid)
  csc+=("$(awk -v a="$after" -v b="$before" -v hz="$hz" -v n="$requests" 'BEGIN {printf "%.0f", (a - b) / hz / n * 1e6}')")
done
mib() { awk -v v="$1" 'BEGIN {printf "%.0f", v / 1048576}'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.2f", x / y}'; }
mts=$(median "${ts[@]}"); mcs=$(median "${cs[@]}"); mtr=$(median "${tr[@]}"); mcr=$(median "${cr[@]}")
mtc=$(median "${tcpu[@]}"); mcc=$(median "${ccpu[@]}"); mtsc=$(median "${tsc[@]}"); mcsc=$(median "${csc[@]}")
echo "vmess over $network, cipher $cipher, to v2ray $(v2ray -version | head -1 | awk '{print $2}'); medians of $runs interleaved runs:"
echo "                      Turnout   Clash 1.18   Turnout/Clash"
printf '  download MiB/s      %7s   %10s   %s\n' "$(mib "$mts")" "$(mib "$mcs")" "$(ratio "$mts" "$mcs")"
printf '  setups/s            %7s   %10s   %s\n' "$mtr" "$mcr" "$(ratio "$mtr" "$mcr")"
printf '  CPU s/GiB           %7s   %10s   %s\n' "$mtc" "$mcc" "$(ratio "$mtc" "$mcc")"
printf '  CPU us/setup        %7s   %10s   %s\n' "$mtsc" "$mcsc" "$(ratio "$mtsc" "$mcsc")"
sum() { awk '{s += $1} END {print s + 0}' "$1"; }
printf '  setups failed       %7s   %10s   (of %s each; see setup_rate)\n' "$(sum "$work/failed-t")" "$(sum "$work/failed-c")" \
  "$((runs * requests))"
echo "  (each download ${size_mb} MiB; each setup run $requests requests of 100 bytes, one connection each)"
