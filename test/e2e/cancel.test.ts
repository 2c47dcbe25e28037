import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headings, renderedText } from '../support/markdown.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario } from '../support/terraform.js';

// A cancelled job: the runner sends SIGINT, then SIGTERM 7.5 s later. The action asks
// Terraform to stop gracefully (one SIGINT: finish the operation in flight, save state, release
// the lock), starts nothing else, and still reports what happened.

const BASE = sha('1');
const MERGE = sha('2');
// A slow statement in the roles transaction keeps the apply in flight when the signal comes;
// it is "present" once the transaction committed, so the database can converge afterwards.
const SLOW_SQL = 'SELECT pg_sleep(3);';

describe('cancellation', () => {
  let stack: Stack;
  beforeAll(async () => {
    const seed = await loadSeedScenario();
    const roles = seed.envs['roles'] ?? {};
    stack = await startStack({
      scenario: {
        envs: {
          ...seed.envs,
          roles: {
            ...roles,
            statements: [...(roles.statements ?? []), { sql: SLOW_SQL, present: "SELECT 1 FROM pg_roles WHERE rolname = 'app_reader'" }],
          },
        },
      },
    });
    stack.github.addPull({
      number: 5,
      files: ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl'],
      headSha: sha('3'),
      baseSha: BASE,
      mergeCommitSha: MERGE,
      merged: true,
    });
    stack.github.addCompare(BASE, MERGE, ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl']);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const merge = (extra = {}) => stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` }, extra);

  it('mid-apply: Terraform finishes gracefully, nothing else starts, and the comment says what happened', async () => {
    // Once Terraform reports the resource operation in flight (the slow statement is running).
    const run = await merge({
      cancel: { when: /atlas_schema\.roles: (Creating|Modifying)\.\.\./, signals: ['SIGINT', 'SIGTERM'], intervalMs: 1_000 },
    });

    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('::warning::The run was cancelled (SIGINT): Terraform was asked to stop gracefully');
    // Nothing starts after the interrupted apply: no verify plan, no schema root. The schema
    // root's init may have run beside the roles apply (it starts with the roles root, before the
    // cancel; a cancelled run starts none): its buffered log is printed afterwards as one group.
    const early = /::group::schema: terraform init \(run beside the roles root\)\n[\s\S]*?::endgroup::\n/;
    const stdout = run.stdout.replace(early, '');
    const afterApply = stdout.slice(stdout.indexOf('$ terraform apply'));
    expect(afterApply.match(/\$ terraform /g)).toHaveLength(1);
    expect(stdout).not.toContain('schema: terraform');
    // Terraform got exactly one interrupt: the graceful path, not "Two interrupts received".
    expect(run.stdout + run.stderr).not.toContain('Two interrupts received');

    const body = stack.github.comments(5)[0]?.body ?? '';
    expect(body).toContain('The run was cancelled (SIGINT)');
    expect(body).toMatch(/schema: not run because roles failed/);
    expect(run.summary).toContain('The run was cancelled (SIGINT)');
    // No plan may start after a cancellation, so what the interrupted apply committed is
    // unknown: the headline says so, and never "nothing was applied".
    for (const [where, md] of [
      ['comment', body],
      ['summary', run.summary],
    ] as const) {
      expect(headings(md).find((h) => h.level === 3)?.text, where).toBe(
        '❌ Apply failed at roles/apply — whether roles was applied could not be checked, schema was not',
      );
      expect(renderedText(md), where).toContain(
        "What was applied: roles: failed during apply — whether any of it was committed could not be checked (no plan could run after the failure); the next run's plan will show what is still pending · schema: not run because roles failed",
      );
      expect(renderedText(md), where).not.toMatch(/nothing was applied|nothing from this root was/i);
    }
    expect(run.outputs['converged']).toBe('false');
    // No process and no credential file outlives the run.
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
    expect(run.runnerTempFiles).toEqual([]);
  });

  it('the next run finds the state saved and the lock released, and converges', async () => {
    const run = await merge();
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('Error acquiring the state lock');
    expect(run.outputs['converged']).toBe('true');
    const roles = await stack.pg.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname IN ('atlas_migrator', 'app_reader') ORDER BY 1`,
    );
    expect(roles.map((r) => r.rolname)).toEqual(['app_reader', 'atlas_migrator']);
  });
});
