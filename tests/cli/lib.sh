# Sourced by the end-to-end scripts beside it: a scratch folder removed on exit, a failure
# counter, and the checks they share. Each script ends with `exit $((failures > 0))` or its own
# summary line.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

# fail <message>: counts a failed check and says which.
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# json_check <file> <python expression over `d`>: the expression must be true.
json_check() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
    fail "$1: expected $2"
}
