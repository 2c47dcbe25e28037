// The lint's contract with the rest of the action: findings are data (the lead renders them as
// annotations, in the comment and in the `lint` output), options come from the inputs.

export type Severity = 'error' | 'warning';

export interface LintFinding {
  rule: string;
  severity: Severity;
  /** Workspace-relative, forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  /** Plain text: why (the guide's reason) and the fix. */
  message: string;
}

export interface LintOptions {
  /** Absolute path of the checkout. */
  workspace: string;
  /** Workspace-relative, e.g. "terraform/roles". */
  rolesWorkingDirectory: string;
  schemaWorkingDirectory: string;
  /** The login the schema root uses with an IAM token (input db-user), default atlas_migrator. */
  dbUser: string;
  /** The RDS master user, default "postgres". */
  masterUser?: string;
  /** Rule ids switched off (input lint-skip). */
  skip: readonly string[];
  /** The run the lint guards; without it the rules that depend on the run (state-backend) are off. */
  run?: RunFacts;
}

/** What the run is, for the rules whose findings depend on it. */
export interface RunFacts {
  /** On a CI runner (CI or GITHUB_ACTIONS is "true"): the checkout is deleted when the job ends. */
  ci: boolean;
  mode: 'plan' | 'apply';
  /** A scheduled or dispatched plan: the drift check. */
  drift: boolean;
}
