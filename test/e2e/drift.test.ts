import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { DEFAULT_ACCOUNT } from '../support/aws-endpoints.js';
import { scheduleEvent, workflowDispatchEvent } from '../support/events.js';
import { ACTIONS_BOT, type Issue } from '../support/github-api.js';
import { rootGroupProblems } from '../support/log-groups.js';
import { headings, renderedText } from '../support/markdown.js';
import { interpretRunnerOutput } from '../support/runner-log.js';
import { ROLES_SQL } from '../support/seed-sql.js';
import { DEFAULT_BRANCH, OWNER, REPO, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario } from '../support/terraform.js';

// The drift check through `node dist/index.js`: docs/drift.md's nightly schedule plans the default
// branch's HCL against the database and keeps one GitHub issue about it. A change made directly
// in PostgreSQL (a revoked grant, a table someone created by hand) opens the issue with the SQL
// that would reconcile the database; the next run updates the same issue; once the database
// matches the HCL again a run closes it with a comment. Issues the action did not write (a
// person's issue that starts with our marker, the drift issue of another database) are never
// touched. One stack, in order.

// As docs/setup.md says: the plan role also trusts the default branch, where scheduled runs start.
const PLAN_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan-and-drift`;
const MARKER = '<!-- rds-atlas-action:drift:v1 roles=terraform/roles schema=terraform/schema -->';
const TITLE = `Database drift: ${OWNER}/${REPO}`;
const GRANT = ROLES_SQL[3] ?? '';
const DROP = 'DROP TABLE "public"."hand_made";';
// Tables the seed's schema HCL does not declare: the stand-in plans dropping them, as Atlas does.
const UNDECLARED_TABLES = {
  query: `SELECT format('DROP TABLE "%s"."%s";', schemaname, tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('validation_probe', 'audit_log') ORDER BY tablename`,
};

describe('drift detection: one issue per database, opened, updated, closed', () => {
  let stack: Stack;
  let theirs: Issue;
  let otherDatabase: Issue;
  let issueNumber = 0;
  let firstSeen = '';
  let lastSeen = '';

  beforeAll(async () => {
    const seed = await loadSeedScenario();
    const schema = seed.envs['schema'] ?? {};
    stack = await startStack({
      scenario: { ...seed, envs: { ...seed.envs, schema: { ...schema, statements: [...(schema.statements ?? []), UNDECLARED_TABLES] } } },
    });
    stack.aws.sts.addRole({
      arn: PLAN_ROLE,
      subjectPattern: [`repo:${OWNER}/${REPO}:pull_request`, `repo:${OWNER}/${REPO}:ref:refs/heads/${DEFAULT_BRANCH}`],
    });
    // A person's issue that starts with our marker (pasted from ours), and the open drift
    // issue of another database of this repository (written by the same bot, other marker).
    theirs = {
      ...stack.github.seedIssue({ login: 'octocat', title: 'Drift again?', body: `${MARKER}\nCopied from the last drift issue.` }),
    };
    otherDatabase = {
      ...stack.github.seedIssue({
        login: ACTIONS_BOT.login,
        type: 'Bot',
        title: 'Database drift: staging',
        body: `${MARKER.replace('drift:v1 ', 'drift:v1 env=staging ')}\n## 🗄️ Atlas Drift check · staging`,
      }),
    };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const check = (inputs: Record<string, string> = {}): Promise<ActionRun> =>
    stack.runEvent('schedule', scheduleEvent(), { inputs: { 'role-to-assume': PLAN_ROLE, ...inputs } });
  const reapply = (): Promise<ActionRun> => stack.runEvent('workflow_dispatch', workflowDispatchEvent(), { inputs: { mode: 'apply' } });
  const issueWrites = (from: number): string[] =>
    stack.github.requests
      .slice(from)
      .filter((r) => r.method !== 'GET' && r.path.includes('/issues'))
      .map((r) => `${r.method} ${r.path.replace(`/repos/${OWNER}/${REPO}`, '')}`);
  const ours = (): Issue[] => stack.github.issues().filter((i) => i.user.login === ACTIONS_BOT.login && i.body.startsWith(MARKER));
  const seen = (body: string): { first: string; last: string } => {
    const m = /First seen (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC), last seen (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)/.exec(renderedText(body));
    return { first: m?.[1] ?? '', last: m?.[2] ?? '' };
  };
  const untouched = (): void => {
    const now = stack.github.issues();
    expect(now.find((i) => i.number === theirs.number)).toEqual(theirs);
    expect(now.find((i) => i.number === otherDatabase.number)).toEqual(otherDatabase);
    expect(stack.github.comments(theirs.number)).toEqual([]);
    expect(stack.github.comments(otherDatabase.number)).toEqual([]);
  };

  it('(a) no drift: drift=false, no issue opened, and the issues the action did not write are left alone', async () => {
    const bootstrap = await reapply();
    expect(bootstrap.exitCode, bootstrap.stdout).toBe(0);
    expect(bootstrap.outputs['converged']).toBe('true');

    const from = stack.github.requests.length;
    const run = await check();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['mode']).toBe('plan');
    expect(run.outputs['drift']).toBe('false');
    expect(renderedText(run.summary)).toContain('No drift: the database matches the HCL');
    expect(issueWrites(from)).toEqual([]);
    expect(ours()).toEqual([]);
    untouched();
    // Both roots were planned side by side (a schedule has no commit range: roles runs to be
    // safe); each root's log is still one whole group, roles first.
    expect(rootGroupProblems(run.stdout)).toEqual([]);
  });

  it('(b) a change made directly in PostgreSQL opens one issue with the reconciling SQL, classified, first/last seen and how to fix it', async () => {
    await stack.pg.query('REVOKE CREATE ON SCHEMA public FROM atlas_migrator');
    await stack.pg.query('CREATE TABLE public.hand_made (id integer)');

    const from = stack.github.requests.length;
    const run = await check();
    // Drift alone does not fail the job (fail-on-drift defaults to false).
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['drift']).toBe('true');
    expect(run.outputs['roles-sql']).toBe(GRANT);
    expect(run.outputs['schema-sql']).toBe(DROP);
    expect(rootGroupProblems(run.stdout)).toEqual([]);

    const opened = ours();
    expect(opened).toHaveLength(1);
    const issue = opened[0]!;
    issueNumber = issue.number;
    expect(issueWrites(from)).toEqual(['POST /issues']);
    expect(run.stdout).toContain(`Opened drift issue #${issue.number}: ${issue.html_url}`);
    expect(issue.title).toBe(TITLE);
    expect(issue.state).toBe('open');
    expect(issue.body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(headings(issue.body).find((h) => h.level === 2)?.text).toBe('🗄️ Atlas Drift check · PostgreSQL roles & schema');
    const shown = renderedText(issue.body);
    expect(shown).toContain('Drift: 2 statements across 2 roots · 1 destructive');
    expect(issue.body).toContain(GRANT);
    expect(issue.body).toContain(DROP);
    // The classification: the DROP is listed as destructive, with the parser's reason.
    expect(shown).toMatch(/Destructive \(1\) schema: DROP TABLE "public"\."hand_made"; — \S/);
    expect(shown).toContain('How to fix it: if the change in the database is wanted, describe it in the HCL');
    ({ first: firstSeen, last: lastSeen } = seen(issue.body));
    expect(firstSeen).not.toBe('');
    expect(lastSeen).toBe(firstSeen);
    untouched();
  });

  it('(c) the next run updates the same issue (first seen kept, last seen moves); with fail-on-drift the job fails', async () => {
    const from = stack.github.requests.length;
    const run = await check({ 'fail-on-drift': 'true' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['drift']).toBe('true');
    const errors = interpretRunnerOutput(run.stdout, run.stderr).annotations.filter((a) => a.level === 'error');
    expect(errors.map((a) => a.message)).toEqual([
      'The database drifted from the HCL of the default branch (fail-on-drift is true); see the drift issue or the job summary for the SQL that would reconcile it.',
    ]);

    expect(issueWrites(from)).toEqual([`PATCH /issues/${issueNumber}`]);
    const now = ours();
    expect(now.map((i) => i.number)).toEqual([issueNumber]);
    const issue = now[0]!;
    expect(issue.state).toBe('open');
    expect(issue.title).toBe(TITLE);
    const times = seen(issue.body);
    expect(times.first).toBe(firstSeen);
    expect(times.last > lastSeen).toBe(true);
    expect(issue.body).toContain(DROP);
    untouched();
  });

  it('(d) the database restored (the table dropped by hand, the HCL re-applied): the next run closes the issue with a comment', async () => {
    await stack.pg.query('DROP TABLE public.hand_made');
    const from = stack.github.requests.length;
    const applied = await reapply();
    expect(applied.exitCode, applied.stdout).toBe(0);
    expect(applied.outputs['roles-sql']).toBe(GRANT);
    expect(applied.outputs['converged']).toBe('true');
    // Only plan runs check drift: the apply left the issue as it was.
    expect(issueWrites(from)).toEqual([]);

    const run = await check();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['drift']).toBe('false');
    expect(issueWrites(from)).toEqual([`POST /issues/${issueNumber}/comments`, `PATCH /issues/${issueNumber}`]);
    expect(run.stdout).toContain(`Closed drift issue #${issueNumber}: the database matches the HCL.`);
    const issue = stack.github.issues().find((i) => i.number === issueNumber);
    expect(issue?.state).toBe('closed');
    expect(issue?.state_reason).toBe('completed');
    const comments = stack.github.comments(issueNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.user.login).toBe(ACTIONS_BOT.login);
    expect(renderedText(comments[0]?.body ?? '')).toMatch(
      /^✅ No drift found by this run \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): the database matches the HCL of main\. Closing\.$/,
    );
    expect(ours().filter((i) => i.state === 'open')).toEqual([]);
    untouched();
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
