#!/usr/bin/env bash
# Turnout beside the peers a user would pick instead, in one run, against the same servers (issue 16's table):
#   (a) direct over a veth, no proxy                          -> 192.0.2.2
#   (b) Turnout TUN -> DIRECT                                 -> 198.51.100.2
#   (c) Turnout TUN -> SOCKS5 plugin -> dante                 -> 203.0.113.10
#   (h) hev-socks5-tunnel TUN -> dante                        -> 203.0.113.10
#   (r) Clash 1.18 redir-port (iptables REDIRECT) -> DIRECT   -> 198.51.100.2
#   (s) Clash 1.18 redir-port -> SOCKS5 -> dante              -> 203.0.113.10
#   (k) C relays on Turnout's client's loopback -> SOCKS5 -> dante  -> 203.0.113.10 (no TUN, no Java: a floor)
#   (d) setup only, with (c), (h) or (s): bench/setup.c speaking SOCKS5 to dante itself, no proxy between (a ceiling)
# Each tool has a client namespace of its own (two TUNs and an iptables REDIRECT cannot share one), joined to one
# server namespace by its own veth: Turnout 192.0.2.0/26, hev 192.0.2.64/26, Clash 192.0.2.128/26. The server
# namespace holds iperf3, the setup server (bench/setup.c), and dante on each veth address; 198.51.100.2 and
# 203.0.113.10 are its own addresses, reached through each client's default route (so through the TUN or the
# REDIRECT), while the SOCKS5 server is on the client's connected /26, which the split routes leave alone.
# Measured per trial (after a first trial that is not kept, for the JIT), the paths interleaved: iperf3 single stream and -P 4, up and down (-R), SECS seconds each;
# connection setup, sequential connect + GET + read-to-close (bench/setup.c, needs gcc), SETUP_N per run. Printed:
# medians of TRIALS, each path's ratio to (a), Turnout's ratio to each peer, the CPU per connection of the proxy's
# own process on every proxied path (Turnout in (b) and (c), hev in (h), Clash in (r) and (s); dante's is not
# counted: it is the same server for (c), (h) and (s)), Turnout's lane split in each iperf run of (b) and (c) (the
# busiest TUN lane's share of the lanes' CPU: the kernel's hash may put all streams on one lane), the whole machine's
# CPU per connection and busy share in every setup run (whether a path was bound by CPU), and Turnout's RSS, after start (mixed port only, the built-in default config, measured first) and after the runs.
# The peers come from ../shared/peers (its README): Clash's gzip is unpacked and hev's source built with make into
# PEERS_CACHE (~/.cache/turnout-peers, outside the repository); a missing one is skipped with a message.
# Needs root and the packaged Turnout (mvn -q -DskipTests package, or TURNOUT_DIST). Builds Clash's Country.mmdb once
# (.ci/country-mmdb.sh: npm and libmaxmind-db-writer-perl). Installs iperf3, dante-server,
# iptables, gcc, make, curl and iproute2 with apt-get when missing. Only the ranges above and 198.18.0.0/15 are used;
# every process runs in the namespaces made here and all are removed on exit, whatever happens.
#
# (k) is what the least user-space relay adds to (d): bench/relay.c (copying, a thread per direction) under iperf3,
# bench/setup.c's relay (one connection at a time) under the setup client, each asking dante for the target as
# Turnout's SOCKS5 plugin does. A TUN -> SOCKS5 path pays that and its TUN; a target above (k) is beyond any relay here.
#
# Usage: sudo bench/peers.sh     env: SECS (5), TRIALS (3), SETUP_N (3000), SETUP_WARM (15000), PATHS (subset of
#        "a b c h k r s"), CASES (subset of "up1 up4 down1 down4"), PEERS_DIR (../shared/peers), KEEP=1 (keep files)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROOT=$(pwd)
SECS=${SECS:-5}
TRIALS=${TRIALS:-3}
SETUP_N=${SETUP_N:-3000}
SETUP_WARM=${SETUP_WARM:-15000}
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/peers}
PEERS_CACHE=${PEERS_CACHE:-$HOME/.cache/turnout-peers}
DIST=${TURNOUT_DIST:-$ROOT/dist/target/turnout}
[[ $(id -u) == 0 ]] || { echo "peers.sh: needs root (network namespaces, TUN, iptables)" >&2; exit 1; }
declare -A PKG=([iperf3]=iperf3 [danted]=dante-server [iptables]=iptables [gcc]=gcc [make]=make [curl]=curl
                [ip]=iproute2 [ss]=iproute2 [python3]=python3 [setpriv]=util-linux)
MISSING=()
for b in "${!PKG[@]}"; do command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || MISSING+=("${PKG[$b]}"); done
if (( ${#MISSING[@]} )); then
  echo "peers.sh: installing ${MISSING[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null \
    || { echo "peers.sh: apt-get install ${MISSING[*]} failed" >&2; exit 1; }
  if command -v systemctl >/dev/null; then systemctl stop danted >/dev/null 2>&1 || true; fi
fi
[[ -x $DIST/bin/turnout ]] || { echo "peers.sh: no $DIST/bin/turnout; run: mvn -q -DskipTests package" >&2; exit 1; }
cds_fit "$DIST"
ulimit -n 65536 2>/dev/null || true

PATHS=" ${PATHS:-a b c h k r s} "
has_path() { [[ $PATHS == *" $1 "* ]]; }
drop_paths() { local p; for p in "$@"; do PATHS=${PATHS/ $p / }; done; }

# The peers, built once into the cache.
mkdir -p "$PEERS_CACHE"
CLASH=$PEERS_CACHE/clash-v1.18.0
if has_path r || has_path s; then
  if [[ ! -x $CLASH ]]; then
    if [[ -f $PEERS_DIR/clash-linux-amd64-v1.18.0.gz ]]; then
      gunzip -c "$PEERS_DIR/clash-linux-amd64-v1.18.0.gz" >"$CLASH.part" && chmod +x "$CLASH.part" && mv "$CLASH.part" "$CLASH"
    else
      echo "peers.sh: $PEERS_DIR/clash-linux-amd64-v1.18.0.gz is missing: skipping Clash (r, s)" >&2; drop_paths r s
    fi
  fi
fi
HEV=$PEERS_CACHE/hev-socks5-tunnel-2.15.0
if has_path h && [[ ! -x $HEV ]]; then
  if [[ -f $PEERS_DIR/hev-socks5-tunnel-2.15.0-src.tar.gz ]]; then
    echo "peers.sh: building hev-socks5-tunnel (once, into $PEERS_CACHE) ..." >&2
    BUILD=$(mktemp -d /tmp/turnout-hev-XXXXXX)
    if tar xzf "$PEERS_DIR/hev-socks5-tunnel-2.15.0-src.tar.gz" -C "$BUILD" \
        && make -C "$BUILD/hev-socks5-tunnel-2.15.0" -j2 >"$BUILD/make.log" 2>&1; then
      cp "$BUILD/hev-socks5-tunnel-2.15.0/bin/hev-socks5-tunnel" "$HEV"
    else
      echo "peers.sh: building hev-socks5-tunnel failed (log kept in $BUILD): skipping (h)" >&2; drop_paths h
    fi
    [[ -x $HEV ]] && rm -rf "$BUILD"
  else
    echo "peers.sh: $PEERS_DIR/hev-socks5-tunnel-2.15.0-src.tar.gz is missing: skipping (h)" >&2; drop_paths h
  fi
fi
# Clash 1.18 will not start without a GeoIP2-shaped Country.mmdb (see ../shared/peers/README.md): the tests' one,
# built once (a few seconds) when this machine has none yet.
GEO=""
if has_path r || has_path s; then
  GEO=$(.ci/country-mmdb.sh) || { echo "peers.sh: no Country.mmdb for Clash (said why above): skipping (r, s)" >&2; drop_paths r s; }
fi

S=$(printf '%04x' $((RANDOM % 65536)))
V=pbv-$S; T=pbt-$S; H=pbh-$S; K=pbk-$S
WORK=$(mktemp -d /tmp/turnout-peers-XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null; done
  sleep 0.5
  for ns in "$T" "$H" "$K" "$V"; do kill_netns "$ns"; done
  [[ -n "${KEEP:-}" ]] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$V"; ip -n "$V" link set lo up
ip -n "$V" addr add 198.51.100.2/32 dev lo
ip -n "$V" addr add 203.0.113.10/32 dev lo
declare -A CLIENT_ADDR SERVER_ADDR
i=0
for ns in "$T" "$H" "$K"; do
  c=$(( i * 64 + 1 )); s=$(( i * 64 + 2 ))
  CLIENT_ADDR[$ns]=192.0.2.$c; SERVER_ADDR[$ns]=192.0.2.$s
  ip netns add "$ns"; ip -n "$ns" link set lo up
  ip -n "$ns" link add "pc$S$i" type veth peer name "ps$S$i" netns "$V"   # never in the root namespace
  ip -n "$ns" addr add "192.0.2.$c/26" dev "pc$S$i"; ip -n "$V" addr add "192.0.2.$s/26" dev "ps$S$i"
  ip -n "$ns" link set "pc$S$i" up; ip -n "$V" link set "ps$S$i" up
  ip -n "$ns" route add default via "192.0.2.$s"
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
  i=$(( i + 1 ))
done
ip netns exec "$V" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

gcc -O2 -pthread -o "$WORK/setup" bench/setup.c
gcc -O2 -pthread -o "$WORK/relay" bench/relay.c

spawn() { local ns=$1 log=$2; shift 2; ip netns exec "$ns" "$@" >"$WORK/$log" 2>&1 & PIDS+=($!); }
spawn "$V" iperf3.log iperf3 -s
spawn "$V" setup-server.log "$WORK/setup" serve 8080
cat >"$WORK/danted.conf" <<CONF
logoutput: $WORK/danted.log
internal: 192.0.2.2 port = 1080
internal: 192.0.2.66 port = 1080
internal: 192.0.2.130 port = 1080
external: 203.0.113.10
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
}
socks pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  command: connect
}
CONF
spawn "$V" danted.out danted -f "$WORK/danted.conf" -p "$WORK/danted.pid"

for p in 5201 8080 1080; do wait_port "$V" "$p"; done
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# Turnout's RSS after start on its built-in default config (mixed port only), before anything else runs in it: read
# as bench/rss.sh reads it, once the JIT and the native heap trimmer are done (lib.sh's rss_settled_mb).
START_HOME=$WORK/turnout-default
mkdir -p "$START_HOME"
ip netns exec "$T" env HOME="$START_HOME" XDG_CONFIG_HOME="$START_HOME/.config" "$DIST/bin/turnout" run \
  >"$WORK/turnout-default.log" 2>&1 &
DPID=$!; PIDS+=("$DPID")
wait_port "$T" 7890
RSS_START=$(rss_settled_mb "$(java_in "$T")")
kill "$DPID"; wait "$DPID" 2>/dev/null || true
for _ in $(seq 1 50); do [[ -z $(java_in "$T") ]] && break; sleep 0.2; done

cat >"$WORK/turnout.yaml" <<EOF
mixed-port: 7890
log-level: warning
tun:
  enable: true
  stack: system
  device: pbtun$S
  auto-route: true
  auto-detect-interface: true
  state-file: $WORK/routes.state
proxies:
  - {name: dante, type: socks5, server: 192.0.2.2, port: 1080}
rules:
  - IP-CIDR,203.0.113.10/32,dante
  - MATCH,DIRECT
EOF
spawn "$T" turnout.log "$DIST/bin/turnout" run -c "$WORK/turnout.yaml"
for _ in $(seq 1 150); do [[ $(ip -n "$T" route show) == *"128.0.0.0/1 dev pbtun$S"* ]] && break; sleep 0.2; done
[[ $(ip -n "$T" route show) == *"128.0.0.0/1 dev pbtun$S"* ]] \
  || { echo "peers.sh: Turnout did not install its routes" >&2; cat "$WORK/turnout.log"; exit 1; }
wait_port "$T" 7890
JPID=$(java_in "$T")
# path -> the process whose CPU a connection costs (spawn's pid is the tool's own: ip netns exec and setpriv exec it)
declare -A PROC=([b]=$JPID [c]=$JPID)

if has_path h; then
  cat >"$WORK/hev.yml" <<EOF
tunnel:
  name: pbhev$S
  mtu: 8500
  ipv4: 198.18.0.1
socks5:
  port: 1080
  address: 192.0.2.66
  udp: 'tcp'
misc:
  log-level: warn
  limit-nofile: 65535
EOF
  spawn "$H" hev.log "$HEV" "$WORK/hev.yml"
  PROC[h]=${PIDS[-1]}
  for _ in $(seq 1 100); do ip -n "$H" link show "pbhev$S" >/dev/null 2>&1 && break; sleep 0.1; done
  if ip -n "$H" link show "pbhev$S" >/dev/null 2>&1; then
    ip -n "$H" link set "pbhev$S" up
    ip -n "$H" route add 0.0.0.0/1 dev "pbhev$S"
    ip -n "$H" route add 128.0.0.0/1 dev "pbhev$S"
  else
    echo "peers.sh: hev-socks5-tunnel made no TUN device: skipping (h)" >&2; cat "$WORK/hev.log" >&2; drop_paths h
  fi
fi

if has_path r || has_path s; then
  # Clash runs as nobody so that its own connections can be told apart from the client's and not redirected.
  mkdir -p "$WORK/clash"
  cp "$GEO" "$WORK/clash/Country.mmdb"
  cat >"$WORK/clash/config.yaml" <<EOF
redir-port: 7892
mode: rule
log-level: warning
proxies:
  - {name: dante, type: socks5, server: 192.0.2.130, port: 1080}
rules:
  - IP-CIDR,203.0.113.10/32,dante
  - MATCH,DIRECT
EOF
  chown -R nobody:nogroup "$WORK/clash"
  spawn "$K" clash.log setpriv --reuid=nobody --regid=nogroup --clear-groups "$CLASH" -d "$WORK/clash"
  PROC[r]=${PIDS[-1]}; PROC[s]=${PIDS[-1]}
  ip netns exec "$K" iptables -t nat -A OUTPUT -p tcp -m owner --uid-owner nobody -j RETURN
  ip netns exec "$K" iptables -t nat -A OUTPUT -p tcp -d 198.51.100.2/32 -j REDIRECT --to-ports 7892
  ip netns exec "$K" iptables -t nat -A OUTPUT -p tcp -d 203.0.113.10/32 -j REDIRECT --to-ports 7892
  wait_port "$K" 7892
fi

if has_path k; then
  spawn "$T" relay-iperf.log "$WORK/relay" 9995 203.0.113.10 5201 copy 192.0.2.2 1080
  spawn "$T" relay-setup.log "$WORK/setup" relay 9994 203.0.113.10 8080 192.0.2.2 1080
  wait_port "$T" 9995; wait_port "$T" 9994
fi

# path -> "namespace target"; (k)'s relays listen on the client's loopback, one port for iperf3 and one for setup
declare -A NS=([a]=$T [b]=$T [c]=$T [h]=$H [k]=$T [r]=$K [s]=$K)
declare -A HOST=([a]=192.0.2.2 [b]=198.51.100.2 [c]=203.0.113.10 [h]=203.0.113.10 [k]=127.0.0.1 [r]=198.51.100.2
                 [s]=203.0.113.10)
declare -A IPERF_PORT=([k]=9995) SETUP_PORT=([k]=9994)
declare -A R
add() { R[$1]="${R[$1]:-} $2"; }
iperf() { # path extra-flags... -> Gbit/s
  local p=$1; shift
  iperf_in "${NS[$p]}" "${HOST[$p]}" "$SECS" ${IPERF_PORT[$p]:+-p "${IPERF_PORT[$p]}"} "$@"
}
setup() { # path [n] -> connections/s; path d: setup.c itself speaking SOCKS5 to dante (Turnout's veth, no TUN)
  local target=("${HOST[$1]:-}" "${SETUP_PORT[$1]:-8080}")
  [[ $1 == d ]] && target=(192.0.2.2 1080)
  { ip netns exec "${NS[$1]}" "$WORK/setup" client "${target[@]}" "${2:-$SETUP_N}" 30 \
      ${SOCKS_TARGET[$1]:-} || true; } | awk '{print $2} END {if (!NR) print "nan"}'
}
# (d) is no proxy's path: the same client asks dante for 203.0.113.10:8080 itself, so nothing sits between it and
# dante. It bounds what any TUN -> SOCKS5 path, (c), (h) or (s), can reach against this dante.
NS[d]=$T
declare -A SOCKS_TARGET=([d]="203.0.113.10 8080")
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
# The whole machine's busy and total ticks (all processes and the kernel; steal counts as neither): with them each
# setup run also gives the machine's CPU per connection and how busy its cores were, which says whether a path was
# bound by CPU (every core busy) and so what a cheaper relay could still gain against this dante.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
NCPU=$(grep -c '^cpu[0-9]' /proc/stat)
# setup_measured PATH [PID]: one setup run of PATH, adding its rate, the machine's CPU per connection and busy share,
# and with PID that process's CPU per connection.
setup_measured() {
  local p=$1 pid=${2:-} t0=0 t1=0 m0 m1 rate
  read -r -a m0 < <(machine_ticks)
  [[ -n $pid ]] && t0=$(cpu_ticks "$pid")
  rate=$(setup "$p")
  [[ -n $pid ]] && t1=$(cpu_ticks "$pid")
  read -r -a m1 < <(machine_ticks)
  add "setup-$p" "$rate"
  [[ -n $pid ]] && add "cpu-$p" "$(( (t1 - t0) * 1000000 / TICK / SETUP_N ))"
  add "mcpu-$p" "$(( (m1[0] - m0[0]) * 1000000 / TICK / SETUP_N ))"
  add "busy-$p" "$(awk -v b=$(( m1[0] - m0[0] )) -v t=$(( m1[1] - m0[1] )) 'BEGIN {printf "%.2f", (t > 0 ? b / t : 0)}')"
}

echo "paths:${PATHS% }; warming up (JIT, caches) ..."
for p in $PATHS; do iperf "$p" >/dev/null; done
setup b "$SETUP_WARM" >/dev/null
# Path c's own code (the SOCKS5 plugin's handshake) needs as many as b's: after a third of them its setup ran about
# 5% slower at 14% more CPU per connection than after 20,000 (bench/tun.sh with SETUP_SOCKS=1 and c warmed first,
# three rounds each).
has_path c && setup c "$SETUP_WARM" >/dev/null
for p in $PATHS; do [[ $p == [bc] ]] || setup "$p" 1000 >/dev/null; done
has_socks_ceiling() { has_path c || has_path h || has_path s; }
has_socks_ceiling && setup d 1000 >/dev/null

CASES_LIST=()
for k in "up1:" "up4:-P 4" "down1:-R" "down4:-R -P 4"; do
  [[ " ${CASES:-up1 up4 down1 down4} " == *" ${k%%:*} "* ]] && CASES_LIST+=("$k")
done
# One trial: every iperf case on every path, then each path's setup rate; kept when $1 is "keep".
trial() {
  local keep=$1 k p v
  for k in "${CASES_LIST[@]}"; do
    for p in $PATHS; do
      [[ $p == [bc] ]] && l0=$(lane_ticks "$JPID")
      # shellcheck disable=SC2086
      v=$(iperf "$p" ${k#*:})
      if [[ $keep == keep ]]; then
        add "${k%%:*}-$p" "$v"
        [[ $p == [bc] ]] && add "split-${k%%:*}-$p" "$(lane_split "$l0" "$(lane_ticks "$JPID")")"
      fi
    done
  done
  local ps=$PATHS
  has_socks_ceiling && ps="$ps d"
  for p in $ps; do
    if [[ $keep == keep ]]; then setup_measured "$p" "${PROC[$p]:-}"; else setup "$p" >/dev/null; fi
  done
}
# A first trial, not kept (iperf 2 s): Turnout's JIT has then compiled the relay for bulk and for setup traffic
# alike. Without it the first kept setup run recompiled what the bulk runs had specialised (PrintCompilation:
# epollInReady, DefaultPromise.addListener, Relay.setReading "made not entrant" as it began), and CPU per connection
# read 346/346/256 and 466/263/250 us in two runs of PATHS="a b"; with it, 286/240/276 and 296/323/310, and no
# wave of recompilation inside the kept trials.
echo "a first trial, not kept ..."
SECS=2 trial skip
for t in $(seq 1 "$TRIALS"); do
  echo "trial $t/$TRIALS ..."
  trial keep
done
RSS_AFTER=$(rss_mb "$JPID")

python3 - "$SECS" "$TRIALS" "$SETUP_N" "$RSS_START" "$RSS_AFTER" "$PATHS" <<EOF
import math, sys
secs, trials, setup_n, rss_start, rss_after, paths = sys.argv[1:7]
paths = paths.split()
R = {$(for k in "${!R[@]}"; do printf '"%s": "%s",' "$k" "${R[$k]}"; done)}
NAMES = {"a": "direct over the veth", "b": "Turnout TUN -> DIRECT", "c": "Turnout TUN -> SOCKS5 -> dante",
         "h": "hev-socks5-tunnel TUN -> dante", "k": "C relays -> SOCKS5 -> dante (no TUN)", "r": "Clash 1.18 redir -> DIRECT", "s": "Clash 1.18 redir -> SOCKS5 -> dante"}
COLS = [c for c in ["up1", "up4", "down1", "down4", "setup"] if any(k.startswith(c + "-") for k in R)]
def med(k):
    v = sorted(float(x) for x in R.get(k, "").split() if x != "nan")
    return v[len(v) // 2] if v else float("nan")
def ratio(x, y):
    return "n/a" if not (y > 0) or math.isnan(x) else "%.2f" % (x / y)
def cell(c, p):
    v = med(f"{c}-{p}")
    if c == "setup":
        s = "nan" if math.isnan(v) else f"{v:,.0f}"
    else:
        s = f"{v:.2f}"
    return s if p == "a" or "a" not in paths else f"{s} ({ratio(v, med(f'{c}-a'))})"
print()
print(f"iperf3 {secs} s (-O 1), Gbit/s; setup: sequential connect+GET+close, {setup_n} per run, bench/setup.c,"
      f" connections/s; medians of {trials}; (ratio to direct)")
print("| path | " + " | ".join(COLS) + " |")
print("|---|" + "---|" * len(COLS))
for p in paths:
    print(f"| ({p}) {NAMES[p]} | " + " | ".join(cell(c, p) for c in COLS) + " |")
print()
print("Turnout against the peers (ratios of medians, > 1 means Turnout does more):")
for mine, peer in [("b", "r"), ("c", "h"), ("c", "s"), ("c", "k")]:
    if mine in paths and peer in paths:
        print(f"  ({mine}) / ({peer}): " + "  ".join(f"{c} {ratio(med(f'{c}-{mine}'), med(f'{c}-{peer}'))}" for c in COLS))
for peer in ["h", "s"]:
    if "k" in paths and peer in paths:
        print(f"  the floor, (k) / ({peer}): " + "  ".join(f"{c} {ratio(med(f'{c}-k'), med(f'{c}-{peer}'))}" for c in COLS)
              + f"  (a TUN -> SOCKS5 path above (k) beats no relay here; the targets ask (c) for 2.0 and 1.2 of (h), 1.2 of (s))")
if "setup-d" in R:
    d = med("setup-d")
    print(f"  SOCKS5 setup ceiling, (d) setup.c speaking SOCKS5 to dante itself (no TUN, nothing in between): {d:,.0f}/s;"
          " against it: " + "  ".join(f"({p}) {ratio(med(f'setup-{p}'), d)}" for p in "chks" if p in paths))
mc = [p for p in paths + ["d"] if f"mcpu-{p}" in R]
if mc:
    print(f"  the whole machine ($NCPU cores) in the setup runs: CPU per connection, us, all processes and the kernel (share of"
          " the cores busy): " + "  ".join(f"({p}) {med(f'mcpu-{p}'):.0f} ({med(f'busy-{p}'):.2f})" for p in mc))
print()
print("runs: " + "; ".join(f"{k} {'/'.join(R[k].split())}" for k in sorted(R) if not k.startswith("split-")))
splits = [k for k in sorted(R) if k.startswith("split-") and R[k].replace("nan", "").split()]
if splits:
    print("Turnout's lane split, the busiest TUN lane's share of the lanes' CPU in each run (0.50 even, 1.00 one lane"
          " did all): " + "; ".join(f"{k[6:]} {'/'.join(R[k].split())}" for k in splits))
WHO = {"b": "Turnout", "c": "Turnout", "h": "hev", "r": "Clash", "s": "Clash"}
cpu = [p for p in paths if f"cpu-{p}" in R]
if cpu:
    print("CPU (user + system) per connection of the proxy's process in the setup runs, us (dante's not counted): "
          + "  ".join(f"({p}) {WHO[p]} {med(f'cpu-{p}'):.0f}" for p in cpu))
print(f"Turnout RSS: {rss_start} MB after start on the built-in default config (mixed port only); {rss_after} MB in TUN mode after the runs")
EOF
