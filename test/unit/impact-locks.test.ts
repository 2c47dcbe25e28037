import { describe, expect, it } from 'vitest';
import { planImpact, typeChangeRewrites, parseFormatType, type TypeSpec } from '../../src/impact/index.js';
import { LOCK_TABLE } from '../../src/impact/lock-table.js';
import { LOCK_CASES } from '../fixtures/impact-lock-cases.js';

describe('lock and rewrite model (a table)', () => {
  it.each(LOCK_CASES)('%s → %s, %s', async (sql, lock, work) => {
    const plan = await planImpact('schema', [sql]);
    const effects = plan.statements[0]!.effects.filter((e) => 'index' in e.on || e.on.table.name === 't');
    expect(effects.map((e) => [LOCK_TABLE[e.form].lock, LOCK_TABLE[e.form].work])).toEqual([[lock, work]]);
  });

  it('CONCURRENTLY forms are marked as refusing a transaction block', async () => {
    const plan = await planImpact('schema', ['CREATE INDEX CONCURRENTLY "i" ON "t" ("a")', 'DROP INDEX CONCURRENTLY "i"']);
    expect(plan.statements.map((s) => s.effects.map((e) => [e.form, 'outsideTransaction' in LOCK_TABLE[e.form]]))).toEqual([
      [['CREATE INDEX CONCURRENTLY', true]],
      [['DROP INDEX CONCURRENTLY', true]],
    ]);
  });

  it('statements on a table the plan creates earlier lock nothing anyone waits for and need no check', async () => {
    const plan = await planImpact('schema', [
      'CREATE TABLE "n" ("a" int)',
      'ALTER TABLE "n" ALTER COLUMN "a" SET NOT NULL',
      'CREATE UNIQUE INDEX ON "n" ("a")',
    ]);
    expect(plan.statements.flatMap((s) => [...s.effects, ...s.intents])).toEqual([]);
  });
});

describe('type changes that rewrite (ALTER TABLE Notes: binary coercible is no rewrite)', () => {
  const spec = (text: string): TypeSpec => parseFormatType(text);
  it.each([
    ['character varying(10)', 'character varying(20)', false],
    ['character varying(20)', 'character varying(10)', true],
    ['character varying(10)', 'text', false],
    ['text', 'character varying', false],
    ['text', 'character varying(5)', true],
    ['numeric(10,2)', 'numeric(12,2)', false],
    ['numeric(10,2)', 'numeric(12,3)', true],
    ['integer', 'bigint', true],
    ['timestamp(3) without time zone', 'timestamp(6) without time zone', false],
    ['timestamp without time zone', 'timestamp with time zone', true],
    ['cidr', 'inet', false],
    ['integer[]', 'integer', true],
  ])('%s → %s rewrites: %s', (from, to, rewrites) => {
    expect(typeChangeRewrites(spec(from), spec(to))).toBe(rewrites);
  });
});
