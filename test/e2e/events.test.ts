import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { DEFAULT_ACCOUNT } from '../support/aws-endpoints.js';
import { mergeGroupEvent, scheduleEvent, workflowDispatchEvent, type Payload } from '../support/events.js';
import { APPLY_ROLE, DEFAULT_BRANCH, OWNER, REPO, sha, startStack, type Stack } from '../support/stack.js';
import { renderedText } from '../support/markdown.js';
import { AUDIT_HCL, AUDIT_SQL, ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';

// Which events plan and which apply, through `node dist/index.js`: mode: plan on the default
// branch, mode: apply on workflow_dispatch, schedule / merge_group / other branches / tags
// under mode: auto, and a direct push to the default branch that no pull request owns.
// One stack, in order: the dispatch run bootstraps the database the later runs look at.

// Plan runs outside pull requests need a role whose trust policy accepts any ref of the repo.
const ANY_REF_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan-any-ref`;
const MAIN = `refs/heads/${DEFAULT_BRANCH}`;
const ZERO = '0'.repeat(40);
const ROLES_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl'];

describe('events and modes through the bundled action', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.aws.sts.addRole({ arn: ANY_REF_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:*` });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const observe = (start: () => Promise<ActionRun>) => stack.observe(start);

  const roleNames = async (): Promise<string[]> =>
    (
      await stack.pg.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname IN ('atlas_migrator', 'app_reader') ORDER BY 1`)
    ).map((r) => r.rolname);
  const hasTable = async (name: string): Promise<boolean> =>
    (await stack.pg.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = $1`, [name])).length === 1;

  it('mode: plan on a push to the default branch plans only: no apply RPC, nothing in PostgreSQL', async () => {
    stack.github.addCompare(sha('1'), sha('2'), ROLES_FILES);
    const o = await observe(() =>
      stack.runPush({ before: sha('1'), after: sha('2'), ref: MAIN }, { inputs: { mode: 'plan', 'role-to-assume': ANY_REF_ROLE } }),
    );
    expect(o.run.exitCode, o.run.stdout).toBe(0);
    expect(o.run.outputs['mode']).toBe('plan');
    expect(o.run.outputs['converged']).toBe('');
    expect(o.run.outputs['roles-changed']).toBe('true');
    expect(o.run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(o.run.stdout).toContain('Mode: plan. Input "mode" is plan, so this run never applies.');
    expect(o.run.summary).toContain('Input "mode" is plan, so this run never applies.');
    expect(o.planned).toContain('roles');
    expect(o.applied).toEqual([]);
    expect(o.run.stdout).not.toContain('terraform apply');
    expect(o.assumed).toEqual([ANY_REF_ROLE]);
    expect(await roleNames()).toEqual([]);
  });

  it('mode: apply on workflow_dispatch applies; no commit range, so roles runs to be safe; no PR, so no comment', async () => {
    const o = await observe(() => stack.runEvent('workflow_dispatch', workflowDispatchEvent(), { inputs: { mode: 'apply' } }));
    const { run } = o;
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['mode']).toBe('apply');
    expect(run.outputs['roles-changed']).toBe('true');
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(run.outputs['schema-sql']).toBe(SCHEMA_SQL.join('\n'));
    expect(run.outputs['comment-url']).toBe('');
    const reason = 'a workflow_dispatch event has no commit range to compare, so the roles root counts as changed';
    expect(run.stdout).toContain(`Roles root: runs. ${reason}`);
    expect(renderedText(run.summary)).toContain(`Ran to be safe: ${reason}`);
    expect(renderedText(run.summary)).toContain('Input "mode" is apply, so this workflow_dispatch run applies.');
    for (const statement of [...ROLES_SQL, ...SCHEMA_SQL]) expect(run.summary).toContain(statement);
    expect(o.applied).toEqual(['roles', 'schema']);
    expect(o.assumed).toEqual([APPLY_ROLE]);
    // An apply looks up the commit's pull request (its reviewed plan and approvals); there is none,
    // so nothing is commented. After the apply it lists the open pull requests whose plans are now
    // stale (issue 22); there are none here either.
    const lookups = o.gh.filter((r) => /\/(comments|pulls)\b/.test(r.path)).map((r) => `${r.method} ${r.path}`);
    expect(lookups).toHaveLength(2);
    expect(lookups[0]).toMatch(new RegExp(`^GET /repos/${OWNER}/${REPO}/commits/[0-9a-f]{40}/pulls$`));
    expect(lookups[1]).toMatch(new RegExp(`^GET /repos/${OWNER}/${REPO}/pulls(\\?.*)?$`));
    expect(o.writes).toEqual([]);
    expect(await roleNames()).toEqual(['app_reader', 'atlas_migrator']);
    expect(await hasTable('validation_probe')).toBe(true);
  });

  it('schedule and merge_group under mode: auto plan; roles runs to be safe; pending SQL stays pending', async () => {
    await writeFile(path.join(stack.workspace, 'hcl/schema/audit.pg.hcl'), AUDIT_HCL);
    const events: [string, Payload][] = [
      ['schedule', scheduleEvent()],
      ['merge_group', mergeGroupEvent({ headSha: sha('5'), baseSha: sha('4'), prNumber: 12 })],
    ];
    for (const [name, payload] of events) {
      const o = await observe(() => stack.runEvent(name, payload, { inputs: { 'role-to-assume': ANY_REF_ROLE } }));
      expect(o.run.exitCode, `${name}: ${o.run.stdout}`).toBe(0);
      expect(o.run.outputs['mode'], name).toBe('plan');
      expect(o.run.outputs['converged'], name).toBe('');
      expect(o.run.outputs['roles-changed'], name).toBe('true');
      expect(o.run.outputs['schema-sql'], name).toBe(AUDIT_SQL);
      const summary = renderedText(o.run.summary);
      expect(summary, name).toContain(`A ${name} event only plans; only a push to the default branch applies.`);
      expect(summary, name).toContain(
        `Ran to be safe: a ${name} event has no commit range to compare, so the roles root counts as changed`,
      );
      expect(o.planned.sort(), name).toEqual(['roles', 'schema']);
      expect(o.applied, name).toEqual([]);
      expect(o.assumed, name).toEqual([ANY_REF_ROLE]);
      // A scheduled plan is the drift check: the pending SQL opens this database's drift issue.
      expect(
        o.writes.map((w) => `${w.method} ${w.path}`),
        name,
      ).toEqual(name === 'schedule' ? [`POST /repos/${OWNER}/${REPO}/issues`] : []);
    }
    expect(await hasTable('audit_log')).toBe(false);
  });

  it('a push to another branch and a tag push plan only', async () => {
    stack.github.addCompare(sha('4'), sha('5'), ['hcl/schema/audit.pg.hcl']);
    const branch = await observe(() =>
      stack.runPush({ before: sha('4'), after: sha('5'), ref: 'refs/heads/feature/audit' }, { inputs: { 'role-to-assume': ANY_REF_ROLE } }),
    );
    expect(branch.run.exitCode, branch.run.stdout).toBe(0);
    expect(branch.run.outputs['mode']).toBe('plan');
    expect(branch.run.summary).toContain('A push to refs/heads/feature/audit only plans; only a push to the default branch main applies.');
    // The compare API answered: only a schema file changed, so the roles root is skipped.
    expect(branch.run.outputs['roles-changed']).toBe('false');
    expect(branch.run.outputs['schema-sql']).toBe(AUDIT_SQL);
    expect(branch.planned).toEqual(['schema']);
    expect(branch.applied).toEqual([]);

    // A new tag has no earlier commit (before is all zeros): the roles root runs to be safe.
    const tag = await observe(() =>
      stack.runPush({ before: ZERO, after: sha('5'), ref: 'refs/tags/v1.2.0' }, { inputs: { 'role-to-assume': ANY_REF_ROLE } }),
    );
    expect(tag.run.exitCode, tag.run.stdout).toBe(0);
    expect(tag.run.outputs['mode']).toBe('plan');
    expect(tag.run.summary).toContain('A push to tag v1.2.0 only plans; only a push to the default branch main applies.');
    expect(tag.run.outputs['roles-changed']).toBe('true');
    expect(tag.run.summary).toContain('the push created refs/tags/v1.2.0, so there is no earlier commit to compare with');
    expect(tag.run.outputs['schema-sql']).toBe(AUDIT_SQL);
    expect(tag.applied).toEqual([]);
    for (const o of [branch, tag]) {
      expect(o.assumed).toEqual([ANY_REF_ROLE]);
      expect(o.writes).toEqual([]);
    }
    expect(await hasTable('audit_log')).toBe(false);
  });

  it('a direct push to the default branch with no pull request applies, says so, and comments nowhere', async () => {
    const after = sha('7');
    stack.github.addCompare(sha('6'), after, ['hcl/schema/audit.pg.hcl']);
    const o = await observe(() => stack.runPush({ before: sha('6'), after, ref: MAIN }));
    const { run } = o;
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['mode']).toBe('apply');
    expect(run.outputs['roles-changed']).toBe('false');
    expect(run.outputs['schema-sql']).toBe(AUDIT_SQL);
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['comment-url']).toBe('');
    expect(run.stdout).toContain(`No pull request is associated with ${after.slice(0, 7)}: no comment to update.`);
    const lookup = o.gh.filter((r) => r.path === `/repos/${OWNER}/${REPO}/commits/${after}/pulls`);
    expect(lookup.map((r) => r.status)).toEqual([200]);
    expect(o.writes).toEqual([]);
    expect(run.summary).toContain('Applied and converged');
    expect(run.summary).toContain(AUDIT_SQL);
    expect(o.applied).toEqual(['schema']);
    expect(o.assumed).toEqual([APPLY_ROLE]);
    expect(await hasTable('audit_log')).toBe(true);
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
