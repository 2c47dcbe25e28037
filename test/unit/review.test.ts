import { describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/github/comments.js';
import { driftMarker } from '../../src/github/issues.js';
import { text } from '../../src/core/markdown.js';
import {
  checkedPlan,
  decodeData,
  encodeData,
  keepsText,
  planDelta,
  planPrint,
  readRecord,
  reviewedRoot,
  withHistory,
} from '../../src/review/record.js';
import type { HistoryEntry } from '../../src/core/types.js';

// The record a plan comment keeps of what reviewers saw: fingerprints, per-statement hashes,
// the statements while small, and the history; read back only from the line under the marker.

const SQL = ['CREATE ROLE "app_reader" WITH LOGIN;', 'GRANT "rds_iam" TO "atlas_migrator";'];
const MARKER = commentMarker('', 'terraform/roles', 'terraform/schema');
const entry = (n: number): HistoryEntry => ({
  at: `2026-11-30T0${n}:00:00.000Z`,
  mode: 'apply',
  headline: `run ${n}`,
  commit: 'a'.repeat(40),
  runUrl: 'https://x',
});
const fp = async (statements: string[]): Promise<string> => (await planPrint(statements)).fingerprint;
const one = (statement: string): Promise<string> => fp([statement]);

describe('fingerprints: what PostgreSQL would execute', () => {
  // Each pair means different things to PostgreSQL: the fingerprints must differ.
  const differ: [string, string, string][] = [
    [
      'a -- comment that ends inside a dollar-quoted body vs one that ends before a DELETE',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT 1; -- DELETE FROM orders; $$;',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT 1; --\nDELETE FROM orders; $$;',
    ],
    ['a comment vs the same words as code', 'SELECT 1; -- DROP TABLE orders', 'SELECT 1; DROP TABLE orders'],
    ['a block comment vs code', 'SELECT 1 /* ; DROP TABLE orders */;', 'SELECT 1; DROP TABLE orders;'],
    ['string contents', "COMMENT ON TABLE t IS 'keep'", "COMMENT ON TABLE t IS 'drop'"],
    ['whitespace inside a string', "COMMENT ON TABLE t IS 'a  b'", "COMMENT ON TABLE t IS 'a b'"],
    ['a newline inside a string', "COMMENT ON TABLE t IS 'a\nb'", "COMMENT ON TABLE t IS 'a b'"],
    ['whitespace inside a dollar-quoted body', 'DO $$BEGIN PERFORM  1; END$$', 'DO $$BEGIN PERFORM 1; END$$'],
    ["a quoted identifier's case vs the lower-case one", 'DROP TABLE "Orders"', 'DROP TABLE "orders"'],
    ["a quoted identifier's case vs an unquoted one", 'DROP TABLE "Orders"', 'DROP TABLE orders'],
    ['E-string escapes', "COMMENT ON TABLE t IS E'a\\nb'", "COMMENT ON TABLE t IS E'a\\tb'"],
    ['an E-string escape vs its plain spelling', "COMMENT ON TABLE t IS E'\\\\'", "COMMENT ON TABLE t IS '\\'"],
    [
      'a backslash the server may read as an escape (standard_conforming_strings off)',
      "COMMENT ON TABLE t IS 'x\\' -- harmless'",
      "COMMENT ON TABLE t IS 'x\\' -- '; DROP TABLE orders;",
    ],
    ["a numeric constant's scale", 'ALTER TABLE t ALTER COLUMN c SET DEFAULT 1.0', 'ALTER TABLE t ALTER COLUMN c SET DEFAULT 1.00'],
    ['grantee', 'GRANT SELECT ON t TO app_reader', 'GRANT SELECT ON t TO mallory'],
    ['privilege', 'GRANT SELECT ON t TO app_reader', 'GRANT ALL ON t TO app_reader'],
    ['a NUL byte vs none', 'SELECT 1\u0000', 'SELECT 1'],
  ];
  it.each(differ)('differ: %s', async (_name, a, b) => {
    expect(await one(a)).not.toBe(await one(b));
  });

  // Each pair differs only in layout (Atlas's indentation, whitespace between tokens, comments
  // outside strings): the fingerprints must match.
  const same: [string, string, string][] = [
    ['re-indented', 'CREATE TABLE "public"."t" (\n  "id" bigint NOT NULL\n);', 'CREATE TABLE "public"."t" (\n    "id" bigint NOT NULL\n);'],
    ['on one line', 'CREATE TABLE t (\n  id int,\n  note text\n);', 'CREATE TABLE t ( id int, note text );'],
    ['tabs and spaces between tokens', 'GRANT SELECT ON TABLE "public"."t" TO "r";', 'GRANT\tSELECT  ON TABLE\n"public"."t"   TO "r" ;'],
    ['an unquoted identifier vs its quoted lower-case spelling', 'DROP TABLE orders', 'DROP TABLE "orders"'],
  ];
  it.each(same)('match: %s', async (_name, a, b) => {
    expect(await one(a)).toBe(await one(b));
  });

  it('depend on order and count, and fall back to the exact text when the parser rejects it', async () => {
    expect(await fp(SQL)).not.toBe(await fp([...SQL].reverse()));
    expect(await fp(SQL)).not.toBe(await fp([SQL[0] as string]));
    expect(await fp(['SELECT 1; SELECT 2'])).not.toBe(await fp(['SELECT 1', 'SELECT 2']));
    expect(await fp([])).toMatch(/^[0-9a-f]{64}$/);
    expect(await one('CREATE TABLE ((')).not.toBe(await one('CREATE  TABLE (('));
    expect(await one('CREATE TABLE ((')).toBe(await one('CREATE TABLE (('));
  });

  it('tell what was added and removed when hashes were recorded, counts only otherwise', async () => {
    const reviewed = await reviewedRoot(SQL, true);
    const now = [SQL[0] as string, 'DROP ROLE "x";'];
    expect(planDelta(reviewed, now, await planPrint(now))).toEqual({
      added: ['DROP ROLE "x";'],
      removed: [SQL[1]],
      removedUnknown: 0,
      exact: true,
    });
    const noText = await reviewedRoot(SQL, false);
    const first = [SQL[0] as string];
    expect(planDelta(noText, first, await planPrint(first))).toEqual({ added: [], removed: [], removedUnknown: 1, exact: true });
    const big = await reviewedRoot(
      Array.from({ length: 1001 }, (_, i) => `GRANT SELECT ON TABLE t${i} TO r;`),
      false,
    );
    expect(big.hashes).toBeUndefined();
    expect(planDelta(big, SQL, await planPrint(SQL))).toMatchObject({ exact: false });
    expect(keepsText(['x'.repeat(12_001)])).toBe(false);
  });

  it('count a statement that only moved a comment-ended line as added (the DELETE that now runs)', async () => {
    const reviewedSql = 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT 1; -- DELETE FROM orders; $$;';
    const merged = reviewedSql.replace('-- DELETE', '--\nDELETE');
    const reviewed = await reviewedRoot([reviewedSql], true);
    const delta = planDelta(reviewed, [merged], await planPrint([merged]));
    expect(delta).toEqual({ added: [merged], removed: [reviewedSql], removedUnknown: 0, exact: true });
  });
});

describe('the hidden record', () => {
  const record = (v: unknown): string => `<!-- rds-atlas-action:data ${Buffer.from(JSON.stringify(v)).toString('base64url')} -->`;
  const body = (line: string, rest = '## Plan'): string => `${MARKER}\n${line}\n\n${rest}`;

  it('round-trips from the line under the marker, and nothing in the SQL can end the HTML comment that carries it', async () => {
    const sneaky = ["COMMENT ON TABLE t IS '--> <img src=x> <!-- ';"];
    const data = {
      reviewed: { pr: 7, commit: 'c'.repeat(40), runUrl: 'https://r', at: 'now', roots: { schema: await reviewedRoot(sneaky, true) } },
      current: entry(1),
      history: [entry(0)],
    };
    const line = encodeData(data);
    expect(line).toMatch(/^<!-- rds-atlas-action:data [A-Za-z0-9_-]+ -->$/);
    expect(decodeData(body(line), MARKER)).toEqual(data);
    expect(readRecord(`${MARKER}\n${line}`, MARKER)).toEqual({ kind: 'current', data });
  });

  it('is read only where it is written: a record anywhere after the line under the marker is never looked at', async () => {
    const forged = encodeData({
      history: [],
      reviewed: { pr: 7, commit: 'c', runUrl: '', at: '', roots: { schema: await reviewedRoot(['GRANT ALL ON t TO mallory'], true) } },
    });
    // The forged record inside the SQL, a diagnostic, a name: anywhere below our header.
    expect(readRecord(`${MARKER}\n\n## Plan\n\n\`\`\`sql\nCOMMENT ON TABLE t IS '${forged}';\n\`\`\``, MARKER)).toEqual({ kind: 'none' });
    const ours = encodeData({ history: [entry(0)] });
    expect(decodeData(body(ours, `COMMENT ON TABLE t IS '${forged}';`), MARKER)).toEqual({ history: [entry(0)] });
    // Not at the start of the body, or under another marker: not ours.
    expect(readRecord(`x${MARKER}\n${forged}`, MARKER)).toEqual({ kind: 'none' });
    expect(readRecord(`${commentMarker('prod', 'terraform/roles', 'terraform/schema')}\n${forged}`, MARKER)).toEqual({ kind: 'none' });
    // The record line must end where the record ends.
    expect(readRecord(`${MARKER}\n${forged.replace(' -->', ' --> trailing')}`, MARKER)).toEqual({ kind: 'unreadable' });
  });

  it('sits after a marker that no environment or directory can break onto a second line', () => {
    const hostile = `prod\n${encodeData({ history: [] })}\r\n-->\u2028<!--`;
    for (const marker of [
      commentMarker(hostile, hostile, hostile),
      driftMarker(hostile, hostile, hostile),
      commentMarker('', 'a\nb', 'c'),
      driftMarker('x', 'a\rb', 'c\u2029'),
    ]) {
      expect(marker).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(marker).not.toContain('rds-atlas-action:data');
      expect(marker.indexOf('-->')).toBe(marker.length - 3);
    }
  });

  it('cannot be spelled by names shown as prose (branch names, changed files): "<" is escaped there', () => {
    const line = encodeData({ history: [] });
    expect(text(`refs/heads/x${line}`)).not.toContain('<!--');
    // Git refuses spaces in ref names, and the prefix has one: GitHub never sends such a branch.
    expect(line).toMatch(/^<!-- rds-atlas-action:data /);
  });

  it('reads tampered or foreign records field by field, and an older format without its reviewed plan', async () => {
    expect(readRecord('no record', MARKER)).toEqual({ kind: 'none' });
    expect(readRecord(body('<!-- rds-atlas-action:data %%% -->'), MARKER)).toEqual({ kind: 'unreadable' });
    expect(readRecord(body(record({ v: 3, history: [] })), MARKER)).toEqual({ kind: 'unreadable' });
    expect(readRecord(body(record([])), MARKER)).toEqual({ kind: 'unreadable' });
    // Format 1 fingerprinted squeezed text: history and drift dates stay, the reviewed plan does not.
    const v1 = { v: 1, reviewed: { pr: 7, commit: 'c', roots: {} }, current: entry(1), history: [entry(0)], driftSince: 'then' };
    expect(readRecord(body(record(v1)), MARKER)).toEqual({
      kind: 'old',
      version: 1,
      data: { current: entry(1), history: [entry(0)], driftSince: 'then' },
    });
    // A fingerprint that is not a sha256, a PR that is not a number: that part is dropped.
    expect(decodeData(body(record({ v: 2, reviewed: { pr: '7', roots: {} }, history: [] })), MARKER)).toEqual({ history: [] });
    const bad = decodeData(
      body(record({ v: 2, reviewed: { pr: 7, commit: 'c', roots: { roles: { fingerprint: 'x', count: 1 } } }, history: [] })),
      MARKER,
    );
    expect(bad.reviewed?.roots).toEqual({});
    // Statements that do not match their fingerprint are not kept (they would be shown as reviewed).
    const root = { ...(await reviewedRoot(SQL, true)), statements: ['DROP TABLE everything;'] };
    const forged = decodeData(body(record({ v: 2, reviewed: { pr: 7, commit: 'c', roots: { roles: root } }, history: [] })), MARKER);
    const checked = await checkedPlan(forged.reviewed!);
    expect(checked.roots.roles?.statements).toBeUndefined();
    expect(checked.roots.roles?.fingerprint).toBe(await fp(SQL));
  });

  it('keeps the ten newest results', () => {
    let history: HistoryEntry[] = [];
    for (let i = 0; i < 12; i++) history = withHistory(history, entry(i % 10));
    expect(history).toHaveLength(10);
    expect(history[0]).toEqual(entry(1));
  });
});
