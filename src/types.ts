// Shared data shapes. Modules exchange these plain values; only the seams in aws/, github/
// and terraform/cli.ts perform side effects.

export type ModeInput = 'auto' | 'plan' | 'apply';
export type Mode = 'plan' | 'apply';
export type RootName = 'roles' | 'schema';

/** Every action input, read and validated once (see inputs.ts). */
export interface Inputs {
  awsRegion: string;
  /** Role for plan runs; '' means use the credentials already in the environment. */
  roleToAssume: string;
  /** Role for apply runs; defaults to roleToAssume. */
  applyRoleToAssume: string;
  audience: string;
  roleSessionName: string;
  roleDurationSeconds: number;
  awsProfile: string;
  rolesWorkingDirectory: string;
  schemaWorkingDirectory: string;
  rolesPaths: string[];
  mode: ModeInput;
  githubToken: string;
  comment: boolean;
  lockTimeout: string;
  /** IAM-token preflight target: host:port of the RDS endpoint; '' disables the preflight. */
  dbEndpoint: string;
  dbName: string;
  dbUser: string;
  /** Apply runs: 'changed' runs the roles root only when roles-paths changed; 'always' on every apply. */
  rolesOnApply: 'changed' | 'always';
}

/** The commit range whose changed files decide whether the roles root runs. */
export type CommitRange =
  | { kind: 'pull_request'; number: number; base: string; head: string }
  | { kind: 'push'; before: string; after: string }
  /** No usable range (workflow_dispatch, schedule, new branch, zero `before`): counts as changed. */
  | { kind: 'none'; reason: string };

export interface RepoRef {
  owner: string;
  repo: string;
}

/** What this run will do, derived from the inputs and the event alone (event.ts). */
export interface RunPlan {
  eventName: string;
  mode: Mode;
  /** Human sentence: why plan or apply. */
  modeReason: string;
  repo: RepoRef;
  defaultBranch: string;
  ref: string;
  /** The commit the run is about (PR head sha or pushed sha). */
  sha: string;
  range: CommitRange;
  /** PR numbers known from the payload; a push finds its PRs later through the API. */
  pullNumbers: number[];
  /** Pull request from a fork: no OIDC token, read-only token; the action does nothing. */
  fork: boolean;
  runUrl: string;
}

export interface RolesChange {
  changed: boolean;
  /** Human sentence shown in the report: which file matched, or why it counts as changed. */
  reason: string;
  /** Changed files that matched roles-paths. */
  matchedFiles: string[];
  /** True when the range could not be resolved and the roles root runs to be safe. */
  failSafe: boolean;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  address?: string;
}

/** One machine-readable line of `terraform -json`, narrowed to what the action reads. */
export interface ChangeSummary {
  add: number;
  change: number;
  remove: number;
  import: number;
  operation: string;
}

/** Result of one terraform command, built while streaming its stdout. */
export interface TerraformRun {
  command: string;
  exitCode: number;
  diagnostics: Diagnostic[];
  changeSummary?: ChangeSummary;
  /** Addresses with planned actions: `atlas_schema.roles: create`. */
  plannedChanges: { address: string; action: string }[];
  /** Last lines of stderr (redacted), for errors that never reach the JSON stream. */
  stderrTail: string;
}

/** Atlas's view of a terraform run: its SQL and diagnostics (atlas/plan.ts). */
export interface AtlasPlan {
  statements: string[];
  errors: Diagnostic[];
  /** Warnings other than the Atlas Plan itself (dev_url is unset, ...), deduplicated. */
  warnings: Diagnostic[];
}

export type RootStep = 'credentials' | 'preflight' | 'init' | 'plan' | 'apply' | 'verify';

export type RootOutcome =
  | 'skipped' // not run: reason in skipReason
  | 'no-changes' // plan: no SQL and no terraform diff
  | 'planned' // plan: SQL or a terraform diff pending
  | 'converged' // apply: applied (or nothing to apply), verify plan has no SQL
  | 'state-differs' // apply: database converged but terraform still shows a non-SQL diff
  | 'not-converged' // apply: verify plan still has SQL
  | 'failed' // a step failed: failedStep + error
  | 'not-run'; // an earlier root failed in apply mode, so this one was never started

export interface RootResult {
  root: RootName;
  workingDirectory: string;
  outcome: RootOutcome;
  skipReason?: string;
  /** SQL of the plan step, in order. */
  plannedStatements: string[];
  /** Terraform would change the resource (may be true with no SQL: HCL text normalisation). */
  terraformChanged: boolean;
  /** True once `terraform apply` of this root exited 0. */
  applied: boolean;
  /** SQL the apply stream reported as executed. */
  appliedStatements: string[];
  /** SQL still planned by the verify plan after apply. */
  residualStatements: string[];
  /**
   * After a failed apply: the SQL a follow-up plan still shows, i.e. what was not committed.
   * Undefined when that plan could not run.
   */
  pendingAfterFailure?: string[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
  failedStep?: RootStep;
  /** One-line failure, redacted. */
  error?: string;
  /** Remedies for recognised failures ("set aws-profile", ...). */
  hints: string[];
  durationMs: number;
}

export interface Report {
  plan: RunPlan;
  rolesChange: RolesChange;
  roots: RootResult[];
  /** A failure outside any root (credentials, inputs, GitHub), already redacted. */
  fatal?: string;
  /** Notices shown at the top (fork skipped, preflight skipped, ...). */
  notices: string[];
}
