#!/usr/bin/env bash
# UDP through the TUN of two (or more) packaged Turnouts, before/after a change, interleaved in one run: iperf3 -u at
# full speed (-b 0, 1,400-byte datagrams) from a client namespace to a server one over a veth, up and down (-R),
# direct (no Turnout) and through each build's TUN -> DIRECT in turn each round, so the machine's load falls on all
# alike. Prints per path the medians over ROUNDS of the rate the receiver got (Gbit/s: the sender's rate less the
# datagrams lost), the loss, and Turnout's CPU per datagram carried, then each build's ratios to the first. UDP over a
# veth is bound by the sender here: compare builds, not against TCP figures.
# Needs root and iperf3. Only 192.0.2.0/24, 198.51.100.0/24 and the TUN's 198.18.0.0/30 are used, inside the two
# namespaces made here, which are deleted (every process in them killed) on exit, whatever happens.
#
# Usage: sudo bench/udp-ab.sh NAME=DIST NAME=DIST ...   (DIST: a packaged Turnout, e.g. dist/target/turnout)
#        env: ROUNDS (3), SECS (5), RATE (iperf3's -b: 0, full speed; 1G paces the sender, and the loss then says
#             whether a path keeps up with that rate), KEEP=1 (keep files)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
(( $# >= 1 )) || { echo "usage: sudo bench/udp-ab.sh NAME=DIST [NAME=DIST ...]" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "udp-ab.sh: needs root (network namespaces, TUN)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "udp-ab.sh: needs iperf3 (apt-get install iperf3)" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
RATE=${RATE:-0}
NAMES=()
for arg in "$@"; do
  [[ -x ${arg#*=}/bin/turnout ]] || { echo "udp-ab.sh: no ${arg#*=}/bin/turnout" >&2; exit 1; }
  NAMES+=("${arg%%=*}")
done
C=tudpc$$
V=tudpv$$
WORK=$(mktemp -d /tmp/turnout-udp-ab-XXXXXX)
PIDS=()
trap cleanup_client_server EXIT
ip netns add "$C"
ip netns add "$V"
ip link add veth0 netns "$C" type veth peer name veth0 netns "$V"
ip -n "$C" addr add 192.0.2.1/24 dev veth0
ip -n "$V" addr add 192.0.2.2/24 dev veth0
ip -n "$V" addr add 198.51.100.2/32 dev veth0
for ns in "$C" "$V"; do ip -n "$ns" link set lo up; ip -n "$ns" link set veth0 up; done
ip -n "$C" route add default via 192.0.2.2
# Bound to the address asked, so that replies (and -R's data) come from it.
ip netns exec "$V" iperf3 -s -B 198.51.100.2 >"$WORK/iperf3.log" 2>&1 &
PIDS+=($!)
wait_port "$V" 5201
cat >"$WORK/config.yaml" <<'EOF'
log-level: warning
tun:
  enable: true
  device: tudp0
  auto-route: true
  auto-detect-interface: true
rules:
  - MATCH,DIRECT
EOF

# One iperf3 -u run: "received-Gbit/s loss-% datagrams-received", or "nan nan nan".
udp_run() {
  { ip netns exec "$C" timeout $((SECS + 20)) iperf3 -c 198.51.100.2 -u -b "$RATE" -l 1400 -t "$SECS" -O 1 -J "$@" \
      2>/dev/null || true; } | python3 -c 'import json,sys
try:
    s = json.load(sys.stdin)["end"]["sum"]
    print("%.3f %.2f %d" % (s["bits_per_second"] * (1 - s["lost_percent"] / 100) / 1e9, s["lost_percent"],
                            s["packets"] - s["lost_packets"]))
except Exception:
    print("nan nan nan")'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Microseconds of Turnout's CPU per datagram received at the far end, from its ticks over a run and the run's count
# (the -O 1 second left out of the count is in the ticks: a slight overstatement, the same for every build).
us_per_datagram() { # ticks datagrams
  python3 -c 'import os,sys; t,n = float(sys.argv[1]), float(sys.argv[2]); print("%.2f" % (t * 1e6 / os.sysconf("SC_CLK_TCK") / n) if n > 0 else "nan")' "$1" "$2"
}
declare -A R
add() { R[$1]="${R[$1]:-} $2"; }
measure() { # path-name [turnout-pid]
  local up down t0 t1 t2 upg upl upn downg downl downn
  [[ -n ${2:-} ]] && t0=$(cpu_ticks "$2")
  up=$(udp_run)
  [[ -n ${2:-} ]] && t1=$(cpu_ticks "$2")
  down=$(udp_run -R)
  [[ -n ${2:-} ]] && t2=$(cpu_ticks "$2")
  read -r upg upl upn <<<"$up"
  read -r downg downl downn <<<"$down"
  add "up-$1" "$upg"; add "uploss-$1" "$upl"
  add "down-$1" "$downg"; add "downloss-$1" "$downl"
  if [[ -n ${2:-} ]]; then
    add "upcpu-$1" "$(us_per_datagram $((t1 - t0)) "$upn")"; add "downcpu-$1" "$(us_per_datagram $((t2 - t1)) "$downn")"
  fi
}
echo "load before: $(uptime)"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS: direct ..."
  measure direct
  for arg in "$@"; do
    name=${arg%%=*}; dist=$(cd "${arg#*=}" && pwd)
    echo "round $r/$ROUNDS: $name ..."
    cds_fit "$dist"
    ip netns exec "$C" "$dist/bin/turnout" run -c "$WORK/config.yaml" >"$WORK/$name.$r.log" 2>&1 &
    tpid=$!
    PIDS+=("$tpid")
    for _ in $(seq 1 150); do ip -n "$C" route | grep -q "0.0.0.0/1 dev tudp0" && break; sleep 0.2; done
    udp_run -t 2 >/dev/null # the JIT's warm-up
    measure "$name" "$tpid"
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    for _ in $(seq 1 100); do ip -n "$C" link show tudp0 >/dev/null 2>&1 || break; sleep 0.1; done
  done
done
echo "load after: $(uptime)"
printf '%-12s %10s %8s %10s %8s %8s %8s\n' path "up Gbit/s" "loss %" "down" "loss %" "up us" "down us"
for p in direct "${NAMES[@]}"; do
  cpu_up=-; cpu_down=-
  # shellcheck disable=SC2086
  [[ $p != direct ]] && cpu_up=$(median ${R[upcpu-$p]}) && cpu_down=$(median ${R[downcpu-$p]})
  # shellcheck disable=SC2086
  printf '%-12s %10s %8s %10s %8s %8s %8s   (up:%s; down:%s; us:%s /%s)\n' "$p" "$(median ${R[up-$p]})" \
    "$(median ${R[uploss-$p]})" "$(median ${R[down-$p]})" "$(median ${R[downloss-$p]})" "$cpu_up" "$cpu_down" \
    "${R[up-$p]}" "${R[down-$p]}" "${R[upcpu-$p]:-}" "${R[downcpu-$p]:-}"
done
echo "(up us, down us: microseconds of Turnout's CPU per datagram the far end received, medians)"
first=${NAMES[0]}
for p in "${NAMES[@]:1}"; do
  # shellcheck disable=SC2086
  python3 -c 'import sys
a, b, c, d, e, f, g, h = map(float, sys.argv[2:10])
r = lambda x, y: y / x if x else float("nan")
print("%s / %s: up %.2f, down %.2f; CPU per datagram up %.2f, down %.2f" % (sys.argv[1], sys.argv[10], r(a, c), r(b, d), r(e, g), r(f, h)))' \
    "$p" "$(median ${R[up-$first]})" "$(median ${R[down-$first]})" "$(median ${R[up-$p]})" "$(median ${R[down-$p]})" \
    "$(median ${R[upcpu-$first]})" "$(median ${R[downcpu-$first]})" "$(median ${R[upcpu-$p]})" \
    "$(median ${R[downcpu-$p]})" "$first"
done
