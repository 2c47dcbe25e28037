import { describe, expect, it } from 'vitest';
import { decideGate, type GateInput } from '../../src/review/gate.js';
import { planPrint, reviewedRoot } from '../../src/review/record.js';
import type { Classification, StatementClass } from '../../src/core/types.js';

// The gate as a table: destructive × label × reviewed (same / changed / none) ×
// require-reviewed-plan × destructive-label empty, plus the no-SQL and destroy rows.

const CREATE = 'CREATE TABLE "public"."audit_log" (\n  "id" bigint NOT NULL\n);';
const GRANT = 'GRANT SELECT ON TABLE "public"."audit_log" TO "app_reader";';
const DROP = 'DROP TABLE "public"."legacy";';
const LABEL = 'allow-destructive-sql';

const cls = (c: StatementClass): Classification => ({ class: c, kind: 'X', reason: 'r', parsed: true });
const classify = (statements: string[]): Classification[] => statements.map((s) => cls(s.startsWith('DROP') ? 'destructive' : 'safe'));

interface Row {
  name: string;
  sql: string[];
  reviewed: 'same' | 'changed' | 'none' | 'lost';
  labelled: boolean;
  require: boolean;
  label?: string;
  destroys?: string[];
  expect: string;
}

const verdict = async (row: Row): Promise<string> => {
  const reviewedSql = row.reviewed === 'same' ? row.sql : [CREATE];
  const input: GateInput = {
    statements: row.sql,
    planned: await planPrint(row.sql),
    classifications: classify(row.sql),
    destroys: row.destroys ?? [],
    terraformChanged: true,
    reviewed: row.reviewed === 'none' || row.reviewed === 'lost' ? undefined : await reviewedRoot(reviewedSql, true),
    recordLost: row.reviewed === 'lost' ? 'the plan comment on #7 was last edited by mallory' : undefined,
    labels: row.labelled ? ['bug', LABEL] : ['bug'],
    destructiveLabel: row.label ?? LABEL,
    requireReviewedPlan: row.require,
  };
  const d = decideGate(input);
  return d.verdict === 'hold'
    ? `hold: ${d.reasons.map((r) => r.kind).join(' + ')}`
    : d.verdict === 'apply'
      ? `apply (${d.basis})`
      : 'nothing';
};

const additive = [CREATE, GRANT];
const destructive = [CREATE, DROP];

const rows: Row[] = [
  // additive SQL
  { name: 'additive, reviewed, same', sql: additive, reviewed: 'same', labelled: false, require: true, expect: 'apply (reviewed)' },
  {
    name: 'additive, reviewed, changed',
    sql: additive,
    reviewed: 'changed',
    labelled: false,
    require: true,
    expect: 'hold: changed-since-review',
  },
  {
    name: 'additive, not reviewed',
    sql: additive,
    reviewed: 'none',
    labelled: false,
    require: true,
    expect: 'apply (unreviewed-additive)',
  },
  {
    name: 'additive, changed, review off',
    sql: additive,
    reviewed: 'changed',
    labelled: false,
    require: false,
    expect: 'apply (review-off)',
  },
  // destructive SQL
  // The PR was planned by this action, but its record is gone: held, never "not reviewed".
  { name: 'additive, record lost', sql: additive, reviewed: 'lost', labelled: false, require: true, expect: 'hold: record-lost' },
  {
    name: 'additive, record lost, review off',
    sql: additive,
    reviewed: 'lost',
    labelled: false,
    require: false,
    expect: 'apply (review-off)',
  },
  {
    name: 'destructive, record lost, labelled',
    sql: destructive,
    reviewed: 'lost',
    labelled: true,
    require: true,
    expect: 'hold: record-lost',
  },
  {
    name: 'destructive, record lost, no label',
    sql: destructive,
    reviewed: 'lost',
    labelled: false,
    require: true,
    expect: 'hold: record-lost + destructive',
  },
  { name: 'destructive, same, labelled', sql: destructive, reviewed: 'same', labelled: true, require: true, expect: 'apply (reviewed)' },
  { name: 'destructive, same, no label', sql: destructive, reviewed: 'same', labelled: false, require: true, expect: 'hold: destructive' },
  {
    name: 'destructive, changed, no label',
    sql: destructive,
    reviewed: 'changed',
    labelled: false,
    require: true,
    expect: 'hold: changed-since-review + destructive',
  },
  {
    name: 'destructive, changed, labelled',
    sql: destructive,
    reviewed: 'changed',
    labelled: true,
    require: true,
    expect: 'hold: changed-since-review',
  },
  {
    name: 'destructive, not reviewed, no label',
    sql: destructive,
    reviewed: 'none',
    labelled: false,
    require: true,
    expect: 'hold: unreviewed-destructive',
  },
  {
    name: 'destructive, not reviewed, labelled',
    sql: destructive,
    reviewed: 'none',
    labelled: true,
    require: true,
    expect: 'hold: unreviewed-destructive',
  },
  {
    name: 'destructive, review off, no label',
    sql: destructive,
    reviewed: 'changed',
    labelled: false,
    require: false,
    expect: 'hold: destructive',
  },
  {
    name: 'destructive, review off, labelled',
    sql: destructive,
    reviewed: 'none',
    labelled: true,
    require: false,
    expect: 'apply (review-off)',
  },
  // destructive-label empty: the label requirement is off, never the review check
  {
    name: 'destructive, same, gate off',
    sql: destructive,
    reviewed: 'same',
    labelled: false,
    require: true,
    label: '',
    expect: 'apply (reviewed)',
  },
  {
    name: 'destructive, changed, gate off',
    sql: destructive,
    reviewed: 'changed',
    labelled: false,
    require: true,
    label: '',
    expect: 'hold: changed-since-review',
  },
  {
    name: 'destructive, both off',
    sql: destructive,
    reviewed: 'none',
    labelled: false,
    require: false,
    label: '',
    expect: 'apply (review-off)',
  },
  // a destroyed atlas_schema is destructive whatever its SQL
  {
    name: 'resource destroy, no SQL, same, no label',
    sql: [],
    reviewed: 'same',
    labelled: false,
    require: true,
    destroys: ['atlas_schema.app'],
    expect: 'hold: destructive',
  },
  {
    name: 'resource destroy, labelled',
    sql: [],
    reviewed: 'same',
    labelled: true,
    require: true,
    destroys: ['atlas_schema.app'],
    expect: 'apply (reviewed)',
  },
];

describe('decideGate', () => {
  it.each(rows)('$name → $expect', async (row) => {
    expect(await verdict(row)).toBe(row.expect);
  });

  it('has nothing to do without SQL or a change, and applies a Terraform-only change without SQL', async () => {
    const base = {
      planned: await planPrint([]),
      classifications: [],
      destroys: [],
      reviewed: undefined,
      recordLost: undefined,
      labels: [],
      destructiveLabel: LABEL,
      requireReviewedPlan: true,
    };
    expect(decideGate({ ...base, statements: [], terraformChanged: false })).toEqual({ verdict: 'nothing' });
    expect(decideGate({ ...base, statements: [], terraformChanged: true })).toMatchObject({ verdict: 'apply', basis: 'no-sql' });
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
      labels: [],
      destructiveLabel: LABEL,
      requireReviewedPlan: true,
    });
    expect(same).toMatchObject({ verdict: 'apply', basis: 'reviewed' });

    const now = [CREATE, DROP];
    const changed = decideGate({
      statements: now,
      planned: await planPrint(now),
      recordLost: undefined,
      classifications: classify(now),
      destroys: [],
      terraformChanged: true,
      reviewed,
      labels: [LABEL],
      destructiveLabel: LABEL,
      requireReviewedPlan: true,
    });
    expect(changed).toEqual({
      verdict: 'hold',
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
