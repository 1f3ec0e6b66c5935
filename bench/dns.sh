#!/usr/bin/env bash
# Fake-IP DNS answers per second and latency on loopback (issue 5's benchmark).
# Starts DnsBenchServer (a fake-ip DnsService with no upstream) on 127.0.0.1, then runs the bounded
# Java load generator DnsLoad (warm-up not counted) three times at a throughput window (many queries in
# flight: answers/s) and three times at a latency window (few in flight: p99 without self-inflicted
# queueing), and reports the medians; if dnsperf is installed, also three dnsperf runs (throughput and
# mean latency; dnsperf has no percentiles).
# Targets: >= 50,000 answers/s, p99 < 1 ms.
# Env: DNS_BENCH_SECONDS (10), DNS_BENCH_WINDOW (32 in flight, throughput), DNS_BENCH_LAT_WINDOW (4 in
#      flight, latency), DNS_BENCH_NAMES (1000), DNS_BENCH_CP (classpath override; default: the host
#      module's classes, test classes and dependencies).
set -euo pipefail
# Everything below runs in a network namespace of its own with only loopback up (root; as the tests do).
if [ -z "${TURNOUT_BENCH_ISOLATED:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench/dns.sh: needs root (it runs in a network namespace of its own)" >&2; exit 1; }
  exec env TURNOUT_BENCH_ISOLATED=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${DNS_BENCH_SECONDS:-10}
WINDOW=${DNS_BENCH_WINDOW:-32}
LAT_WINDOW=${DNS_BENCH_LAT_WINDOW:-4}
NAMES=${DNS_BENCH_NAMES:-1000}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${DNS_BENCH_CP:-}" ]; then
  mvn -q -o test-compile -pl host
  mvn -q -o dependency:build-classpath -pl host -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
  DNS_BENCH_CP="host/target/classes:host/target/test-classes:$(cat "$WORK/cp.txt")"
fi
cat > "$WORK/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
<encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder></appender>
<root level="WARN"><appender-ref ref="E"/></root></configuration>
XML
JAVA=(java -Dlogback.configurationFile="$WORK/logback.xml" -cp "$DNS_BENCH_CP")
PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MAX=$(( (SECONDS_PER_RUN + 5) * 6 + 60 ))
mkfifo "$WORK/stdin"
"${JAVA[@]}" dev.turnout.host.dns.DnsBenchServer "$PORT" "$MAX" < "$WORK/stdin" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
exec 3> "$WORK/stdin"   # server runs until this closes (or MAX seconds)
for _ in $(seq 1 50); do grep -q '^ready' "$WORK/server.log" && break; sleep 0.2; done
grep '^ready' "$WORK/server.log" || { cat "$WORK/server.log"; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { grep -o "$2=[0-9.]*" "$1" | cut -d= -f2 | median; }
load_runs() { # $1 window, $2 result file
  : > "$2"
  for run in 1 2 3; do
    line=$(timeout $((SECONDS_PER_RUN + 30)) "${JAVA[@]}" dev.turnout.host.dns.DnsLoad 127.0.0.1 "$PORT" \
      "$SECONDS_PER_RUN" "$1" "$NAMES" 3)
    echo "  run $run: $line"
    echo "$line" >> "$2"
  done
}
echo "load generator, throughput: $SECONDS_PER_RUN s per run, $WINDOW in flight, $NAMES names, 3 s warm-up"
load_runs "$WINDOW" "$WORK/tput.txt"
echo "  median answers/s=$(field "$WORK/tput.txt" answers_per_s) p99_us=$(field "$WORK/tput.txt" p99_us)"
echo "load generator, latency: $SECONDS_PER_RUN s per run, $LAT_WINDOW in flight"
load_runs "$LAT_WINDOW" "$WORK/lat.txt"
echo "  median answers/s=$(field "$WORK/lat.txt" answers_per_s) p50_us=$(field "$WORK/lat.txt" p50_us)" \
  "p99_us=$(field "$WORK/lat.txt" p99_us) p999_us=$(field "$WORK/lat.txt" p999_us)"

if command -v dnsperf >/dev/null; then
  for i in $(seq 0 $((NAMES - 1))); do echo "n$i.bench.example A"; done > "$WORK/queries.txt"
  echo "dnsperf: $SECONDS_PER_RUN s per run, up to 100 queries in flight"
  : > "$WORK/dnsperf.txt"
  for run in 1 2 3; do
    out=$(timeout $((SECONDS_PER_RUN + 30)) dnsperf -s 127.0.0.1 -p "$PORT" -d "$WORK/queries.txt" \
      -l "$SECONDS_PER_RUN" -q 100 2>&1)
    qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
    lat=$(echo "$out" | awk '/Average Latency/ {print $4}')
    lost=$(echo "$out" | awk '/Queries lost/ {print $3}')
    echo "  run $run: qps=$qps avg_latency_s=$lat lost=$lost"
    echo "$qps" >> "$WORK/dnsperf.txt"
  done
  echo "dnsperf median qps: $(median < "$WORK/dnsperf.txt")"
else
  echo "dnsperf not installed (apt-get install dnsperf): skipped"
fi
exec 3>&-
