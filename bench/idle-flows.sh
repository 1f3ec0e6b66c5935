#!/usr/bin/env bash
# Turnout's memory holding many idle TCP flows through its TUN (issue 16: <= 128 MB RSS at 10,000 flows).
# Two network namespaces joined by a veth: a server one holding idle connections on 198.51.100.2:9000
# (bench/TunBench.java hold-server), a client one with the packaged Turnout in TUN mode (auto-route, MATCH,DIRECT)
# and the holder of the client ends (TunBench hold-client). Read: Turnout's VmRSS after start and a short warm-up,
# then while it holds FLOWS idle flows (and the server's count of established connections), the RSS per flow, and,
# with NMT=1 (the JVM started with -XX:NativeMemoryTracking=summary, which costs a little memory itself) the JVM's
# own breakdown (heap, metaspace, threads, code, GC, internal/other = Netty's direct buffers) and the heap in use.
# Turnout needs two descriptors per flow (the accepted TUN side and the outbound); where the open-files hard limit
# cannot be raised the count is lowered to fit, and the script says so and gives the per-flow figure to scale.
# Bounded: the holder stops after HOLD_SECS; every process runs in the two namespaces made here and all are killed,
# both namespaces deleted, on exit, whatever happens. Only 192.0.2.0/24 and 198.51.100.0/24 are used.
#
# DASHBOARD=1: a dashboard open on those flows (yacd, metacubexd and zashboard keep the controller's /connections
# WebSocket open, one list a second): while the flows are held, three one-shot GET /connections (time and size), then
# DASH_SECS of the WebSocket: messages, Turnout's CPU and its RSS at the end and at most.
#
# Usage: sudo bench/idle-flows.sh    env: FLOWS (10000), HOLD_SECS (120), NMT=1, HISTO=1 (a class histogram, its HISTO_LINES (29) largest classes), TURNOUT_DIST, TURNOUT_JAVA_OPTS,
#        DASHBOARD=1, DASH_SECS (30), KEEP=1 (keep files)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROOT=$(pwd)
FLOWS=${FLOWS:-10000}
HOLD_SECS=${HOLD_SECS:-120}
DIST=${TURNOUT_DIST:-$ROOT/dist/target/turnout}
[[ $(id -u) == 0 ]] || { echo "idle-flows.sh: needs root (network namespaces, TUN)" >&2; exit 1; }
for b in java javac ip ss; do command -v "$b" >/dev/null || { echo "idle-flows.sh: needs $b" >&2; exit 1; }; done
[[ -x $DIST/bin/turnout ]] || { echo "idle-flows.sh: no $DIST/bin/turnout; run: mvn -q -DskipTests package" >&2; exit 1; }
cds_fit "$DIST"
ASKED=$FLOWS
fit_flows_to_fd_limit idle-flows.sh

S=$(printf '%04x' $((RANDOM % 65536)))
C=suc-$S; V=sus-$S; CI=sufc$S; VI=sufs$S; TUN=suft$S
WORK=$(mktemp -d /tmp/turnout-idle-XXXXXX)
PIDS=()
trap cleanup_client_server EXIT
trap 'exit 130' INT TERM

ip netns add "$C"; ip netns add "$V"
# Made inside the namespaces: the root namespace never has either end.
ip -n "$C" link add "$CI" type veth peer name "$VI" netns "$V"
ip -n "$C" link set lo up; ip -n "$V" link set lo up
ip -n "$C" addr add 192.0.2.1/24 dev "$CI"; ip -n "$V" addr add 192.0.2.2/24 dev "$VI"
ip -n "$V" addr add 198.51.100.2/32 dev "$VI"
ip -n "$C" link set "$CI" up; ip -n "$V" link set "$VI" up
ip -n "$C" route add default via 192.0.2.2
ip netns exec "$C" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

javac -d "$WORK" bench/TunBench.java
PEER=(java -Xss256k -XX:+UseSerialGC -cp "$WORK" TunBench)
ip netns exec "$V" "${PEER[@]}" hold-server 9000 >"$WORK/hold-server.log" 2>&1 & PIDS+=($!)
wait_port "$V" 9000

cat >"$WORK/config.yaml" <<EOF
mixed-port: 7890
log-level: warning
tun:
  enable: true
  stack: system
  device: $TUN
  auto-route: true
  auto-detect-interface: true
  state-file: $WORK/routes.state
rules:
  - MATCH,DIRECT
EOF
[[ -n ${DASHBOARD:-} ]] && echo "external-controller: 127.0.0.1:9090" >>"$WORK/config.yaml"
# The launcher's own defaults unless TURNOUT_JAVA_OPTS says otherwise; NMT=1 adds tracking to whichever.
JOPTS=${TURNOUT_JAVA_OPTS:-}
if [[ -n ${NMT:-} ]]; then
  [[ -n $JOPTS ]] || JOPTS=$(launcher_java_opts "$DIST")
  JOPTS="$JOPTS -XX:NativeMemoryTracking=summary"
fi
ip netns exec "$C" env ${JOPTS:+TURNOUT_JAVA_OPTS="$JOPTS"} "$DIST/bin/turnout" run -c "$WORK/config.yaml" \
  >"$WORK/turnout.log" 2>&1 & PIDS+=($!)
has_routes() { [[ $(ip -n "$C" route show) == *"128.0.0.0/1 dev $TUN"* ]]; }
for _ in $(seq 1 150); do has_routes && break; sleep 0.2; done
has_routes || { echo "idle-flows.sh: Turnout did not install its routes" >&2; cat "$WORK/turnout.log"; exit 1; }
wait_port "$C" 7890
JPID=$(java_in "$C")
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$JPID/status"; }

# A warm-up of a few hundred flows, opened and closed, so the "before" reading has the flow path's classes loaded.
hold() { # COUNT -> runs a holder until its stdin (fd 3) closes; waits for HELD
  rm -f "$WORK/hold.in" "$WORK/hold.out"; mkfifo "$WORK/hold.in"
  ip netns exec "$C" timeout "$HOLD_SECS" "${PEER[@]}" hold-client 198.51.100.2 9000 "$1" "$HOLD_SECS" \
    <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
  HPID=$!; PIDS+=("$HPID")
  exec 3>"$WORK/hold.in"
  for _ in $(seq 1 $(( HOLD_SECS * 5 ))); do grep -q HELD "$WORK/hold.out" && break; sleep 0.2; done
}
release() { exec 3>&-; wait "$HPID" 2>/dev/null || true; }
established() { ip netns exec "$V" ss -Htn state established "sport = :9000" | wc -l; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$JPID/stat"; }
# dashboard: what a dashboard's connection list costs Turnout while it holds the flows (DASHBOARD=1).
dashboard() {
  local i t0 t1 peak=0 rss ws
  for i in 1 2 3; do
    ip netns exec "$C" curl -s -o /dev/null -m 30 -w "%{time_total} %{size_download}\n" \
      http://127.0.0.1:9090/connections >>"$WORK/dash-get.txt" || echo "? ?" >>"$WORK/dash-get.txt"
  done
  t0=$(cpu_ticks)
  ip netns exec "$C" timeout $(( ${DASH_SECS:-30} + 10 )) python3 - "${DASH_SECS:-30}" >"$WORK/dash-ws.txt" 2>&1 <<'PY' &
import base64, os, socket, struct, sys, time
secs = float(sys.argv[1])
s = socket.create_connection(("127.0.0.1", 9090), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /connections?interval=1000 HTTP/1.1\r\nHost: 127.0.0.1:9090\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, buf = buf.split(b"\r\n\r\n", 1)
assert b" 101 " in head.split(b"\r\n")[0], head
def need(n):
    global buf
    while len(buf) < n:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise EOFError
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out
end, messages, size = time.time() + secs, 0, 0
while time.time() < end:
    b0, b1 = need(2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack(">H", need(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", need(8))[0]
    need(n)
    size += n
    if b0 & 0x80:
        messages += 1
print(messages, size)
PY
  ws=$!
  for i in $(seq 1 $(( ${DASH_SECS:-30} + 10 ))); do
    kill -0 "$ws" 2>/dev/null || break
    rss=$(rss_kb); (( rss > peak )) && peak=$rss; echo $(( rss / 1024 )) >>"$WORK/dash-rss.txt"
    sleep 1
  done
  wait "$ws" || true
  t1=$(cpu_ticks)
  DASH_CPU_MS=$(( (t1 - t0) * 1000 / $(getconf CLK_TCK) ))
  DASH_RSS=$(rss_kb); DASH_PEAK=$peak
}
hold 300; release
for _ in $(seq 1 50); do (( $(established) == 0 )) && break; sleep 0.2; done
sleep 3
RSS0=$(rss_kb)
echo "holding $FLOWS idle flows through the TUN ..."
T0=$(date +%s.%N)
hold "$FLOWS"
HELD=$(awk '/HELD/ {print $2}' "$WORK/hold.out")
HELD=${HELD:-0}
# The holder's connects are done when the TUN accepted them; Turnout dials on: wait (bounded) for the server's side.
for _ in $(seq 1 150); do (( $(established) >= HELD )) && break; sleep 0.2; done
UP_SECS=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$T0")
sleep 3
EST=$(established)
RSS1=$(rss_kb)
THREADS=$(awk '/Threads/ {print $2}' "/proc/$JPID/status")
FDS=$(ls "/proc/$JPID/fd" | wc -l)
if [[ -n ${DASHBOARD:-} ]]; then dashboard; fi
if [[ -n ${NMT:-} ]]; then
  jcmd "$JPID" VM.native_memory summary >"$WORK/nmt.txt" 2>&1 || true
  jcmd "$JPID" GC.heap_info >"$WORK/heap.txt" 2>&1 || true
fi
# HISTO=1: the live objects on Turnout's heap (a full collection first), to see what each flow keeps.
if [[ -n ${HISTO:-} ]]; then
  jcmd "$JPID" GC.class_histogram >"$WORK/histo-all.txt" 2>/dev/null || true
  sed -n "1,$(( ${HISTO_LINES:-29} + 3 ))p" "$WORK/histo-all.txt" >"$WORK/histo.txt"
  LIVE=$(awk '$1 == "Total" {print $3}' "$WORK/histo-all.txt")
fi
release
echo
echo "Turnout RSS: $(( RSS0 / 1024 )) MB before; $(( RSS1 / 1024 )) MB holding $HELD idle TCP flows (server sees $EST" \
     "established, $UP_SECS s after the first connect; $FDS descriptors, $THREADS threads); asked for $ASKED"
# The listener's accept-queue overflows (the kernel's count in the client namespace): a burst the TUN could not take.
OVERFLOWS=$(ip netns exec "$C" nstat -az TcpExtListenOverflows 2>/dev/null | awk '/ListenOverflows/ {print $2}')
echo "  listen overflows in the client namespace: ${OVERFLOWS:-?}"
if (( EST < HELD )); then
  echo "  WARNING: only $EST of $HELD flows were up when read (the holder stops after HOLD_SECS): per flow over $EST"
  HELD=$EST
fi
if (( HELD > 0 )); then
  python3 - "$RSS0" "$RSS1" "$HELD" "$ASKED" <<'EOF'
import sys
r0, r1, n, asked = (int(x) for x in sys.argv[1:])
per = (r1 - r0) / n
print(f"  {per * 1024:.0f} bytes of RSS per idle flow; at {asked} flows: {(r0 + per * asked) / 1024:.0f} MB "
      f"(target <= 128 MB: {'met' if (r0 + per * asked) / 1024 <= 128 else 'NOT met'})")
EOF
fi
if [[ -n ${NMT:-} ]]; then
  echo "  NMT (committed KB):"
  grep -E "^-? *(Java Heap|Class|Thread|Code|GC|Internal|Other|Symbol|Native Memory Tracking|Arena|Metaspace|Total)" "$WORK/nmt.txt" \
    | sed -E 's/^-? */    /; s/\(reserved=[0-9]+KB, /(/' || true
  grep -E "used|total" "$WORK/heap.txt" | sed 's/^/  heap: /' || true
fi
if [[ -n ${DASHBOARD:-} ]]; then
  read -r WS_MSGS WS_BYTES _ <"$WORK/dash-ws.txt" || true
  echo "  a dashboard's connection list (external-controller 127.0.0.1:9090):"
  echo "    GET /connections, s and bytes: $(tr '\n' ';' <"$WORK/dash-get.txt")"
  echo "    WebSocket /connections?interval=1000 for ${DASH_SECS:-30} s: ${WS_MSGS:-?} lists, ${WS_BYTES:-?} bytes;" \
       "Turnout's CPU meanwhile ${DASH_CPU_MS} ms ($(( DASH_CPU_MS / ${DASH_SECS:-30} )) ms a second);" \
       "RSS $(( DASH_RSS / 1024 )) MB at the end, $(( DASH_PEAK / 1024 )) MB at most"
  echo "    RSS each second, MB: $(tr '\n' ' ' <"$WORK/dash-rss.txt")"
fi
[[ -n ${HISTO:-} ]] && { echo "  live heap holding them: ${LIVE:-?} bytes ($(( ${LIVE:-0} / (HELD > 0 ? HELD : 1) )) per flow, the rest included); live objects, largest first:"; sed 's/^/  /' "$WORK/histo.txt"; }
