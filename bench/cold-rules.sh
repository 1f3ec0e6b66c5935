#!/usr/bin/env bash
# The rule engine's cold load and compile inside the packaged Turnout (issue 16: <= 0.3 s; it is on the start and
# reload path): Loyalsoldier's example config (../shared/rulesets/loyalsoldier-clash-rules/example-config.yaml, its
# 11 rule providers read from files, ~157,000 entries) is started in a network namespace of its own with a fresh
# HOME, and the start's log line "routing: ... compiled in N ms" is read (the providers' files read, parsed and
# compiled with the rules and outbounds, in a JVM that has just started). Then one SIGHUP reload of the same config
# ("reloaded ...: compiled in N ms", the same work in the running JVM), and "port open", from launch until the mixed
# port listens. Starts are interleaved across variants.
# Usage (root, after `mvn -q -DskipTests package`): bench/cold-rules.sh [VARIANT...]
#   a VARIANT is as in rss.sh: "default", DIR=/path/to/turnout, NAME=value, or JVM flags (TURNOUT_JAVA_OPTS).
# Env: TRIALS (3), LOGS (a folder to keep each start's log in), RSS=1 (also VmRSS once idle after the reload, MB;
# about 10 s more a start).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trials=${TRIALS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench/cold-rules.sh: needs root (network namespace)" >&2; exit 1; }
sets=$(cd .. && pwd)/shared/rulesets/loyalsoldier-clash-rules
[ -f "$sets/example-config.yaml" ] || { echo "bench/cold-rules.sh: skipped: no $sets/example-config.yaml"; exit 0; }
[ $# -gt 0 ] || set -- default

work=$(mktemp -d)
ns=tcold-$$
cleanup() {
  kill_netns "$ns"
  rm -rf "$work"
}
trap cleanup EXIT

# The example as a user runs it, less what needs the outside: its subscription (the CNIX group gets DIRECT instead),
# its dns: and tun: sections and the controller on 0.0.0.0; its http rule providers become file providers on the
# files ../shared has (reject.txt is not there: an empty list, as LoyalsoldierProvidersIT does).
python3 - "$sets" "$work/home" <<'PY'
import os, re, sys
sets, home = sys.argv[1], sys.argv[2]
text = open(os.path.join(sets, "example-config.yaml"), encoding="utf-8").read()
text = re.sub(r"(?s)^proxy-providers:\n.*?\n(?=\S)", "", text)
text = re.sub(r"(?ms)^(dns|tun):\n.*?(?=^\S)", "", text)
text = re.sub(r"(?m)^external-controller:.*\n", "", text)
text = text.replace("    use:\n      - CNIX", "    proxies:\n      - DIRECT").replace("      - CNIX\n", "")
providers = 0
def to_file(m):  # groups: behavior, url, path
    global providers
    behavior, url, path = m.group(1), m.group(2), m.group(3)
    target = os.path.normpath(os.path.join(home, ".config/turnout", path))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    source = os.path.join(sets, url.rsplit("/", 1)[1])
    content = open(source, encoding="utf-8").read() if os.path.exists(source) else "payload: []\n"
    open(target, "w", encoding="utf-8").write(content)
    providers += 1
    return "type: file\n    behavior: " + behavior + "\n    path: " + path
text = re.sub(r'type: http\n    behavior: (\w+)\n    url: "([^"]+)"\n    path: (\S+)', to_file, text)
text = re.sub(r"(?m)^    interval: \d+\n", "", text)
assert providers == 11 and "http" not in text.split("rule-providers:")[1], text
os.makedirs(os.path.join(home, ".config/turnout"), exist_ok=True)
open(os.path.join(home, ".config/turnout/config.yaml"), "w", encoding="utf-8").write(text)
PY

millis_in() { # LOG PATTERN -> the N of the last "PATTERN... compiled in N ms" line
  { grep -a "$2" "$1" || true; } | sed -n 's/.*compiled in \([0-9]*\) ms.*/\1/p' | tail -1
}

# one_start VARIANT -> prints "COLD RELOAD PORT RSS" (ms, ms, ms, MB or -)
one_start() {
  parse_variant "$1"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  local home="$work/home" log="$work/turnout.log"
  rm -f "$home/.config/turnout/selections.json" "$log"
  local t0 t1 open=""
  t0=$(date +%s%N)
  ip netns exec "$ns" env HOME="$home" XDG_CONFIG_HOME="$home/.config" "${variant_envs[@]}" \
    "$variant_dist/bin/turnout" run >"$log" 2>&1 &
  for _ in $(seq 1 600); do
    if ip netns exec "$ns" ss -Htln "sport = :7890" | grep -q .; then open=1; break; fi
    sleep 0.01
  done
  t1=$(date +%s%N)
  [ -n "$open" ] || { echo "port 7890 never opened; log:" >&2; cat "$log" >&2; exit 1; }
  local jpid cold reload=""
  jpid=$(java_in "$ns")
  cold=$(millis_in "$log" "routing: ")
  sleep 1
  kill -HUP "$jpid"
  for _ in $(seq 1 300); do
    reload=$(millis_in "$log" "reloaded ")
    [ -z "$reload" ] || break
    sleep 0.1
  done
  [ -n "$cold" ] && [ -n "$reload" ] || { echo "no 'compiled in' lines; log:" >&2; cat "$log" >&2; exit 1; }
  local rss=-
  [ -z "${RSS:-}" ] || rss=$(rss_settled_mb "$jpid")
  kill "$jpid"
  for _ in $(seq 1 50); do [ -d "/proc/$jpid" ] || break; sleep 0.1; done
  del_netns "$ns"
  [ -z "${LOGS:-}" ] || cp "$log" "$LOGS/turnout-$(date +%s%N).log"
  echo "$cold $reload $(( (t1 - t0) / 1000000 )) $rss"
}

declare -A cold reload port rss
fit_variants "$@"
for t in $(seq 1 "$trials"); do
  for v in "$@"; do
    read -r c r p m < <(one_start "$v")
    cold[$v]="${cold[$v]:-} $c"; reload[$v]="${reload[$v]:-} $r"; port[$v]="${port[$v]:-} $p"; rss[$v]="${rss[$v]:-} $m"
  done
done
echo "Loyalsoldier's example config, ms, median of $trials (runs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for v in "$@"; do
  # shellcheck disable=SC2086
  printf '  %-50s cold compile %6.0f (%s)  reload %6.0f (%s)  port open %6.0f (%s)\n' "$v" \
    "$(median ${cold[$v]})" "${cold[$v]# }" "$(median ${reload[$v]})" "${reload[$v]# }" \
    "$(median ${port[$v]})" "${port[$v]# }"
  # shellcheck disable=SC2086
  [ -z "${RSS:-}" ] || printf '  %-50s VmRSS after the reload %.1f MB (%s)\n' "" "$(median ${rss[$v]})" "${rss[$v]# }"
done
