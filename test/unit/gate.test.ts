import { describe, expect, it } from 'vitest';
import { classifyStatements } from '../../src/atlas/classify.js';
import { DEFAULT_GATED_CLASSES, type Classification, type StatementClass } from '../../src/core/types.js';
import { decideGate, holdSummary, type GateInput } from '../../src/review/gate.js';
import { planPrint, reviewedRoot } from '../../src/review/record.js';
import type { ApprovalVerdict } from '../../src/review/approval.js';

// The gate as a table: destructive × approval × reviewed (same / changed / none) ×
// require-reviewed-plan × destructive-label (a second key), plus the no-SQL and destroy rows.
// The approval itself (who, when, on which commit) is its own table: approval.test.ts.

const CREATE = 'CREATE TABLE "public"."audit_log" (\n  "id" bigint NOT NULL\n);';
const GRANT = 'GRANT SELECT ON TABLE "public"."audit_log" TO "app_reader";';
const DROP = 'DROP TABLE "public"."legacy";';
const LABEL = 'allow-destructive-sql';
const APPROVED: ApprovalVerdict = { approved: true, by: [{ login: 'writer', at: '2026-01-01T00:00:00Z' }] };
const UNAPPROVED: ApprovalVerdict = { approved: false, findings: [] };

const cls = (c: StatementClass): Classification => ({ class: c, kind: 'X', reason: 'r', parsed: true });
const classify = (statements: string[]): Classification[] => statements.map((s) => cls(s.startsWith('DROP') ? 'destructive' : 'safe'));

interface Row {
  name: string;
  sql: string[];
  reviewed: 'same' | 'changed' | 'none' | 'lost';
  approved: boolean;
  require: boolean;
  /** destructive-label; '' (the default) when absent. */
  label?: string;
  labelled?: boolean;
  labelsUnknown?: string;
  destroys?: string[];
  expect: string;
}

const decisionOf = async (row: Row): Promise<string> => {
  const reviewedSql = row.reviewed === 'same' ? row.sql : [CREATE];
  const input: GateInput = {
    statements: row.sql,
    planned: await planPrint(row.sql),
    classifications: classify(row.sql),
    destroys: row.destroys ?? [],
    terraformChanged: true,
    reviewed: row.reviewed === 'none' || row.reviewed === 'lost' ? undefined : await reviewedRoot(reviewedSql, true),
    recordLost: row.reviewed === 'lost' ? 'the plan comment on #7 was last edited by mallory' : undefined,
    approval: row.approved ? APPROVED : UNAPPROVED,
    labels: row.labelled ? ['bug', LABEL] : ['bug'],
    labelsUnknown: row.labelsUnknown,
    destructiveLabel: row.label ?? '',
    gatedClasses: DEFAULT_GATED_CLASSES,
    requireReviewedPlan: row.require,
  };
  const d = decideGate(input);
  return d.decision === 'hold'
    ? `hold: ${d.reasons.map((r) => r.kind).join(' + ')}`
    : d.decision === 'apply'
      ? `apply (${d.basis})`
      : 'nothing';
};

const additive = [CREATE, GRANT];
const destructive = [CREATE, DROP];

const rows: Row[] = [
  // additive SQL
  { name: 'additive, reviewed, same', sql: additive, reviewed: 'same', approved: false, require: true, expect: 'apply (reviewed)' },
  {
    name: 'additive, reviewed, changed',
    sql: additive,
    reviewed: 'changed',
    approved: false,
    require: true,
    expect: 'hold: changed-since-review',
  },
  {
    name: 'additive, not reviewed',
    sql: additive,
    reviewed: 'none',
    approved: false,
    require: true,
    expect: 'apply (unreviewed-additive)',
  },
  {
    name: 'additive, changed, review off',
    sql: additive,
    reviewed: 'changed',
    approved: false,
    require: false,
    expect: 'apply (review-off)',
  },
  // destructive SQL
  // The PR was planned by this action, but its record is gone: held, never "not reviewed".
  { name: 'additive, record lost', sql: additive, reviewed: 'lost', approved: false, require: true, expect: 'hold: record-lost' },
  {
    name: 'additive, record lost, review off',
    sql: additive,
    reviewed: 'lost',
    approved: false,
    require: false,
    expect: 'apply (review-off)',
  },
  {
    name: 'destructive, record lost, approved',
    sql: destructive,
    reviewed: 'lost',
    approved: true,
    require: true,
    expect: 'hold: record-lost',
  },
  {
    name: 'destructive, record lost, no approval',
    sql: destructive,
    reviewed: 'lost',
    approved: false,
    require: true,
    expect: 'hold: record-lost + unapproved',
  },
  { name: 'destructive, same, approved', sql: destructive, reviewed: 'same', approved: true, require: true, expect: 'apply (reviewed)' },
  {
    name: 'destructive, same, no approval',
    sql: destructive,
    reviewed: 'same',
    approved: false,
    require: true,
    expect: 'hold: unapproved',
  },
  {
    name: 'destructive, changed, no approval',
    sql: destructive,
    reviewed: 'changed',
    approved: false,
    require: true,
    expect: 'hold: changed-since-review + unapproved',
  },
  {
    name: 'destructive, changed, approved',
    sql: destructive,
    reviewed: 'changed',
    approved: true,
    require: true,
    expect: 'hold: changed-since-review',
  },
  {
    name: 'destructive, not reviewed, no approval',
    sql: destructive,
    reviewed: 'none',
    approved: false,
    require: true,
    expect: 'hold: unreviewed-gated',
  },
  {
    name: 'destructive, not reviewed, approved',
    sql: destructive,
    reviewed: 'none',
    approved: true,
    require: true,
    expect: 'hold: unreviewed-gated',
  },
  {
    name: 'destructive, review off, no approval',
    sql: destructive,
    reviewed: 'changed',
    approved: false,
    require: false,
    expect: 'hold: unapproved',
  },
  {
    name: 'destructive, review off, approved',
    sql: destructive,
    reviewed: 'none',
    approved: true,
    require: false,
    expect: 'apply (review-off)',
  },
  // destructive-label set: the label is a second key besides the approval, never instead of it
  {
    name: 'destructive, same, approved, label required, absent',
    sql: destructive,
    reviewed: 'same',
    approved: true,
    require: true,
    label: LABEL,
    expect: 'hold: label',
  },
  {
    name: 'destructive, same, approved, label required, present',
    sql: destructive,
    reviewed: 'same',
    approved: true,
    require: true,
    label: LABEL,
    labelled: true,
    expect: 'apply (reviewed)',
  },
  {
    name: 'destructive, same, label present, no approval',
    sql: destructive,
    reviewed: 'same',
    approved: false,
    require: true,
    label: LABEL,
    labelled: true,
    expect: 'hold: unapproved',
  },
  {
    name: 'destructive, same, no approval, no label',
    sql: destructive,
    reviewed: 'same',
    approved: false,
    require: true,
    label: LABEL,
    expect: 'hold: unapproved + label',
  },
  {
    name: 'destructive, same, approved, labels unreadable',
    sql: destructive,
    reviewed: 'same',
    approved: true,
    require: true,
    label: LABEL,
    labelsUnknown: 'the labels of #7 could not be read (404)',
    expect: 'hold: label',
  },
  {
    name: 'destructive, same, label not required, labelled anyway, no approval',
    sql: destructive,
    reviewed: 'same',
    approved: false,
    require: true,
    labelled: true,
    expect: 'hold: unapproved',
  },
  {
    name: 'additive, same, label required, absent',
    sql: additive,
    reviewed: 'same',
    approved: false,
    require: true,
    label: LABEL,
    expect: 'apply (reviewed)',
  },
  {
    name: 'destructive, both off, approved',
    sql: destructive,
    reviewed: 'none',
    approved: true,
    require: false,
    expect: 'apply (review-off)',
  },
  // a destroyed atlas_schema is destructive whatever its SQL
  {
    name: 'resource destroy, no SQL, same, no approval',
    sql: [],
    reviewed: 'same',
    approved: false,
    require: true,
    destroys: ['atlas_schema.app'],
    expect: 'hold: unapproved',
  },
  {
    name: 'resource destroy, approved',
    sql: [],
    reviewed: 'same',
    approved: true,
    require: true,
    destroys: ['atlas_schema.app'],
    expect: 'apply (reviewed)',
  },
];

describe('decideGate', () => {
  it.each(rows)('$name → $expect', async (row) => {
    expect(await decisionOf(row)).toBe(row.expect);
  });

  it('names an unreadable label or review as unknown in the plain words of the log and annotation, never as missing', () => {
    const base = { classes: ['destructive' as const], statements: [], destroys: [], findings: [] };
    expect(holdSummary({ kind: 'label', classes: ['destructive'], label: LABEL, why: 'the labels of #7 could not be read (404)' })).toBe(
      'destructive SQL whose label could not be checked',
    );
    expect(holdSummary({ kind: 'label', classes: ['destructive'], label: LABEL })).toBe('destructive SQL without the label');
    expect(holdSummary({ kind: 'unapproved', ...base, why: 'the reviews of #7 could not be read (404)' })).toBe(
      'destructive SQL whose approval could not be checked',
    );
    expect(holdSummary({ kind: 'unapproved', ...base })).toBe('destructive SQL without an approval');
  });

  it('has nothing to do without SQL or a change, and applies a Terraform-only change without SQL', async () => {
    const base = {
      planned: await planPrint([]),
      classifications: [],
      destroys: [],
      reviewed: undefined,
      recordLost: undefined,
      approval: UNAPPROVED,
      labels: [],
      destructiveLabel: LABEL,
      gatedClasses: DEFAULT_GATED_CLASSES,
      requireReviewedPlan: true,
    };
    expect(decideGate({ ...base, statements: [], terraformChanged: false })).toEqual({ decision: 'nothing' });
    expect(decideGate({ ...base, statements: [], terraformChanged: true })).toMatchObject({ decision: 'apply', basis: 'no-sql' });
  });

  it('holds a plan the read-only re-check predicts to fail, whatever else lets it through, and says so in plain words', async () => {
    const sql = [CREATE];
    const failure = { statement: CREATE, table: 'app.people', fails: 'SET NOT NULL on email: 1,250 rows have NULL in email' };
    const input: GateInput = {
      statements: sql,
      planned: await planPrint(sql),
      classifications: classify(sql),
      destroys: [],
      terraformChanged: true,
      reviewed: await reviewedRoot(sql, true),
      recordLost: undefined,
      approval: APPROVED,
      labels: [LABEL],
      destructiveLabel: LABEL,
      gatedClasses: DEFAULT_GATED_CLASSES,
      requireReviewedPlan: true,
    };
    expect(decideGate(input)).toMatchObject({ decision: 'apply', basis: 'reviewed' });
    expect(decideGate({ ...input, predictedFailures: [] })).toMatchObject({ decision: 'apply', basis: 'reviewed' });
    const held = decideGate({ ...input, predictedFailures: [failure] });
    expect(held).toEqual({ decision: 'hold', reasons: [{ kind: 'will-fail', failures: [failure] }] });
    expect(held.decision === 'hold' ? held.reasons.map(holdSummary) : []).toEqual(['it would fail on the rows in the database now']);
  });

  it('compares what PostgreSQL would run (not the layout), and says exactly what changed since review', async () => {
    const reviewed = await reviewedRoot([CREATE, GRANT], true);
    const reindented = [CREATE.replace(/\n\s+/g, '\n    '), GRANT];
    const same = decideGate({
      statements: reindented,
      planned: await planPrint(reindented),
      recordLost: undefined,
      classifications: classify(reindented),
      destroys: [],
      terraformChanged: true,
      reviewed,
      approval: UNAPPROVED,
      labels: [],
      destructiveLabel: LABEL,
      gatedClasses: DEFAULT_GATED_CLASSES,
      requireReviewedPlan: true,
    });
    expect(same).toMatchObject({ decision: 'apply', basis: 'reviewed' });

    const now = [CREATE, DROP];
    const changed = decideGate({
      statements: now,
      planned: await planPrint(now),
      recordLost: undefined,
      classifications: classify(now),
      destroys: [],
      terraformChanged: true,
      reviewed,
      approval: APPROVED,
      labels: [LABEL],
      destructiveLabel: LABEL,
      gatedClasses: DEFAULT_GATED_CLASSES,
      requireReviewedPlan: true,
    });
    expect(changed).toEqual({
      decision: 'hold',
      reasons: [
        {
          kind: 'changed-since-review',
          delta: { added: [DROP], removed: [GRANT], removedUnknown: 0, exact: true },
          reviewedCount: 2,
          plannedCount: 2,
        },
      ],
    });
  });
});

// Issue 17: the statements the classifier used to call safe, through the real classifier and the
// gate, with the gated-classes setting. Each is reviewed (same fingerprint): only the class and
// the approval decide.
describe('every risky class is gated on merge (issue 17)', () => {
  const ALL = ['destructive', 'access-widening', 'access-reducing', 'session', 'unknown', 'behaviour-change', 'locking', 'safe'] as const;
  interface ClassRow {
    name: string;
    sql: string[];
    gated?: readonly (typeof ALL)[number][];
    approved?: boolean;
    expect: string;
  }
  const rows: ClassRow[] = [
    {
      name: 'EXPLAIN ANALYZE DELETE',
      sql: ['EXPLAIN ANALYZE DELETE FROM "public"."orders";'],
      expect: 'hold: destructive SQL without an approval',
    },
    {
      name: 'EXPLAIN (ANALYZE) UPDATE',
      sql: ['EXPLAIN (ANALYZE) UPDATE "public"."orders" SET "total" = 0;'],
      expect: 'hold: destructive SQL without an approval',
    },
    {
      name: 'PREPARE … DELETE; EXECUTE',
      sql: ['PREPARE "p" AS DELETE FROM "public"."orders";', 'EXECUTE "p";'],
      expect: 'hold: destructive SQL without an approval',
    },
    { name: 'EXECUTE of a name never prepared', sql: ['EXECUTE "p";'], expect: 'hold: unknown SQL without an approval' },
    {
      name: 'an unknown statement kind',
      sql: ['CREATE PUBLICATION "pub" FOR ALL TABLES;'],
      expect: 'hold: unknown SQL without an approval',
    },
    {
      name: "the issue's Trojan COMMENT after standard_conforming_strings = off",
      sql: ['SET standard_conforming_strings = off;', 'COMMENT ON TABLE "public"."t" IS \'x\\\'\'; DROP TABLE "public"."orders"; --\';'],
      expect: 'hold: session and unknown SQL without an approval',
    },
    { name: 'SET search_path', sql: ['SET search_path = "archive";'], expect: 'hold: session SQL without an approval' },
    { name: 'SET ROLE', sql: ['SET ROLE "app_owner";'], expect: 'hold: session SQL without an approval' },
    { name: 'SET SESSION AUTHORIZATION', sql: ['SET SESSION AUTHORIZATION "app_owner";'], expect: 'hold: session SQL without an approval' },
    { name: 'RESET ALL', sql: ['RESET ALL;'], expect: 'hold: session SQL without an approval' },
    { name: 'SET backslash_quote', sql: ['SET backslash_quote = on;'], expect: 'hold: session SQL without an approval' },
    { name: 'set_config()', sql: ["SELECT set_config('search_path', 'archive', false);"], expect: 'hold: session SQL without an approval' },
    {
      name: 'ALTER DATABASE … CONNECTION LIMIT 0',
      sql: ['ALTER DATABASE "app" CONNECTION LIMIT 0;'],
      expect: 'hold: access-reducing SQL without an approval',
    },
    {
      name: 'ALTER DATABASE … ALLOW_CONNECTIONS false',
      sql: ['ALTER DATABASE "app" WITH ALLOW_CONNECTIONS false;'],
      expect: 'hold: access-reducing SQL without an approval',
    },
    {
      name: 'ALTER ROLE … SET default_transaction_read_only = on',
      sql: ['ALTER ROLE "app_writer" SET default_transaction_read_only = on;'],
      expect: 'hold: access-reducing SQL without an approval',
    },
    {
      name: 'ENABLE ROW LEVEL SECURITY after CREATE TABLE IF NOT EXISTS',
      sql: ['CREATE TABLE IF NOT EXISTS "public"."t" ("id" bigint);', 'ALTER TABLE "public"."t" ENABLE ROW LEVEL SECURITY;'],
      expect: 'hold: access-reducing SQL without an approval',
    },
    {
      name: 'REVOKE (access-reducing was applied without the label before)',
      sql: ['REVOKE SELECT ON "public"."t" FROM "app_reader";'],
      expect: 'hold: access-reducing SQL without an approval',
    },
    {
      name: 'access-reducing, approved',
      sql: ['ALTER DATABASE "app" CONNECTION LIMIT 0;'],
      approved: true,
      expect: 'apply (reviewed: access-reducing)',
    },
    // widening access is gated by default, judged from the text alone (no live catalog on merge)
    ...[
      'GRANT "rds_superuser" TO "app_reader";',
      'ALTER ROLE "app_reader" SUPERUSER CREATEROLE;',
      'CREATE ROLE "boss" SUPERUSER LOGIN;',
      'CREATE ROLE "r2" IN ROLE "rds_superuser";',
      'GRANT ALL ON TABLE "public"."orders" TO PUBLIC;',
      'GRANT SELECT ON TABLE "public"."orders" TO "app_reader" WITH GRANT OPTION;',
      'GRANT "app_writer" TO "app_reader" WITH ADMIN OPTION;',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT ON TABLES TO PUBLIC;',
      'CREATE FUNCTION "public"."f"() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;',
      'ALTER FUNCTION "public"."f"() SECURITY DEFINER;',
      'ALTER TABLE "public"."orders" OWNER TO "app_reader";',
      'ALTER SCHEMA "app" OWNER TO "app_reader";',
    ].map((sql) => ({ name: `widening: ${sql}`, sql: [sql], expect: 'hold: access-widening SQL without an approval' })),
    {
      name: 'widening, approved',
      sql: ['GRANT "rds_superuser" TO "app_reader";'],
      approved: true,
      expect: 'apply (reviewed: access-widening)',
    },
    // not widening: an ordinary grant to a role, a membership without options, SECURITY INVOKER
    ...[
      'GRANT SELECT ON TABLE "public"."orders" TO "app_reader";',
      'GRANT "app_writer" TO "app_reader";',
      'CREATE ROLE "r3" LOGIN NOSUPERUSER;',
      'CREATE FUNCTION "public"."g"() RETURNS int LANGUAGE sql SECURITY INVOKER AS $$ SELECT 1 $$;',
    ].map((sql) => ({ name: `not widening: ${sql}`, sql: [sql], expect: 'apply (reviewed)' })),
    // behaviour changes are listed, not gated by default; the setting gates them
    {
      name: 'CREATE OR REPLACE VIEW, default setting',
      sql: ['CREATE OR REPLACE VIEW "public"."v" AS SELECT 1;'],
      expect: 'apply (reviewed)',
    },
    {
      name: 'CREATE RULE … DO INSTEAD, behaviour-change gated',
      sql: ['CREATE RULE "r" AS ON DELETE TO "public"."orders" DO INSTEAD NOTHING;'],
      gated: [...DEFAULT_GATED_CLASSES, 'behaviour-change'],
      expect: 'hold: behaviour-change SQL without an approval',
    },
    { name: 'lo_unlink() loses the large object', sql: ['SELECT lo_unlink(16403);'], expect: 'hold: destructive SQL without an approval' },
    // the setting: none gates nothing, all gates any SQL, a list gates only what it names
    { name: 'gated-classes: none', sql: ['DROP TABLE "public"."orders";'], gated: [], expect: 'apply (reviewed)' },
    {
      name: 'gated-classes: all, a plain CREATE TABLE',
      sql: ['CREATE TABLE "public"."t" ("id" bigint);'],
      gated: ALL,
      expect: 'hold: safe SQL without an approval',
    },
    {
      name: 'gated-classes: destructive only lets access-reducing through',
      sql: ['ALTER DATABASE "app" CONNECTION LIMIT 0;'],
      gated: ['destructive'],
      expect: 'apply (reviewed)',
    },
  ];

  it.each(rows)('$name → $expect', async (row) => {
    const classifications = await classifyStatements(row.sql);
    const d = decideGate({
      statements: row.sql,
      planned: await planPrint(row.sql),
      classifications,
      destroys: [],
      terraformChanged: true,
      reviewed: await reviewedRoot(row.sql, true),
      recordLost: undefined,
      approval: row.approved ? APPROVED : UNAPPROVED,
      labels: [],
      destructiveLabel: '',
      gatedClasses: row.gated ?? DEFAULT_GATED_CLASSES,
      requireReviewedPlan: true,
    });
    const got =
      d.decision === 'hold'
        ? `hold: ${d.reasons.map(holdSummary).join(' + ')}`
        : d.decision === 'apply'
          ? `apply (${d.basis}${d.gated.length > 0 ? `: ${d.gated.join(', ')}` : ''})`
          : 'nothing';
    expect(got).toBe(row.expect);
  });

  it('names each held statement with its class and reason', async () => {
    const sql = ['ALTER ROLE "app_writer" SET default_transaction_read_only = on;', 'CREATE SCHEMA "s";'];
    const d = decideGate({
      statements: sql,
      planned: await planPrint(sql),
      classifications: await classifyStatements(sql),
      destroys: ['atlas_schema.app'],
      terraformChanged: true,
      reviewed: undefined,
      recordLost: undefined,
      approval: UNAPPROVED,
      labels: [],
      destructiveLabel: LABEL,
      gatedClasses: DEFAULT_GATED_CLASSES,
      requireReviewedPlan: true,
    });
    expect(d).toEqual({
      decision: 'hold',
      reasons: [
        {
          kind: 'unreviewed-gated',
          classes: ['destructive', 'access-reducing'],
          statements: [
            {
              statement: sql[0],
              class: 'access-reducing',
              reason:
                'makes every new session of role "app_writer" read-only (default_transaction_read_only = on): its writes fail from the next login on',
            },
          ],
          destroys: ['atlas_schema.app'],
        },
      ],
    });
  });
});
