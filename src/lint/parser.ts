import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as TreeSitter from 'web-tree-sitter';
import type { Body } from './hcl-model.js';
import { keepWasmOnBaselineTier } from '../core/index.js';
import { TooDeep, toBody } from './hcl.js';

// The HCL parser: web-tree-sitter with the tree-sitter-hcl grammar, both WebAssembly.
//
// web-tree-sitter is imported at run time and never bundled, because ncc (webpack) breaks both
// of its builds: the ESM build's `await import("module")` becomes a namespace without
// createRequire, the CommonJS build reads `__dirname`, which an ESM bundle does not have, and
// the tree-sitter.wasm it finds through `new URL(..., import.meta.url)` is copied as text and
// corrupted. So scripts/copy-tree-sitter.mjs puts the runtime (tree-sitter.js, tree-sitter.wasm)
// and the grammar (tree-sitter-hcl.wasm) in dist/tree-sitter/ beside the bundle. Run from
// source (tests, benchmark), this file has no such directory beside it and the packages in
// node_modules are used. Both .wasm files are read here and handed over as bytes, so nothing
// depends on where web-tree-sitter would look for them.

/** Directory beside the bundle that holds the parser runtime (see scripts/copy-tree-sitter.mjs). */
export const RUNTIME_DIR = 'tree-sitter';

export type ParseResult = { body: Body } | { error: { line: number; column: number; message: string } } | { stopped: true };

export interface ParseOptions {
  /** Asked now and then while parsing; true stops it (the lint's time budget). */
  shouldStop?: () => boolean;
}

interface Runtime {
  module: string;
  runtimeWasm: string;
  grammarWasm: string;
}

function locate(): Runtime {
  const beside = path.join(path.dirname(fileURLToPath(import.meta.url)), RUNTIME_DIR);
  if (existsSync(path.join(beside, 'tree-sitter.js'))) {
    return {
      module: pathToFileURL(path.join(beside, 'tree-sitter.js')).href,
      runtimeWasm: path.join(beside, 'tree-sitter.wasm'),
      grammarWasm: path.join(beside, 'tree-sitter-hcl.wasm'),
    };
  }
  try {
    const require = createRequire(import.meta.url);
    return {
      module: 'web-tree-sitter',
      runtimeWasm: require.resolve('web-tree-sitter/tree-sitter.wasm'),
      grammarWasm: require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm'),
    };
  } catch (err) {
    throw new Error(`found neither ${beside} (scripts/copy-tree-sitter.mjs puts it beside the bundle) nor the npm packages`, {
      cause: err,
    });
  }
}

/** Parses HCL text into the typed model, or reports the parser's first error, or that it was stopped. */
export interface HclParser {
  parse(source: string, options?: ParseOptions): ParseResult;
}

let loading: Promise<HclParser> | undefined;

/** One parser per process; the first call imports web-tree-sitter and compiles both WebAssembly modules. */
export function hclParser(): Promise<HclParser> {
  loading ??= load();
  return loading;
}

async function load(): Promise<HclParser> {
  let parser: TreeSitter.Parser;
  try {
    const runtime = locate();
    keepWasmOnBaselineTier();
    const ts = (await import(/* webpackIgnore: true */ runtime.module)) as typeof TreeSitter;
    await ts.Parser.init({ wasmBinary: await readFile(runtime.runtimeWasm) });
    const language = await ts.Language.load(await readFile(runtime.grammarWasm));
    parser = new ts.Parser().setLanguage(language);
  } catch (err) {
    throw new Error(`Could not load the HCL parser (web-tree-sitter): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { parse: (source, options) => parse(parser, source, options) };
}

function parse(parser: TreeSitter.Parser, source: string, options: ParseOptions = {}): ParseResult {
  const { shouldStop } = options;
  // web-tree-sitter cancels the parse when the progress callback returns true (its typings say void).
  const progressCallback = shouldStop ? ((() => shouldStop()) as unknown as (state: TreeSitter.ParseState) => void) : undefined;
  const tree = parser.parse(source, null, progressCallback ? { progressCallback } : undefined);
  if (!tree) {
    // A cancelled parse leaves the parser mid-document; the next one must start afresh.
    parser.reset();
    if (shouldStop?.()) return { stopped: true };
    return { error: { line: 1, column: 1, message: 'the parser returned no tree' } };
  }
  try {
    const root = tree.rootNode;
    if (root.hasError) return { error: firstError(root) };
    return { body: toBody(root, source) };
  } catch (err) {
    if (err instanceof TooDeep) return { error: { line: err.line, column: 1, message: err.message } };
    throw err;
  } finally {
    tree.delete();
  }
}

/** The first ERROR or MISSING node in document order, described without the file's text. */
function firstError(root: TreeSitter.Node): { line: number; column: number; message: string } {
  const stack: TreeSitter.Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.isMissing || node.isError) {
      const where = { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
      return { ...where, message: node.isMissing ? `missing ${describe(node.type)}` : unexpected(node) };
    }
    const children = node.children.filter((c): c is TreeSitter.Node => c !== null && (c.hasError || c.isMissing));
    stack.push(...children.reverse());
  }
  return { line: 1, column: 1, message: 'syntax error' };
}

const NAMES: Record<string, string> = {
  block_end: '"}"',
  block_start: '"{"',
  object_end: '"}"',
  tuple_end: '"]"',
  quoted_template_end: 'closing quote',
  template_interpolation_end: '"}" of an interpolation',
  heredoc_identifier: 'heredoc end marker',
  expression: 'value',
};

function describe(type: string): string {
  return NAMES[type] ?? (/^[^a-z_]+$/.test(type) ? `"${type}"` : type.replace(/_/g, ' '));
}

function unexpected(node: TreeSitter.Node): string {
  let leaf = node;
  for (let first = leaf.child(0); first; first = leaf.child(0)) leaf = first;
  // Only grammar tokens are quoted: names and strings from the file stay out of messages.
  if (!leaf.isNamed) return `unexpected "${leaf.type}"`;
  return leaf.type === 'ERROR' ? 'unexpected input' : `unexpected ${describe(leaf.type)}`;
}
