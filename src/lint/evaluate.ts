import { type Dirent, existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { type Block, type Expr, attribute, dotted } from './hcl-model.js';
import { isWithin, realInside } from './files.js';

// Just enough of Terraform's expression language to learn which files a root hands to Atlas:
// strings and templates, path.module, locals, for-expressions, file(), fileset() and the list
// functions the guide (and its common variants) wrap around them. Anything else is
// "unresolvable", and the caller falls back to the guide's layout and says so.

export type Value = { kind: 'string'; value: string } | { kind: 'list'; items: Value[] } | { kind: 'files'; paths: string[] };

export class Unresolvable extends Error {}

export interface Scope {
  /** Absolute directory of the root module: path.module, path.root and path.cwd (terraform -chdir). */
  moduleDir: string;
  workspace: string;
  locals: ReadonlyMap<string, Expr>;
  /** `data "atlas_schema" "name"` blocks, whose `src` the resource may read as data.atlas_schema.name.hcl. */
  schemaData: ReadonlyMap<string, Block>;
}

/** fileset() stops after this many directory entries: a guard against a pattern over a huge tree. */
const MAX_ENTRIES = 10_000;
/** References chased through locals and calls; Terraform's own configurations need a few. */
const MAX_DEPTH = 64;
/**
 * Expressions evaluated for one attribute. A pull request controls the .tf files, and nested
 * for-expressions multiply: past this budget the attribute is unresolvable, not a hang.
 */
const MAX_STEPS = 100_000;

export function evaluate(expr: Expr, scope: Scope): Value {
  return new Evaluator(scope).eval(expr, new Map(), 0);
}

class Evaluator {
  private steps = 0;
  /** Each local is evaluated once (it cannot see the for-variables of whoever refers to it). */
  private readonly locals = new Map<string, Value>();
  private readonly evaluating = new Set<string>();
  private readonly filesets = new Map<string, string[]>();

  constructor(private readonly scope: Scope) {}

  eval(expr: Expr, vars: ReadonlyMap<string, Value>, depth: number): Value {
    if (depth > MAX_DEPTH) throw new Unresolvable('references nested too deeply');
    if (++this.steps > MAX_STEPS) throw new Unresolvable(`more than ${MAX_STEPS} expressions to evaluate`);
    switch (expr.kind) {
      case 'string':
        return expr;
      case 'template': {
        let text = '';
        for (const part of expr.parts) text += typeof part === 'string' ? part : asString(this.eval(part, vars, depth + 1));
        return { kind: 'string', value: text };
      }
      case 'traversal':
        return this.traversal(expr, vars, depth);
      case 'tuple':
        return { kind: 'list', items: this.all(expr.items, vars, depth) };
      case 'call':
        return this.call(expr.name, this.all(expr.args, vars, depth));
      case 'for': {
        if (expr.condition) throw new Unresolvable('a for expression with an if clause');
        const collection = asList(this.eval(expr.collection, vars, depth + 1));
        const items: Value[] = [];
        for (const [index, item] of collection.entries()) {
          const bound = new Map(vars);
          const [first, second] = expr.variables;
          if (second !== undefined && first !== undefined) {
            bound.set(first, { kind: 'string', value: String(index) });
            bound.set(second, item);
          } else if (first !== undefined) {
            bound.set(first, item);
          }
          items.push(this.eval(expr.body, bound, depth + 1));
        }
        return { kind: 'list', items };
      }
      default:
        throw new Unresolvable(`an expression of a kind the lint does not evaluate (line ${expr.line})`);
    }
  }

  private all(exprs: Expr[], vars: ReadonlyMap<string, Value>, depth: number): Value[] {
    const out: Value[] = [];
    for (const e of exprs) out.push(this.eval(e, vars, depth + 1));
    return out;
  }

  private traversal(expr: Extract<Expr, { kind: 'traversal' }>, vars: ReadonlyMap<string, Value>, depth: number): Value {
    const [first, second, third] = expr.path;
    const bound = vars.get(expr.root);
    if (bound && expr.path.length === 0) return bound;
    if (expr.root === 'path' && expr.path.length === 1 && (first === 'module' || first === 'root' || first === 'cwd')) {
      return { kind: 'string', value: this.scope.moduleDir };
    }
    if (expr.root === 'local' && expr.path.length === 1 && first !== undefined && this.scope.locals.has(first)) {
      return this.local(first, depth);
    }
    if (expr.root === 'data' && first === 'atlas_schema' && second !== undefined && third === 'hcl' && expr.path.length === 3) {
      const src = attribute(this.scope.schemaData.get(second) ?? { attributes: [], blocks: [] }, 'src');
      if (src) return this.eval(src.value, vars, depth + 1);
    }
    throw new Unresolvable(`${dotted(expr)} (line ${expr.line})`);
  }

  private local(name: string, depth: number): Value {
    const known = this.locals.get(name);
    if (known) return known;
    if (this.evaluating.has(name)) throw new Unresolvable(`local.${name}, which refers to itself`);
    this.evaluating.add(name);
    try {
      const value = this.eval(this.scope.locals.get(name)!, new Map(), depth + 1);
      this.locals.set(name, value);
      return value;
    } finally {
      this.evaluating.delete(name);
    }
  }

  private call(name: string, args: Value[]): Value {
    const [a, b] = args;
    switch (name) {
      case 'file':
        if (args.length === 1 && a) return { kind: 'files', paths: [path.resolve(this.scope.moduleDir, asString(a))] };
        break;
      case 'fileset':
        if (args.length === 2 && a && b) {
          const dir = path.resolve(this.scope.moduleDir, asString(a));
          const key = `${dir}\u0000${asString(b)}`;
          let listing = this.filesets.get(key);
          if (!listing) {
            listing = fileset(dir, asString(b), this.scope.workspace);
            this.filesets.set(key, listing);
          }
          const matches = listing;
          return { kind: 'list', items: matches.map((value) => ({ kind: 'string', value })) };
        }
        break;
      case 'tolist':
      case 'chomp':
      case 'trimspace':
        if (args.length === 1 && a) return a;
        break;
      case 'sort':
        if (args.length === 1 && a) return { kind: 'list', items: [...asList(a)].sort(byString) };
        break;
      case 'toset': // a set iterates in lexical order
        if (args.length === 1 && a) return { kind: 'list', items: distinct(asList(a)).sort(byString) };
        break;
      case 'distinct':
        if (args.length === 1 && a) return { kind: 'list', items: distinct(asList(a)) };
        break;
      case 'concat':
        return { kind: 'list', items: args.flatMap(asList) };
      case 'flatten':
        if (args.length === 1 && a) return { kind: 'list', items: flatten(a) };
        break;
      case 'join':
        if (args.length === 2 && a && b) return join(asString(a), flatten(b));
        break;
    }
    throw new Unresolvable(`${name}() with these arguments`);
  }
}

function asString(v: Value): string {
  if (v.kind !== 'string') throw new Unresolvable(`a ${v.kind === 'files' ? 'file content' : 'list'} where a string belongs`);
  return v.value;
}

function asList(v: Value): Value[] {
  if (v.kind !== 'list') throw new Unresolvable(`a ${v.kind === 'files' ? 'file content' : 'string'} where a list belongs`);
  return v.items;
}

function flatten(v: Value): Value[] {
  return v.kind === 'list' ? v.items.flatMap(flatten) : [v];
}

const key = (v: Value): string => (v.kind === 'string' ? v.value : JSON.stringify(v));
const byString = (x: Value, y: Value): number => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0);

function distinct(values: Value[]): Value[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(key(v)) && seen.add(key(v)));
}

/** Joined file contents stay a list of files (the HCL Atlas reads); joined strings stay a string. */
function join(separator: string, values: Value[]): Value {
  if (values.every((v) => v.kind === 'files')) return { kind: 'files', paths: values.flatMap((v) => (v.kind === 'files' ? v.paths : [])) };
  return { kind: 'string', value: values.map(asString).join(separator) };
}

/** Terraform's fileset(): files under `dir` whose relative path matches `pattern`, sorted. */
export function fileset(dir: string, pattern: string, workspace: string): string[] {
  // Resolved, not only lexical: a directory of the pull request that is a symlink out of the
  // workspace would otherwise be listed, and the names found there shown in the comment.
  if (!isWithin(workspace, dir)) throw new Unresolvable('fileset() over a directory outside the workspace');
  if (existsSync(dir) && !realInside(workspace, dir)) throw new Unresolvable('fileset() over a directory outside the workspace');
  let isMatch: (file: string) => boolean;
  try {
    isMatch = picomatch(pattern, { dot: true });
  } catch {
    throw new Unresolvable('a fileset() pattern the lint cannot read');
  }
  const recursive = pattern.includes('/');
  const found: string[] = [];
  let entries = 0;
  const walk = (relDir: string): void => {
    let list: Dirent[];
    try {
      list = readdirSync(path.join(dir, relDir), { withFileTypes: true });
    } catch {
      return; // Terraform's fileset() of a missing directory is empty too.
    }
    for (const entry of list) {
      if (++entries > MAX_ENTRIES) throw new Unresolvable(`fileset() over more than ${MAX_ENTRIES} entries`);
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (recursive) walk(rel);
      } else if (isMatch(rel)) {
        found.push(rel);
      }
    }
  };
  walk('');
  return found.sort();
}
