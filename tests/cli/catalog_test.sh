#!/usr/bin/env bash
# End-to-end tests of `gpupack catalog`: run by ctest as `catalog_test.sh <gpupack binary>`.
set -u
gpupack="$1"
source "$(dirname "$0")/lib.sh"

# Layout L7: 28 maximal geometries of base profiles, 77 valid ones, largest first.
"$gpupack" catalog geometries A100-SXM4-40GB --maximal -o json >"$work/maximal.json" || fail "geometries --maximal exited $?"
json_check "$work/maximal.json" 'len(d) == 28'
json_check "$work/maximal.json" 'd[0] == {"profiles": ["7g.40gb"], "placements": [{"profile": "7g.40gb", "start": 0, "size": 8}]}'
json_check "$work/maximal.json" 'all(sum(p["size"] for p in g["placements"]) <= 8 for g in d)'
"$gpupack" catalog geometries NVIDIA-A100-SXM4-40GB -o json >"$work/valid.json" || fail "geometries exited $?"
json_check "$work/valid.json" 'len(d) == 77'
"$gpupack" catalog geometries A30 --maximal -o json >"$work/a30.json" || fail "A30 geometries exited $?"
json_check "$work/a30.json" '[g["profiles"] for g in d] == [["4g.24gb"], ["2g.12gb", "2g.12gb"], ["2g.12gb", "1g.6gb", "1g.6gb"], ["1g.6gb"] * 4]'
"$gpupack" catalog geometries A100-SXM4-40GB --maximal --all-profiles -o json >"$work/all.json" || fail "--all-profiles exited $?"
json_check "$work/all.json" 'any("1g.5gb+me" in g["profiles"] for g in d)'

# The model list carries what other tools read.
"$gpupack" catalog gpus -o json >"$work/gpus.json" || fail "catalog gpus exited $?"
json_check "$work/gpus.json" '[m for m in d if m["name"] == "A100-SXM4-40GB"][0]["computeCapability"] == "8.0"'
json_check "$work/gpus.json" '[m for m in d if m["name"] == "H100-SXM5-80GB"][0]["productLabel"] == "NVIDIA-H100-80GB-HBM3"'
json_check "$work/gpus.json" '[m for m in d if m["name"] == "T4"][0]["migCapable"] is False'
json_check "$work/gpus.json" 'all(k in m for m in d for k in ("name", "nvmlName", "productLabel", "memoryMiB", "computeCapability", "migCapable", "migProfiles", "unverified"))'
"$gpupack" catalog gpus -o yaml | grep -q '^  name: A100-SXM4-40GB$' || fail "catalog gpus -o yaml lacks A100-SXM4-40GB"
"$gpupack" catalog profiles A100-SXM4-40GB -o json >"$work/profiles.json" || fail "catalog profiles exited $?"
json_check "$work/profiles.json" '[p["name"] for p in d][:2] == ["7g.40gb", "4g.20gb"]'

# An unknown model: exit 1, one line naming the nearest models, nothing on stdout.
"$gpupack" catalog geometries A100-SXM4-40G >"$work/out.txt" 2>"$work/err.txt"
status=$?
[ "$status" -eq 1 ] || fail "unknown model exited $status, want 1"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "unknown model printed $(wc -l <"$work/err.txt") lines"
grep -q 'unknown GPU model "A100-SXM4-40G"; did you mean A100-SXM4-40GB' "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
[ ! -s "$work/out.txt" ] || fail "unknown model wrote to stdout"

# A user catalog adds models; a broken one is reported as file:line and exits 1.
cat >"$work/extra.yaml" <<'YAML'
version: v1
models:
  - {name: T4-Lab, nvmlName: Lab T4, memoryMiB: 15000, computeCapability: "7.5"}
YAML
"$gpupack" catalog gpus --gpu-catalog "$work/extra.yaml" -o json >"$work/extra.json" || fail "--gpu-catalog exited $?"
json_check "$work/extra.json" 'any(m["name"] == "T4-Lab" for m in d) and any(m["name"] == "A30" for m in d)'
printf 'version: v1\nmodels:\n  - name: Broken\n    memoryMiB: [1\n' >"$work/broken.yaml"
"$gpupack" catalog gpus --gpu-catalog "$work/broken.yaml" >/dev/null 2>"$work/err.txt"
status=$?
[ "$status" -eq 1 ] || fail "broken catalog exited $status, want 1"
grep -q "broken.yaml:[0-9]*: " "$work/err.txt" || fail "broken catalog message lacks file:line: $(cat "$work/err.txt")"

# A model without MIG and a bad output format are one-line errors too.
"$gpupack" catalog geometries T4 >/dev/null 2>"$work/err.txt" && fail "geometries T4 succeeded"
grep -q "T4 is not MIG-capable" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
"$gpupack" catalog gpus -o xml >/dev/null 2>&1 && fail "-o xml succeeded"

# Every command documents itself with examples.
for command in "catalog gpus" "catalog profiles" "catalog geometries"; do
  # shellcheck disable=SC2086
  "$gpupack" $command --help | grep -q "Examples:" || fail "$command --help has no examples"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "catalog end-to-end checks passed"
