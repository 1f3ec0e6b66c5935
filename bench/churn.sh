#!/usr/bin/env bash
# A desktop's day in minutes: the packaged Turnout in TUN mode with fake-IP DNS in a client namespace, and workers
# there making flows of every kind at once, each ROUNDS times (names fetched directly and through dante, rejected
# names, refused ports, a server that never answers, an address nobody answers, a fake address with no name, UDP
# exchanges, and the same through the mixed port as SOCKS5, HTTP and CONNECT; IPv6 fetches and UDP), with
# RELOADS=N a SIGHUP every N seconds and POKES=N a dashboard's group switch every N seconds and "close all" every
# third. Samples Turnout's descriptors, threads, RSS and /connections every 10 s, then until it is back or DRAIN has
# passed, and says whether it came back to what it held before. TunChurnIT checks the same in 27 s; this runs as long
# as asked. With POKES a few fetches and UDP exchanges fail (1-4 of 4,800): the ones "close all" ended mid-way.
#
# Usage: sudo bench/churn.sh    env: ROUNDS (300 per worker), KINDS (the workers, default all), RELOADS, POKES,
#        DRAIN (at most 120 s), SNIFF=1 (mihomo's sniffer on the HTTP ports used), FAKE_RANGE (198.18.0.1/16),
#        TURNOUT_DIST, LOG_LEVEL (warning), KEEP=1 (keep the files).
# Only 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 and 198.18.0.0/15 are used; namespaces, processes
# and /etc/netns/<server> go on exit, whatever happens. At most 15 minutes of workload.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[[ $(id -u) == 0 ]] || { echo "churn.sh: needs root (network namespaces, TUN)" >&2; exit 1; }
for b in danted dnsmasq curl dig python3 javac; do
  command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || { echo "churn.sh: needs $b" >&2; exit 1; }
done
DIST=${TURNOUT_DIST:-$(pwd)/dist/target/turnout}
[[ -x $DIST/bin/turnout ]] || { echo "churn.sh: no $DIST/bin/turnout; run: mvn -q -DskipTests package" >&2; exit 1; }
ROUNDS=${ROUNDS:-300}; DRAIN=${DRAIN:-120}
KINDS=${KINDS:-direct socks reject refused silent hole udp nxname direct6 refused6 udp6 msocks mhttp mconnect mrefused mhole}
S=$(printf '%04x' $((RANDOM % 65536)))
C=chc-$S; V=chs-$S; CI=chvc$S; VI=chvs$S; TUN=cht$S
WORK=$(mktemp -d /tmp/turnout-churn-XXXXXX)
PIDS=()
cleanup() {
  cleanup_client_server
  rm -rf "/etc/netns/$V"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$C"; ip netns add "$V"
# dante resolves the names it is asked for from the server namespace's resolver: dnsmasq below.
mkdir -p "/etc/netns/$V" && echo "nameserver 192.0.2.2" >"/etc/netns/$V/resolv.conf"
ip -n "$C" link add "$CI" type veth peer name "$VI" netns "$V"
ip -n "$C" link set lo up; ip -n "$V" link set lo up
ip -n "$C" addr add 192.0.2.1/24 dev "$CI"; ip -n "$V" addr add 192.0.2.2/24 dev "$VI"
ip -n "$V" addr add 198.51.100.2/32 dev "$VI"
ip -n "$C" addr add 2001:db8::1/64 dev "$CI" nodad; ip -n "$V" addr add 2001:db8::2/64 dev "$VI" nodad
ip -n "$V" addr add 2001:db8:100::2/128 dev "$VI" nodad
ip -n "$C" link set "$CI" up; ip -n "$V" link set "$VI" up
ip -n "$C" route add default via 192.0.2.2
ip -n "$C" -6 route add default via 2001:db8::2

javac -d "$WORK" bench/TunBench.java
spawn_v() { local log=$1; shift; ip netns exec "$V" "$@" >"$WORK/$log" 2>&1 & PIDS+=($!); }
spawn_v http.log java -Xss256k -XX:+UseSerialGC -cp "$WORK" TunBench http-server 8080
danted_conf "$WORK" 192.0.2.2
spawn_v danted.out danted -f "$WORK/danted.conf" -p "$WORK/danted.pid"
spawn_v dnsmasq.log dnsmasq -k -C /dev/null --bind-interfaces --listen-address=192.0.2.2 -p 53 --no-resolv --no-hosts \
  --address=/churn.test/198.51.100.2 --pid-file=
cat >"$WORK/peers.py" <<'PY'
# udp-echo ADDRESS: echoes on :5300; silent ADDRESS: accepts on :8093 and never answers (holds up to 2,000)
import socket, sys
mode, a = sys.argv[1], sys.argv[2]
family = socket.AF_INET6 if ":" in a else socket.AF_INET
if mode == "udp-echo":
    s = socket.socket(family, socket.SOCK_DGRAM); s.bind((a, 5300))
    while True:
        d, peer = s.recvfrom(2048); s.sendto(d, peer)
s = socket.socket(family); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((a, 8093)); s.listen(512)
held = []
while True:
    c, _ = s.accept(); held.append(c)
    if len(held) > 2000: held.pop(0).close()
PY
for a in 198.51.100.2 2001:db8:100::2; do
  spawn_v "echo-$a.log" python3 "$WORK/peers.py" udp-echo "$a"
  spawn_v "silent-$a.log" python3 "$WORK/peers.py" silent "$a"
done
for p in 8080 1080 8093; do wait_port "$V" "$p"; done

# SNIFF=1: every flow to these ports waits for its first bytes before it is routed.
SNIFF_YAML=""
[[ -n ${SNIFF:-} ]] && SNIFF_YAML="sniffer: {enable: true, sniff: {HTTP: {ports: [80, 8080, 8093, 8099]}, TLS: {ports: [443]}}}"
cat >"$WORK/config.yaml" <<EOF
$SNIFF_YAML
mixed-port: 7890
external-controller: 127.0.0.1:9090
log-level: ${LOG_LEVEL:-warning}
tun:
  enable: true
  stack: system
  device: $TUN
  inet6-address: 2001:db8:ff::1/126
  auto-route: true
  auto-detect-interface: true
  dns-hijack: [any:53]
  state-file: $WORK/routes.state
dns:
  enable: true
  enhanced-mode: fake-ip
  fake-ip-range: ${FAKE_RANGE:-198.18.0.1/16}
  nameserver: [192.0.2.2]
proxies:
  - {name: dante, type: socks5, server: 192.0.2.2, port: 1080}
proxy-groups:
  - {name: PROXY, type: select, proxies: [dante, DIRECT]}
rules:
  - DOMAIN-SUFFIX,s.churn.test,PROXY
  - DOMAIN-SUFFIX,r.churn.test,REJECT
  - MATCH,DIRECT
EOF
ip netns exec "$C" "$DIST/bin/turnout" run -c "$WORK/config.yaml" >"$WORK/turnout.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 150); do [[ $(ip -n "$C" route show) == *"128.0.0.0/1 dev $TUN"* ]] && break; sleep 0.2; done
wait_port "$C" 9090
JPID=$(java_in "$C")
[[ -n $JPID ]] || { echo "churn.sh: Turnout did not start" >&2; cat "$WORK/turnout.log"; exit 1; }

in_c() { ip netns exec "$C" "$@"; }
flows() {
  in_c curl -s --max-time 5 http://127.0.0.1:9090/connections \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("connections") or []))' 2>/dev/null || echo "?"
}
# sample LABEL: one line, and the figures in S_FDS, S_THREADS, S_RSS, S_FLOWS
sample() {
  S_FDS=$(ls "/proc/$JPID/fd" | wc -l); S_THREADS=$(awk '/Threads/ {print $2}' "/proc/$JPID/status")
  S_RSS=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$JPID/status"); S_FLOWS=$(flows)
  echo "$(date +%T) $1: descriptors $S_FDS, threads $S_THREADS, RSS $S_RSS MB, flows $S_FLOWS"
}
resolve() { in_c dig +short +time=2 +tries=1 @198.51.100.53 "$1" A | head -1; }
fetch() { in_c curl -s -o /dev/null --max-time "$@"; }
worker() { # KIND: ROUNDS attempts; prints "FAIL KIND ROUND" where a kind that must succeed did not
  local k=$1 i n ip ok
  for i in $(seq 1 "$ROUNDS"); do
    n="w$i-$RANDOM"; ok=0
    case $k in
      direct) ip=$(resolve "$n.churn.test"); fetch 3 --resolve "$n.churn.test:8080:$ip" "http://$n.churn.test:8080/" || ok=1 ;;
      socks) ip=$(resolve "$n.s.churn.test"); fetch 3 --resolve "$n.s.churn.test:8080:$ip" "http://$n.s.churn.test:8080/" || ok=1 ;;
      reject) ip=$(resolve "$n.r.churn.test"); fetch 3 --resolve "$n.r.churn.test:8080:$ip" "http://$n.r.churn.test:8080/" ;;
      refused) fetch 3 "http://198.51.100.2:8099/" ;;
      silent) fetch 0.5 "http://198.51.100.2:8093/" ;;
      hole) fetch 0.5 "http://203.0.113.99:80/" ;;
      nxname) fetch 3 "http://198.18.255.$((i % 250 + 1)):8080/" ;;
      udp|udp6)
        local to=198.51.100.2; [[ $k == udp6 ]] && to=2001:db8:100::2
        in_c python3 -c 'import socket,sys; a=sys.argv[1]; s=socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1); s.sendto(b"x"*100, (a, 5300)); s.recvfrom(2048)' "$to" 2>/dev/null || ok=1 ;;
      direct6) fetch 3 "http://[2001:db8:100::2]:8080/" || ok=1 ;;
      refused6) fetch 3 "http://[2001:db8:100::2]:8099/" ;;
      msocks) fetch 3 --socks5-hostname 127.0.0.1:7890 "http://$n.churn.test:8080/" || ok=1 ;;
      mhttp) fetch 3 --proxy http://127.0.0.1:7890 "http://$n.s.churn.test:8080/" || ok=1 ;;
      mconnect) fetch 3 -p --proxy http://127.0.0.1:7890 "http://$n.churn.test:8080/" || ok=1 ;;
      mrefused) fetch 3 --socks5-hostname 127.0.0.1:7890 "http://198.51.100.2:8099/" ;;
      mhole) fetch 0.5 --proxy http://127.0.0.1:7890 "http://203.0.113.99/" ;;
      *) echo "churn.sh: unknown kind $k" >&2; return 1 ;;
    esac
    (( ok == 0 )) || echo "FAIL $k $i"
  done
}

resolve warm.churn.test >/dev/null; fetch 3 "http://198.51.100.2:8080/" || true
sleep 2
sample "before"; B_FDS=$S_FDS; B_THREADS=$S_THREADS; B_RSS=$S_RSS
T0=$(date +%s)
WP=()
for k in $KINDS; do worker "$k" >"$WORK/worker-$k.log" 2>&1 & WP+=($!); done
if [[ -n ${RELOADS:-} ]]; then
  ( for _ in $(seq 1 300); do sleep "$RELOADS"; kill -HUP "$JPID" 2>/dev/null || break; done ) & RP=$!; PIDS+=("$RP")
fi
if [[ -n ${POKES:-} ]]; then
  ( for r in $(seq 1 450); do sleep "$POKES"; t=dante; (( r % 2 )) && t=DIRECT
      in_c curl -s -o /dev/null -X PUT -d "{\"name\":\"$t\"}" http://127.0.0.1:9090/proxies/PROXY
      (( r % 3 )) || in_c curl -s -o /dev/null -X DELETE http://127.0.0.1:9090/connections
    done ) & PP=$!; PIDS+=("$PP")
fi
P_FDS=0; P_RSS=0
while :; do
  sleep 10; sample "load"
  (( S_FDS > P_FDS )) && P_FDS=$S_FDS; (( S_RSS > P_RSS )) && P_RSS=$S_RSS
  alive=0; for p in "${WP[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  (( alive )) || break
  (( $(date +%s) - T0 > 900 )) && { echo "churn.sh: 15 minutes reached; the workers are stopped"; kill "${WP[@]}" 2>/dev/null; break; }
done
[[ -n ${RP:-} ]] && kill "$RP" 2>/dev/null
[[ -n ${PP:-} ]] && kill "$PP" 2>/dev/null
echo "workload done in $(( $(date +%s) - T0 )) s"
# Until it is back (flows gone, descriptors at most 4 above before) or DRAIN has passed: a UDP session lives 60 s
# idle, a half-closed flow 30 s.
T1=$(date +%s)
while (( $(date +%s) - T1 < DRAIN )); do
  sleep 5; sample "drain" >"$WORK/last-sample"
  (( ($(date +%s) - T1) % 15 < 5 )) && cat "$WORK/last-sample"
  [[ $S_FLOWS == 0 ]] && (( S_FDS <= B_FDS + 4 )) && { cat "$WORK/last-sample"; break; }
done

echo
echo "kinds: $KINDS; $ROUNDS rounds each${RELOADS:+; a reload every $RELOADS s}${POKES:+; a group switch every $POKES s}"
echo "reloads logged: $(grep -c 'reloaded' "$WORK/turnout.log") (logged at info only)"
FAILS=$(cat "$WORK"/worker-*.log | grep -c '^FAIL' || true)
echo "attempts that should have succeeded and did not: $FAILS"
grep -h '^FAIL' "$WORK"/worker-*.log | awk '{print $2}' | sort | uniq -c | head
echo "warnings and errors in Turnout's log, by kind:"
grep -E "WARN|ERROR" "$WORK/turnout.log" | sed 's/^[0-9T:.-]* //; s/[0-9a-f]*[0-9][0-9a-f:.]*/N/g' | sort | uniq -c | sort -rn | head
echo "before: descriptors $B_FDS, threads $B_THREADS, RSS $B_RSS MB; at most under load: descriptors $P_FDS, RSS $P_RSS MB"
echo "after:  descriptors $S_FDS, threads $S_THREADS, RSS $S_RSS MB, flows $S_FLOWS"
if (( S_FDS <= B_FDS + 4 && S_THREADS <= B_THREADS + 2 )) && [[ $S_FLOWS == 0 ]]; then
  echo "back to what it held before: yes"
else
  echo "back to what it held before: NO"
  ls -l "/proc/$JPID/fd" | awk '{print $NF}' | sed 's/[0-9]\+/N/g' | sort | uniq -c | sort -rn | head
fi
