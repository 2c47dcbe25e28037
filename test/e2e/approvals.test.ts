import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { renderedText } from '../support/markdown.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';

// Issue 22 through `node dist/index.js`: gated SQL (a destructive DROP, an access-widening
// GRANT rds_superuser) is applied on merge only with an approving review by someone other than
// the author, with write access, given while this SQL was the plan. One stack; the cases share
// action runs where one run can show several of them (e2e time matters). Each run asserts the
// exit code, the rendered comment and the rows in PostgreSQL.

const LEGACY = 'hcl/schema/legacy.pg.hcl';
const SUPERUSER_FILE = 'hcl/roles/approvals-superuser.pg.hcl';
const table = (name: string): string =>
  `table "${name}" {\n  schema = schema.public\n  column "id" {\n    type = bigint\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\n`;
const CREATE = 'CREATE TABLE "public"."legacy" (\n  "id" bigint NOT NULL,\n  PRIMARY KEY ("id")\n);';
const DROP = 'DROP TABLE "public"."legacy";';
const SUPERUSER = 'GRANT "rds_superuser" TO "app_reader";';
const IS_SUPERUSER = `SELECT 1 FROM pg_roles m, pg_roles g WHERE m.rolname = 'app_reader' AND g.rolname = 'rds_superuser' AND pg_has_role(m.oid, g.oid, 'MEMBER')`;
/** Short commit as the comment shows it. */
const short = (c: string): string => sha(c).slice(0, 7);

describe('approvals, end to end (issue 22)', () => {
  let stack: Stack;
  let seed: Scenario;

  /** The seed; the legacy table while the HCL declares it, its drop (while it exists) once not; the widening GRANT once its file says so. */
  async function scenario(declared: boolean): Promise<void> {
    await stack.tf.writeScenario({
      envs: {
        roles: {
          statements: [
            ...(seed.envs['roles']?.statements ?? []),
            { sql: SUPERUSER, when: ['approvals-e2e: superuser'], present: IS_SUPERUSER },
          ],
        },
        schema: {
          statements: [
            ...(seed.envs['schema']?.statements ?? []),
            { sql: CREATE, when: ['table "legacy"'], present: `SELECT 1 FROM pg_tables WHERE tablename = 'legacy'` },
            ...(declared ? [] : [{ query: `SELECT '${DROP}' FROM pg_tables WHERE schemaname = 'public' AND tablename = 'legacy'` }]),
          ],
        },
      },
    });
  }

  const body = (pr: number): string => renderedText(stack.github.comments(pr)[0]?.body ?? '');
  const headline = (pr: number): string => renderedText(/^### .*$/m.exec(stack.github.comments(pr)[0]?.body ?? '')?.[0] ?? '');
  const rows = async (): Promise<number | undefined> =>
    (await stack.pg.adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM "public"."legacy"').catch(() => undefined))?.[0]?.n;
  const superuser = async (): Promise<boolean> => (await stack.pg.adminQuery(IS_SUPERUSER)).length > 0;
  /** The merge job; `attempt` > 1 is "Re-run all jobs" on the same push. */
  const merge = (before: string, after: string, o: { attempt?: number; inputs?: Record<string, string> } = {}): Promise<ActionRun> =>
    stack.runPush(
      { before: sha(before), after: sha(after), ref: `refs/heads/${DEFAULT_BRANCH}` },
      { ...(o.inputs ? { inputs: o.inputs } : {}), ...(o.attempt ? { env: { GITHUB_RUN_ATTEMPT: String(o.attempt) } } : {}) },
    );
  const held = (run: ActionRun): void => expect(run.exitCode, run.stdout).toBe(1);

  beforeAll(async () => {
    seed = await loadSeedScenario();
    stack = await startStack({ scenario: seed });
    await writeFile(path.join(stack.workspace, LEGACY), table('legacy'));
    await scenario(true);
    stack.github.setRole('reader', 'read');
    for (const writer of ['lead', 'ops']) stack.github.setRole(writer, 'write');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('bootstraps the database with a table of rows', async () => {
    // Only the database state matters here: the merge alone applies the seed (nothing in it is
    // gated, so it needs no reviewed plan); the bootstrap's PR plan is asserted in flow and gate.
    const files = ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl', LEGACY];
    stack.github.addPull({ number: 1, files, headSha: sha('1'), baseSha: sha('0'), mergeCommitSha: sha('a'), merged: true });
    stack.github.addCompare(sha('0'), sha('a'), files);
    expect((await merge('0', 'a')).exitCode).toBe(0);
    await stack.pg.adminQuery('INSERT INTO "public"."legacy" (id) VALUES (1), (2), (3)');
    expect(await rows()).toBe(3);
  }, 240_000);

  it('a drop planned after a first push was approved: the comment says which approval the merge needs', async () => {
    await rm(path.join(stack.workspace, LEGACY));
    await scenario(false);
    const files = [{ filename: LEGACY, status: 'removed' as const }];
    stack.github.addPull({ number: 2, files, headSha: sha('3'), baseSha: sha('a'), mergeCommitSha: sha('b'), merged: true, author: 'dev' });
    stack.github.addCompare(sha('a'), sha('b'), files);
    // lead approved the PR's first push (commit 2222222), an hour before the push that planned the drop.
    stack.github.addReview(2, { login: 'lead', state: 'APPROVED', commitId: sha('2'), submittedAt: new Date(Date.now() - 3_600_000) });
    const plan = await stack.runPullRequest({ number: 2, headSha: sha('3'), baseSha: sha('a') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(body(2)).toContain('🔐 Applying this on merge needs an approving review of this plan.');
    expect(body(2)).toContain(`on commit ${short('3')} or after this comment was last updated`);
  });

  it('approved before the push that changed the SQL, by its author, by a reader, and dismissed: held, naming each', async () => {
    stack.github.addReview(2, { login: 'dev', state: 'APPROVED', commitId: sha('3') });
    stack.github.addReview(2, { login: 'reader', state: 'APPROVED', commitId: sha('3') });
    stack.github.dismissReview(2, stack.github.addReview(2, { login: 'ops', state: 'APPROVED', commitId: sha('3') }).id);
    const run = await merge('a', 'b');
    held(run);
    expect(await rows()).toBe(3);
    expect(headline(2)).toMatch(/^❌ Apply held back at schema: destructive SQL without an approval — nothing was applied/);
    const shown = body(2);
    expect(shown).toContain(
      'Destructive SQL needs an approval. This plan has 1 destructive statement (listed above), and no review of #2 approves the SQL planned now:',
    );
    expect(shown).toMatch(
      new RegExp(
        `lead approved at \\S+ on commit ${short('2')}, before the SQL shown now was planned \\(planned on commit ${short('3')} at \\S+\\): an approval from before the SQL changed does not count\\.`,
      ),
    );
    expect(shown).toMatch(/dev approved at \S+, but is the pull request's author: an author's own approval does not count\./);
    expect(shown).toMatch(/reader approved at \S+, but has read access to this repository/);
    expect(shown).toMatch(/ops's review of \S+ was dismissed\./);
  });

  it('a writer approves after the push, but the reviews and the labels (destructive-label set) answer 404: held, the headline and details naming both causes beside the reviewed plan', async () => {
    stack.github.addReview(2, { login: 'ops', state: 'APPROVED', commitId: sha('3') });
    stack.github.failNext(404, { path: /\/pulls\/2\/reviews$/, message: 'Not Found' });
    stack.github.failNext(404, { path: /\/issues\/2\/labels$/, message: 'Not Found' });
    const run = await merge('a', 'b', { inputs: { 'destructive-label': 'db-ok' } });
    held(run);
    expect(await rows()).toBe(3);
    expect(headline(2)).toMatch(
      /^❌ Apply held back at schema: destructive SQL whose approval could not be checked, and destructive SQL whose label could not be checked — nothing was applied/,
    );
    const shown = body(2);
    expect(shown).toContain('Destructive SQL is held: whether #2 is approved could not be checked.');
    expect(shown).toContain('The reviews of #2 could not be read (Not Found');
    expect(shown).toContain('whether #2 carries it is unknown: the labels of #2 could not be read (Not Found');
    expect(shown).toContain(`Reviewed plan — pull request #2 at commit ${short('3')}: 1 statement`);
    expect(shown).not.toMatch(/No reviewed plan|not planned|no trusted record/);
  });

  it("a reviewer's permission read hangs: the client gives each try up and the look-up's own bound (30 s, inside the merge's 45 s for GitHub) ends it: held, naming that read", async () => {
    stack.github.failNext('hang', { path: /\/collaborators\/ops\/permission$/, times: 10 });
    const run = await merge('a', 'b');
    stack.github.clearFaults();
    held(run);
    expect(await rows()).toBe(3);
    expect(headline(2)).toMatch(/^❌ Apply held back at schema: destructive SQL whose approval could not be checked/);
    expect(body(2)).toContain('GitHub did not answer the look-up of the repository permission of ops within 30 s.');
  }, 180_000);

  it('the same merge job re-run once GitHub answers: the approval given after the push counts, the drop is applied', async () => {
    const run = await merge('a', 'b', { attempt: 2 });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(await rows()).toBeUndefined();
    expect(headline(2)).toBe('✅ Applied and converged — 1 statement in schema · 1 destructive');
    expect(body(2)).toMatch(/✅ Matches the SQL reviewed in the pull request; destructive SQL approved by ops \(\S+\)\./);
  });

  it('GRANT rds_superuser (access-widening): the plan asks for an approval; its merge without one is held', async () => {
    await writeFile(path.join(stack.workspace, SUPERUSER_FILE), '# approvals-e2e: superuser\n');
    const files = [SUPERUSER_FILE];
    stack.github.addPull({ number: 3, files, headSha: sha('4'), baseSha: sha('b'), mergeCommitSha: sha('c'), merged: true, author: 'dev' });
    stack.github.addCompare(sha('b'), sha('c'), files);
    const plan = await stack.runPullRequest({ number: 3, headSha: sha('4'), baseSha: sha('b') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(body(3)).toContain(
      'The root with access-widening SQL is applied only if this pull request is approved by someone other than its author',
    );

    const run = await merge('b', 'c');
    held(run);
    expect(await superuser()).toBe(false);
    expect(headline(3)).toMatch(/^❌ Apply held back at roles: access-widening SQL without an approval/);
    expect(body(3)).toContain(
      'Access-widening SQL needs an approval. This plan has 1 access-widening statement (listed above), and #3 has no approving review.',
    );
  }, 240_000);

  it('GRANT rds_superuser: a writer approves, the re-run of the merge job applies it', async () => {
    stack.github.addReview(3, { login: 'lead', state: 'APPROVED', commitId: sha('4') });
    const run = await merge('b', 'c', { attempt: 2 });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(await superuser()).toBe(true);
    expect(body(3)).toMatch(/✅ Matches the SQL reviewed in the pull request; access-widening SQL approved by lead \(\S+\)\./);
  });
});
