import { beforeAll, describe, expect, it } from 'vitest';
import { parseEach } from '../../src/atlas/pg-batch.js';
import { loadPgParser, type ParseBytes, type ParseOutcome } from '../../src/atlas/pg-parser.js';

// Statements are parsed in batches joined with CHECKPOINT sentinels; every result must be the
// one the statement gets alone, and a join that changes the meaning must be detected.

let parse: ParseBytes;
let calls = 0;
const counting: ParseBytes = (utf8) => {
  calls++;
  return parse(utf8);
};

beforeAll(async () => {
  parse = await loadPgParser();
});

const encoder = new TextEncoder();

/** Each statement parsed alone, the reference the batch must reproduce. */
function alone(statements: readonly string[]): ParseOutcome[] {
  return statements.map((s) => (s.includes('\0') ? { ok: false, message: 'it contains a NUL character' } : parse(encoder.encode(s))));
}

/** Statement trees without byte offsets (stmt_location, location), which differ between a batch and a lone parse. */
function shape(outcomes: ParseOutcome[]): unknown {
  const trees = outcomes.map((o) => (o.ok ? { ok: true, stmts: o.stmts.map((s) => s.stmt) } : o));
  return JSON.parse(JSON.stringify(trees, (key, value: unknown) => (key === 'location' ? undefined : value)));
}

function batch(statements: readonly string[]): ParseOutcome[] {
  calls = 0;
  return [...parseEach(counting, statements)];
}

describe('parseEach', () => {
  it('parses a batch in one call and splits it back per statement', () => {
    const statements = [
      'CREATE TABLE "public"."t" (\n  "id" bigint NOT NULL,\n  PRIMARY KEY ("id")\n);',
      'GRANT SELECT ON TABLE "public"."t" TO "app_reader";',
      '-- only a comment',
      '',
      'DROP TABLE "a"; DROP TABLE "b";',
      'CHECKPOINT;',
      'CREATE FUNCTION "f"() RETURNS integer LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;',
      'CREATE FUNCTION "g"() RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;',
      'SELECT 1 -- a comment with no newline after it',
      'DROP TABLE "no_semicolon"',
      "COMMENT ON TABLE \"t\" IS 'it''s;\nnot the end;';",
      'DROP TABLE "ünïcødé 表";',
    ];
    const out = batch(statements);
    expect(calls).toBe(1);
    expect(shape(out)).toEqual(shape(alone(statements)));
    expect(out.map((o) => (o.ok ? o.stmts.length : -1))).toEqual([1, 1, 0, 0, 2, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('calls the parser once per 200 statements', () => {
    const statements = Array.from({ length: 450 }, (_, i) => `CREATE ROLE "r_${i}";`);
    const out = batch(statements);
    expect(calls).toBe(3);
    expect(shape(out)).toEqual(shape(alone(statements)));
  });

  // Each pair parses fine when joined, but only because the first statement's unterminated
  // comment, string or body swallows the separator: the sentinel is not where it must be.
  it.each([
    ['SELECT 1; /*', '*/ ; CREATE SCHEMA "y";'],
    // …even when the swallowed sentinel is made up for by a CHECKPOINT of the statement's own.
    ['SELECT 1; /*', '*/ ;CHECKPOINT; CREATE SCHEMA "y";'],
    ["SELECT 'x", '\'; CHECKPOINT; DROP TABLE "x";'],
    ['SELECT $a$ x', '$a$; DROP TABLE "x";'],
    ["SELECT 'x", '\'; DROP TABLE "x";'],
    ['SELECT "x', '"; DROP TABLE "y";'],
    ['CREATE FUNCTION "f"() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;', 'END;'],
  ])('detects a join that changes the meaning: %j + %j', (first, second) => {
    const statements = [first, second, 'DROP TABLE "z";'];
    const out = batch(statements);
    expect(calls).toBe(1 + statements.length); // the batch, then each alone
    expect(out[0]!.ok).toBe(false);
    expect(shape(out)).toEqual(shape(alone(statements)));
  });

  it('parses a batch holding a statement that does not parse one by one, with its own error position', () => {
    const statements = ['CREATE SCHEMA "a";', 'SELEC 1;', 'CREATE SCHEMA "b";'];
    const out = batch(statements);
    expect(calls).toBe(4);
    expect(out[1]).toEqual({ ok: false, message: 'syntax error at or near "SELEC"', position: 1 });
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
  });

  it('refuses a statement holding a NUL without reading past it, and keeps the others', () => {
    const out = batch(['SELECT 1;\0DROP TABLE "t";', 'CREATE SCHEMA "a";']);
    expect(out[0]).toEqual({ ok: false, message: 'it contains a NUL character' });
    expect(out[1]!.ok).toBe(true);
  });
});
