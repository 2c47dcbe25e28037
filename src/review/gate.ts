import { planDelta, type PlanDelta, type PlanPrint } from './record.js';
import type { Classification, ReviewedRoot, StatementClass } from '../core/index.js';
import type { ApprovalFinding, ApprovalVerdict } from './approval.js';

// Whether a root's plan may be applied on merge. A pure function of the plan, the reviewed
// plan the merged PR's comment recorded, the PR's labels and two inputs, so every case is a
// row in a table test. The pipeline only carries the decision out.
//
// | SQL now             | reviewed plan      | require-reviewed-plan | gated class? | approval | decision                 |
// | none, no TF change  | any                | any                   | —            | —        | nothing                  |
// | none, TF-only diff  | any                | any                   | —            | —        | apply (no SQL runs)      |
// | some                | same fingerprint   | true                  | no           | —        | apply (reviewed)         |
// | some                | same fingerprint   | true                  | yes          | approved | apply (reviewed)         |
// | some                | same fingerprint   | true                  | yes          | missing  | hold: unapproved         |
// | some                | other fingerprint  | true                  | any          | any      | hold: changed since review (+ unapproved) |
// | some                | lost               | true                  | any          | any      | hold: record lost (+ unapproved) |
// | some                | none               | true                  | no           | —        | apply (unreviewed, nothing gated) |
// | some                | none               | true                  | yes          | any      | hold: unreviewed gated   |
// | some                | any                | false                 | no           | —        | apply (review not required) |
// | some                | any                | false                 | yes          | approved | apply (review not required) |
// | some                | any                | false                 | yes          | missing  | hold: unapproved         |
// The approval (review/approval.ts) is an approving review by someone other than the author
// with write access, given while this plan was the one shown. When destructive-label is set,
// gated SQL needs that label on the merged PR as well (a second key, never instead of the
// approval): a missing label adds "hold: label".
// "lost": the merged PR was planned by this action, but no trusted record of that plan is left
// (edited, garbled, older format, GitHub unreachable); "none" is only for PRs never planned.
// "Gated class" means a statement whose class is in the gated-classes input (by default
// destructive, access-widening, access-reducing, session and unknown; `all` makes any SQL gated,
// `none` nothing). A planned delete/replace of the atlas_schema resource counts as destructive
// whatever its SQL.

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
  /** Whether the merged PR's reviews approve this plan (review/approval.ts decideApproval). */
  approval: ApprovalVerdict;
  labels: readonly string[];
  /** Why the labels could not be read, when they could not. */
  labelsUnknown?: string | undefined;
  /** The label gated SQL needs besides the approval; '' (the default) needs none. */
  destructiveLabel: string;
  /** The classes that need an approval (the gated-classes input). */
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
  /** SQL of a gated class (or a resource destroy, when destructive is gated) without an approval that counts. */
  | {
      kind: 'unapproved';
      classes: StatementClass[];
      statements: GatedStatement[];
      destroys: string[];
      findings: ApprovalFinding[];
      /** GitHub could not be read: why. */
      why?: string;
    }
  /** destructive-label is set and the merged PR does not carry it (or its labels could not be read: why). */
  | { kind: 'label'; classes: StatementClass[]; label: string; why?: string }
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
  | { decision: 'nothing' }
  /** `gated`: the gated classes this plan has; `approvedBy`: whose reviews approved them. */
  | { decision: 'apply'; basis: ApplyBasis; gated: StatementClass[]; approvedBy: { login: string; at: string }[]; labelled: boolean }
  | { decision: 'hold'; reasons: HoldReason[] };

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
  const approvedBy = gated && input.approval.approved ? input.approval.by : [];

  if (input.statements.length === 0 && input.destroys.length === 0) {
    return input.terraformChanged ? { decision: 'apply', basis: 'no-sql', gated: [], approvedBy: [], labelled } : { decision: 'nothing' };
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
  if (gated && !unreviewed) {
    const { approval } = input;
    if (!approval.approved) {
      reasons.push({
        kind: 'unapproved',
        classes,
        statements,
        destroys,
        findings: approval.findings,
        ...(approval.why ? { why: approval.why } : {}),
      });
    }
    if (!labelled && input.destructiveLabel !== '') {
      const why = input.labelsUnknown;
      reasons.push({ kind: 'label', classes, label: input.destructiveLabel, ...(why ? { why } : {}) });
    }
  }
  if (input.predictedFailures && input.predictedFailures.length > 0)
    reasons.push({ kind: 'will-fail', failures: [...input.predictedFailures] });
  return reasons.length > 0 ? { decision: 'hold', reasons } : { decision: 'apply', basis, gated: classes, approvedBy, labelled };
}

/** "destructive", "destructive and access-reducing": the classes as a reason names them. */
export function classList(classes: readonly StatementClass[]): string {
  return classes.length <= 1 ? (classes[0] ?? '') : `${classes.slice(0, -1).join(', ')} and ${classes.at(-1)}`;
}

/** One hold reason in a few plain words, for the job's error annotation and the log. */
export function holdSummary(reason: HoldReason): string {
  switch (reason.kind) {
    case 'unapproved':
      return reason.why
        ? `${classList(reason.classes)} SQL whose approval could not be checked`
        : `${classList(reason.classes)} SQL without an approval`;
    case 'label':
      return reason.why
        ? `${classList(reason.classes)} SQL whose label could not be checked`
        : `${classList(reason.classes)} SQL without the label`;
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
