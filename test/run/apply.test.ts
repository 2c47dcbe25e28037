import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestEvent, pushEvent } from '../support/events.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { apply, applyError, init, ofRoot, plan, type Script } from './fake-terraform.js';
import { runInProcess } from './harness.js';

// Apply mode in-process: a push to the default branch that belongs to no pull request (so the
// gate applies additive SQL unreviewed and holds anything gated), with a fake Terraform.

const ROLES_SQL = ['CREATE ROLE "app_reader" WITH LOGIN;'];
const SCHEMA_SQL = ['CREATE TABLE "public"."orders" ("id" bigint NOT NULL, PRIMARY KEY ("id"));'];
const DROP = ['DROP TABLE "public"."orders";'];

let api: GitHubApi;
let next = 100;

beforeAll(async () => {
  api = await startGitHubApi();
});
afterAll(async () => {
  await api.stop();
});

/** A push whose range touched `files`, applied once. */
function push(files: string[], script: Script, inputs: Record<string, string> = {}) {
  const n = next++;
  const before = `${n}`.padStart(40, 'd');
  const after = `${n}`.padStart(40, 'e');
  api.addCompare(before, after, files);
  return runInProcess({
    api,
    eventName: 'push',
    payload: pushEvent({ before, after }),
    sha: after,
    script,
    inputs: { comment: 'false', ...inputs },
  });
}

const converges = (root: string, sql: string[]) => ({
  init: init(),
  plan: plan(root, sql),
  apply: apply(root, sql),
  verify: plan(root, []),
});

describe('apply mode, in-process', () => {
  it('roles changed: roles then schema, each planned, applied and verified; converged (exit: none)', async () => {
    const run = await push(['terraform/roles/main.tf'], { roles: converges('roles', ROLES_SQL), schema: converges('schema', SCHEMA_SQL) });
    expect(run.failed).toBeUndefined();
    // The schema root's init runs beside the roles root, its plan beside the roles verify plan
    // (which of the two starts first is not fixed); its apply only after the roles root converged.
    expect(ofRoot(run.terraform, 'roles')).toEqual(['roles init', 'roles plan', 'roles apply', 'roles verify']);
    expect(ofRoot(run.terraform, 'schema')).toEqual(['schema init', 'schema plan', 'schema apply', 'schema verify']);
    expect(run.terraform.indexOf('schema plan')).toBeGreaterThan(run.terraform.indexOf('roles apply'));
    expect(run.terraform.slice(-2)).toEqual(['schema apply', 'schema verify']);
    expect(run.outputs).toMatchObject({ mode: 'apply', 'roles-changed': 'true', converged: 'true', 'schema-sql': SCHEMA_SQL.join('\n') });
    expect(run.log).toContain('::group::roles: terraform apply');
  });

  it('looks up what was reviewed once Terraform runs, not on the way to it, and the gate still waits for it', async () => {
    // The review lookup: who the token is (GraphQL), then the pull requests of the commit.
    const lookups = (): number => api.requests.filter((r) => r.path === '/graphql' || /\/commits\/[^/]+\/pulls$/.test(r.path)).length;
    const before = lookups();
    let atRolesInit = -1;
    const run = await push(['terraform/roles/main.tf'], {
      roles: { ...converges('roles', ROLES_SQL), init: { ...init(), before: () => (atRolesInit = lookups() - before) } },
      schema: converges('schema', SCHEMA_SQL),
    });
    expect(run.failed).toBeUndefined();
    expect(atRolesInit).toBe(0);
    expect(lookups() - before).toBeGreaterThan(0);
    // The gate asked for it: a push that belongs to no pull request applies additive SQL only.
    expect(run.log).toMatch(/No reviewed plan: commit [0-9a-f]{7} belongs to no pull request/);
    expect(run.log.indexOf('No reviewed plan:')).toBeLessThan(run.log.indexOf('::group::roles: terraform apply'));
    expect(run.outputs).toMatchObject({ converged: 'true' });
  });

  it('an apply run for a pull request (mode: apply) also starts its review lookup once Terraform runs, not at the gate', async () => {
    // The roles plan answers only once the lookup's first request (who the token is) has been
    // answered: a lookup started by the gate, after that plan, would never let the run finish.
    const number = next++;
    const headSha = `${number}`.padStart(40, 'a');
    const baseSha = `${number}`.padStart(40, 'b');
    api.addPull({ number, files: ['terraform/roles/main.tf'], headSha, baseSha });
    const asked = api.answered({ method: 'POST', path: /^\/graphql$/, graphql: /viewer/ });
    const run = await runInProcess({
      api,
      eventName: 'pull_request',
      payload: pullRequestEvent({ number, headSha, baseSha }),
      sha: headSha,
      ref: `refs/pull/${number}/merge`,
      script: {
        roles: { ...converges('roles', ROLES_SQL), plan: { ...plan('roles', ROLES_SQL), wait: asked } },
        schema: converges('schema', SCHEMA_SQL),
      },
      inputs: { comment: 'false', mode: 'apply' },
    });
    expect(run.outputs).toMatchObject({ mode: 'apply' });
    expect(run.log).toContain('No reviewed plan:');
    expect(run.terraform).toContain('roles plan');
  });

  it("the schema root's plan runs beside the roles root's verify plan, its apply after it (issue 23)", async () => {
    // The roles verify plan answers only once the schema plan has started: a run that planned
    // the schema root after the roles root converged would never finish its verify.
    let schemaPlanning = (): void => undefined;
    const schemaPlanStarted = new Promise<void>((resolve) => (schemaPlanning = resolve));
    const run = await push(['terraform/roles/main.tf'], {
      roles: { ...converges('roles', ROLES_SQL), verify: { ...plan('roles', []), wait: schemaPlanStarted } },
      schema: { ...converges('schema', SCHEMA_SQL), plan: { ...plan('schema', SCHEMA_SQL), before: schemaPlanning } },
    });
    expect(run.failed).toBeUndefined();
    expect(run.outputs).toMatchObject({ converged: 'true', 'schema-sql': SCHEMA_SQL.join('\n') });
    expect(run.terraform.slice(-2)).toEqual(['schema apply', 'schema verify']);
    // Its log is printed in the schema root's turn, after the roles root's verify plan.
    const ahead = run.log.indexOf("::group::schema: terraform plan (run beside the roles root's verify plan)");
    expect(ahead).toBeGreaterThan(run.log.indexOf('::group::roles: terraform plan (verify)'));
    expect(run.log.indexOf('schema: 1 SQL statement planned')).toBeGreaterThan(ahead);
    expect(run.log.indexOf('::group::schema: terraform apply')).toBeGreaterThan(ahead);
  });

  it('a roles root that does not converge: the schema plan made beside its verify plan is not used, nothing of the schema root is applied', async () => {
    const run = await push(['terraform/roles/main.tf'], {
      roles: { ...converges('roles', ROLES_SQL), verify: plan('roles', ROLES_SQL) },
      schema: { init: init(), plan: plan('schema', SCHEMA_SQL) },
    });
    expect(ofRoot(run.terraform, 'schema')).toEqual(['schema init', 'schema plan']);
    expect(run.failed).toBe('roles: did not converge, 1 statement(s) still planned after apply');
    expect(run.log).toContain("::group::schema: terraform plan (run beside the roles root's verify plan; not used)");
    expect(run.log).toContain('schema: this plan is not used: the roles root did not converge, so nothing of the schema root is applied.');
    expect(run.summary).toContain('⛔ **Not run because roles did not converge.**');
    expect(run.outputs).toMatchObject({ converged: 'false', 'schema-sql': '' });
  });

  it('roles unchanged: only the schema root runs', async () => {
    const run = await push(['terraform/schema/main.tf'], { schema: converges('schema', SCHEMA_SQL) });
    expect(run.failed).toBeUndefined();
    expect(run.terraform).toEqual(['schema init', 'schema plan', 'schema apply', 'schema verify']);
    expect(run.outputs).toMatchObject({ 'roles-changed': 'false', converged: 'true' });
  });

  it('the roots init and plan while GitHub answers the review lookup; the gate waits for it (issue 23)', async () => {
    // The lookup of the push's pull request (the review's first request) is held until a second
    // caller asks the same: the roles root's plan does, as it starts. A run that waited for the
    // review before its roots would never plan, and its lookup would hit its deadline (held).
    const n = next;
    const after = `${n}`.padStart(40, 'e');
    const lookup = new RegExp(`/commits/${after}/pulls$`);
    api.holdUntil(2, { method: 'GET', path: lookup });
    const release = (): void =>
      void fetch(`${api.url}/repos/${api.owner}/${api.repo}/commits/${after}/pulls`, {
        headers: { authorization: `token ${api.patToken}` },
      });
    const run = await push(['terraform/roles/main.tf'], {
      roles: { ...converges('roles', ROLES_SQL), plan: { ...plan('roles', ROLES_SQL), before: release } },
      schema: converges('schema', SCHEMA_SQL),
    });
    expect(run.failed).toBeUndefined();
    expect(run.outputs['converged']).toBe('true');
    // What the lookup found is logged at the first gate, after the roles plan.
    const found = run.log.indexOf(`No reviewed plan: commit ${after.slice(0, 7)} belongs to no pull request (a direct push).`);
    expect(found).toBeGreaterThan(run.log.indexOf('::group::roles: terraform plan'));
    expect(found).toBeLessThan(run.log.indexOf('::group::roles: terraform apply'));
  });

  it('a held root stops the roots after it: nothing of either is applied (exit: held)', async () => {
    const run = await push(['terraform/roles/main.tf'], { roles: { init: init(), plan: plan('roles', ['DROP ROLE "app_reader";']) } });
    expect(ofRoot(run.terraform, 'roles')).toEqual(['roles init', 'roles plan']);
    expect(ofRoot(run.terraform, 'schema')).toEqual(['schema init']);
    expect(run.failed).toMatch(/^roles: held back by the gate \(.+\); nothing of it or of the roots after it was applied$/);
    expect(run.summary).toContain('⛔ **Not run because roles was held back.**');
    expect(run.outputs['converged']).toBe('false');
  });

  it('a held schema root (destructive SQL, no review) fails the step after the roles root applied', async () => {
    const run = await push(['terraform/roles/main.tf'], {
      roles: converges('roles', ROLES_SQL),
      schema: { init: init(), plan: plan('schema', DROP) },
    });
    // Per root: the schema init runs beside the roles root, so its place among the roles steps is not fixed.
    expect(ofRoot(run.terraform, 'roles')).toEqual(['roles init', 'roles plan', 'roles apply', 'roles verify']);
    expect(ofRoot(run.terraform, 'schema')).toEqual(['schema init', 'schema plan']);
    expect(run.failed).toMatch(/^schema: held back by the gate/);
  });

  it('a failed apply asks the database what is still pending and fails the step (exit: failed root)', async () => {
    const run = await push(['terraform/roles/main.tf'], {
      roles: { init: init(), plan: plan('roles', ROLES_SQL), apply: applyError('roles'), check: plan('roles', ROLES_SQL) },
    });
    expect(ofRoot(run.terraform, 'roles')).toEqual(['roles init', 'roles plan', 'roles apply', 'roles check']);
    expect(ofRoot(run.terraform, 'schema')).toEqual(['schema init']);
    expect(run.failed).toBe(
      'roles: apply failed: Apply Error: Unable to apply changes, got error: sql/migrate: executing statement "GRANT \\"rds_superuser\\" TO \\"app_writer\\";" from version "": pq: permission denied to grant role "rds_superuser"',
    );
    expect(run.summary).toContain('⛔ **Not run because roles failed.**');
    expect(run.summary).toContain('a plan after the failure still shows all 1 statement');
  });

  it("the schema root's init runs beside the roles apply; when that apply fails, nothing of the schema root is planned or applied", async () => {
    // The schema init answers only once the roles apply has started, so it is still running while
    // the roles root applies (and fails). Ordered by promises, not by time; before the change the
    // schema root's init never ran after a failed roles root.
    let rolesApplyStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (rolesApplyStarted = resolve));
    const run = await push(['terraform/roles/main.tf'], {
      roles: {
        init: init(),
        plan: plan('roles', ROLES_SQL),
        apply: { ...applyError('roles'), before: rolesApplyStarted },
        check: plan('roles', ROLES_SQL),
      },
      schema: { ...converges('schema', SCHEMA_SQL), init: { ...init(), wait: started } },
    });
    expect(ofRoot(run.terraform, 'roles')).toEqual(['roles init', 'roles plan', 'roles apply', 'roles check']);
    expect(ofRoot(run.terraform, 'schema')).toEqual(['schema init']);
    expect(run.failed).toMatch(/^roles: apply failed: /);
    expect(run.summary).toContain('⛔ **Not run because roles failed.**');
    expect(run.outputs).toMatchObject({ converged: 'false', 'schema-sql': '' });
    expect(run.log).toContain('::group::schema: terraform init (run beside the roles root)');
  });

  it('SQL left after the apply is a root that did not converge (exit: not converged)', async () => {
    const run = await push(['terraform/schema/main.tf'], {
      schema: { init: init(), plan: plan('schema', SCHEMA_SQL), apply: apply('schema', SCHEMA_SQL), verify: plan('schema', SCHEMA_SQL) },
    });
    expect(run.failed).toBe('schema: did not converge, 1 statement(s) still planned after apply');
    expect(run.outputs['converged']).toBe('false');
  });

  it('SQL applied that differs from what the gate approved fails the step (exit: applied differs)', async () => {
    const other = ['CREATE TABLE "public"."invoices" ("id" bigint NOT NULL, PRIMARY KEY ("id"));'];
    const run = await push(['terraform/schema/main.tf'], {
      schema: { init: init(), plan: plan('schema', SCHEMA_SQL), apply: apply('schema', other), verify: plan('schema', []) },
    });
    expect(run.failed).toBe('schema: Atlas applied SQL that differs from the plan the gate approved');
  });

  it('a Terraform-only diff is applied and reported as a warning, not a failure (state differs)', async () => {
    const run = await push(['terraform/schema/main.tf'], {
      schema: { init: init(), plan: plan('schema', [], { terraformOnly: true }), apply: apply('schema', []), verify: plan('schema', []) },
    });
    expect(run.failed).toBeUndefined();
    expect(run.terraform).toEqual(['schema init', 'schema plan', 'schema apply', 'schema verify']);
    expect(run.log).toContain('::warning::schema: database converged, Terraform state differs.');
    expect(run.outputs['converged']).toBe('true');
  });

  it('nothing to apply: the plan proves convergence and no apply runs', async () => {
    const run = await push(['terraform/schema/main.tf'], { schema: { init: init(), plan: plan('schema', []) } });
    expect(run.failed).toBeUndefined();
    expect(run.terraform).toEqual(['schema init', 'schema plan']);
    expect(run.outputs['converged']).toBe('true');
  });
});
