#!/usr/bin/env bash
# `gpupack controller`'s failures before it touches a cluster: each must exit 1 with one line on
# stderr naming what is wrong and print nothing on stdout. Run by ctest as
# `controller_test.sh <gpupack binary>`. (The controller against an API server is tested in
# gp_controller_test.)
set -u
gpupack="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

# expect_one_line <regex> <args...>: exit 1, stdout empty, stderr one line matching <regex>.
expect_one_line() {
  local pattern="$1"
  shift
  "$gpupack" controller "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "FAIL: controller $*: exit $rc, want 1" >&2
    failures=$((failures + 1))
  fi
  if [ -s "$work/out" ]; then
    echo "FAIL: controller $*: printed on stdout: $(cat "$work/out")" >&2
    failures=$((failures + 1))
  fi
  if [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -Eq "$pattern" "$work/err"; then
    echo "FAIL: controller $*: stderr $(cat "$work/err"), want one line matching $pattern" >&2
    failures=$((failures + 1))
  fi
}

# Nothing listens on port 1 of the loopback address.
cat >"$work/kubeconfig" <<'YAML'
apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: u}
current-context: nowhere
YAML

expect_one_line '^gpupack: cannot reach the Kubernetes API server at https://127\.0\.0\.1:1 ' \
  --dry-run --once --kubeconfig "$work/kubeconfig"
expect_one_line "^gpupack: .*$work/missing" --dry-run --once --kubeconfig "$work/missing"
expect_one_line '^gpupack: .*context "prod"' --dry-run --once --kubeconfig "$work/kubeconfig" \
  --context prod
expect_one_line '^gpupack: --batch-idle: ' --dry-run --once --kubeconfig "$work/kubeconfig" \
  --batch-idle soon
expect_one_line '^gpupack: --log-format: ' --dry-run --kubeconfig "$work/kubeconfig" --log-format xml
expect_one_line '^gpupack: --catalog: ' --dry-run --kubeconfig "$work/kubeconfig" --catalog nope

[ "$failures" -eq 0 ] || exit 1
echo "controller CLI: all checks passed"
