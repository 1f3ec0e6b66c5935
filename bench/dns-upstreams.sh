#!/usr/bin/env bash
# Latency of an uncached name through the packaged Turnout's DNS, by upstream transport: plain UDP, DNS over TLS
# (to unbound, and to stunnel4 in front of unbound's TCP port) and DNS over HTTPS (unbound, HTTP/2), with unbound
# asked directly as the floor. Everything runs in a network namespace of its own on loopback (root). Each round
# sends QUERIES distinct names one after another to each path (paths interleaved, after a warm-up), and prints
# the median and p90; ROUNDS rounds (3). Needs dist/target/turnout (mvn package), unbound, stunnel4, openssl.
# Env: ROUNDS (3), QUERIES (300), TURNOUT_DIST (dist/target/turnout).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${TURNOUT_BENCH_ISOLATED:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench/dns-upstreams.sh: needs root (it runs in a network namespace of its own)" >&2; exit 1; }
  exec env TURNOUT_BENCH_ISOLATED=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
rounds="${ROUNDS:-3}"
queries="${QUERIES:-300}"
dist="${TURNOUT_DIST:-$repo/dist/target/turnout}"
for tool in unbound stunnel4 openssl python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "bench/dns-upstreams.sh: $tool is missing" >&2; exit 1; }
done
[ -x "$dist/bin/turnout" ] || { echo "bench/dns-upstreams.sh: no $dist/bin/turnout (mvn -DskipTests package)" >&2; exit 1; }
d="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=dns.test \
    -addext "subjectAltName=DNS:dns.test,IP:127.0.0.1" >/dev/null 2>&1
cat > unbound.conf <<EOC
server:
  username: ""
  chroot: ""
  directory: "$d"
  pidfile: ""
  do-daemonize: no
  use-syslog: no
  logfile: "$d/unbound.log"
  verbosity: 0
  module-config: "iterator"
  do-ip6: no
  num-threads: 1
  interface: 127.0.0.1@53
  interface: 127.0.0.1@853
  interface: 127.0.0.1@443
  tls-port: 853
  https-port: 443
  http-endpoint: "/dns-query"
  tls-service-key: "$d/key.pem"
  tls-service-pem: "$d/cert.pem"
  local-zone: "." static
EOC
unbound -d -c unbound.conf > unbound.out 2>&1 & pids+=($!)
printf 'foreground = yes\npid =\noutput = %s/stunnel.log\ncert = %s/cert.pem\nkey = %s/key.pem\n[dns]\naccept = 127.0.0.1:8853\nconnect = 127.0.0.1:53\n' \
    "$d" "$d" "$d" > stunnel.conf
stunnel4 stunnel.conf > stunnel.out 2>&1 & pids+=($!)
# One Turnout per upstream, each answering on its own port.
declare -A upstream=([1101]="'127.0.0.1'" [1102]="'tls://127.0.0.1'" [1103]="'https://127.0.0.1/dns-query'" \
    [1104]="'tls://127.0.0.1:8853'")
for port in 1101 1102 1103 1104; do
  printf 'mixed-port: 0\nlog-level: warning\ndns:\n  enable: true\n  listen: 127.0.0.1:%s\n  enhanced-mode: normal\n  nameserver: [%s]\nrules: ["MATCH,DIRECT"]\n' \
      "$port" "${upstream[$port]}" > "t$port.yaml"
  SSL_CERT_FILE="$d/cert.pem" "$dist/bin/turnout" -c "t$port.yaml" > "t$port.log" 2>&1 & pids+=($!)
done
cat > lat.py <<'PY'
import random, socket, struct, sys, time
port, n, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
lat, fails = [], 0
for i in range(n):
    qid = random.randrange(65536)
    name = f"n{i}-{tag}-{random.randrange(10**9)}.lat.test"
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    t0 = time.perf_counter()
    s.sendto(q, ("127.0.0.1", port))
    try:
        while struct.unpack(">H", s.recvfrom(4096)[0][:2])[0] != qid:
            pass
        lat.append((time.perf_counter() - t0) * 1000)
    except socket.timeout:
        fails += 1
lat.sort()
if not lat:
    print(f"{tag} - - {fails}"); sys.exit(0)
print(f"{tag} {lat[len(lat) // 2]:.3f} {lat[int(len(lat) * 0.9)]:.3f} {fails}")
PY
for i in $(seq 1 50); do
  python3 lat.py 1104 1 ready 2>/dev/null | grep -qv " - " && break
  sleep 0.3
done
for port in 1101 1102 1103 1104; do python3 lat.py "$port" 100 warm > /dev/null; done
declare -A name=([53]="unbound directly" [1101]="Turnout -> UDP" [1102]="Turnout -> DoT (unbound)" \
    [1103]="Turnout -> DoH (unbound)" [1104]="Turnout -> DoT (stunnel4)")
for r in $(seq 1 "$rounds"); do
  for port in 53 1101 1102 1103 1104; do
    python3 lat.py "$port" "$queries" "$port" >> results.txt
  done
done
echo "== per-query latency of uncached names, ms: median (p90) of each of $rounds rounds of $queries; failures"
for port in 53 1101 1102 1103 1104; do
  awk -v p="$port" -v label="${name[$port]}" '$1 == p {m = m sprintf(" %s (%s)", $2, $3); f += $4} END {
      printf "%-26s%s; failed %d\n", label, m, f }' results.txt
done
