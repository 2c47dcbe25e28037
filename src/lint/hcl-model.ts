// A typed view of an HCL file: blocks and attributes with their 1-based lines, and expressions
// reduced to the shapes the rules look at (hcl.ts builds it from the syntax tree), and the
// questions the rules ask of it.

export interface Body {
  attributes: Attribute[];
  blocks: Block[];
}

export interface Block extends Body {
  type: string;
  labels: string[];
  line: number;
}

export interface Attribute {
  name: string;
  value: Expr;
  line: number;
}

/** A template is literal text and interpolated expressions, in order. */
export type TemplatePart = string | Expr;

export type Expr = (
  | { kind: 'string'; value: string }
  | { kind: 'template'; parts: TemplatePart[] }
  | { kind: 'number' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  /** `a.b.c`: root `a`, path [b, c]. Index and splat suffixes make it `other`. */
  | { kind: 'traversal'; root: string; path: string[] }
  | { kind: 'tuple'; items: Expr[] }
  | { kind: 'object'; entries: { key: Expr; value: Expr }[] }
  | { kind: 'call'; name: string; args: Expr[] }
  /** `[for k, v in collection : body if cond]` (the tuple form). */
  | { kind: 'for'; variables: string[]; collection: Expr; body: Expr; condition: Expr | undefined }
  /** Operations, conditionals, indexing, object for-expressions: only their parts are kept. */
  | { kind: 'other'; children: Expr[] }
) & { line: number; start: number; end: number };

export function attribute(body: Body, name: string): Attribute | undefined {
  return body.attributes.find((a) => a.name === name);
}

export function blocksOf(body: Body, type: string): Block[] {
  return body.blocks.filter((b) => b.type === type);
}

export function stringValue(expr: Expr | undefined): string | undefined {
  return expr?.kind === 'string' ? expr.value : undefined;
}

export function boolValue(expr: Expr | undefined): boolean | undefined {
  return expr?.kind === 'bool' ? expr.value : undefined;
}

/** `root.path…` as one dotted name, for a traversal. */
export function dotted(expr: Expr | undefined): string | undefined {
  return expr?.kind === 'traversal' ? [expr.root, ...expr.path].join('.') : undefined;
}

/** Every traversal inside `expr`, itself included, depth first. */
export function traversals(expr: Expr): Extract<Expr, { kind: 'traversal' }>[] {
  switch (expr.kind) {
    case 'traversal':
      return [expr];
    case 'template':
      return expr.parts.flatMap((p) => (typeof p === 'string' ? [] : traversals(p)));
    case 'tuple':
      return expr.items.flatMap(traversals);
    case 'object':
      return expr.entries.flatMap((e) => [...traversals(e.key), ...traversals(e.value)]);
    case 'call':
      return expr.args.flatMap(traversals);
    case 'for':
      return [expr.collection, expr.body, ...(expr.condition ? [expr.condition] : [])].flatMap(traversals);
    case 'other':
      return expr.children.flatMap(traversals);
    default:
      return [];
  }
}

/** The items of a tuple, or the expression itself when it is not one. */
export function items(expr: Expr | undefined): Expr[] {
  if (!expr) return [];
  return expr.kind === 'tuple' ? expr.items : [expr];
}
