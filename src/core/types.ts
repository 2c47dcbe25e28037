// Shared data shapes. Modules exchange these plain values; only the seams in aws/, github/
// and exec.ts perform side effects.

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
  /** facts-timeout: the total time the impact facts phase may take, per root (ms). */
  factsTimeoutMs: number;
  /** impact-scan-limit: tables with more rows are not scanned by the predicted-failure checks. */
  impactScanLimit: number;
  /** IAM-token preflight target: host:port of the RDS endpoint; '' disables the preflight. */
  dbEndpoint: string;
  dbName: string;
  dbUser: string;
  /** The RDS master user (default postgres): the guardrails and hints name it. */
  masterUser: string;
  /** Apply runs: 'changed' runs the roles root only when roles-paths changed; 'always' on every apply. */
  rolesOnApply: 'changed' | 'always';
  /** The database's name as users know it (staging, prod); '' for a repository with one database. */
  environment: string;
  /** PR label gated SQL needs on merge besides an approval (a second key); '' (default): none. */
  destructiveLabel: string;
  /** Statement classes that need an approval on merge (gated-classes); empty: none. */
  gatedClasses: StatementClass[];
  /** Logins whose approving review counts whatever their repository permission. */
  approvers: string[];
  /** Apply a root only when its SQL equals the reviewed PR plan (unreviewed additive SQL allowed). */
  requireReviewedPlan: boolean;
  /** Scheduled/dispatched plan runs open, update and close one drift issue per database. */
  driftIssue: boolean;
  failOnDrift: boolean;
  /** Guardrail rule ids switched off. */
  lintSkip: string[];
}

/**
 * Classes of planned SQL, most severe first (atlas/classify.ts has the table of what falls in
 * which). Written once here: the gated-classes input, the gate and the report read this list.
 */
export const STATEMENT_CLASSES = [
  'destructive',
  'access-widening',
  'access-reducing',
  'session',
  'unknown',
  'behaviour-change',
  'locking',
  'safe',
] as const;
export type StatementClass = (typeof STATEMENT_CLASSES)[number];
/** The classes `gated-classes` names when it is not set: what is held on merge without approval. */
export const DEFAULT_GATED_CLASSES: readonly StatementClass[] = ['destructive', 'access-widening', 'access-reducing', 'session', 'unknown'];

/** What the PostgreSQL parser says a statement does (atlas/classify.ts). */
export interface Classification {
  class: StatementClass;
  /** Short statement kind for counts and labels, e.g. "CREATE TABLE", "DROP TABLE". */
  kind: string;
  /** One short plain-text sentence. */
  reason: string;
  /** false when the parser rejected the statement (then class is 'destructive'). */
  parsed: boolean;
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

/** What this run is about, derived from the inputs and the event alone (event.ts). */
export interface RunContext {
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
  /** A scheduled or dispatched plan: the drift check of the default branch's HCL. */
  drift: boolean;
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

/** Result of one terraform command, built while streaming its stdout. */
export interface TerraformRun {
  command: string;
  exitCode: number;
  /** Terraform's `version` event arrived: the stream is Terraform's machine-readable UI. */
  sawVersion: boolean;
  diagnostics: Diagnostic[];
  /** Planned resource changes (`planned_change`): address and action (create, update, delete, replace…). */
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

export type RootStep = 'preflight' | 'init' | 'plan' | 'apply' | 'verify';

export type RootOutcome =
  | 'skipped' // not run: reason in skipReason
  | 'deferred' // plan mode, bootstrap: the schema root's login user is created by this change's roles root
  | 'no-changes' // plan: no SQL and no terraform diff
  | 'planned' // plan: SQL or a terraform diff pending
  | 'held' // apply: the gate refused (destructive without the label, or changed since review)
  | 'converged' // apply: applied (or nothing to apply), verify plan has no SQL
  | 'state-differs' // apply: database converged but terraform still shows a non-SQL diff
  | 'not-converged' // apply: verify plan still has SQL
  | 'failed' // a step failed: failedStep + error
  | 'not-run'; // an earlier root failed, was held or did not converge in apply mode

/** One root of a reviewed plan, as the PR comment records it (review.ts). */
export interface ReviewedRoot {
  /** sha256 of the statements with whitespace normalised. */
  fingerprint: string;
  count: number;
  /** Per-statement hashes, when the plan is small enough to record them. */
  hashes?: string[];
  /** The statements themselves, when small enough to keep in the comment. */
  statements?: string[];
}

/** The plan a pull request's comment showed reviewers, per root that ran. */
export interface ReviewedPlan {
  pr: number;
  commit: string;
  runUrl: string;
  at: string;
  roots: Partial<Record<RootName, ReviewedRoot>>;
}

/** A past result of this database's runs on this PR, kept in the comment. */
export interface HistoryEntry {
  at: string;
  mode: Mode;
  headline: string;
  commit: string;
  runUrl: string;
}

/** What an apply run knows about the merged pull request's review. */
export interface ReviewContext {
  /** The pull requests of the pushed commit, when GitHub could say (the comment goes there too). */
  pullNumbers?: number[];
  /** The merged PR, when the push belongs to one. */
  pr?: number;
  labels: string[];
  /** Its latest plan comment's record, when found. */
  reviewed?: ReviewedPlan;
  /** Why no reviewed plan is known (no PR, comment missing, API failure), for the report. */
  missing?: string;
  /**
   * Set when the PR was (or may have been) planned by this action but no trusted record of that
   * plan is left (edited, garbled, older format, GitHub unreachable): the gate holds, saying this.
   */
  recordLost?: string;
  /** The merged PR's reviews and its approvers' permissions, or why GitHub could not say. */
  approval?: ApprovalLookup;
  /** Why the PR's labels could not be read (only asked when destructive-label is set). */
  labelsUnknown?: string;
}

/** One pull request review as GitHub lists it (GET /repos/{o}/{r}/pulls/{n}/reviews). */
export interface ReviewFact {
  id: number;
  login: string;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED or PENDING. */
  state: string;
  /** The commit the review was given on ('' when GitHub gave none). */
  commitId: string;
  /** ISO time, whole seconds as GitHub gives it ('' for a pending review). */
  submittedAt: string;
}

/** A reviewer's repository permission (GET /repos/{o}/{r}/collaborators/{u}/permission), or why it is unknown. */
export interface PermissionFact {
  /** Legacy level: admin, write, read or none (maintain reads as write, triage as read). */
  permission?: string;
  /** The role: admin, maintain, write, triage, read, or a custom role's name. */
  roleName?: string;
  /** Why the permission could not be read. */
  error?: string;
}

/** What GitHub said about the merged PR's reviews, or why it could not be asked. */
export type ApprovalLookup =
  { kind: 'read'; author: string; reviews: ReviewFact[]; permissions: Record<string, PermissionFact> } | { kind: 'unknown'; why: string };
