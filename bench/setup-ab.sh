#!/usr/bin/env bash
# Connection setup of two (or more) packaged Turnouts, before/after a change, interleaved in one run: each round runs
# bench/tun.sh's setup phase (PHASES=setup, TRIALS=1) once per build, in turn, so the machine's load falls on all
# alike. Prints per build the medians over ROUNDS of: the direct path (a), TUN -> DIRECT (b) and its ratio to (a),
# Turnout's CPU per connection in (b), with SETUP_SOCKS=1 also TUN -> SOCKS5 -> dante (c) and its CPU; then each
# build's ratios to the first one. Everything else (namespaces, servers, cleanup) is bench/tun.sh's.
#
# Usage: sudo bench/setup-ab.sh NAME=DIST NAME=DIST ...   (DIST: a packaged Turnout, e.g. dist/target/turnout)
#        env: ROUNDS (3), SETUP_N (3000), SETUP_WARM (tun.sh's: 15000), SETUP_SOCKS (unset), KEEP_LOGS=1 (keep tun.sh's
#        output). Fewer warm-up connections leave the JIT compiling the accept and dial paths while (b) is measured:
#        after 8,000, C2 took 21-33% of Turnout's CPU through the next 9,000 (async-profiler, four runs).
set -euo pipefail
cd "$(dirname "$0")/.."
(( $# >= 1 )) || { echo "usage: sudo bench/setup-ab.sh NAME=DIST [NAME=DIST ...]" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
LOGS=$(mktemp -d /tmp/turnout-setup-ab-XXXXXX)
trap '[[ -n "${KEEP_LOGS:-}" ]] && echo "logs kept in $LOGS" || rm -rf "$LOGS"' EXIT
NAMES=()
for arg in "$@"; do
  name=${arg%%=*}; dist=${arg#*=}
  [[ -x $dist/bin/turnout ]] || { echo "setup-ab.sh: no $dist/bin/turnout" >&2; exit 1; }
  NAMES+=("$name")
done
echo "load before: $(uptime)"
for r in $(seq 1 "$ROUNDS"); do
  for arg in "$@"; do
    name=${arg%%=*}; dist=$(cd "${arg#*=}" && pwd)
    echo "round $r/$ROUNDS: $name ..."
    # SETUP_WARM, when set, reaches tun.sh through the environment; unset, tun.sh's own default applies.
    TURNOUT_DIST=$dist PHASES=setup TRIALS=1 SETUP_N=${SETUP_N:-3000} \
      bash bench/tun.sh >"$LOGS/$name.$r.log" 2>&1 || echo "setup-ab.sh: tun.sh failed for $name (round $r)" >&2
  done
done
echo "load after: $(uptime)"
python3 - "$LOGS" "$ROUNDS" "${NAMES[@]}" <<'EOF'
import math, re, sys
logs, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pats = {"a": r"\(a\) direct +([\d.]+)", "b": r"\(b\) TUN -> DIRECT +([\d.]+)",
        "cpu-b": r"per connection in \(b\): ([\d.]+) us", "c": r"\(c\) TUN -> SOCKS5 -> dante +([\d.]+)",
        "cpu-c": r"\(c\) TUN -> SOCKS5.*Turnout CPU per connection ([\d.]+) us"}
runs = {n: {k: [] for k in pats} for n in names}
for n in names:
    for r in range(1, rounds + 1):
        try:
            text = open(f"{logs}/{n}.{r}.log").read()
        except OSError:
            continue
        for k, p in pats.items():
            m = re.search(p, text)
            if m:
                runs[n][k].append(float(m.group(1)))
    runs[n]["b/a"] = [b / a for a, b in zip(runs[n]["a"], runs[n]["b"]) if a > 0]
    runs[n]["c/a"] = [c / a for a, c in zip(runs[n]["a"], runs[n]["c"]) if a > 0]
def med(v):
    v = sorted(v)
    return v[len(v) // 2] if v else float("nan")
cols = ["a", "b", "b/a", "cpu-b", "c", "c/a", "cpu-c"]
print(f"\nmedians of {rounds} interleaved rounds (connections/s; CPU in us per connection)")
print(f"{'build':<12}" + "".join(f"{c:>9}" for c in cols))
for n in names:
    print(f"{n:<12}" + "".join(f"{med(runs[n][c]):9.2f}" if "/" in c else f"{med(runs[n][c]):9.0f}" for c in cols))
for n in names:
    print(f"  {n} runs: " + "; ".join(f"{c} " + "/".join(f"{x:.2f}" if "/" in c else f"{x:.0f}" for x in runs[n][c])
                                     for c in cols if runs[n][c]))
base = names[0]
for n in names[1:]:
    def ratio(c):
        x, y = med(runs[n][c]), med(runs[base][c])
        return "n/a" if math.isnan(x) or math.isnan(y) or y == 0 else f"{x / y:.2f}"
    print(f"{n} / {base}: b/a {ratio('b/a')}, CPU per connection (b) {ratio('cpu-b')}, c/a {ratio('c/a')}, "
          f"CPU (c) {ratio('cpu-c')}")
EOF
