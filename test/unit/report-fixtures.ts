import { emptyResult } from '../../src/roots/root-result.js';
import type { Diagnostic, RunContext } from '../../src/core/types.js';
import type { Report, RootResult } from '../../src/roots/types.js';
import { ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';
export { ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';

// Hand-built reports shaped like what the pipeline produces for the seed's layout.

export const DEV_URL: Diagnostic = {
  severity: 'warning',
  summary: 'dev_url is unset',
  detail:
    "It is highly recommended that you use 'dev_url' to specify a dev database.\nto learn more about it, visit: https://atlasgo.io/dev-database",
  address: 'atlas_schema.roles',
};

export const SHA = '3f2c9e1a7b4d5c6e8f9012345678901234567890';
export const RUN_URL = 'https://github.com/acme/db/actions/runs/4242';
export const COMMIT_URL = `https://github.com/acme/db/commit/${SHA}`;
export const MARKER = '<!-- rds-atlas-action:v1 roles=terraform/roles schema=terraform/schema -->';

export function runPlan(mode: 'plan' | 'apply'): RunContext {
  return {
    eventName: mode === 'plan' ? 'pull_request' : 'push',
    mode,
    modeReason:
      mode === 'plan'
        ? 'pull_request event: plans only; mode auto applies on a push to main.'
        : 'push to the default branch main with mode auto.',
    repo: { owner: 'acme', repo: 'db' },
    defaultBranch: 'main',
    ref: mode === 'plan' ? 'refs/pull/7/merge' : 'refs/heads/main',
    sha: SHA,
    range:
      mode === 'plan'
        ? { kind: 'pull_request', number: 7, base: 'b'.repeat(40), head: SHA }
        : { kind: 'push', before: 'a'.repeat(40), after: SHA },
    pullNumbers: mode === 'plan' ? [7] : [],
    fork: false,
    drift: false,
    runUrl: RUN_URL,
  };
}

export function root(name: 'roles' | 'schema', fields: Partial<RootResult> = {}): RootResult {
  return {
    ...emptyResult({ root: name, workingDirectory: `terraform/${name}` }, 'planned'),
    warnings: [{ ...DEV_URL, address: `atlas_schema.${name === 'roles' ? 'roles' : 'app'}` }],
    durationMs: 12_300,
    ...fields,
  };
}

export function report(mode: 'plan' | 'apply', roots: RootResult[], extra: Partial<Report> = {}): Report {
  return {
    context: runPlan(mode),
    environment: '',
    atlasVersion: 'v0.36.1',
    lint: [],
    history: [],
    rolesChange: {
      changed: true,
      reason: 'hcl/roles/roles.pg.hcl changed in this pull request and matches roles-paths.',
      matchedFiles: ['hcl/roles/roles.pg.hcl'],
      failSafe: false,
    },
    roots,
    notices: [],
    ...extra,
  };
}

/** The seed's first pull request: four roles statements, two schema statements. */
export function seedPlan(): Report {
  return report('plan', [
    root('roles', { plannedStatements: ROLES_SQL, terraformChanged: true }),
    root('schema', { plannedStatements: SCHEMA_SQL, terraformChanged: true }),
  ]);
}

export function appliedRoot(name: 'roles' | 'schema', sql: string[], fields: Partial<RootResult> = {}): RootResult {
  return root(name, {
    outcome: 'converged',
    plannedStatements: sql,
    appliedStatements: sql,
    terraformChanged: true,
    applied: true,
    ...fields,
  });
}
