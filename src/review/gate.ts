import { planDelta, type PlanDelta, type PlanPrint } from './record.js';
import type { Classification, ReviewedRoot } from '../core/index.js';

// Whether a root's plan may be applied on merge. A pure function of the plan, the reviewed
// plan the merged PR's comment recorded, the PR's labels and two inputs, so every case is a
// row in a table test. The pipeline only carries the decision out.
//
// | SQL now             | reviewed plan      | require-reviewed-plan | destructive? | label   | decision                 |
// | none, no TF change  | any                | any                   | —            | —       | nothing                  |
// | none, TF-only diff  | any                | any                   | no           | —       | apply (no SQL runs)      |
// | some                | same fingerprint   | true                  | no           | —       | apply (reviewed)         |
// | some                | same fingerprint   | true                  | yes          | present | apply (reviewed)         |
// | some                | same fingerprint   | true                  | yes          | absent  | hold: destructive        |
// | some                | other fingerprint  | true                  | any          | any     | hold: changed since review (+ destructive without label) |
// | some                | lost               | true                  | any          | any     | hold: record lost (+ destructive without label) |
// | some                | none               | true                  | no           | —       | apply (unreviewed, only adds) |
// | some                | none               | true                  | yes          | any     | hold: unreviewed destructive |
// | some                | any                | false                 | no           | —       | apply (review not required) |
// | some                | any                | false                 | yes          | present | apply (review not required) |
// | some                | any                | false                 | yes          | absent  | hold: destructive        |
// "lost": the merged PR was planned by this action, but no trusted record of that plan is left
// (edited, garbled, older format, GitHub unreachable); "none" is only for PRs never planned.
// An empty destructive-label switches the label requirement off (never the review check).
// A planned delete/replace of the atlas_schema resource counts as destructive whatever its SQL.

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
  destructiveLabel: string;
  requireReviewedPlan: boolean;
}

export type HoldReason =
  /** Destructive SQL (or a resource destroy) without the label. */
  | { kind: 'destructive'; statements: string[]; destroys: string[]; label: string }
  /** The plan now differs from the plan reviewers saw. */
  | { kind: 'changed-since-review'; delta: PlanDelta; reviewedCount: number; plannedCount: number }
  /** The merged PR was planned by this action, but no trusted record of that plan is left. */
  | { kind: 'record-lost'; why: string }
  /** Destructive SQL that no pull request showed: never applied automatically. */
  | { kind: 'unreviewed-destructive'; statements: string[]; destroys: string[] };

export type ApplyBasis =
  /** Equal to the reviewed plan. */
  | 'reviewed'
  /** No reviewed plan, and nothing destructive. */
  | 'unreviewed-additive'
  /** require-reviewed-plan is false. */
  | 'review-off'
  /** Only Terraform state changes; Atlas runs no SQL. */
  | 'no-sql';

export type GateDecision =
  | { verdict: 'nothing' }
  | { verdict: 'apply'; basis: ApplyBasis; destructive: boolean; labelled: boolean }
  | { verdict: 'hold'; reasons: HoldReason[] };

export function decideGate(input: GateInput): GateDecision {
  const destructiveStatements = input.statements.filter((_, i) => input.classifications[i]?.class === 'destructive');
  const destroys = [...input.destroys];
  const destructive = destructiveStatements.length > 0 || destroys.length > 0;
  const labelled = input.destructiveLabel !== '' && input.labels.includes(input.destructiveLabel);

  if (input.statements.length === 0 && destroys.length === 0) {
    return input.terraformChanged ? { verdict: 'apply', basis: 'no-sql', destructive: false, labelled } : { verdict: 'nothing' };
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
      if (destructive) reasons.push({ kind: 'unreviewed-destructive', statements: destructiveStatements, destroys });
    }
  }
  const unreviewed = reasons.some((r) => r.kind === 'unreviewed-destructive');
  if (destructive && !labelled && input.destructiveLabel !== '' && !unreviewed) {
    reasons.push({ kind: 'destructive', statements: destructiveStatements, destroys, label: input.destructiveLabel });
  }
  return reasons.length > 0 ? { verdict: 'hold', reasons } : { verdict: 'apply', basis, destructive, labelled };
}
