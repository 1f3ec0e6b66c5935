#!/usr/bin/env bash
# How long a flow through Turnout's mixed port takes to reach a name whose first address is silent (its SYNs dropped
# by iptables in the namespace) and whose second answers, against a name with one address: curl's time_total for a
# GET to a python3 http.server, through the packaged Turnout's DIRECT. Variants, interleaved per round:
#   new   Turnout's default: the next address after 250 ms without an answer (RFC 8305's pace)
#   conc  tcp-concurrent: true, every address at once
#   old   BASELINE_DIST (another packaged build, e.g. one that tries the first address only), when given
# Everything runs in a network namespace of its own on loopback addresses of 192.0.2.0/24; the namespace and every
# process in it are removed on exit, whatever happens.
# Usage (root, after `mvn -q -DskipTests package`): bench/dial.sh    env: ROUNDS (3), N (5 requests per name and round),
#   TURNOUT_DIST (dist/target/turnout), BASELINE_DIST (none)
# Measured 2026-12-03 (e78f116 against f3b777f as BASELINE_DIST), medians of 3 rounds of 5: silent first address
# 0.259 s (new), 0.0077 s (conc), 10.015 s and a failed request every time (old: the connect timeout, one address
# tried); one address 0.0058 / 0.0073 / 0.0081 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "bench/dial.sh: needs root (network namespace, iptables)" >&2; exit 1; }
for tool in iptables python3 curl; do
  command -v "$tool" >/dev/null || { apt-get install -y -qq iptables python3 curl >/dev/null; break; }
done
DIST=${TURNOUT_DIST:-$(pwd)/dist/target/turnout}
BASE=${BASELINE_DIST:-}
ROUNDS=${ROUNDS:-3}
N=${N:-5}
work=$(mktemp -d)
ns=tdial-$$
cleanup() {
  kill_netns "$ns"
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 192.0.2.13/32 dev lo
ip -n "$ns" addr add 192.0.2.15/32 dev lo
ip netns exec "$ns" iptables -A INPUT -d 192.0.2.15 -p tcp --dport 8081 -j DROP
ip netns exec "$ns" python3 -m http.server 8081 --bind 192.0.2.13 >"$work/http.log" 2>&1 &

config() { # name tcp-concurrent(true|false|absent)
  {
    echo "mixed-port: 7890"
    [ "$2" = absent ] || echo "tcp-concurrent: $2"
    printf 'hosts:\n  silent.test: [192.0.2.15, 192.0.2.13]\n  fast.test: [192.0.2.13]\nrules:\n  - MATCH,DIRECT\n'
  } >"$work/$1.yaml"
}
config new false; config conc true; config old absent

run() { # label dist -> lines "label host seconds..."
  ip netns exec "$ns" "$2/bin/turnout" run -c "$work/$1.yaml" >"$work/turnout-$1.log" 2>&1 &
  local pid=$! i
  wait_port "$ns" 7890
  for host in fast.test silent.test; do
    local line="$1 $host"
    for i in $(seq 1 "$N"); do
      line+=" $(ip netns exec "$ns" curl -s --max-time 15 --socks5-hostname 127.0.0.1:7890 "http://$host:8081/" \
        -o /dev/null -w '%{time_total}:%{http_code}' || true)"
    done
    echo "$line"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for round in $(seq 1 "$ROUNDS"); do
  [ -n "$BASE" ] && run old "$BASE"
  run new "$DIST"
  run conc "$DIST"
done | tee "$work/raw.txt"

python3 - "$work/raw.txt" <<'PY'
import collections, statistics, sys
rounds = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, host, *samples = line.split()
    seconds = [float(s.split(":")[0]) for s in samples]
    ok = sum(s.endswith(":200") for s in samples)
    rounds[(label, host)].append((statistics.median(seconds), ok, len(samples)))
print("time to a 200 through DIRECT, s: median of the rounds' medians (each round's), answered/asked")
for (label, host), rs in rounds.items():
    print(f"  {label:5} {host:12} {statistics.median(m for m, _, _ in rs):8.4f}   "
          f"({' '.join(f'{m:.4f}' for m, _, _ in rs)})   {sum(o for _, o, _ in rs)}/{sum(n for _, _, n in rs)}")
PY
