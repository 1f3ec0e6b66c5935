# Pieces the bench scripts share; sourced, not run.

# danted_conf DIR ADDRESS: a no-auth, CONNECT-only dante config in DIR/danted.conf that listens on ADDRESS:1080,
# leaves from ADDRESS and logs to DIR/danted.log.
danted_conf() {
  cat >"$1/danted.conf" <<CONF
logoutput: $1/danted.log
internal: $2 port = 1080
external: $2
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
}

# cds_fit DIST: a packaged Turnout's class-data archive (lib/cds/) fits only the folder it was made in (the JVM
# checks the jars by path), so a copied layout (TURNOUT_DIST, rss.sh's DIR=) starts without it: about 4 MB more RSS
# after start and a slower start, which once made a copy of main look worse than main in place. When the JVM here
# refuses every archive in DIST, this remakes it there with the layout's own lib/cds-archive.sh and says so.
cds_fit() {
  local dist=$1 jsa found=""
  for jsa in "$dist"/lib/cds/*.jsa; do
    [ -f "$jsa" ] || continue
    found=1
    java -Xshare:on -XX:SharedArchiveFile="$jsa" -cp "$dist/lib/*" -version >/dev/null 2>&1 && return 0
  done
  [ -n "$found" ] && [ -f "$dist/lib/cds-archive.sh" ] || return 0
  echo "bench: the class-data archive in $dist was made elsewhere or for another Java; remaking it there" >&2
  rm -f "$dist"/lib/cds/*.jsa
  sh "$dist/lib/cds-archive.sh" >/dev/null 2>&1 \
    || echo "bench: $dist/lib/cds-archive.sh failed; that Turnout runs without an archive" >&2
}

# Deletes network namespace $1. A Turnout killed inside it leaves its instance-lock files in /run/turnout, named
# after the namespace's inode; with the namespace gone nothing can hold them, so they go too.
del_netns() {
  local inode
  inode=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || inode=
  ip netns del "$1" 2>/dev/null || true
  [ -n "$inode" ] && rm -f /run/turnout/turnout-net-"$inode"-*.lock
  return 0
}

# kill_netns NS: kills every process left in network namespace NS (SIGKILL: a bench's cleanup, not a shutdown being
# measured), then deletes it as del_netns does.
kill_netns() {
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  del_netns "$1"
}

# wait_port NS PORT: returns once something listens on TCP PORT in namespace NS (at most 30 s); else says so
# (prefixed with the calling script's name) and exits.
wait_port() {
  local _
  for _ in $(seq 1 150); do
    [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2") ]] && return 0
    sleep 0.2
  done
  echo "$(basename "$0"): nothing listens on :$2 in $1" >&2; exit 1
}

# iperf_in NS HOST SECS [FLAGS...]: Gbit/s received in one iperf3 run from namespace NS to HOST (-O 1), or nan.
iperf_in() {
  local ns=$1 host=$2 secs=$3; shift 3
  { ip netns exec "$ns" timeout $((secs + 20)) iperf3 -c "$host" -t "$secs" -O 1 -J "$@" 2>/dev/null || true; } \
    | python3 -c 'import json,sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))
except Exception: print("nan")'
}

# Lowers FLOWS to what the open-files limit allows (Turnout needs two descriptors per flow: the accepted TUN side and
# the outbound; the client one), after raising the soft limit as far as it goes. $1: the script's name for the note.
fit_flows_to_fd_limit() {
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  local limit asked=$FLOWS
  limit=$(ulimit -n)
  if (( FLOWS * 2 + 400 > limit )); then
    FLOWS=$(( (limit - 400) / 2 ))
    echo "$1: open-files limit is $limit here (the hard limit cannot be raised), so $FLOWS idle flows instead of $asked"
  fi
}

# The EXIT trap of a script that runs a client namespace $C and a server namespace $V: stops the processes it
# started (PIDS) and whatever else runs in the two namespaces, deletes them and the work folder WORK (KEEP=1 keeps it).
cleanup_client_server() {
  set +e
  exec 3>&- 2>/dev/null
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null; done
  sleep 0.5
  kill_netns "$C"
  kill_netns "$V"
  [[ -n "${KEEP:-}" ]] && echo "kept $WORK" || rm -rf "$WORK"
}

# launcher_java_opts DIST: the JVM flags the launcher of layout DIST uses when TURNOUT_JAVA_OPTS is unset (to add to
# them, e.g. for NMT).
launcher_java_opts() {
  local opts
  opts=$(sed -n 's/.*TURNOUT_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$1/bin/turnout")
  printf '%s\n' "${opts//\$trim/-XX:TrimNativeHeapInterval=2000}"
}

# java_in NS: the pid of the first java process in namespace NS (empty when there is none).
java_in() {
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do
    if [[ $(cat "/proc/$p/comm" 2>/dev/null) == java ]]; then echo "$p"; return 0; fi
  done
}

# rss_settled_mb PID: the process's VmRSS in MB (one decimal) once it has gone idle after start. Idle: under 20 ms of
# CPU (2 ticks) in a second, so the JIT is done (at most 30 s). Then 8 s more: HotSpot keeps the JIT's freed arena
# chunks in a pool that a cleaner empties every 5 s, and the native heap is trimmed every 2 s after that; read before
# both have run and a start shows 10-15 MB more than it keeps (-Xlog:trimnative shows the drop).
rss_settled_mb() {
  local pid=$1 before after _
  for _ in $(seq 1 30); do
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 1; after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    (( after - before < 2 )) && break
  done
  sleep 8
  awk '/VmRSS/ {printf "%.1f\n", $2 / 1024}' "/proc/$pid/status"
}

# parse_variant VARIANT: a variant as rss.sh and cold-rules.sh take it, one word or several: "default" (the launcher's
# own flags), DIR=/path/to/turnout (another packaged layout), NAME=value (an environment variable for the launcher) and
# anything else JVM flags, all of them together TURNOUT_JAVA_OPTS. Sets variant_dist (the layout to run) and
# variant_envs (the launcher's environment).
parse_variant() {
  local word opts=""
  variant_dist=dist/target/turnout
  variant_envs=()
  # shellcheck disable=SC2086
  for word in $1; do
    case "$word" in
      default) ;;
      DIR=*) variant_dist=${word#DIR=} ;;
      [A-Z_]*=*) variant_envs+=("$word") ;;
      *) opts="${opts:+$opts }$word" ;;
    esac
  done
  [ -z "$opts" ] || variant_envs+=("TURNOUT_JAVA_OPTS=$opts")
}

# fit_variants VARIANT...: cds_fit for the layout in place and for every DIR= layout among the variants.
fit_variants() {
  local v word
  cds_fit dist/target/turnout
  for v in "$@"; do
    # shellcheck disable=SC2086
    for word in $v; do
      if [[ $word == DIR=* ]]; then cds_fit "${word#DIR=}"; fi
    done
  done
}

# median N...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# Each TUN lane's CPU ticks in Turnout $1 (its threads turnout-tun-*, in thread order), and from two such readings the
# busiest lane's share of what the lanes used in between ("nan" with one lane): the kernel's hash puts each flow on a
# lane, so four streams may share two lanes evenly (0.50) or all land on one (1.00), which throughput alone hides.
lane_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == turnout-tun* ]] && awk '{printf "%d ", $14 + $15}' "$t/stat"
  done
  return 0
}
lane_split() {
  awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x); split(b, y); s = 0; m = 0
    for (i = 1; i <= n; i++) { d = y[i] - x[i]; s += d; if (d > m) m = d }
    if (n > 1 && s > 0) printf "%.2f", m / s; else print "nan" }'
}
