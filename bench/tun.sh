#!/usr/bin/env bash
# TUN benchmark of the packaged Turnout (dist/target/turnout): two network namespaces joined by a veth pair,
# the client's default route pointing at the server namespace, and Turnout in the client namespace with
# tun: {auto-route, auto-detect-interface}, so applications there go through its TUN without proxy settings.
#
# Paths compared (the server's veth address 192.0.2.2 is in the client's connected /24, which the split
# routes leave alone, so it stays direct while Turnout runs; the other addresses are captured):
#   (a) direct over the veth                   -> 192.0.2.2
#   (b) through the TUN, rule MATCH,DIRECT      -> 198.51.100.2
#   (c) through the TUN, rule IP-CIDR -> SOCKS5 -> 203.0.113.10 via dante on 192.0.2.2:1080
#   (d) a plain SOCKS5 client to the same dante, no Turnout (curl --socks5; iperf3 cannot speak SOCKS)
# Measured, medians of TRIALS (3) runs, interleaved a/b/c per trial so machine noise spreads evenly:
#   iperf3 single stream and -P 4, both directions (-R), paths a b c, and in (b) and (c), with more than one TUN
#   lane, the busiest lane's share of the lanes' CPU in each run (the kernel's hash may put all streams on one lane);
#   bulk HTTP download (bench/BulkServer.java, curl) paths a b c d;
#   connection setup rate: sequential connect + GET + read-to-close (bench/setup.c, or bench/TunBench.java
#   without gcc), paths a b, Turnout's CPU time per connection in (b), and with the C peers (e): the same
#   client through the least a user-space relay can do (bench/setup.c relay: accept on the client's loopback,
#   connect to 192.0.2.2, copy; no TUN) and its CPU per connection, a floor for what any proxy adds to a connection
#   on this machine;
#   with PHASES including "relay" (not by default; needs gcc): iperf3 through a C relay on the client's loopback
#   to 192.0.2.2 (bench/relay.c), (f) copying through a buffer, (g) with splice(2): what any relay costs here,
#   and what splice would give a relay; and (k) the copying relay reaching path (c)'s target through dante, as
#   Turnout's SOCKS5 plugin does: path (c) without its TUN and without Java;
#   Turnout's VmRSS with FLOWS (10,000) idle TCP flows held through the TUN (path b); Turnout needs two
#   descriptors per flow, so where the open-files hard limit cannot be raised the count is lowered to fit
#   and the script says so.
# Turnout runs with its defaults (offload on, MTU 65535 on Linux); TUN_MTU=9000 or 1500 compares others, and
# TURNOUT_GSO=false turns offload off.
# Needs root and `mvn -q -DskipTests package` done (or TURNOUT_DIST set); installs iperf3, dante-server, curl,
# python3 and iproute2 with apt-get when they are missing. With gcc, the setup-rate peers are C (bench/setup.c).
# Every process started here runs inside the two namespaces; all are killed and both namespaces deleted on
# exit, whatever happens. Only 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 198.18.0.0/15 are used.
#
# Usage: sudo bench/tun.sh            env: SECS (iperf3 seconds, 5), TRIALS (3), SETUP_N (5000), SETUP_WARM (15000),
#        FLOWS (10000), BULK_MB (1024), TUN_MTU (Turnout's default), TURNOUT_GSO (true), TURNOUT_JAVA_OPTS (launcher's default),
#        TURNOUT_LOG_LEVEL (warning; info logs the line per flow), TURNOUT_SNIFF=1 (the sniffer on for the HTTP ports), SETUP_SOCKS=1 (the setup phase also measures path c, TUN -> SOCKS5 -> dante, and Turnout's CPU in it),
#        PHASES (a subset of "iperf bulk setup hold relay"; default all but relay), CASES (a subset of "up1 up4 down1 down4"), TURNOUT_DIST (another packaged Turnout), KEEP=1 (keep files)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROOT=$(pwd)
SECS=${SECS:-5}
TRIALS=${TRIALS:-3}
SETUP_N=${SETUP_N:-5000}
# Connections before the setup runs: Turnout's CPU per connection keeps falling for about 15,000 of them
# while the JIT compiles the accept and dial paths (measured: 1,070 us, then 480, 220, 130, 120 per 4,000).
SETUP_WARM=${SETUP_WARM:-15000}
FLOWS=${FLOWS:-10000}
BULK_MB=${BULK_MB:-1024}
DIST=${TURNOUT_DIST:-$ROOT/dist/target/turnout}
[[ $(id -u) == 0 ]] || { echo "tun.sh: needs root (network namespaces, TUN)" >&2; exit 1; }
# On a fresh Debian machine the tools come from apt (gcc is optional: see the setup peers below).
declare -A PKG=([iperf3]=iperf3 [danted]=dante-server [curl]=curl [python3]=python3 [java]=openjdk-17-jdk-headless
                [javac]=openjdk-17-jdk-headless [ip]=iproute2 [ss]=iproute2)
MISSING=()
for b in iperf3 danted curl python3 java javac ip ss; do
  command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || MISSING+=("${PKG[$b]}")
done
if (( ${#MISSING[@]} )); then
  echo "tun.sh: installing ${MISSING[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null \
    || { echo "tun.sh: apt-get install ${MISSING[*]} failed" >&2; exit 1; }
  if command -v systemctl >/dev/null; then systemctl stop danted >/dev/null 2>&1 || true; fi
fi
[[ -x $DIST/bin/turnout ]] || { echo "tun.sh: no $DIST/bin/turnout; run: mvn -q -DskipTests package" >&2; exit 1; }
cds_fit "$DIST"

fit_flows_to_fd_limit tun.sh

S=$(printf '%04x' $((RANDOM % 65536)))
C=tbc-$S; V=tbs-$S; CI=tbvc$S; VI=tbvs$S; TUN=tbt$S
WORK=$(mktemp -d /tmp/turnout-bench-XXXXXX)
PIDS=()
trap cleanup_client_server EXIT
trap 'exit 130' INT TERM

ip netns add "$C"; ip netns add "$V"
# Made inside the namespaces: the root namespace never has either end.
ip -n "$C" link add "$CI" type veth peer name "$VI" netns "$V"
ip -n "$C" link set lo up; ip -n "$V" link set lo up
ip -n "$C" addr add 192.0.2.1/24 dev "$CI"; ip -n "$V" addr add 192.0.2.2/24 dev "$VI"
ip -n "$V" addr add 198.51.100.2/32 dev "$VI"
ip -n "$V" addr add 203.0.113.10/32 dev "$VI"
ip -n "$C" link set "$CI" up; ip -n "$V" link set "$VI" up
ip -n "$C" route add default via 192.0.2.2
# More ephemeral ports in both namespaces (their own sysctls): the setup phase opens tens of thousands.
ip netns exec "$C" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
ip netns exec "$V" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

javac -d "$WORK" bench/TunBench.java
JAVA_PEER=(java -Xss256k -XX:+UseSerialGC -cp "$WORK" TunBench)
# The setup-rate peers in C where a compiler exists: the Java ones cap the direct path itself near 3,500/s
# on a 2-core machine, which would hide what Turnout costs. SETUP_PEER=java forces the Java ones.
if [[ ${SETUP_PEER:-c} == c ]] && command -v gcc >/dev/null && gcc -O2 -pthread -o "$WORK/setup" bench/setup.c; then
  SETUP_SERVER=("$WORK/setup" serve 8080); SETUP_CLIENT=("$WORK/setup" client); SETUP_KIND="C peers (bench/setup.c)"
  SETUP_RELAY=("$WORK/setup" relay 9999 192.0.2.2 8080)
else
  SETUP_SERVER=("${JAVA_PEER[@]}" http-server 8080); SETUP_CLIENT=("${JAVA_PEER[@]}" setup-client); SETUP_KIND="Java peers (bench/TunBench.java)"
  SETUP_RELAY=()
fi

# The "internet": iperf3, bulk HTTP, short HTTP, a holder of idle connections, dante.
spawn_v() { local log=$1; shift; ip netns exec "$V" "$@" >"$WORK/$log" 2>&1 & PIDS+=($!); }
spawn_v iperf3.log iperf3 -s
spawn_v bulk.log java -Xmx64m -cp "$WORK" -XX:+UseSerialGC "$ROOT/bench/BulkServer.java" 8081 $((BULK_MB * 1024 * 1024))
spawn_v http.log "${SETUP_SERVER[@]}"
spawn_v hold.log "${JAVA_PEER[@]}" hold-server 9000
danted_conf "$WORK" 192.0.2.2
spawn_v danted.out danted -f "$WORK/danted.conf" -p "$WORK/danted.pid"

for p in 5201 8080 8081 9000 1080; do wait_port "$V" "$p"; done

# TURNOUT_SNIFF=1: mihomo's sniffer on the HTTP ports used here, so every flow to 198.51.100.2 waits for its request's
# Host before it is routed (what the sniffer costs a connection).
SNIFF_YAML=""
[[ -n ${TURNOUT_SNIFF:-} ]] && SNIFF_YAML="sniffer: {enable: true, sniff: {HTTP: {ports: [8080, 8081]}, TLS: {ports: [443]}}}"
# ... and the setup client names a host, so each of its connections is sniffed (an address in Host gives no name).
[[ -n ${TURNOUT_SNIFF:-} ]] && export SETUP_HOST_HEADER=setup.bench.test
cat >"$WORK/config.yaml" <<EOF
$SNIFF_YAML
mixed-port: 7890
log-level: ${TURNOUT_LOG_LEVEL:-warning}
tun:
  enable: true
  stack: system
  device: $TUN
${TUN_MTU:+  mtu: $TUN_MTU}
${TURNOUT_GSO:+  gso: $TURNOUT_GSO}
  auto-route: true
  auto-detect-interface: true
  state-file: $WORK/routes.state
proxies:
  - {name: dante, type: socks5, server: 192.0.2.2, port: 1080}
rules:
  - IP-CIDR,203.0.113.10/32,dante
  - MATCH,DIRECT
EOF
ip netns exec "$C" "$DIST/bin/turnout" run -c "$WORK/config.yaml" >"$WORK/turnout.log" 2>&1 &
TPID=$!
PIDS+=("$TPID")
has_routes() { [[ $(ip -n "$C" route show) == *"128.0.0.0/1 dev $TUN"* ]]; } # the split routes, not the TUN's subnet
for _ in $(seq 1 150); do has_routes && break; sleep 0.2; done
has_routes || { echo "tun.sh: Turnout did not install its routes" >&2; cat "$WORK/turnout.log"; exit 1; }
wait_port "$C" 7890
# (if, not &&: under pipefail a last pid that is not java would fail the assignment and end the script silently)
JPID=$(java_in "$C")
# PAUSE=seconds: stop here with everything up (to poke at it by hand, or to profile), then clean up (the sleep runs in the background so that a TERM ends it and cleans up at once).
if [[ -n "${PAUSE:-}" ]]; then echo "paused ${PAUSE}s: client ns $C, server ns $V, Turnout pid $JPID, files $WORK"; sleep "$PAUSE" & wait $!; exit 0; fi
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$JPID/status"; }

declare -A HOST=([a]=192.0.2.2 [b]=198.51.100.2 [c]=203.0.113.10)
declare -A R
PHASES=" ${PHASES:-iperf bulk setup hold} "
on() { [[ $PHASES == *" $1 "* ]]; }
if on relay; then
  if command -v gcc >/dev/null && gcc -O2 -pthread -o "$WORK/relay" bench/relay.c; then
    # (f) copying, (g) splicing, both to the server's iperf3; (k) copying to path (c)'s target through dante.
    for m in "9997 192.0.2.2 copy" "9996 192.0.2.2 splice" "9995 ${HOST[c]} copy 192.0.2.2 1080"; do
      # shellcheck disable=SC2086
      set -- $m
      ip netns exec "$C" "$WORK/relay" "$1" "$2" 5201 "${@:3}" >>"$WORK/relay.log" 2>&1 &
      PIDS+=($!)
      wait_port "$C" "$1"
    done
  else
    echo "tun.sh: the relay phase needs gcc; skipped" >&2
    PHASES=${PHASES/ relay / }
  fi
fi
add() { R[$1]="${R[$1]:-} $2"; }

# iperf3 Gbit/s of one run: $1 = host, the rest = extra flags
iperf() {
  local h=$1; shift
  iperf_in "$C" "$h" "$SECS" "$@"
}
# curl bulk download Gbit/s: $1 = URL, the rest = extra flags
bulk() {
  local url=$1; shift
  # Only a complete transfer counts (a proxy may reset after the last byte; a short one is nan).
  local v
  v=$(ip netns exec "$C" curl -sS --noproxy '*' --max-time 60 -o /dev/null -w '%{size_download} %{speed_download}' \
      "$@" "$url" 2>/dev/null) || true
  python3 -c 'import sys; v=sys.argv[1].split(); print("%.2f" % (float(v[1])*8/1e9) if len(v) == 2 and int(v[0]) == int(sys.argv[2]) else "nan")' \
    "$v" $((BULK_MB * 1024 * 1024))
}
setup() { # host [port] -> connections/s
  { ip netns exec "$C" "${SETUP_CLIENT[@]}" "$1" "${2:-8080}" "$SETUP_N" 30 || true; } | awk '{print $2} END {if (!NR) print "nan"}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/${1:-$JPID}/stat"; }
TICK=$(getconf CLK_TCK)
setup_b() { # [path] -> "rate cpu-us-per-connection" through the TUN (path b, or c: -> SOCKS5 -> dante)
  local t0 rate t1
  t0=$(cpu_ticks); rate=$(setup "${HOST[${1:-b}]}"); t1=$(cpu_ticks)
  echo "$rate $(( (t1 - t0) * 1000000 / TICK / SETUP_N ))"
}
if on setup && (( ${#SETUP_RELAY[@]} )); then
  ip netns exec "$C" "${SETUP_RELAY[@]}" >"$WORK/setup-relay.log" 2>&1 &
  PIDS+=($!); EPID=$!   # ip netns exec execs the relay: the same process, whose threads' CPU its stat sums
  wait_port "$C" 9999
fi

echo "warming up Turnout (JIT) ..."
iperf "${HOST[b]}" >/dev/null; iperf "${HOST[c]}" -P 4 >/dev/null
on setup && SETUP_N=$SETUP_WARM setup "${HOST[b]}" >/dev/null

IPERF_CASES=()
for k in "up1:" "up4:-P 4" "down1:-R" "down4:-R -P 4"; do
  [[ " ${CASES:-up1 up4 down1 down4} " == *" ${k%%:*} "* ]] && IPERF_CASES+=("$k")
done
for t in $(seq 1 "$TRIALS"); do
  echo "trial $t/$TRIALS ..."
  on iperf && for k in "${IPERF_CASES[@]}"; do
    n=${k%%:*}
    for p in a b c; do
      [[ $p == a ]] || l0=$(lane_ticks "$JPID")
      # shellcheck disable=SC2086
      add "iperf-$n-$p" "$(iperf "${HOST[$p]}" ${k#*:})"
      [[ $p == a ]] || add "split-$n-$p" "$(lane_split "$l0" "$(lane_ticks "$JPID")")"
    done
  done
  on relay && for k in "${IPERF_CASES[@]}"; do
    # shellcheck disable=SC2086
    add "iperf-${k%%:*}-f" "$(iperf 127.0.0.1 -p 9997 ${k#*:})"
    # shellcheck disable=SC2086
    add "iperf-${k%%:*}-g" "$(iperf 127.0.0.1 -p 9996 ${k#*:})"
    # shellcheck disable=SC2086
    add "iperf-${k%%:*}-k" "$(iperf 127.0.0.1 -p 9995 ${k#*:})"
  done
  on bulk && for p in a b c; do add "bulk-$p" "$(bulk "http://${HOST[$p]}:8081/")"; done
  on bulk && add "bulk-d" "$(bulk "http://${HOST[c]}:8081/" --socks5 192.0.2.2:1080 --noproxy "")"
  if on setup; then
    add setup-a "$(setup "${HOST[a]}")"
    read -r rate cpu < <(setup_b)
    add setup-b "$rate"; add cpu-b "$cpu"
    if [[ -n ${SETUP_SOCKS:-} ]]; then read -r rate cpu < <(setup_b c); add setup-c "$rate"; add cpu-c "$cpu"; fi
    if (( ${#SETUP_RELAY[@]} )); then
      t0=$(cpu_ticks "$EPID"); add setup-e "$(setup 127.0.0.1 9999)"; t1=$(cpu_ticks "$EPID")
      add cpu-e "$(( (t1 - t0) * 1000000 / TICK / SETUP_N ))"
    fi
  fi
done
RSS_IDLE=$(rss_mb)

RSS_HELD=0; HELD=0; EST_V=0; THREADS=0
if on hold; then
  echo "holding $FLOWS idle flows through the TUN ..."
  mkfifo "$WORK/hold.in"
  ip netns exec "$C" "${JAVA_PEER[@]}" hold-client "${HOST[b]}" 9000 "$FLOWS" 60 <"$WORK/hold.in" >"$WORK/hold-client.out" 2>&1 &
  HPID=$!
  PIDS+=("$HPID")
  exec 3>"$WORK/hold.in"
  for _ in $(seq 1 300); do grep -q HELD "$WORK/hold-client.out" && break; sleep 0.2; done
  sleep 3
  HELD=$(awk '/HELD/ {print $2}' "$WORK/hold-client.out")
  RSS_HELD=$(rss_mb)
  EST_V=$(ip netns exec "$V" ss -Htn state established "sport = :9000" | wc -l)
  THREADS=$(awk '/Threads/ {print $2}' "/proc/$JPID/status")
  exec 3>&-
  wait "$HPID" 2>/dev/null || true
fi

python3 - "$SECS" "$TRIALS" <<EOF
import math, sys
secs, trials = sys.argv[1], sys.argv[2]
R = {$(for k in "${!R[@]}"; do printf '"%s": "%s",' "$k" "${R[$k]}"; done)}
def med(k):
    v = sorted(float(x) for x in R.get(k, "").split() if x != "nan")
    return v[len(v)//2] if v else float("nan")
def ratio(x, y):
    return "  n/a" if not (y > 0) or math.isnan(x) else "%5.2f" % (x / y)
def raw(k): return "/".join(R.get(k, "").split())
print()
print(f"iperf3 {secs}s (-O 1), Gbit/s, median of {trials}; ratios against (a) direct over the veth")
print(f"{'case':<7} {'(a) veth':>9} {'(b) tun':>9} {'b/a':>5} {'(c) socks':>10} {'c/a':>5}   runs a | b | c")
for n in [n for n in ["up1", "up4", "down1", "down4"] if "iperf-" + n + "-a" in R]:
    a, b, c = (med(f"iperf-{n}-{p}") for p in "abc")
    print(f"{n:<7} {a:9.2f} {b:9.2f} {ratio(b,a)} {c:10.2f} {ratio(c,a)}   {raw('iperf-'+n+'-a')} | {raw('iperf-'+n+'-b')} | {raw('iperf-'+n+'-c')}")
if any(k.startswith("split-") and raw(k).replace("nan", "").strip("/") for k in R):
    print("lane split: the busiest TUN lane's share of the lanes' CPU in each run (0.50: two lanes even, 1.00: one lane did all)")
    for n in [n for n in ["up1", "up4", "down1", "down4"] if "split-" + n + "-b" in R]:
        print(f"  {n:<7} (b) {raw('split-'+n+'-b')}   (c) {raw('split-'+n+'-c')}")
if any(k.endswith("-f") for k in R):
    print()
    print("iperf3 through a C relay on loopback, no TUN (bench/relay.c), Gbit/s; (f) read/write, (g) splice")
    print(f"{'case':<7} {'(f) copy':>9} {'f/a':>5} {'(g) splice':>11} {'g/a':>5} {'g/f':>5} {'b/f':>5}   runs f | g")
    for n in [n for n in ["up1", "up4", "down1", "down4"] if "iperf-" + n + "-f" in R]:
        a, b, f, g = (med(f"iperf-{n}-{p}") for p in "abfg")
        print(f"{n:<7} {f:9.2f} {ratio(f,a)} {g:11.2f} {ratio(g,a)} {ratio(g,f)} {ratio(b,f)}   {raw('iperf-'+n+'-f')} | {raw('iperf-'+n+'-g')}")
    print("(k) the copying C relay speaking SOCKS5 to dante (path (c) without its TUN and without Java), Gbit/s")
    print(f"{'case':<7} {'(k) socks':>9} {'k/a':>5} {'c/k':>5}   runs k")
    for n in [n for n in ["up1", "up4", "down1", "down4"] if "iperf-" + n + "-k" in R]:
        a, c, k = (med(f"iperf-{n}-{p}") for p in "ack")
        print(f"{n:<7} {k:9.2f} {ratio(k,a)} {ratio(c,k)}   {raw('iperf-'+n+'-k')}")
if "bulk-a" in R:
    print()
    print(f"bulk HTTP download (curl, ${BULK_MB} MiB from BulkServer), Gbit/s, median of {trials}")
    a = med("bulk-a")
    for p, name in [("a", "(a) direct over the veth"), ("b", "(b) TUN -> DIRECT"), ("c", "(c) TUN -> SOCKS5 plugin -> dante"),
                    ("d", "(d) curl --socks5 -> dante, no Turnout")]:
        v = med("bulk-" + p)
        print(f"  {name:<38} {v:7.2f}  {ratio(v, a)} x (a)   runs {raw('bulk-'+p)}")
    print(f"  (c)/(d): {ratio(med('bulk-c'), med('bulk-d'))}")
sa, sb, se = med("setup-a"), med("setup-b"), med("setup-e")
if "setup-a" in R:
    print()
    print(f"connection setup, sequential connect+GET+close, ${SETUP_N} per run, ${SETUP_KIND}, connections/s, median of {trials}")
    print(f"  (a) direct {sa:8.0f}   (b) TUN -> DIRECT {sb:8.0f}   b/a {ratio(sb, sa)}   runs {raw('setup-a')} | {raw('setup-b')}")
    if "setup-e" in R:
        print(f"  (e) C relay on loopback, no TUN {se:8.0f}   e/a {ratio(se, sa)}   b/e {ratio(sb, se)}   runs {raw('setup-e')};"
              f" its CPU per connection {med('cpu-e'):.0f} us   runs {raw('cpu-e')}")
    if "cpu-b" in R:
        print(f"  Turnout CPU (user + system) per connection in (b): {med('cpu-b'):.0f} us   runs {raw('cpu-b')}")
    if "setup-c" in R:
        print(f"  (c) TUN -> SOCKS5 -> dante {med('setup-c'):8.0f}   c/a {ratio(med('setup-c'), sa)}   runs {raw('setup-c')};"
              f" Turnout CPU per connection {med('cpu-c'):.0f} us   runs {raw('cpu-c')}")
print()
print(f"Turnout RSS: {${RSS_IDLE}} MB after warm-up and the runs" + (f"; {${RSS_HELD:-0}} MB holding ${HELD:-0} idle TCP flows "
      "(server sees ${EST_V} established; ${THREADS} JVM threads); asked for ${FLOWS}" if ${HELD:-0} > 0 else ""))
print()
def verdict(ran, ok): return "not run" if not ran else "met" if ok else "NOT met"
print("targets: (b) up1 >= 0.5 x (a): " + verdict("iperf-up1-b" in R, med("iperf-up1-b") >= 0.5 * med("iperf-up1-a"))
      + ";  setup >= 5000/s: " + verdict("setup-b" in R, sb >= 5000)
      + ";  RSS <= 256 MB at the idle flows: " + verdict(${HELD:-0} > 0, ${RSS_HELD:-999999} <= 256))
EOF
