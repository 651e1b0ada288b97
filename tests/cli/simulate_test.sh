#!/usr/bin/env bash
# End-to-end tests of `gpupack simulate`: run by ctest as `simulate_test.sh <gpupack> <repo root>`.
# The default scenario under two strategies: JSON shape, the bound below every cost, the same
# seed gives byte-identical JSON and another seed another, the report and CSV are written, and
# bad input gives one line and exit 1.
set -u
gpupack="$1"
scenario="$2/examples/scenarios/default.yaml"
source "$(dirname "$0")/lib.sh"

run() {
  "$gpupack" simulate --scenario "$scenario" --strategies dedicated,time-slicing "$@"
}

run --seed 3 -o json --report "$work/report.html" --timeseries "$work/series.csv" >"$work/a.json" ||
  fail "simulate exited $?"
run --seed 3 -o json >"$work/b.json" || fail "second run exited $?"
run --seed 4 -o json >"$work/c.json" || fail "third run exited $?"
cmp -s "$work/a.json" "$work/b.json" || fail "the same seed gave different JSON"
cmp -s "$work/a.json" "$work/c.json" && fail "another seed gave the same JSON"
json_check "$work/a.json" '[s["name"] for s in d["strategies"]] == ["dedicated", "time-slicing"]'
json_check "$work/a.json" 'all(d["lowerBoundCost"] <= s["cost"] for s in d["strategies"])'
json_check "$work/a.json" 'd["strategies"][0]["savingsVsDedicated"] == 0'
json_check "$work/a.json" 'd["strategies"][1]["cost"] < d["strategies"][0]["cost"]'
json_check "$work/a.json" 'all(s["podsScheduled"] + s["podsUnschedulable"] >= s["podsSubmitted"] - 0 for s in d["strategies"])'
json_check "$work/a.json" 'all(k in s for s in d["strategies"] for k in ["gpuHours", "peakGpus", "allocationRatio", "pendingP95Seconds"])'
grep -q "<svg" "$work/report.html" || fail "the report has no chart"
head -1 "$work/series.csv" | grep -q "^strategy,seconds," || fail "the CSV has no header"

out=$("$gpupack" simulate --scenario "$work/missing.yaml" 2>&1)
[[ $? -eq 1 ]] || fail "a missing scenario should exit 1"
[[ $(printf '%s\n' "$out" | wc -l) -eq 1 ]] || fail "a missing scenario should print one line: $out"
out=$("$gpupack" simulate --scenario "$scenario" --strategies mps 2>&1)
[[ $? -eq 1 ]] || fail "an unknown strategy should exit 1"
printf '%s' "$out" | grep -q 'unknown strategy "mps"' || fail "unknown strategy message: $out"

exit $((failures > 0))
