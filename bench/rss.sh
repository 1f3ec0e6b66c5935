#!/usr/bin/env bash
# Turnout's resident memory (VmRSS) after start on its built-in default config (mixed port 7890 and the controller
# on loopback, everything DIRECT), the figure issue 16 sets at <= 64 MB. Each start runs the packaged launcher in a
# network namespace of its own and a fresh HOME; RSS is read once the port is open and the process has gone idle
# (CPU time still over 1 s later, at most 30 s), then Turnout is stopped. Starts are interleaved across variants.
# Usage (root, after `mvn -q -DskipTests package`): bench/rss.sh [VARIANT...]
#   a VARIANT is one word or several: "default" (the launcher's own flags), DIR=/path/to/turnout (another packaged
#   layout, e.g. an older build, with its own launcher's flags), NAME=value (an environment variable for the launcher,
#   e.g. MALLOC_ARENA_MAX=2), and anything else JVM flags, all of them together TURNOUT_JAVA_OPTS (which replaces the
#   launcher's own flags). Default: "default".
# Env: TRIALS (3).
# Measured 2026-11-30 under load (average 21 on 2 cores), medians of 3: the launcher's old flags
# (-Xmn32m, no TrimNativeHeapInterval) and logback.xml 106 MB; -Xmn8m 88 MB; with TrimNativeHeapInterval 77 MB; with
# logback set up in code and Netty's JFR events off 73 MB. With this script's wait for idle, two runs of
# `bench/rss.sh DIR=<old build> default`: 104.4 -> 81.1 (81.1 81.2 71.5) and 102.2 -> 83.4 (83.4 83.6 71.6). Starts
# land either near 73 or near 81-91 MB: the higher ones were read before HotSpot's chunk pool cleaner and the native
# heap trimmer had run (below). Read after both (2026-11-30, session 15, load 36): 71.3 MB (71.3 71.5 70.3).
# Session 16 (load 12-17): 59.1 MB (59.0 59.1 59.2) with the class-data archive (lib/cds/), -Xmn4m, a plain start
# without picocli and ~270 fewer classes, against 71.6 for main's flags without the archive in the same run.
# Session 72 (quiet, 5733e06): the readings come in two modes, about 63.6 and 65.1, and the young collections tell
# them apart: a start allocates about four young generations' worth, and a reading with 4 collections behind it still
# has ~1.3 MB of live start-up objects in eden, which the next collection promotes. Eden then holds ~2.6 of its
# 3.3 MB; idle, Turnout allocates ~50 KB a minute, so that collection comes within about 15 minutes, or with the
# first traffic. Live after start (jcmd GC.run) is ~5.7 MB, 1.2 MB of it the central directories of the
# 57 jars every start opens: the service lookups of slf4j, logback and java.time's zone rules, and resource lookups of
# logback and Turnout, each walk the whole class path (seen with jdb on URLClassPath$JarLoader.ensureOpen), and so,
# by its code, does PF4J's class-path extension index.
# The 5-collection figure, 65.1, is what a start keeps.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trials=${TRIALS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench/rss.sh: needs root (network namespace)" >&2; exit 1; }
[ $# -gt 0 ] || set -- default

work=$(mktemp -d)
ns=trss-$$
cleanup() {
  kill_netns "$ns"
  rm -rf "$work"
}
trap cleanup EXIT

# one_start VARIANT -> prints the RSS in MB
one_start() {
  parse_variant "$1"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  local home="$work/home"
  rm -rf "$home"; mkdir -p "$home"
  ip netns exec "$ns" env HOME="$home" XDG_CONFIG_HOME="$home/.config" "${variant_envs[@]}" \
    "$variant_dist/bin/turnout" run >"$work/turnout.log" 2>&1 &
  local open=""
  for _ in $(seq 1 300); do
    if ip netns exec "$ns" ss -Htln "sport = :7890" | grep -q .; then open=1; break; fi
    sleep 0.1
  done
  [ -n "$open" ] || { echo "port 7890 never opened; log:" >&2; cat "$work/turnout.log" >&2; exit 1; }
  local jpid rss ygc
  jpid=$(java_in "$ns")
  rss=$(rss_settled_mb "$jpid")
  # jstat reads the JVM's perf-data file, without attaching: nothing runs in Turnout to answer it
  ygc=$(jstat -gc "$jpid" 2>/dev/null | awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "YGC") c = i} NR == 2 && c {print $c}')
  echo "$rss/${ygc:-?}"
  kill "$jpid"
  for _ in $(seq 1 50); do [ -d "/proc/$jpid" ] || break; sleep 0.1; done
  ip netns del "$ns"
}

declare -A results
fit_variants "$@"
declare -A collections
for t in $(seq 1 "$trials"); do
  for v in "$@"; do
    r=$(one_start "$v")
    results[$v]="${results[$v]:-} ${r%/*}"
    collections[$v]="${collections[$v]:-} ${r%/*}/${r#*/}"
  done
done
echo "VmRSS after start on the built-in default, MB, median of $trials (runs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
first=""
for v in "$@"; do
  # shellcheck disable=SC2086
  m=$(median ${results[$v]})
  [ -n "$first" ] || first=$m
  printf '  %-70s %6.1f  (%s)  ratio %.2f\n' "$v" "$m" "${results[$v]# }" "$(awk -v a="$m" -v b="$first" 'BEGIN {print a / b}')"
done
echo "Each reading / the young collections before it (jstat):"
for v in "$@"; do printf '  %-70s %s\n' "$v" "${collections[$v]# }"; done
