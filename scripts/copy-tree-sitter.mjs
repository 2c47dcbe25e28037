#!/usr/bin/env node
// Puts the HCL parser's runtime beside the bundle, in <out>/tree-sitter/ (default dist): the
// web-tree-sitter module and its tree-sitter.wasm, and the HCL grammar tree-sitter-hcl.wasm,
// each with its licence. ncc cannot bundle web-tree-sitter (see src/lint/parser.ts), so the
// bundle imports it from there at run time. Byte-for-byte copies: the build stays reproducible.
//
//   node scripts/copy-tree-sitter.mjs [out]
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const out = path.join(process.argv[2] ?? 'dist', 'tree-sitter');
const runtime = path.dirname(require.resolve('web-tree-sitter/tree-sitter.wasm'));
const grammar = path.dirname(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm'));

const files = [
  [runtime, 'tree-sitter.js', 'tree-sitter.js'],
  [runtime, 'tree-sitter.wasm', 'tree-sitter.wasm'],
  [runtime, 'LICENSE', 'web-tree-sitter.LICENSE'],
  [grammar, 'tree-sitter-hcl.wasm', 'tree-sitter-hcl.wasm'],
  [grammar, 'LICENSE', 'tree-sitter-hcl.LICENSE'],
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [dir, name, as] of files) copyFileSync(path.join(dir, name), path.join(out, as));
