#!/usr/bin/env bash
# GEOIP cost (issue 16: decisions within 100 ns as GEOIP joins the index): ns per country lookup and per decision
# of the GEOIP,LAN / GEOIP,CN / MATCH tail, MaxMind's reader alone against the IPv4 table, in the same run.
# Builds host/target/turnout-host-benchmarks.jar with -P bench and runs it RUNS times (default 3), printing each
# run's scores, the medians and table/reader. Needs the country database .ci/test-deps.sh builds.
# Env: RUNS (3), JMH_ARGS (short iterations by default; override for longer runs).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
jmh_args="${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
cd "$repo"
mvn -q -P bench -pl host -am -DskipTests package
jar="$repo/host/target/turnout-host-benchmarks.jar"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for run in $(seq 1 "$runs"); do
  echo "== run $run/$runs"
  java -jar "$jar" $jmh_args -rf json -rff "$out/geoip-$run.json" 'GeoIpBenchmark' \
      | grep -E '^(Benchmark|GeoIpBenchmark)' || true
done
python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
scores = {}
for r in range(1, runs + 1):
    for b in json.load(open(f"{out}/geoip-{r}.json")):
        key = (b["benchmark"].rsplit(".", 1)[-1], b["params"]["lookup"])
        scores.setdefault(key, []).append(b["primaryMetric"]["score"])
print(f"\n== medians of {runs} runs (ns)")
for (bench, lookup), v in sorted(scores.items()):
    print(f"{bench:8} {lookup:7} median {statistics.median(v):8.1f}   runs {[round(x, 1) for x in v]}")
for bench in sorted({b for b, _ in scores}):
    t, r = statistics.median(scores[(bench, "table")]), statistics.median(scores[(bench, "reader")])
    print(f"{bench:8} table/reader {t / r:.3f}")
PY
