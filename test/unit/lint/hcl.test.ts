import { describe, expect, it } from 'vitest';
import { type Body, type Expr, dotted, traversals } from '../../../src/lint/hcl-model.js';
import { hclParser } from '../../../src/lint/parser.js';

const parseHcl = async (source: string) => (await hclParser()).parse(source);

// The typed model the rules read: blocks and attributes with 1-based lines, expressions reduced
// to strings, templates, traversals, calls and for-expressions.

async function body(source: string): Promise<Body> {
  const parsed = await parseHcl(source);
  if (!('body' in parsed)) throw new Error(`unexpected parse result: ${JSON.stringify(parsed)}`);
  return parsed.body;
}

async function value(source: string): Promise<Expr> {
  const attr = (await body(`v = ${source}\n`)).attributes[0];
  if (!attr) throw new Error('no attribute');
  return attr.value;
}

/** The expression without positions, for comparing shapes. */
function shape(e: Expr): unknown {
  return JSON.parse(JSON.stringify(e, (k, v: unknown) => (k === 'line' || k === 'start' || k === 'end' ? undefined : v)));
}

describe('parseHcl', () => {
  it('gives blocks, labels and attributes with their lines', async () => {
    const b = await body(
      '# comment\nrole "rds_iam" {\n  external = true\n}\n\ntable "public" "t" {\n  column "id" {\n    null = false\n  }\n}\n',
    );
    expect(b.blocks.map((x) => [x.type, x.labels, x.line])).toEqual([
      ['role', ['rds_iam'], 2],
      ['table', ['public', 't'], 6],
    ]);
    expect(b.blocks[0]!.attributes.map((a) => [a.name, a.line, shape(a.value)])).toEqual([['external', 3, { kind: 'bool', value: true }]]);
    expect(b.blocks[1]!.blocks[0]!.attributes[0]!.line).toBe(8);
  });

  it('counts lines the same with CRLF line ends', async () => {
    const b = await body('a = 1\r\nrole "x" {\r\n  external = true\r\n}\r\n');
    expect(b.blocks[0]!.line).toBe(2);
    expect(b.blocks[0]!.attributes[0]!.line).toBe(3);
  });

  it('unescapes strings and labels', async () => {
    expect(shape(await value('"a\\"b\\\\c\\n\\u00e9$${x}%%{y}"'))).toEqual({ kind: 'string', value: 'a"b\\c\né${x}%{y}' });
    expect((await body('role "we\\"ird" {}\n')).blocks[0]!.labels).toEqual(['we"ird']);
  });

  it("keeps a template's literal text exactly, spaces next to interpolations included", async () => {
    expect(shape(await value('"postgres://${var.u}:${urlescape(data.aws_rds_token.m)}@h/db?sslmode=require x"'))).toEqual({
      kind: 'template',
      parts: [
        'postgres://',
        { kind: 'traversal', root: 'var', path: ['u'] },
        ':',
        { kind: 'call', name: 'urlescape', args: [{ kind: 'traversal', root: 'data', path: ['aws_rds_token', 'm'] }] },
        '@h/db?sslmode=require x',
      ],
    });
    expect(shape(await value('"é😀 ${x} z"'))).toEqual({
      kind: 'template',
      parts: ['é😀 ', { kind: 'traversal', root: 'x', path: [] }, ' z'],
    });
  });

  it('reads heredocs', async () => {
    expect(shape(await value('<<EOT\nrole "x" {}\nEOT'))).toEqual({ kind: 'string', value: 'role "x" {}\n' });
  });

  it('reduces indexing and operations to their parts, keeping every traversal', async () => {
    const indexed = await value('a.b[0].c');
    expect(indexed.kind).toBe('other');
    expect(traversals(indexed).map(dotted)).toEqual(['a.b']);
    const conditional = await value('x.y == "z" ? [role.a] : upper(user.b)');
    expect(conditional.kind).toBe('other');
    expect(traversals(conditional).map(dotted)).toEqual(['x.y', 'role.a', 'user.b']);
  });

  it('reads for-expressions, tuples and objects', async () => {
    expect(shape(await value('[for f in local.files : file(f)]'))).toEqual({
      kind: 'for',
      variables: ['f'],
      collection: { kind: 'traversal', root: 'local', path: ['files'] },
      body: { kind: 'call', name: 'file', args: [{ kind: 'traversal', root: 'f', path: [] }] },
    });
    expect(shape(await value('{ source = "ariga/atlas", "version": "= 0.10.3" }'))).toEqual({
      kind: 'object',
      entries: [
        { key: { kind: 'traversal', root: 'source', path: [] }, value: { kind: 'string', value: 'ariga/atlas' } },
        { key: { kind: 'string', value: 'version' }, value: { kind: 'string', value: '= 0.10.3' } },
      ],
    });
  });

  it('reports the first syntax error with its position and no text from the file', async () => {
    expect(await parseHcl('role "a" {}\nrole "b" {\n  member_of = [role.a\n}\n')).toEqual({
      error: { line: 4, column: 1, message: 'missing "]"' },
    });
    const unterminated = await parseHcl('a = "never closed\nb = 1\n');
    expect('error' in unterminated && unterminated.error.message).toBe('missing closing quote');
  });
});
