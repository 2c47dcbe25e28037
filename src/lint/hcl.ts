import type { Node } from 'web-tree-sitter';
import type { Body, Block, Expr, TemplatePart } from './hcl-model.js';

// Builds the typed view of an HCL file (hcl-model.ts) from the tree-sitter tree, once; the tree
// is then freed, and the rules never see tree-sitter nodes.

type Span = { line: number; start: number; end: number };

/**
 * A syntax node copied out of the tree-sitter tree in one pass: every property read from a
 * tree-sitter node crosses into WebAssembly, so each is read once here and the conversion
 * below works on plain objects. Comments are left out.
 */
interface Syntax extends Span {
  type: string;
  kids: Syntax[];
}

/**
 * Deeper syntax than this ends the conversion: Atlas and Terraform HCL nest a handful of
 * levels, and a file built to nest thousands would overflow the stack of a recursive walk.
 */
export const MAX_NESTING = 500;

/** Thrown when a file nests deeper than MAX_NESTING; `line` is where. */
export class TooDeep extends Error {
  constructor(readonly line: number) {
    super(`nested more than ${MAX_NESTING} syntax levels deep`);
  }
}

function snapshot(node: Node, depth: number): Syntax {
  const line = node.startPosition.row + 1;
  if (depth > MAX_NESTING) throw new TooDeep(line);
  const kids: Syntax[] = [];
  for (const child of node.namedChildren) if (child) kids.push(snapshot(child, depth + 1));
  return { type: node.type, line, start: node.startIndex, end: node.endIndex, kids: kids.filter((k) => k.type !== 'comment') };
}

const SUFFIXES = new Set(['get_attr', 'index', 'splat']);
/** Named nodes that are punctuation or names, not values. */
const NOT_VALUES = new Set(['identifier', 'ellipsis', 'strip_marker']);
const span = (n: Syntax): Span => ({ line: n.line, start: n.start, end: n.end });
const isExpression = (n: Syntax): boolean => n.type === 'expression';

/** The file's top-level body; `source` is the text the tree was parsed from. */
export function toBody(root: Node, source: string): Body {
  return new Converter(source).body(snapshot(root, 0).kids.find((c) => c.type === 'body'));
}

class Converter {
  constructor(private readonly source: string) {}

  body(node: Syntax | undefined): Body {
    const body: Body = { attributes: [], blocks: [] };
    for (const child of node?.kids ?? []) {
      if (child.type === 'attribute') {
        const [name, value] = child.kids;
        if (name && value) body.attributes.push({ name: this.text(name), value: this.expr(value), line: child.line });
      } else if (child.type === 'block') {
        body.blocks.push(this.block(child));
      }
    }
    return body;
  }

  private text(node: Syntax): string {
    return this.source.slice(node.start, node.end);
  }

  private block(node: Syntax): Block {
    const [type, ...rest] = node.kids;
    const labels: string[] = [];
    for (const part of rest) {
      if (part.type === 'string_lit') labels.push(this.stringLiteral(part));
      else if (part.type === 'identifier') labels.push(this.text(part));
      else break;
    }
    return { type: type ? this.text(type) : '', labels, line: node.line, ...this.body(rest.find((p) => p.type === 'body')) };
  }

  private expr(node: Syntax): Expr {
    const at = span(node);
    const kids = node.kids;
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
        return { kind: 'bool', value: this.text(node) === 'true', ...at };
      case 'null_lit':
        return { kind: 'null', ...at };
      case 'variable_expr':
        return { kind: 'traversal', root: this.text(node), path: [], ...at };
      case 'quoted_template':
      case 'heredoc_template':
        return this.template(node, at);
      case 'tuple':
        return { kind: 'tuple', items: kids.filter(isExpression).map((k) => this.expr(k)), ...at };
      case 'object':
        return this.object(node, at);
      case 'function_call': {
        const args = kids.find((k) => k.type === 'function_arguments')?.kids.filter(isExpression) ?? [];
        return { kind: 'call', name: kids[0] ? this.text(kids[0]) : '', args: args.map((a) => this.expr(a)), ...at };
      }
      case 'for_tuple_expr':
        return this.forTuple(node, at);
      default:
        return { kind: 'other', children: this.terms(kids), ...at };
    }
  }

  private object(node: Syntax, at: Span): Expr {
    const entries = node.kids
      .filter((k) => k.type === 'object_elem')
      .flatMap((elem) => {
        const [key, value] = elem.kids.filter(isExpression);
        return key && value ? [{ key: this.expr(key), value: this.expr(value) }] : [];
      });
    return { kind: 'object', entries, ...at };
  }

  /** `[for k, v in collection : body if cond]`; anything else it could be stays `other`. */
  private forTuple(node: Syntax, at: Span): Expr {
    const kids = node.kids;
    const intro = kids.find((k) => k.type === 'for_intro')?.kids ?? [];
    const collection = intro.find(isExpression);
    const body = kids.find(isExpression);
    const condition = kids.find((k) => k.type === 'for_cond')?.kids.find(isExpression);
    if (!collection || !body) return { kind: 'other', children: this.terms(kids), ...at };
    return {
      kind: 'for',
      variables: intro.filter((k) => k.type === 'identifier').map((k) => this.text(k)),
      collection: this.expr(collection),
      body: this.expr(body),
      condition: condition ? this.expr(condition) : undefined,
      ...at,
    };
  }

  /**
   * The grammar flattens `a.b[0]` into siblings (variable_expr, get_attr, index): each suffix
   * extends the term before it. A traversal stays one while only `.name` follows it.
   */
  private terms(kids: Syntax[]): Expr[] {
    const out: Expr[] = [];
    for (const kid of kids) {
      const previous = out[out.length - 1];
      if (SUFFIXES.has(kid.type) && previous) {
        const name = kid.kids.find((c) => c.type === 'identifier');
        const extended: Span = { line: previous.line, start: previous.start, end: kid.end };
        out[out.length - 1] =
          kid.type === 'get_attr' && name && previous.kind === 'traversal'
            ? { ...previous, path: [...previous.path, this.text(name)], ...extended }
            : { kind: 'other', children: [previous, ...this.terms(kid.kids)], ...extended };
      } else if (kid.type === 'for_intro' || kid.type === 'for_cond') {
        out.push(...this.terms(kid.kids));
      } else if (!NOT_VALUES.has(kid.type) && !/_(start|end)$/.test(kid.type)) {
        out.push(this.expr(kid));
      }
    }
    return out;
  }

  /**
   * Literal text is cut from the source between the template's pieces: the grammar leaves the
   * spaces next to an interpolation outside every chunk.
   */
  private template(node: Syntax, at: Span): Expr {
    const kids = node.kids;
    const heredoc = node.type === 'heredoc_template';
    const marks = kids.filter((k) => k.type === (heredoc ? 'heredoc_identifier' : 'quoted_template_start'));
    const open = marks[0];
    const close = heredoc ? marks[1] : kids.find((k) => k.type === 'quoted_template_end');
    if (!open || !close) return { kind: 'other', children: [], ...at };
    let cursor = open.end;
    if (heredoc && this.source[cursor] === '\n') cursor++;
    const parts: TemplatePart[] = [];
    const text = (from: number, to: number): void => {
      const raw = this.source.slice(from, to);
      if (raw !== '') parts.push(heredoc ? raw.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{') : unescape(raw));
    };
    for (const kid of kids) {
      if (kid.type !== 'template_interpolation' && kid.type !== 'template_directive') continue;
      text(cursor, kid.start);
      const inner = kid.type === 'template_interpolation' ? kid.kids.find(isExpression) : undefined;
      // A directive (%{ if } / %{ for }) has no single value: an empty `other` stands for "unknown".
      parts.push(inner ? this.expr(inner) : { kind: 'other', children: [], ...span(kid) });
      cursor = kid.end;
    }
    text(cursor, close.start);
    if (parts.every((p) => typeof p === 'string')) return { kind: 'string', value: parts.join(''), ...at };
    return { kind: 'template', parts, ...at };
  }

  private stringLiteral(node: Syntax): string {
    const open = node.kids.find((c) => c.type === 'quoted_template_start');
    const close = node.kids.find((c) => c.type === 'quoted_template_end');
    return open && close ? unescape(this.source.slice(open.end, close.start)) : '';
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
