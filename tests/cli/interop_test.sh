#!/usr/bin/env bash
# End-to-end tests of `gpupack validate` and `gpupack render`: run by ctest as
# `interop_test.sh <gpupack binary> <shared dir>`. NVIDIA's own files are the oracle.
set -u
gpupack="$1"
nvidia="$2/reference/nvidia"
source "$(dirname "$0")/lib.sh"

# expect_status <want> <what> <command...>: runs the command (stdout/stderr to $work/out, err).
expect_status() {
  local want="$1" what="$2"
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  [ "$status" -eq "$want" ] || fail "$what: exit $status, want $want; stdout: $(head -5 "$work/out"); stderr: $(cat "$work/err")"
}

# NVIDIA's files validate: exit 0, each file recognised.
files=("$nvidia/mig-parted__deployments_systemd_config-default.yaml"
  "$nvidia/mig-parted__examples_config.yaml"
  "$nvidia/gpu-operator__assets_state-mig-manager_0400_configmap.yaml"
  "$nvidia/cloud-native-docs__time-slicing-config-all.yaml"
  "$nvidia/cloud-native-docs__time-slicing-config-fine.yaml")
expect_status 0 "validate NVIDIA files" "$gpupack" validate "${files[@]}"
[ "$(grep -c ': valid ' "$work/out")" -eq 5 ] || fail "expected 5 valid files: $(cat "$work/out")"
grep -q '0400_configmap.yaml: valid mig-parted config (ConfigMap key config.yaml)$' "$work/out" ||
  fail "operator ConfigMap not recognised: $(cat "$work/out")"
expect_status 0 "validate -o json" "$gpupack" validate -o json "${files[@]}"
cp "$work/out" "$work/validate.json"
json_check "$work/validate.json" 'd["valid"] and len(d["files"]) == 5'
json_check "$work/validate.json" 'd["files"][4]["kinds"] == ["device-plugin config (ConfigMap key a100-40gb)", "device-plugin config (ConfigMap key tesla-t4)"]'
json_check "$work/validate.json" 'all(i["severity"] == "note" for f in d["files"] for i in f["issues"])'

# Broken files: exit 1 and a file:line: message.
cat >"$work/replicas.yaml" <<'YAML'
version: v1
flags:
  migStrategy: none
sharing:
  timeSlicing:
    resources:
    - name: nvidia.com/gpu
      replicas: 1
YAML
expect_status 1 "replicas 1" "$gpupack" validate "$work/replicas.yaml"
grep -qx "$work/replicas.yaml:8: error: sharing.timeSlicing.resources\[0\].replicas: number of replicas must be >= 2 (got 1)" "$work/out" ||
  fail "replicas 1: $(cat "$work/out")"

printf 'version: v1\nmig-configs:\n  bad:\n    - devices: all\n      mig-enabled: true\n      mig-devices:\n        "3g.20gb": 2\n        "2g.10gb": 1\n      device-filter: ["0x20B010DE"]\n' >"$work/geometry.yaml"
expect_status 1 "impossible geometry" "$gpupack" validate "$work/geometry.yaml"
grep -q "^$work/geometry.yaml:6: error: mig-configs.bad\[0\].mig-devices: on A100-SXM4-40GB: " "$work/out" ||
  fail "impossible geometry: $(cat "$work/out")"

printf 'version: v1\nmig-configs:\n  bad: [\n' >"$work/malformed.yaml"
expect_status 1 "malformed YAML" "$gpupack" validate "$work/malformed.yaml"
grep -q "^$work/malformed.yaml:4: error: invalid YAML" "$work/out" || fail "malformed: $(cat "$work/out")"

printf 'version: v1\nflags:\n  migStrategy: mixed\n  mpsRoot: /run/nvidia/mps\nsharing:\n  mps:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 2\n' >"$work/mps.yaml"
expect_status 1 "MPS with mixed" "$gpupack" validate "$work/mps.yaml"
grep -q "^$work/mps.yaml:3: error: flags.migStrategy: sharing using MPS is not supported with migStrategy mixed" "$work/out" ||
  fail "mps: $(cat "$work/out")"

expect_status 1 "missing file" "$gpupack" validate "$work/missing.yaml"
# One good and one bad file: still exit 1, the good one reported valid.
expect_status 1 "mixed good and bad" "$gpupack" validate "${files[0]}" "$work/replicas.yaml"
grep -q 'config-default.yaml: valid' "$work/out" || fail "good file not reported valid"

# render mig-config -> validate, with the NVIDIA name convention.
expect_status 0 "render mig-config" "$gpupack" render mig-config --gpu A100-SXM4-40GB \
  --geometry 3g.20gb,2g.10gb,1g.5gb,1g.5gb -f "$work/mig.yaml"
grep -q '^  "1x3g.20gb_1x2g.10gb_2x1g.5gb":$' "$work/mig.yaml" || fail "mig-config name: $(cat "$work/mig.yaml")"
grep -q 'device-filter: \["0x20B010DE"\]' "$work/mig.yaml" || fail "mig-config device-filter"
expect_status 0 "validate rendered mig-config" "$gpupack" validate "$work/mig.yaml"
expect_status 0 "render mig-config ConfigMap" "$gpupack" render mig-config --gpu H100-SXM5-80GB \
  --geometry 7x1g.10gb --configmap custom-mig-config --namespace gpu-operator -f "$work/mig-cm.yaml"
grep -q '^      all-1g.10gb:$' "$work/mig-cm.yaml" || fail "all-<profile> name: $(cat "$work/mig-cm.yaml")"
expect_status 0 "validate rendered mig ConfigMap" "$gpupack" validate "$work/mig-cm.yaml"

# Impossible geometry, unknown profile, unknown model: exit 1, one line, no output file.
expect_status 1 "render impossible geometry" "$gpupack" render mig-config --gpu A100-SXM4-40GB \
  --geometry 3g.20gb,3g.20gb,2g.10gb -f "$work/never.yaml"
[ ! -e "$work/never.yaml" ] || fail "a failed render wrote its output file"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "impossible geometry: $(cat "$work/err")"
expect_status 1 "render unknown profile" "$gpupack" render mig-config --gpu A100-SXM4-40GB --geometry 1g.6gb
grep -q 'did you mean 1g.5gb' "$work/err" || fail "unknown profile: $(cat "$work/err")"
expect_status 1 "render unknown model" "$gpupack" render mig-config --gpu A100-SXM4-40G --geometry 1g.5gb
grep -q 'did you mean A100-SXM4-40GB' "$work/err" || fail "unknown model: $(cat "$work/err")"

# render device-plugin-config -> validate.
expect_status 0 "render ts-4" "$gpupack" render device-plugin-config --replicas 4 -f "$work/ts.yaml"
expect_status 0 "validate ts-4" "$gpupack" validate "$work/ts.yaml"
expect_status 0 "render mixed ConfigMap" "$gpupack" render device-plugin-config --replicas 2 \
  --mig-strategy mixed --profile 1g.5gb,2g.10gb --configmap plugin-configs --namespace gpu-operator \
  -f "$work/mixed.yaml"
grep -q '^  mig-mixed-ts-2: |$' "$work/mixed.yaml" || fail "ConfigMap key: $(cat "$work/mixed.yaml")"
grep -q -- '- name: nvidia.com/mig-2g.10gb$' "$work/mixed.yaml" || fail "mig resource missing"
expect_status 0 "validate mixed ConfigMap" "$gpupack" validate "$work/mixed.yaml"
grep -q 'valid device-plugin config (ConfigMap key mig-mixed-ts-2)' "$work/out" || fail "mixed: $(cat "$work/out")"
expect_status 1 "render unknown profile" "$gpupack" render device-plugin-config --replicas 2 \
  --mig-strategy mixed --profile 1g.7gb
expect_status 1 "render profile without mixed" "$gpupack" render device-plugin-config --replicas 2 --profile 1g.5gb

# render labels.
expect_status 0 "render labels" "$gpupack" render labels --gpu T4 --count 4 --replicas 4 -o json
cp "$work/out" "$work/labels.json"
json_check "$work/labels.json" 'd["capacity"] == {"nvidia.com/gpu": 16}'
json_check "$work/labels.json" 'd["labels"]["nvidia.com/gpu.product"] == "Tesla-T4-SHARED"'
expect_status 0 "render labels single invalid" "$gpupack" render labels --gpu A100-SXM4-40GB \
  --mig-strategy single --geometry 3g.20gb,2g.10gb -o json
cp "$work/out" "$work/invalid.json"
json_check "$work/invalid.json" 'd["labels"]["nvidia.com/gpu.product"] == "NVIDIA-A100-SXM4-40GB-MIG-INVALID" and d["capacity"] == {}'

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "interop end-to-end tests passed"
