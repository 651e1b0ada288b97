#!/usr/bin/env bash
# End-to-end tests of `gpupack plan` (the planner's done-when checks): run by ctest as
# `plan_test.sh <gpupack binary> <repository root>`.
set -u
gpupack="$1"
root="$2"
ex="$root/examples"
data="$root/tests/cli/plan"
source "$(dirname "$0")/lib.sh"

# The seed Deployment: one node, one A100 cut all-1g.5gb, 7 instances all used, on the cheapest
# A100 offering the template allows.
"$gpupack" plan -f "$ex/mig-seed-deployment.yaml" --templates "$ex/templates/a100-mig-single.yaml" \
  -o json >"$work/seed.json" || fail "seed plan exited $?"
json_check "$work/seed.json" 'len(d["provisions"]) == 1 and d["provisions"][0]["count"] == 1'
json_check "$work/seed.json" 'len(d["provisions"][0]["gpus"]) == 1'
json_check "$work/seed.json" 'd["provisions"][0]["gpus"][0]["model"] == "A100-SXM4-40GB"'
json_check "$work/seed.json" 'd["provisions"][0]["gpus"][0]["sharing"]["mode"] == "mig"'
json_check "$work/seed.json" 'd["provisions"][0]["gpus"][0]["sharing"]["geometry"] == ["1g.5gb"] * 7'
json_check "$work/seed.json" 'len(d["placements"]) == 7 and len({(p["node"], p["devices"][0]["instance"]) for p in d["placements"]}) == 7'
json_check "$work/seed.json" 'd["unschedulable"] == [] and d["costPerHour"] == d["provisions"][0]["pricePerHour"]'
json_check "$work/seed.json" 'd["costPerHour"] >= d["lowerBoundCostPerHour"]'
# The cheapest A100 node the template allows (p4d.24xlarge or a2-highgpu-*, Spot or on-demand):
# catalog/instances has a2-highgpu-1g Spot at $1.80/h, p4d.24xlarge Spot at $5.30/h, and every
# other allowed offering dearer.
json_check "$work/seed.json" 'd["provisions"][0]["instanceType"] == "a2-highgpu-1g" and d["provisions"][0]["capacityType"] == "spot"'

# Ten light inference pods on a time-sliced template: one A100, not ten, ~90% saved.
"$gpupack" plan -f "$data/light-inference.yaml" -o json >"$work/light.json" || fail "light plan exited $?"
json_check "$work/light.json" 'sum(p["count"] * len(p["gpus"]) for p in d["provisions"]) == 1'
json_check "$work/light.json" 'd["provisions"][0]["gpus"][0]["sharing"]["mode"] == "timeSlicing"'
json_check "$work/light.json" 'len(d["placements"]) == 10 and d["unschedulable"] == []'
"$gpupack" plan -f "$data/light-inference.yaml" >"$work/light.txt" || fail "light table exited $?"
grep -Eq 'with a dedicated GPU per pod: (8[5-9]|9[0-9])% saved' "$work/light.txt" ||
  fail "light table lacks a ~90% saving line: $(tail -1 "$work/light.txt")"

# 28 pods on a MIG + time-slicing(4) template fit on one A100.
"$gpupack" plan -f "$ex/mig-timesliced.yaml" --templates "$ex/templates/a100-mig-timesliced.yaml" \
  -o json >"$work/migts.json" || fail "mig-ts plan exited $?"
json_check "$work/migts.json" 'sum(p["count"] * len(p["gpus"]) for p in d["provisions"]) == 1'
json_check "$work/migts.json" 'd["provisions"][0]["gpus"][0]["sharing"]["mode"] == "migTimeSlicing"'
json_check "$work/migts.json" 'd["provisions"][0]["gpus"][0]["sharing"]["replicas"] == 4'
json_check "$work/migts.json" 'len(d["placements"]) == 28 and d["unschedulable"] == []'

# The same input gives the same plan, byte for byte.
"$gpupack" plan -f "$ex/mixed-profiles.yaml" --templates "$ex/templates/a100-mig-mixed.yaml" -o json >"$work/a.json" || fail "mixed plan exited $?"
"$gpupack" plan -f "$ex/mixed-profiles.yaml" --templates "$ex/templates/a100-mig-mixed.yaml" -o json >"$work/b.json" || fail "mixed plan exited $?"
cmp -s "$work/a.json" "$work/b.json" || fail "two runs of the same plan differ"
"$gpupack" plan -f "$ex/mixed-profiles.yaml" --templates "$ex/templates/a100-mig-mixed.yaml" -o yaml | grep -q '^costPerHour: ' ||
  fail "-o yaml lacks costPerHour"

# Bad input: an impossible MIG profile is unschedulable with the reason; a malformed quantity and
# an unknown policy are one-line errors with exit 1; a template with no offering explains itself.
"$gpupack" plan -f "$data/bad-profile.yaml" -o json >"$work/bad.json" || fail "bad-profile plan exited $?"
json_check "$work/bad.json" 'len(d["unschedulable"]) == 1 and "9g.99gb" in d["unschedulable"][0]["reason"]'
if "$gpupack" plan -f "$data/bad-quantity.yaml" >"$work/out" 2>"$work/err"; then
  fail "a malformed quantity was accepted"
fi
grep -q 'bad-quantity.yaml:[0-9]*:' "$work/err" || fail "quantity error lacks file:line: $(cat "$work/err")"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "quantity error is not one line: $(cat "$work/err")"
[ ! -s "$work/out" ] || fail "a failed plan wrote output"
if "$gpupack" plan -f "$ex/mig-seed-deployment.yaml" --policy worst-fit 2>"$work/err" >/dev/null; then
  fail "an unknown policy was accepted"
fi
grep -q 'unknown placement policy "worst-fit"' "$work/err" || fail "policy error: $(cat "$work/err")"
"$gpupack" plan -f "$data/pinned-to-nowhere.yaml" --templates "$data/no-offering.yaml" -o json >"$work/nowhere.json" ||
  fail "no-offering plan exited $?"
json_check "$work/nowhere.json" 'len(d["unschedulable"]) == 1 and d["unschedulable"][0]["reason"] != ""'
"$gpupack" plan --help | grep -q 'examples/mig-seed-deployment.yaml' || fail "--help lacks examples"

exit $((failures > 0))
