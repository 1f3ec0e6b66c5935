#!/usr/bin/env bash
# TUN throughput: iperf3 (a) directly over a veth pair vs (b) through Turnout's TUN (system stack) with a
# DIRECT tunnel bound to the veth. Medians of three 5-second runs, single stream and -P 4, both directions.
# Needs root, iperf3, and a built host module (or TURNOUT_CP set to a classpath holding the host classes
# and test classes). Everything runs in two network namespaces created here and always deleted.
# Usage: sudo bench/tun.sh [mtu]
set -euo pipefail
cd "$(dirname "$0")/.."
MTU=${1:-9000}
SECS=${SECS:-5}
if [[ -z "${TURNOUT_CP:-}" ]]; then
  mvn -q -o dependency:build-classpath -pl host -Dmdep.outputFile=/tmp/turnout-bench-cp.txt >/dev/null
  TURNOUT_CP="host/target/classes:host/target/test-classes:$(cat /tmp/turnout-bench-cp.txt)"
fi
S=$(printf '%04x' $((RANDOM % 65536)))
C=tbc-$S; V=tbs-$S; CI=tbvc$S; VI=tbvs$S; TUN=tbt$S
STATE=$(mktemp -u /tmp/turnout-bench-XXXX.state)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$V" 2>/dev/null || true
  rm -f "$STATE"
}
trap cleanup EXIT
ip netns add "$C"; ip netns add "$V"
ip link add "$CI" type veth peer name "$VI"
ip link set "$CI" netns "$C"; ip link set "$VI" netns "$V"
ip -n "$C" link set lo up; ip -n "$V" link set lo up
ip -n "$C" addr add 192.0.2.1/24 dev "$CI"; ip -n "$V" addr add 192.0.2.2/24 dev "$VI"
ip -n "$C" link set "$CI" up; ip -n "$V" link set "$VI" up
ip -n "$V" addr add 198.51.100.1/32 dev lo
ip -n "$C" route add default via 192.0.2.2
ip netns exec "$V" iperf3 -s -B 198.51.100.1 -D --logfile /dev/null
sleep 0.5

# prints Gbit/s of one run: $1 = extra iperf3 flags
run() {
  ip netns exec "$C" iperf3 -c 198.51.100.1 -t "$SECS" -J $1 \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))'
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
measure() { local a b c; a=$(run "$1"); b=$(run "$1"); c=$(run "$1"); median3 "$a" "$b" "$c"; }

declare -A R
CASES=("up1:" "up4:-P 4" "down1:-R" "down4:-R -P 4")
for k in "${CASES[@]}"; do R[a-${k%%:*}]=$(measure "${k#*:}"); done

ip netns exec "$C" java -Xmx512m -cp "$TURNOUT_CP" dev.turnout.host.tun.TunTestMain run "$CI" "$STATE" "$TUN" \
  198.18.0.1/30 2001:db8:ffff::1/126 "$MTU" > /tmp/turnout-bench-tun.log 2>&1 < <(sleep 100000) &
PIDS+=($!)
for i in $(seq 1 100); do grep -q READY /tmp/turnout-bench-tun.log && break; sleep 0.2; done
grep -q READY /tmp/turnout-bench-tun.log || { cat /tmp/turnout-bench-tun.log; exit 1; }
for k in "${CASES[@]}"; do R[b-${k%%:*}]=$(measure "${k#*:}"); done
PID=$(ip netns pids "$C" | head -1)
RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null || echo '?')

echo "TUN MTU $MTU, iperf3 ${SECS}s, medians of 3 (Gbit/s)"
printf '%-8s %10s %10s %8s\n' case direct tun ratio
for k in "${CASES[@]}"; do
  n=${k%%:*}; a=${R[a-$n]}; b=${R[b-$n]}
  printf '%-8s %10s %10s %8s\n' "$n" "$a" "$b" "$(python3 -c "print('%.2f' % ($b/$a))")"
done
echo "Turnout test JVM RSS after the runs: ${RSS} kB"
