// The results of a run: one RootResult per root and the Report they make up. They live above
// review/ because a root's result carries the gate's decision; the shapes the lower folders
// exchange stay in core/types.ts.

import type { GateDecision } from '../review/index.js';
import type { ImpactReport } from '../impact/index.js';
import type { LintFinding } from '../lint/index.js';
import type { AccessOutcome } from './access-phase.js';
import type {
  Diagnostic,
  HistoryEntry,
  ReviewContext,
  RolesChange,
  RootName,
  RootOutcome,
  RootStep,
  RunContext,
  Classification,
} from '../core/index.js';

export interface RootResult {
  root: RootName;
  workingDirectory: string;
  outcome: RootOutcome;
  skipReason?: string;
  /** SQL of the plan step, in order. */
  plannedStatements: string[];
  /** One per planned statement, same order. */
  classifications: Classification[];
  /** atlas_schema resources Terraform plans to delete or replace (the provider then runs `schema clean`). */
  destroys: string[];
  /** Terraform would change the resource (may be true with no SQL: HCL text normalisation). */
  terraformChanged: boolean;
  /** Apply mode: what the gate decided for this root's plan. */
  gate?: GateDecision;
  /** True once `terraform apply` of this root exited 0. */
  applied: boolean;
  /** SQL the apply stream reported as executed. */
  appliedStatements: string[];
  /** The provider re-planned inside apply and ran SQL other than what the gate approved. */
  appliedDiffers?: boolean;
  /** SQL still planned by the verify plan after apply. */
  residualStatements: string[];
  /**
   * After a failed or interrupted apply: the SQL a follow-up plan still shows, i.e. what was
   * not committed. Undefined when that plan could not run.
   */
  pendingAfterFailure?: string[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
  failedStep?: RootStep;
  /** One-line failure, redacted. */
  error?: string;
  /** Remedies for recognised failures, as safe Markdown (hints.ts). */
  hints: string[];
  durationMs: number;
  /** What the SQL does to the data (impact facts phase); absent when it did not run for this root. */
  impact?: RootImpact;
}

/** A root's impact facts, or why they were not read (a note, never a failure). */
export interface RootImpact {
  report?: ImpactReport;
  skipped?: string;
}

/** What a root's plan step found. */
export interface PlannedRoot {
  statements: string[];
  classifications: Classification[];
  /** atlas_schema resources Terraform will delete or replace. */
  destroys: string[];
  terraformChanged: boolean;
  warnings: Diagnostic[];
}

export interface Report {
  context: RunContext;
  environment: string;
  rolesChange: RolesChange;
  roots: RootResult[];
  /** `atlas version` on this runner ('' when it could not be read). */
  atlasVersion: string;
  /** HCL guardrail findings. */
  lint: LintFinding[];
  /** Apply mode: the merged PR's review, labels and reviewed plan. */
  review?: ReviewContext;
  /** Earlier results on this PR for this database, newest first (from our comment). */
  history: HistoryEntry[];
  /** A failure outside any root (credentials, inputs, GitHub), already redacted. */
  fatal?: string;
  /** Notices shown at the top (fork skipped, preflight skipped, ...). */
  notices: string[];
  /** Plan runs with planned SQL: who gains and who loses access (access-phase.ts). */
  access?: AccessOutcome;
}
