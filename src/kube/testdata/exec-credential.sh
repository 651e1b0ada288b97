#!/bin/sh
# A test exec credential plugin: prints an ExecCredential as `aws eks get-token` does.
# $1: the token to hand out. GP_TEST_EXPIRY (optional): its expirationTimestamp.
# GP_TEST_API_VERSION: the apiVersion to answer with. GP_TEST_FAIL=1: fail like a broken plugin.
if [ "${GP_TEST_FAIL:-0}" = 1 ]; then
  echo "error: no credentials for profile test" >&2
  exit 3
fi
if [ -n "${GP_TEST_EXPIRY:-}" ]; then
  expiry=",\"expirationTimestamp\":\"$GP_TEST_EXPIRY\""
else
  expiry=""
fi
printf '{"kind":"ExecCredential","apiVersion":"%s","spec":{},"status":{"token":"%s"%s}}\n' \
  "$GP_TEST_API_VERSION" "$1" "$expiry"
