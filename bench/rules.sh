#!/usr/bin/env bash
# Rule-engine benchmarks (issue 3): ns per decision, load+compile time (and RuleSet.compile's part of it: the load
# before it is the harness reading the config with snakeyaml and the files), retained heap.
# Builds rules/target/turnout-rules-benchmarks.jar with -P bench and runs it RUNS times (default 3), printing
# each run's scores and the median. Needs ../shared/rulesets next to the repository.
# Configs: "ten", "acl4ssr", "loyalsoldier" as written, and each of the last two "-udpless": compiled with every group
# one a UDP flow goes past (the host's Outbounds.skippable for a subscription whose ss nodes lack `udp: true`), which
# cuts the rules into parts (rules/Parts); decisions there are a TCP flow's, which passes nothing.
# Env: RUNS (3), JMH_ARGS (short iterations by default; override for longer runs).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
jmh_args="${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
cd "$repo"
mvn -q -P bench -pl rules -DskipTests package
jar="$repo/rules/target/turnout-rules-benchmarks.jar"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for run in $(seq 1 "$runs"); do
  echo "== run $run/$runs"
  java -jar "$jar" $jmh_args -jvmArgsAppend "-Dturnout.repo=$repo" -rf json -rff "$out/decide-$run.json" \
      'DecideBenchmark' | grep -E '^(Benchmark|DecideBenchmark)' || true
  java -jar "$jar" -f 1 -wi 2 -i 5 -jvmArgsAppend "-Dturnout.repo=$repo" -rf json -rff "$out/compile-$run.json" \
      'CompileBenchmark' | grep -E '^(Benchmark|CompileBenchmark)' || true
  for c in ten acl4ssr loyalsoldier acl4ssr-udpless loyalsoldier-udpless; do
    java -Dturnout.repo="$repo" -cp "$jar" dev.turnout.rules.bench.RetainedHeap "$c" | tee -a "$out/heap.txt"
  done
done
python3 - "$out" "$runs" <<'PY'
import json, re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
scores = {}
for kind in ("decide", "compile"):
    for r in range(1, runs + 1):
        for b in json.load(open(f"{out}/{kind}-{r}.json")):
            key = (b["benchmark"].rsplit(".", 2)[-2], b["params"]["config"], b["primaryMetric"]["scoreUnit"])
            scores.setdefault(key, []).append(b["primaryMetric"]["score"])
heap, cold, compile = {}, {}, {}
for line in open(f"{out}/heap.txt"):
    m = re.match(r"(\S+): .* cold load\+compile (\d+) ms, retained heap ([\d.]+) MB, of which compile (\d+) ms", line)
    if m:
        cold.setdefault(m[1], []).append(int(m[2]))
        heap.setdefault(m[1], []).append(float(m[3]))
        compile.setdefault(m[1], []).append(int(m[4]))
print(f"\n== medians of {runs} runs")
for (bench, config, unit), v in sorted(scores.items()):
    print(f"{bench:18} {config:13} median {statistics.median(v):10.1f} {unit:6} runs {[round(x, 1) for x in v]}")
for config in heap:
    print(f"RetainedHeap       {config:13} median {statistics.median(heap[config]):10.1f} MB     runs {heap[config]}")
    print(f"ColdLoadCompile    {config:13} median {statistics.median(cold[config]):10.1f} ms     runs {cold[config]}")
    print(f"ColdCompile        {config:13} median {statistics.median(compile[config]):10.1f} ms     runs {compile[config]}")
PY
