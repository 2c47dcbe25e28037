import type { Node } from 'web-tree-sitter';

// A typed view of an HCL file: blocks and attributes with their 1-based lines, and expressions
// reduced to the shapes the rules look at. Built once from the tree-sitter tree, which is then
// freed; the rules never see tree-sitter nodes.

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

type Span = { line: number; start: number; end: number };

const SUFFIXES = new Set(['get_attr', 'index', 'splat']);
const line = (node: Node): number => node.startPosition.row + 1;
const span = (node: Node): Span => ({ line: line(node), start: node.startIndex, end: node.endIndex });
const named = (node: Node): Node[] => node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
const isExpression = (node: Node): boolean => node.type === 'expression';

/**
 * Deeper syntax nodes than this end the conversion: Atlas and Terraform HCL nest a handful of
 * levels, and a file built to nest thousands would overflow the stack of this recursive walk.
 */
export const MAX_NESTING = 200;

/** Thrown when a file nests deeper than MAX_NESTING; `line` is where. */
export class TooDeep extends Error {
  constructor(readonly line: number) {
    super(`nested more than ${MAX_NESTING} levels deep`);
  }
}

/** The file's top-level body; `source` is the text the tree was parsed from. */
export function toBody(root: Node, source: string): Body {
  return new Converter(source).body(named(root).find((c) => c.type === 'body'));
}

class Converter {
  private depth = 0;

  constructor(private readonly source: string) {}

  body(node: Node | undefined): Body {
    const body: Body = { attributes: [], blocks: [] };
    for (const child of node ? named(node) : []) {
      if (child.type === 'attribute') {
        const [name, value] = named(child);
        if (name && value) body.attributes.push({ name: name.text, value: this.expr(value), line: line(child) });
      } else if (child.type === 'block') {
        body.blocks.push(this.nested(child, () => this.block(child)));
      }
    }
    return body;
  }

  private nested<T>(node: Node, convert: () => T): T {
    if (++this.depth > MAX_NESTING) throw new TooDeep(line(node));
    try {
      return convert();
    } finally {
      this.depth--;
    }
  }

  private expr(node: Node): Expr {
    return this.nested(node, () => this.exprAt(node));
  }

  private block(node: Node): Block {
    const [type, ...rest] = named(node);
    const labels: string[] = [];
    for (const part of rest) {
      if (part.type === 'string_lit') labels.push(this.stringLiteral(part));
      else if (part.type === 'identifier') labels.push(part.text);
      else break;
    }
    return { type: type?.text ?? '', labels, line: line(node), ...this.body(rest.find((p) => p.type === 'body')) };
  }

  private exprAt(node: Node): Expr {
    const at = span(node);
    const kids = named(node);
    switch (node.type) {
      case 'expression':
      case 'literal_value':
      case 'collection_value':
      case 'template_expr':
      case 'for_expr':
      case 'operation': {
        const terms = this.terms(kids);
        return terms.length === 1 ? { ...terms[0]!, ...at } : { kind: 'other', children: terms, ...at };
      }
      case 'string_lit':
        return { kind: 'string', value: this.stringLiteral(node), ...at };
      case 'numeric_lit':
        return { kind: 'number', ...at };
      case 'bool_lit':
        return { kind: 'bool', value: node.text === 'true', ...at };
      case 'null_lit':
        return { kind: 'null', ...at };
      case 'variable_expr':
        return { kind: 'traversal', root: node.text, path: [], ...at };
      case 'quoted_template':
      case 'heredoc_template':
        return this.template(node, at);
      case 'tuple':
        return { kind: 'tuple', items: kids.filter(isExpression).map((k) => this.expr(k)), ...at };
      case 'object':
        return {
          kind: 'object',
          entries: kids
            .filter((k) => k.type === 'object_elem')
            .flatMap((elem) => {
              const [key, value] = named(elem).filter(isExpression);
              return key && value ? [{ key: this.expr(key), value: this.expr(value) }] : [];
            }),
          ...at,
        };
      case 'function_call': {
        const args = kids.find((k) => k.type === 'function_arguments');
        const list = args ? named(args).filter(isExpression) : [];
        return { kind: 'call', name: kids[0]?.text ?? '', args: list.map((a) => this.expr(a)), ...at };
      }
      case 'for_tuple_expr': {
        const intro = named(kids.find((k) => k.type === 'for_intro') ?? node);
        const collection = intro.find(isExpression);
        const body = kids.find(isExpression);
        const cond = kids.find((k) => k.type === 'for_cond');
        const condition = cond ? named(cond).find(isExpression) : undefined;
        if (!collection || !body) return { kind: 'other', children: this.terms(kids), ...at };
        return {
          kind: 'for',
          variables: intro.filter((k) => k.type === 'identifier').map((k) => k.text),
          collection: this.expr(collection),
          body: this.expr(body),
          condition: condition ? this.expr(condition) : undefined,
          ...at,
        };
      }
      default:
        return { kind: 'other', children: this.terms(kids), ...at };
    }
  }

  /**
   * The grammar flattens `a.b[0]` into siblings (variable_expr, get_attr, index): each suffix
   * extends the term before it. A traversal stays one while only `.name` follows it.
   */
  private terms(kids: Node[]): Expr[] {
    const out: Expr[] = [];
    for (const kid of kids) {
      const previous = out[out.length - 1];
      if (SUFFIXES.has(kid.type) && previous) {
        const name = named(kid).find((c) => c.type === 'identifier');
        const extended: Span = { line: previous.line, start: previous.start, end: kid.endIndex };
        out[out.length - 1] =
          kid.type === 'get_attr' && name && previous.kind === 'traversal'
            ? { ...previous, path: [...previous.path, name.text], ...extended }
            : { kind: 'other', children: [previous, ...this.terms(named(kid))], ...extended };
      } else if (
        !/_(start|end)$/.test(kid.type) &&
        !['identifier', 'ellipsis', 'strip_marker', 'for_intro', 'for_cond'].includes(kid.type)
      ) {
        out.push(this.expr(kid));
      } else if (kid.type === 'for_intro' || kid.type === 'for_cond') {
        out.push(...this.terms(named(kid)));
      }
    }
    return out;
  }

  /**
   * Literal text is cut from the source between the template's pieces: the grammar leaves the
   * spaces next to an interpolation outside every chunk.
   */
  private template(node: Node, at: Span): Expr {
    const kids = named(node);
    const heredoc = node.type === 'heredoc_template';
    const marks = kids.filter((k) => k.type === (heredoc ? 'heredoc_identifier' : 'quoted_template_start'));
    const open = marks[0];
    const close = heredoc ? marks[1] : kids.find((k) => k.type === 'quoted_template_end');
    if (!open || !close) return { kind: 'other', children: [], ...at };
    let cursor = open.endIndex;
    if (heredoc && this.source[cursor] === '\n') cursor++;
    const parts: TemplatePart[] = [];
    const text = (from: number, to: number): void => {
      const raw = this.source.slice(from, to);
      if (raw !== '') parts.push(heredoc ? raw.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{') : unescape(raw));
    };
    for (const kid of kids) {
      if (kid.type !== 'template_interpolation' && kid.type !== 'template_directive') continue;
      text(cursor, kid.startIndex);
      const inner = kid.type === 'template_interpolation' ? named(kid).find(isExpression) : undefined;
      // A directive (%{ if } / %{ for }) has no single value: an empty `other` stands for "unknown".
      parts.push(inner ? this.expr(inner) : { kind: 'other', children: [], ...span(kid) });
      cursor = kid.endIndex;
    }
    text(cursor, close.startIndex);
    if (parts.every((p) => typeof p === 'string')) return { kind: 'string', value: parts.join(''), ...at };
    return { kind: 'template', parts, ...at };
  }

  private stringLiteral(node: Node): string {
    const kids = named(node);
    const open = kids.find((c) => c.type === 'quoted_template_start');
    const close = kids.find((c) => c.type === 'quoted_template_end');
    return open && close ? unescape(this.source.slice(open.endIndex, close.startIndex)) : '';
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** HCL quoted-string escapes: \n \r \t \" \\ \uNNNN \UNNNNNNNN, and $${ / %%{ for a literal ${ / %{. */
function unescape(raw: string): string {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{/g, (match: string, esc: string | undefined) => {
    if (esc === undefined) return match.slice(1);
    if (esc.length > 1) return String.fromCodePoint(parseInt(esc.slice(1), 16));
    return ESCAPES[esc] ?? match;
  });
}

// ---------------------------------------------------------------------------------------
// Questions the rules ask of the model.

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
