#!/usr/bin/env bash
# dist/ is what runners execute: it must be exactly the build of src/. Builds into a scratch
# directory and compares, so it works on a clean clone and in a dirty work tree alike.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash scripts/build-dist.sh "$out"
if ! diff -r -q dist "$out" >/dev/null; then
  echo "dist/ is stale: run 'npm run build' and commit dist/." >&2
  diff -r -q dist "$out" >&2 || true
  exit 1
fi
echo "dist/ matches src/."
