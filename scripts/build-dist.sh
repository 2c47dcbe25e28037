#!/usr/bin/env bash
# Builds the action into $1 (dist/, or a scratch directory for the check): the main step
# (index.js, with the PostgreSQL parser's .wasm that ncc copies beside it), the post step
# (post/index.js), and the HCL parser runtime that ncc cannot bundle (tree-sitter/, see
# scripts/copy-tree-sitter.mjs). Each bundle has source maps so a runner's stack trace points at src/.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: build-dist.sh OUTDIR}"
npx ncc build src/index.ts -o "$out" --source-map --license licenses.txt --target es2022 >/dev/null
npx ncc build src/post.ts -o "$out/post" --source-map --license licenses.txt --target es2022 >/dev/null
node scripts/copy-tree-sitter.mjs "$out"
