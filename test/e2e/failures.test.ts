import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { REPORTING_HCL, REPORTING_SQL } from '../support/reporting-role.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario, type ScenarioStatement } from '../support/terraform.js';

// Merges that go wrong, on real Terraform and a real PostgreSQL, told the way a user sees
// them: exit code, the merged PR's comment, the job summary, outputs, and what PostgreSQL
// really holds afterwards. The tests share one database and run in order: a failed roles
// apply (nothing committed), a failed schema apply after a good roles apply, a plan without
// the AWS profile, and an apply that does not converge.

const BASE = sha('b');
const ROLE_NAMES = `SELECT rolname FROM pg_roles WHERE rolname IN ('atlas_migrator', 'app_reader', 'report_reader') ORDER BY 1`;
const PROBE_TABLE = `SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'validation_probe'`;

// A table grant to a role that does not exist: PostgreSQL refuses it inside the schema
// root's transaction, after the CREATE TABLE of the same transaction.
const GHOST_HCL = 'permission {\n  to         = "ghost_role"\n  for        = table.validation_probe\n  privileges = [SELECT]\n}\n';
const GHOST_SQL = 'GRANT SELECT ON TABLE "public"."validation_probe" TO "ghost_role";';
const REVOKE_PUBLIC = 'REVOKE USAGE ON SCHEMA "public" FROM PUBLIC;';

describe('failed and non-converging merges', () => {
  let stack: Stack;
  let seed: Scenario;
  let nextPr = 20;
  beforeAll(async () => {
    stack = await startStack();
    seed = await loadSeedScenario();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The seed's scenario with extra statements appended to an env. */
  const withExtra = (env: 'roles' | 'schema', extra: ScenarioStatement[]): Scenario => {
    const s = structuredClone(seed);
    const e = s.envs[env] ?? {};
    s.envs[env] = { ...e, statements: [...(e.statements ?? []), ...extra] };
    return s;
  };

  /** A merged PR touching `files`, and the push of its merge commit to the default branch. */
  const merge = async (files: string[], inputs?: Record<string, string>): Promise<{ pr: number; run: ActionRun }> => {
    const pr = nextPr++;
    // Distinct per PR, and never the all-zero sha of a deleted branch.
    const mergeSha = sha(String(pr));
    stack.github.addPull({ number: pr, files, headSha: sha('e'), baseSha: BASE, mergeCommitSha: mergeSha, merged: true });
    stack.github.addCompare(BASE, mergeSha, files);
    const run = await stack.runPush({ before: BASE, after: mergeSha, ref: `refs/heads/${DEFAULT_BRANCH}` }, inputs ? { inputs } : {});
    return { pr, run };
  };

  /** Writes a workspace file for the duration of `fn`, then puts the original back. */
  const withFile = async <T>(rel: string, text: string, fn: () => Promise<T>): Promise<T> => {
    const file = path.join(stack.workspace, rel);
    const original = await readFile(file, 'utf8').catch(() => undefined);
    await writeFile(file, text);
    try {
      return await fn();
    } finally {
      await (original === undefined ? rm(file, { force: true }) : writeFile(file, original));
    }
  };

  const onlyComment = (pr: number): string => {
    const comments = stack.github.comments(pr);
    expect(comments).toHaveLength(1);
    return comments[0]?.body ?? '';
  };
  const roleNames = async (): Promise<string[]> => (await stack.pg.query<{ rolname: string }>(ROLE_NAMES)).map((r) => r.rolname);

  it('(f) a roles apply that PostgreSQL refuses commits nothing and stops the schema root before it starts', async () => {
    await stack.tf.writeScenario(withExtra('roles', REPORTING_SQL));
    const callsBefore = (await stack.tf.readCalls()).length;
    const { pr, run } = await withFile('hcl/roles/reporting.pg.hcl', REPORTING_HCL, () =>
      merge(['hcl/roles/reporting.pg.hcl', 'hcl/schema/schema.pg.hcl']),
    );

    expect(run.exitCode, run.stdout).not.toBe(0);
    expect(run.outputs['mode']).toBe('apply');
    expect(run.outputs['converged']).toBe('false');
    expect(run.stdout).toMatch(/::error::.*roles: apply failed: .*role "reporting" does not exist/);

    // One transaction: the CREATE ROLE statements before the failing GRANT were rolled back.
    expect(await roleNames()).toEqual([]);

    // Nothing of the schema root ran but, at most, its init (it may run beside the roles root:
    // issue 23): no plan, no apply, no provider call for its env.
    expect(run.stdout).not.toMatch(/schema: terraform (?!init\b)/);
    const calls = (await stack.tf.readCalls()).slice(callsBefore);
    expect(calls.some((c) => c.env === 'roles' && c.rpc === 'ApplyResourceChange')).toBe(true);
    expect(calls.filter((c) => c.env === 'schema')).toEqual([]);

    const body = onlyComment(pr);
    expect(body).toContain('❌ Apply failed at roles/apply — nothing was applied');
    expect(body).toMatch(
      /Unable to apply changes, got error: Error: sql\/migrate: executing statement .*: pq: role "reporting" does not exist/,
    );
    expect(body).toContain('Why it ran: hcl/roles/reporting.pg.hcl changed in the pushed commits');
    expect(body).toContain('Not run because roles failed.');
    expect(body).toMatch(
      /roles: failed during apply — nothing from this root was committed: a plan after the failure still shows all \d+ statements · schema: not run because roles failed/,
    );
    expect(run.summary).toContain('schema: not run because roles failed');
    expect(run.summary).toContain('role "reporting" does not exist');
  });

  it('(f) roles applied, schema apply refused: the roles are in PostgreSQL, the table of the failed transaction is not, and every report says so', async () => {
    await stack.tf.writeScenario(
      withExtra('schema', [{ sql: GHOST_SQL, when: ['"ghost_role"'], present: "SELECT 1 FROM pg_roles WHERE rolname = 'ghost_role'" }]),
    );
    const { pr, run } = await withFile('hcl/schema/ghost.pg.hcl', GHOST_HCL, () =>
      merge(['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/ghost.pg.hcl']),
    );

    expect(run.exitCode, run.stdout).not.toBe(0);
    expect(run.outputs['converged']).toBe('false');
    expect(run.outputs['roles-sql']?.split('\n')).toHaveLength(4);
    expect(run.outputs['schema-sql']).toContain(GHOST_SQL);
    expect(run.stdout).toMatch(/::error::.*schema: apply failed: .*role "ghost_role" does not exist/);
    expect(run.stdout.indexOf('schema: terraform apply')).toBeGreaterThan(run.stdout.indexOf('roles: terraform apply'));

    // The roles root really committed; the schema root's CREATE TABLE was rolled back with the grant.
    expect(await roleNames()).toEqual(['app_reader', 'atlas_migrator']);
    expect(await stack.pg.query(PROBE_TABLE)).toEqual([]);

    // The pipeline plans again after the failed apply: all 3 schema statements are still pending.
    const applied =
      'roles: applied (4 statements), converged · schema: failed during apply — nothing from this root was committed: a plan after the failure still shows all 3 statements';
    const body = onlyComment(pr);
    expect(body).toContain('❌ Apply failed at schema/apply — roles was applied, schema was not');
    expect(body).toContain(applied);
    expect(body).toContain(
      `Unable to apply changes, got error: Error: sql/migrate: executing statement ${JSON.stringify(GHOST_SQL)}: pq: role "ghost_role" does not exist`,
    );
    expect(body).toContain('SQL of the failed apply');
    expect(body).toContain(GHOST_SQL);
    expect(run.summary).toContain('❌ Apply failed at schema/apply — roles was applied, schema was not');
    expect(run.summary).toContain(applied);
    expect(run.summary).toContain('role "ghost_role" does not exist');
  });

  it("(g) atlas.hcl names profile tf-sandbox but aws-profile is empty: the plan fails with Atlas's error and the comment says which input to set", async () => {
    await stack.tf.writeScenario(seed);
    const pr = nextPr++;
    stack.github.addPull({ number: pr, files: ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl'], headSha: sha('f'), baseSha: BASE });
    const run = await stack.runPullRequest(
      { number: pr, headSha: sha('f'), baseSha: BASE },
      { inputs: { 'aws-profile': '' }, env: { TF_VAR_aws_profile: 'tf-sandbox' } },
    );

    expect(run.exitCode, run.stdout).not.toBe(0);
    expect(run.outputs['mode']).toBe('plan');
    expect(run.stdout).toMatch(/::error::.*roles: plan failed: .*failed to get shared config profile, tf-sandbox/);
    const body = onlyComment(pr);
    expect(body).toContain('❌ Plan failed for roles');
    expect(body).toContain('Unable to generate migration plan, got error: Error: failed to get shared config profile, tf-sandbox');
    expect(body).toContain('set the `aws-profile: tf-sandbox` input so the action writes that profile with its credentials');
    expect(run.summary).toContain('failed to get shared config profile, tf-sandbox');
    // Without the input the action writes no profile files.
    expect(run.runnerTempFiles.filter((f) => /\[profile tf-sandbox\]/.test(f.content))).toEqual([]);
  });

  it('(e) a REVOKE that PostgreSQL does not carry out stays planned after apply: not converged, reported with the default-privilege hint', async () => {
    // The seed warns that without `permission { to = PUBLIC ... }` Atlas revokes PostgreSQL's
    // default USAGE grant on schema public. Here the schema HCL lacks that block, so Atlas
    // plans the REVOKE. The schema env runs as atlas_migrator, which does not own schema
    // public and holds no grant option on PUBLIC's USAGE: PostgreSQL accepts the REVOKE with
    // only a warning ("no privileges could be revoked") and keeps the grant, so the verify
    // plan asks for the same REVOKE again. The stand-in runs the statement for real; its
    // `present` query asks PostgreSQL whether PUBLIC still has USAGE.
    await stack.tf.writeScenario(
      withExtra('schema', [{ sql: REVOKE_PUBLIC, present: "SELECT 1 WHERE NOT has_schema_privilege('public', 'public', 'USAGE')" }]),
    );
    const schemaHcl = await readFile(path.join(stack.workspace, 'hcl/schema/schema.pg.hcl'), 'utf8');
    const withoutPublic = schemaHcl.replace(/permission \{\s*to\s*= PUBLIC[^}]*\}\n*/, '');
    expect(withoutPublic).not.toContain('PUBLIC');
    // The REVOKE is access-reducing and this merge has no reviewed plan: gated by default since
    // issue 17. Gating only destructive SQL (the 1.1 behaviour) lets it through to show the residual.
    const { pr, run } = await withFile('hcl/schema/schema.pg.hcl', withoutPublic, () =>
      merge(['hcl/schema/schema.pg.hcl'], { 'gated-classes': 'destructive' }),
    );

    expect(run.exitCode, run.stdout).not.toBe(0);
    expect(run.outputs['converged']).toBe('false');
    expect(run.outputs['roles-changed']).toBe('false');
    expect(run.outputs['schema-sql']?.split('\n')).toContain(REVOKE_PUBLIC);
    expect(run.stdout).toMatch(/::error::.*schema: did not converge, 1 statement\(s\) still planned after apply/);

    // The rest of the transaction committed, and PostgreSQL kept PUBLIC's USAGE.
    expect(await stack.pg.query(PROBE_TABLE)).toHaveLength(1);
    expect(await stack.pg.query<{ ok: boolean }>(`SELECT has_schema_privilege('public', 'public', 'USAGE') AS ok`)).toEqual([{ ok: true }]);

    const body = onlyComment(pr);
    expect(body).toContain('❌ Applied, but not converged — 1 statement still planned in schema');
    expect(body).toMatch(/\*\*Still planned after apply \(residual SQL\)\*\*\n\n```sql\nREVOKE USAGE ON SCHEMA "public" FROM PUBLIC;\n```/);
    expect(body).toContain('Here the SQL touches `PUBLIC`: PostgreSQL grants some privileges to PUBLIC by default');
    expect(body).toContain('a `permission` block, e.g. `to = PUBLIC`, `for = schema.public`, `privileges = [USAGE]`');
    const applied =
      '**What was applied:** roles: not run (no change to roles-paths) · schema: applied (3 statements), not converged — 1 statement still planned';
    expect(body).toContain(applied);
    expect(run.summary).toContain(applied);
    expect(run.summary).toContain('CREATE TABLE "public"."validation_probe"');
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
