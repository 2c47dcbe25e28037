import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderedText } from '../support/markdown.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';

// Issue 22 through `node dist/index.js`: a destructive merge is applied only with an approving
// review by someone other than the author, with write access, given while this SQL was the plan.
// One stack; each case asserts the exit code, the rendered comment and the rows in PostgreSQL.

const LEGACY = 'hcl/schema/legacy.pg.hcl';
const table = (name: string): string =>
  `table "${name}" {\n  schema = schema.public\n  column "id" {\n    type = bigint\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\n`;
const CREATE = 'CREATE TABLE "public"."legacy" (\n  "id" bigint NOT NULL,\n  PRIMARY KEY ("id")\n);';
const DROP = 'DROP TABLE "public"."legacy";';

describe('approvals, end to end (issue 22)', () => {
  let stack: Stack;
  let seed: Scenario;

  /** The seed, the legacy table while the HCL declares it, its drop (while it exists) once the HCL does not. */
  async function scenario(declared: boolean): Promise<void> {
    await stack.tf.writeScenario({
      envs: {
        roles: seed.envs['roles'] ?? { statements: [] },
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
  const rows = async (): Promise<number | undefined> =>
    (await stack.pg.adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM "public"."legacy"').catch(() => undefined))?.[0]?.n;
  const merge = (before: string, after: string) => stack.runPush({ before, after, ref: `refs/heads/${DEFAULT_BRANCH}` });

  beforeAll(async () => {
    seed = await loadSeedScenario();
    stack = await startStack({ scenario: seed });
    await writeFile(path.join(stack.workspace, LEGACY), table('legacy'));
    await scenario(true);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('bootstraps the database with a table of rows', async () => {
    const files = ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl', LEGACY];
    stack.github.addPull({ number: 1, files, headSha: sha('1'), baseSha: sha('0'), mergeCommitSha: sha('a'), merged: true });
    stack.github.addCompare(sha('0'), sha('a'), files);
    expect((await stack.runPullRequest({ number: 1, headSha: sha('1'), baseSha: sha('0') })).exitCode).toBe(0);
    expect((await merge(sha('0'), sha('a'))).exitCode).toBe(0);
    await stack.pg.adminQuery('INSERT INTO "public"."legacy" (id) VALUES (1), (2), (3)');
    expect(await rows()).toBe(3);
  });

  it('a drop approved only by its author, and by a reader: held, naming both; dismissed: held; reviews unreadable: held with the cause; approved by a writer, the re-run applies', async () => {
    await rm(path.join(stack.workspace, LEGACY));
    await scenario(false);
    const files = [{ filename: LEGACY, status: 'removed' as const }];
    stack.github.addPull({ number: 2, files, headSha: sha('2'), baseSha: sha('a'), mergeCommitSha: sha('b'), merged: true, author: 'dev' });
    stack.github.addCompare(sha('a'), sha('b'), files);
    const plan = await stack.runPullRequest({ number: 2, headSha: sha('2'), baseSha: sha('a') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(body(2)).toContain('🔐 Applying this on merge needs an approving review of this plan.');

    stack.github.setRole('reader', 'read');
    stack.github.addReview(2, { login: 'dev', state: 'APPROVED', commitId: sha('2') });
    stack.github.addReview(2, { login: 'reader', state: 'APPROVED', commitId: sha('2') });
    let run = await merge(sha('a'), sha('b'));
    expect(run.exitCode, run.stdout).toBe(1);
    expect(await rows()).toBe(3);
    expect(body(2)).toContain('dev approved at');
    expect(body(2)).toContain("but is the pull request's author");
    expect(body(2)).toContain('but has read access to this repository');

    stack.github.setRole('lead', 'write');
    const review = stack.github.addReview(2, { login: 'lead', state: 'APPROVED', commitId: sha('2') });
    stack.github.dismissReview(2, review.id);
    run = await merge(sha('a'), sha('b'));
    expect(run.exitCode, run.stdout).toBe(1);
    expect(await rows()).toBe(3);
    expect(body(2)).toMatch(/lead's review of \S+ was dismissed\./);

    stack.github.addReview(2, { login: 'lead', state: 'APPROVED', commitId: sha('2') });
    stack.github.failNext(404, { path: /\/pulls\/2\/reviews$/, message: 'Not Found' });
    run = await merge(sha('a'), sha('b'));
    expect(run.exitCode, run.stdout).toBe(1);
    expect(await rows()).toBe(3);
    expect(body(2)).toContain('Destructive SQL is held: whether #2 is approved could not be checked.');
    expect(body(2)).toContain('The reviews of #2 could not be read (Not Found)');

    run = await merge(sha('a'), sha('b'));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(await rows()).toBeUndefined();
    expect(body(2)).toContain('✅ Matches the SQL reviewed in the pull request; destructive SQL approved by lead (');
  });
});
