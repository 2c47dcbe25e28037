#!/usr/bin/env bash
# Builds the action into $1 (dist/, or a scratch directory for the check): the main step
# (index.js, with the PostgreSQL parser's .wasm that ncc copies beside it), the post step
# (post/index.js), and the HCL parser runtime that ncc cannot bundle (tree-sitter/, see
# scripts/copy-tree-sitter.mjs). Each bundle has a source map of the TypeScript (tsconfig's
# sourceMap), so a stack trace reads back to src/: src/core/stack.ts maps it when one is shown (step
# debug logging), or run `node --enable-source-maps dist/index.js`. ncc's hook that maps every
# stack (source-map-register) is left out: Node reads err.stack whenever a stream is destroyed
# with an error, which the bundled HTTP client does on every response, and the hook then parsed
# the 3.5 MB map in every run (0.1-0.8 s on a 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: build-dist.sh OUTDIR}"
npx ncc build src/index.ts -o "$out" --source-map --no-source-map-register --license licenses.txt --target es2022 >/dev/null
# Heavy modules load lazily (import()), so each bundle has chunks (undici too, see
# src/undici-on-demand.ts); ncc's license file would list only the last chunk's packages:
# scripts/licenses.mjs writes it from every chunk's source map.
node scripts/licenses.mjs "$out"
npx ncc build src/post.ts -o "$out/post" --source-map --no-source-map-register --license licenses.txt --target es2022 >/dev/null
node scripts/licenses.mjs "$out/post"
node scripts/copy-tree-sitter.mjs "$out"
