import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import pgLib from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfig } from '../support/postgres.js';
import { loadSeedScenario } from '../support/terraform.js';
import { APPLY_ROLE, DEFAULT_BRANCH, PLAN_ROLE, sha, startStack, type Stack } from '../support/stack.js';
import { AUDIT_HCL, AUDIT_SQL, ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';
import { renderedText } from '../support/markdown.js';

// The seed guide's whole life in CI, on real Terraform and a real PostgreSQL: a pull request
// is planned, the merge is applied (roles, then schema) and verified, and an identical push
// applies nothing. Each run is `node dist/index.js` started as the runner starts it.

const PR = 7;
const BASE = sha('b');
const HEAD = sha('c');
const MERGE = sha('d');

describe('pull request → merge → identical push, on the seed layout', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.github.addPull({
      number: PR,
      files: ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'],
      headSha: HEAD,
      baseSha: BASE,
      mergeCommitSha: MERGE,
      merged: true,
    });
    stack.github.addCompare(BASE, MERGE, ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl']);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const roleNames = async (): Promise<string[]> =>
    (
      await stack.pg.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname IN ('atlas_migrator', 'app_reader') ORDER BY 1`)
    ).map((r) => r.rolname);

  it('(a) bootstrap PR changing roles and schema HCL: one comment with the 4 roles statements, schema deferred to the merge, nothing changed in PostgreSQL', async () => {
    const run = await stack.runPullRequest({ number: PR, headSha: HEAD, baseSha: BASE });
    expect(run.exitCode, run.stdout).toBe(0);
    // action.yml declares node24: the run must really be on Node 24, as on a runner.
    expect(run.stdout).toMatch(/^rds-atlas-action on Node v24\.\d+\.\d+$/m);
    expect(run.outputs['mode']).toBe('plan');
    expect(run.outputs['roles-changed']).toBe('true');
    expect(run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    // The schema env logs in as atlas_migrator, which only exists once the roles root is
    // applied (on RDS as here). Its plan ran beside the roles plan and could only fail to log
    // in; once the roles plan shows it creates that user, the schema root is reported as
    // deferred, and its login failure is not an error of the run.
    expect(run.outputs['schema-sql']).toBe('');
    expect(run.stdout).toContain('schema: deferred: planned after the bootstrap');
    expect(run.stdout).not.toMatch(/^::error::/m);
    // Each root's log is one whole group, roles first.
    const groups = [...run.stdout.matchAll(/^::group::(.*)$/gm)].map((m) => m[1]);
    expect(groups.filter((g) => /terraform init and plan/.test(g ?? ''))).toEqual([
      'roles: terraform init and plan',
      'schema: terraform init and plan',
    ]);
    expect(run.outputs['converged']).toBe('');

    const comments = stack.github.comments(PR);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(comments[0]?.user.login).toBe('github-actions[bot]');
    expect(run.outputs['comment-url']).toBe(comments[0]?.html_url);
    for (const statement of ROLES_SQL) expect(body).toContain(statement);
    const shown = renderedText(body);
    expect(shown).toContain(
      'Deferred: planned after the bootstrap. The schema root logs in as "atlas_migrator", which the roles root of this change creates',
    );
    // The headline says the schema SQL will be applied without a review in this PR.
    expect(body).toContain(
      '### ✅ Plan: 4 statements in roles · schema deferred: planned and applied on merge without a PR review of its SQL',
    );
    // dev_url noise is collapsed, not the headline.
    expect(body).toMatch(/<details>[\s\S]*dev_url is unset[\s\S]*<\/details>/);
    expect(run.summary).toContain(ROLES_SQL[3]);

    // A plan changes nothing.
    expect(await roleNames()).toEqual([]);
    // The plan run assumed the plan role only.
    const assumed = stack.aws.sts.requests.filter((r) => r.action === 'AssumeRoleWithWebIdentity');
    expect(assumed.map((r) => r.roleArn)).toEqual([PLAN_ROLE]);
  });

  it('(c) merge push: roles applied, then schema; PostgreSQL has them; converged; the PR comment updated in place', async () => {
    const before = stack.github.comments(PR);
    const stsBefore = stack.aws.sts.requests.length;
    const run = await stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['mode']).toBe('apply');
    expect(run.outputs['roles-changed']).toBe('true');
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(run.outputs['schema-sql']).toBe(SCHEMA_SQL.join('\n'));

    // Roles applied before schema: the log shows the order.
    const rolesApply = run.stdout.indexOf('roles: terraform apply');
    const schemaApply = run.stdout.indexOf('schema: terraform apply');
    expect(rolesApply).toBeGreaterThan(-1);
    expect(schemaApply).toBeGreaterThan(rolesApply);

    // The database really has what the HCL declares.
    expect(await roleNames()).toEqual(['app_reader', 'atlas_migrator']);
    const member = await stack.pg.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = 'rds_iam' AND u.rolname = 'atlas_migrator'`,
    );
    expect(member).toHaveLength(1);
    const table = await stack.pg.query<{ owner: string }>(
      `SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'validation_probe'`,
    );
    expect(table).toEqual([{ owner: 'atlas_migrator' }]);
    const grant = await stack.pg.query<{ ok: boolean }>(
      `SELECT has_table_privilege('app_reader', 'public.validation_probe', 'SELECT') AS ok`,
    );
    expect(grant).toEqual([{ ok: true }]);

    // Each run is a fresh checkout: the state that makes the next push a no-op lives in the
    // remote backend, as on a real runner, not in a directory the next run would reuse.
    const state = new pgLib.Client(connectionConfig(stack.pg.url(stack.pg.masterUser, stack.pg.masterPassword, 'tfstate')));
    await state.connect();
    try {
      const rows = await state.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema LIKE 'tfstate_%' ORDER BY 1`,
      );
      expect(rows.rows).toEqual([
        { schema: 'tfstate_terraform_roles', name: 'states' },
        { schema: 'tfstate_terraform_schema', name: 'states' },
      ]);
    } finally {
      await state.end();
    }

    // The merged PR's comment was updated, not duplicated.
    const after = stack.github.comments(PR);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before[0]?.id);
    expect(after[0]?.body).toContain('### ✅ Applied and converged — 6 statements in roles and schema');
    for (const statement of [...ROLES_SQL, ...SCHEMA_SQL]) expect(after[0]?.body).toContain(statement);
    expect(run.outputs['comment-url']).toBe(after[0]?.html_url);

    // The merge assumed the apply role only.
    const assumed = stack.aws.sts.requests
      .slice(stsBefore)
      .filter((r) => r.action === 'AssumeRoleWithWebIdentity')
      .map((r) => r.roleArn);
    expect(assumed).toEqual([APPLY_ROLE]);
  });

  it('(d) the same push again: no SQL, converged; the comment keeps showing what the first run applied, not duplicated', async () => {
    const first = stack.github.comments(PR)[0];
    const requestsBefore = stack.github.requests.length;
    const run = await stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['roles-sql']).toBe('');
    expect(run.outputs['schema-sql']).toBe('');
    const comments = stack.github.comments(PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(first?.id);
    // A re-run of an applied merge never replaces the applied SQL with "Nothing to apply" (issue 17):
    // no write at all, the body is what the applying run wrote, and the log says so.
    const writes = stack.github.requests.slice(requestsBefore).filter((r) => r.method !== 'GET' && r.path !== '/graphql');
    expect(writes).toEqual([]);
    expect(comments[0]?.body).toBe(first?.body);
    expect(comments[0]?.body).toContain('Applied');
    expect(run.stdout).toContain(`keeps showing the apply of commit ${MERGE.slice(0, 7)}`);
    // Nothing was applied: no terraform apply ran.
    expect(run.stdout).not.toContain('terraform apply');
  });

  it('(b) a later PR changing only schema HCL: roles root not run and the comment says why; schema planned', async () => {
    const number = PR + 1;
    const audit = path.join(stack.workspace, 'hcl/schema/audit.pg.hcl');
    await writeFile(audit, AUDIT_HCL);
    try {
      stack.github.addPull({ number, files: ['hcl/schema/audit.pg.hcl'], headSha: sha('e'), baseSha: MERGE });
      const run = await stack.runPullRequest({ number, headSha: sha('e'), baseSha: MERGE });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.outputs['roles-changed']).toBe('false');
      expect(run.outputs['roles-sql']).toBe('');
      expect(run.outputs['schema-sql']).toBe(AUDIT_SQL);
      const comments = stack.github.comments(number);
      expect(comments).toHaveLength(1);
      const body = comments[0]?.body ?? '';
      expect(body).toMatch(/no file matching roles-paths changed/i);
      expect(body).toContain(AUDIT_SQL);
      expect(body).not.toContain('CREATE ROLE');
      // The roles root was not run: terraform never touched it.
      expect(run.stdout).not.toContain('roles: terraform init');
      // A plan changes nothing.
      expect(await stack.pg.query(`SELECT 1 FROM pg_tables WHERE tablename = 'audit_log'`)).toEqual([]);
    } finally {
      await rm(audit, { force: true });
    }
  });

  it('(b2) a later PR changing roles and schema HCL: one comment with the SQL of both roots', async () => {
    const number = PR + 2;
    const writerSql = 'CREATE ROLE "app_writer" WITH LOGIN;';
    const seed = await loadSeedScenario();
    const roles = seed.envs['roles'] ?? {};
    await stack.tf.writeScenario({
      envs: {
        ...seed.envs,
        roles: {
          ...roles,
          statements: [
            ...(roles.statements ?? []),
            { sql: writerSql, when: ['user "app_writer"'], present: `SELECT 1 FROM pg_roles WHERE rolname = 'app_writer'` },
          ],
        },
      },
    });
    const files = { 'hcl/roles/writer.pg.hcl': 'user "app_writer" {}\n', 'hcl/schema/audit.pg.hcl': AUDIT_HCL };
    for (const [rel, text] of Object.entries(files)) await writeFile(path.join(stack.workspace, rel), text);
    try {
      stack.github.addPull({ number, files: Object.keys(files), headSha: sha('f'), baseSha: MERGE });
      const run = await stack.runPullRequest({ number, headSha: sha('f'), baseSha: MERGE });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.outputs['roles-changed']).toBe('true');
      expect(run.outputs['roles-sql']).toBe(writerSql);
      expect(run.outputs['schema-sql']).toBe(AUDIT_SQL);
      const body = stack.github.comments(number)[0]?.body ?? '';
      expect(body).toContain('### ✅ Plan: 2 statements across 2 roots');
      expect(body).toContain(writerSql);
      expect(body).toContain(AUDIT_SQL);
      expect(await stack.pg.query(`SELECT 1 FROM pg_roles WHERE rolname = 'app_writer'`)).toEqual([]);
    } finally {
      for (const rel of Object.keys(files)) await rm(path.join(stack.workspace, rel), { force: true });
      await stack.tf.writeScenario(seed);
    }
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
