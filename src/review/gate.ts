import { planDelta, type PlanDelta, type PlanPrint } from './record.js';
import type { Classification, ReviewedRoot, StatementClass } from '../core/index.js';

// Whether a root's plan may be applied on merge. A pure function of the plan, the reviewed
// plan the merged PR's comment recorded, the PR's labels and two inputs, so every case is a
// row in a table test. The pipeline only carries the decision out.
//
// | SQL now             | reviewed plan      | require-reviewed-plan | destructive? | label   | decision                 |
// | none, no TF change  | any                | any                   | —            | —       | nothing                  |
// | none, TF-only diff  | any                | any                   | no           | —       | apply (no SQL runs)      |
// | SQL now             | reviewed plan      | require-reviewed-plan | gated class? | label   | decision                 |
// | some                | same fingerprint   | true                  | no           | —       | apply (reviewed)         |
// | some                | same fingerprint   | true                  | yes          | present | apply (reviewed)         |
// | some                | same fingerprint   | true                  | yes          | absent  | hold: gated              |
// | some                | other fingerprint  | true                  | any          | any     | hold: changed since review (+ gated without label) |
// | some                | lost               | true                  | any          | any     | hold: record lost (+ gated without label) |
// | some                | none               | true                  | no           | —       | apply (unreviewed, nothing gated) |
// | some                | none               | true                  | yes          | any     | hold: unreviewed gated   |
// | some                | any                | false                 | no           | —       | apply (review not required) |
// | some                | any                | false                 | yes          | present | apply (review not required) |
// | some                | any                | false                 | yes          | absent  | hold: gated              |
// "lost": the merged PR was planned by this action, but no trusted record of that plan is left
// (edited, garbled, older format, GitHub unreachable); "none" is only for PRs never planned.
// "Gated class" means a statement whose class is in the gated-classes input (by default
// destructive, access-widening, access-reducing, session and unknown; `all` makes any SQL gated). An empty
// destructive-label switches the label requirement off (never the review check). A planned
// delete/replace of the atlas_schema resource counts as destructive whatever its SQL.

export interface GateInput {
  statements: readonly string[];
  /** The statements' fingerprint and hashes (review.ts planPrint). */
  planned: PlanPrint;
  /** One per statement. */
  classifications: readonly Classification[];
  /** atlas_schema addresses Terraform will delete or replace. */
  destroys: readonly string[];
  terraformChanged: boolean;
  /** This root's plan as the merged PR's comment recorded it; undefined when none. */
  reviewed: ReviewedRoot | undefined;
  /** Why the merged PR's reviewed plan, which it had, cannot be known now; undefined when not so. */
  recordLost: string | undefined;
  labels: readonly string[];
  /** The label that approves gated SQL; '' switches the label requirement off. */
  destructiveLabel: string;
  /** The classes that need the label (the gated-classes input). */
  gatedClasses: readonly StatementClass[];
  requireReviewedPlan: boolean;
  /**
   * The merge's read-only re-check of today's rows (impact/): statements predicted to fail.
   * Empty or absent when none, or when it could not run (Atlas would then fail and roll back).
   */
  predictedFailures?: readonly PredictedFailure[];
}

/** A statement the re-check found would fail on the rows there now (counts only, never values). */
export interface PredictedFailure {
  statement: string;
  table: string;
  /** "12,345 rows have NULL in \"email\"", from the bounded check. */
  fails: string;
}

/** A statement the gate stopped, with what the classifier said about it (the comment names both). */
export interface GatedStatement {
  statement: string;
  class: StatementClass;
  reason: string;
}

export type HoldReason =
  /** SQL of a gated class (or a resource destroy, when destructive is gated) without the label. */
  | { kind: 'gated'; classes: StatementClass[]; statements: GatedStatement[]; destroys: string[]; label: string }
  /** The plan now differs from the plan reviewers saw. */
  | { kind: 'changed-since-review'; delta: PlanDelta; reviewedCount: number; plannedCount: number }
  /** The merged PR was planned by this action, but no trusted record of that plan is left. */
  | { kind: 'record-lost'; why: string }
  /** SQL of a gated class that no pull request showed: never applied automatically. */
  | { kind: 'unreviewed-gated'; classes: StatementClass[]; statements: GatedStatement[]; destroys: string[] }
  /** The re-check of today's rows predicts the apply would fail: a failed apply prevented beats a rolled-back one. */
  | { kind: 'will-fail'; failures: PredictedFailure[] };

export type ApplyBasis =
  /** Equal to the reviewed plan. */
  | 'reviewed'
  /** No reviewed plan, and nothing of a gated class. */
  | 'unreviewed-additive'
  /** require-reviewed-plan is false. */
  | 'review-off'
  /** Only Terraform state changes; Atlas runs no SQL. */
  | 'no-sql';

export type GateDecision =
  | { verdict: 'nothing' }
  /** `gated`: the gated classes this plan has (the label approved them, or the label requirement is off). */
  | { verdict: 'apply'; basis: ApplyBasis; gated: StatementClass[]; labelled: boolean }
  | { verdict: 'hold'; reasons: HoldReason[] };

export function decideGate(input: GateInput): GateDecision {
  const gatedClasses = new Set(input.gatedClasses);
  const statements = input.statements.flatMap((statement, i): GatedStatement[] => {
    // A statement without a classification is never waved through.
    const c = input.classifications[i] ?? { class: 'unknown', reason: 'it was not classified' };
    return gatedClasses.has(c.class) ? [{ statement, class: c.class, reason: c.reason }] : [];
  });
  const destroys = gatedClasses.has('destructive') ? [...input.destroys] : [];
  const classes = [
    ...new Set<StatementClass>([...(destroys.length > 0 ? ['destructive' as const] : []), ...statements.map((s) => s.class)]),
  ];
  const gated = classes.length > 0;
  const labelled = input.destructiveLabel !== '' && input.labels.includes(input.destructiveLabel);

  if (input.statements.length === 0 && input.destroys.length === 0) {
    return input.terraformChanged ? { verdict: 'apply', basis: 'no-sql', gated: [], labelled } : { verdict: 'nothing' };
  }

  const reasons: HoldReason[] = [];
  let basis: ApplyBasis = 'review-off';
  if (input.requireReviewedPlan) {
    const { reviewed } = input;
    if (reviewed) {
      basis = 'reviewed';
      if (reviewed.fingerprint !== input.planned.fingerprint) {
        reasons.push({
          kind: 'changed-since-review',
          delta: planDelta(reviewed, input.statements, input.planned),
          reviewedCount: reviewed.count,
          plannedCount: input.statements.length,
        });
      }
    } else if (input.recordLost !== undefined) {
      reasons.push({ kind: 'record-lost', why: input.recordLost });
    } else {
      basis = 'unreviewed-additive';
      if (gated) reasons.push({ kind: 'unreviewed-gated', classes, statements, destroys });
    }
  }
  const unreviewed = reasons.some((r) => r.kind === 'unreviewed-gated');
  if (gated && !labelled && input.destructiveLabel !== '' && !unreviewed) {
    reasons.push({ kind: 'gated', classes, statements, destroys, label: input.destructiveLabel });
  }
  if (input.predictedFailures && input.predictedFailures.length > 0)
    reasons.push({ kind: 'will-fail', failures: [...input.predictedFailures] });
  return reasons.length > 0 ? { verdict: 'hold', reasons } : { verdict: 'apply', basis, gated: classes, labelled };
}

/** "destructive", "destructive and access-reducing": the classes as a reason names them. */
export function classList(classes: readonly StatementClass[]): string {
  return classes.length <= 1 ? (classes[0] ?? '') : `${classes.slice(0, -1).join(', ')} and ${classes.at(-1)}`;
}

/** One hold reason in a few plain words, for the job's error annotation and the log. */
export function holdSummary(reason: HoldReason): string {
  switch (reason.kind) {
    case 'gated':
      return `${classList(reason.classes)} SQL without the label`;
    case 'unreviewed-gated':
      return `${classList(reason.classes)} SQL that no pull request showed`;
    case 'changed-since-review':
      return 'SQL changed since review';
    case 'record-lost':
      return 'no trusted record of the reviewed plan';
    case 'will-fail':
      return 'it would fail on the rows in the database now';
  }
}
