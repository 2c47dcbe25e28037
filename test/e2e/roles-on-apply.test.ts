import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';

// A merge whose apply run never happened (GitHub replaced the pending run in the concurrency
// group, or it failed) leaves its roles change unapplied. The next merge touches only schema
// HCL, so by default its range says "roles unchanged". With roles-on-apply: always the roles
// root is planned on every apply and catches up.

const BASE = sha('1');

describe('roles-on-apply', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // State of the database after the bootstrap merge ran but the merge that added
    // app_reader was cancelled: atlas_migrator exists and may log in, app_reader does not.
    await stack.pg.query('CREATE ROLE "atlas_migrator" WITH LOGIN');
    await stack.pg.query('GRANT "rds_iam" TO "atlas_migrator"');
    await stack.pg.query('GRANT CREATE, USAGE ON SCHEMA "public" TO "atlas_migrator"');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const mergeSchemaOnly = (number: number, after: string, inputs: Record<string, string> = {}) => {
    stack.github.addPull({
      number,
      files: ['hcl/schema/schema.pg.hcl'],
      headSha: sha('9'),
      baseSha: BASE,
      mergeCommitSha: after,
      merged: true,
    });
    stack.github.addCompare(BASE, after, ['hcl/schema/schema.pg.hcl']);
    return stack.runPush({ before: BASE, after, ref: `refs/heads/${DEFAULT_BRANCH}` }, { inputs });
  };
  const hasRole = async (name: string): Promise<boolean> =>
    (await stack.pg.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name])).length === 1;

  it('default (changed): the roles root is skipped and the schema grant to the missing role fails', async () => {
    const run = await mergeSchemaOnly(21, sha('a'));
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs['roles-changed']).toBe('false');
    expect(run.stdout).not.toContain('roles: terraform init');
    expect(run.stdout).toMatch(/::error::.*schema: apply failed: .*role "app_reader" does not exist/);
    expect(await hasRole('app_reader')).toBe(false);
    const body = stack.github.comments(21)[0]?.body ?? '';
    expect(body).toContain('roles: not run (no change to roles-paths)');
  });

  it('always: the roles root is planned on every apply, applies the missed role, then the schema converges', async () => {
    const run = await mergeSchemaOnly(22, sha('b'), { 'roles-on-apply': 'always' });
    expect(run.exitCode, run.stdout).toBe(0);
    // Detection still says what changed in the range; the roles root ran because of the input.
    expect(run.outputs['roles-changed']).toBe('false');
    expect(run.outputs['roles-sql']).toBe('CREATE ROLE "app_reader" WITH LOGIN;');
    expect(run.outputs['converged']).toBe('true');
    expect(run.stdout.indexOf('schema: terraform apply')).toBeGreaterThan(run.stdout.indexOf('roles: terraform apply'));
    expect(await hasRole('app_reader')).toBe(true);
    const grant = await stack.pg.query<{ ok: boolean }>(
      `SELECT has_table_privilege('app_reader', 'public.validation_probe', 'SELECT') AS ok`,
    );
    expect(grant).toEqual([{ ok: true }]);
    const body = stack.github.comments(22)[0]?.body ?? '';
    expect(body).toContain('it runs anyway because roles-on-apply is always');
    expect(body).toContain('roles: applied (1 statement), converged');
  });

  it('always, with nothing missed: the roles plan is empty, nothing is applied, still converged', async () => {
    const run = await mergeSchemaOnly(23, sha('c'), { 'roles-on-apply': 'always' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('roles: terraform plan');
    expect(run.stdout).not.toContain('terraform apply');
    expect(run.outputs['converged']).toBe('true');
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
