#!/bin/sh
# Makes the packaged Turnout's class-data archive, lib/cds/ID.jsa (see bin/turnout): starts the package once on the
# built-in default config (on free ports instead of 7890 and 9090, so a running proxy does not matter), waits until
# it listens, stops it, and keeps what the JVM wrote at exit. Linux only (it reads /proc/net/tcp). Whatever goes
# wrong, it says so and leaves no archive: the package works without one, with 3-5 MB more resident at start.
# The JVM maps an archive only for the folder it was made in: dist's pom makes one at package time for
# dist/target/turnout; after unpacking the package elsewhere, or with another JVM, run this again to make one there.
# Usage: sh lib/cds-archive.sh (it writes lib/cds/).
dist=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dist/lib/cds"
[ -r /proc/net/tcp ] || { echo "cds-archive.sh: no /proc/net/tcp (not Linux): no class-data archive"; exit 0; }
work=$(mktemp -d) || exit 0
pid=""
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; fi; rm -rf "$work"' EXIT

listening() { # PORT -> whether something listens on it (IPv4 or IPv6)
  hex=$(printf ':%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p {f = 1} END {exit !f}'
}
port=$((20000 + $$ % 20000))
tries=0
while listening "$port" || listening $((port + 1)); do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || { echo "cds-archive.sh: no two free ports: no class-data archive"; exit 0; }
  port=$((port + 2))
done
# The built-in default (host's default-config.yaml) on the ports found free, as the home config that a plain
# `turnout run` finds: the start most users and the benchmarks make (Main.plainRun).
mkdir -p "$work/home/.config/turnout"
cat >"$work/home/.config/turnout/config.yaml" <<CONFIG
mixed-port: $port
allow-lan: false
mode: rule
log-level: info
external-controller: 127.0.0.1:$((port + 1))
rules:
  - MATCH,DIRECT
CONFIG
mkdir -p "$work/jsa"
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" TURNOUT_CDS_DUMP="$work/jsa" \
  "$dist/bin/turnout" run >"$work/turnout.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 1 600); do
  if listening "$port" && listening $((port + 1)); then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "cds-archive.sh: Turnout did not start: no class-data archive; its output:"; cat "$work/turnout.log"
  exit 0
fi
kill -TERM "$pid"
wait "$pid"
pid=""
set -- "$work"/jsa/*.jsa
if [ ! -s "$1" ]; then
  echo "cds-archive.sh: the JVM wrote no archive; Turnout's output:"; cat "$work/turnout.log"
  exit 0
fi
mkdir -p "$dist/lib/cds"
# Moved in only once the JVM has finished writing it: a partly written archive must never be mapped.
cp "$1" "$dist/lib/cds/.tmp" && mv "$dist/lib/cds/.tmp" "$dist/lib/cds/$(basename "$1")"
echo "cds-archive.sh: $dist/lib/cds/$(basename "$1") ($(wc -c <"$1") bytes)"
