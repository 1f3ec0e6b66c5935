#!/bin/sh
# Makes the packaged Turnout's class-data archive, lib/cds/ID.jsa (see bin/turnout): starts the package once on the
# built-in default config (on free ports instead of 7890 and 9090, so a running proxy does not matter), waits until
# it listens, stops it, and keeps what the JVM wrote at exit. Linux only (it reads /proc/net/tcp). Whatever goes
# wrong, it says so and leaves no archive: the package works without one, with 3-5 MB more resident at start.
# The JVM maps an archive only for the folder it was made in: dist's pom makes one at package time for
# dist/target/turnout; after unpacking the package elsewhere, or with another JVM, run this again to make one there.
# Usage: sh lib/cds-archive.sh (it writes lib/cds/). It exits with status 1 when it cannot write lib/cds (run it as
# the install's owner, e.g. with sudo for /opt/turnout); 0 otherwise, with or without an archive.
dist=$(cd "$(dirname "$0")/.." && pwd)
cannot_write() {
  echo "cds-archive.sh: cannot write $dist/lib/cds ($1): no new class-data archive; run it as the owner of $dist" >&2
  exit 1
}
# Checked before the minutes of work, and the old archive removed: it is for another Java or folder, or stale.
rm -rf "$dist/lib/cds" 2>/dev/null || cannot_write "permission denied: the old archive stays"
[ ! -e "$dist/lib/cds" ] || cannot_write "permission denied: the old archive stays"
mkdir "$dist/lib/cds" 2>/dev/null && : >"$dist/lib/cds/.tmp" 2>/dev/null && rm -f "$dist/lib/cds/.tmp" \
  || { rmdir "$dist/lib/cds" 2>/dev/null; cannot_write "permission denied"; }
[ -r /proc/net/tcp ] || { echo "cds-archive.sh: no /proc/net/tcp (not Linux): no class-data archive"; exit 0; }
work=$(mktemp -d) || exit 0
pid=""
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; fi; rm -rf "$work"' EXIT

# PORT [STATE] -> whether a socket (IPv4 or IPv6) has PORT as its local port, in STATE if given (as /proc/net/tcp
# writes it: 0A is listening), else in any state (a client's, one in TIME_WAIT)
has_socket() {
  hex=$(printf ':%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null \
    | awk -v p="$hex" -v s="${2:-}" '(s == "" || $4 == s) && substr($2, length($2) - 4) == p {f = 1} END {exit !f}'
}
listening() { has_socket "$1" 0A; }
taken() { has_socket "$1"; }
# Below Linux's default range of ephemeral ports (32768-60999): a port there could be a client socket's, which the
# controller's bind then failed on ("Address already in use"), leaving the package without an archive (seen in CI,
# after the tests before it had made thousands of connections).
port=$((10000 + $$ % 20000))
tries=0
while taken "$port" || taken $((port + 1)); do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || { echo "cds-archive.sh: no two free ports: no class-data archive"; exit 0; }
  port=$((port + 2))
done
# The built-in default (host's default-config.yaml) on the ports found free, as the home config that a plain
# `turnout run` finds: the start most users and the benchmarks make (Main.plainRun). Its rules and rule providers
# (one of each behaviour and format, all DIRECT) add what a user's rule sets load, so that those classes are
# mapped too: Loyalsoldier's config compiled 14% sooner at a cold start (bench/cold-rules.sh, medians of 5) with
# an archive that held them. A start on the default does not load them and keeps its RSS (bench/rss.sh).
mkdir -p "$work/home/.config/turnout/ruleset"
cat >"$work/home/.config/turnout/config.yaml" <<CONFIG
mixed-port: $port
allow-lan: false
mode: rule
log-level: info
external-controller: 127.0.0.1:$((port + 1))
rule-providers:
  domains: {type: file, behavior: domain, path: ./ruleset/domains.yaml}
  cidrs: {type: file, behavior: ipcidr, path: ./ruleset/cidrs.yaml}
  classical: {type: file, behavior: classical, path: ./ruleset/classical.yaml}
  listed: {type: file, behavior: classical, format: text, path: ./ruleset/listed.list}
rules:
  - DOMAIN,www.example.com,DIRECT
  - DOMAIN-SUFFIX,example.net,DIRECT
  - DOMAIN-KEYWORD,example,DIRECT
  - IP-CIDR,192.0.2.0/24,DIRECT,no-resolve
  - IP-CIDR6,2001:db8::/32,DIRECT,no-resolve
  - RULE-SET,domains,DIRECT
  - RULE-SET,cidrs,DIRECT
  - RULE-SET,classical,DIRECT
  - RULE-SET,listed,DIRECT
  - MATCH,DIRECT
CONFIG
printf "payload:\n  - '+.example.org'\n  - 'example.edu'\n  - '.example.com'\n" >"$work/home/.config/turnout/ruleset/domains.yaml"
printf "payload:\n  - '198.51.100.0/24'\n  - '2001:db8::/48'\n" >"$work/home/.config/turnout/ruleset/cidrs.yaml"
printf "payload:\n  - DOMAIN-SUFFIX,example.org\n  - IP-CIDR,203.0.113.0/24,no-resolve\n" \
  >"$work/home/.config/turnout/ruleset/classical.yaml"
printf "DOMAIN-SUFFIX,example.info\nIP-CIDR,198.51.100.0/25,no-resolve\n" >"$work/home/.config/turnout/ruleset/listed.list"
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
# Moved in only once the JVM has finished writing it: a partly written archive must never be mapped.
if ! { mkdir -p "$dist/lib/cds" && cp "$1" "$dist/lib/cds/.tmp" && mv "$dist/lib/cds/.tmp" "$dist/lib/cds/$(basename "$1")"; }; then
  rm -f "$dist/lib/cds/.tmp"
  cannot_write "copying the archive failed"
fi
echo "cds-archive.sh: $dist/lib/cds/$(basename "$1") ($(wc -c <"$1") bytes)"
