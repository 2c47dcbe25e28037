import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_BOT, APP_BOT_LOGIN, MAX_COMMENT_LENGTH } from '../support/github-api.js';
import { sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';
import { ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';

// The pull request comment under pressure, on real Terraform and PostgreSQL and the loopback
// GitHub API (which pages like GitHub and answers 422 to a body over 65,536 characters):
// a busy thread with a quote of our comment in it, a plan too large for one comment, and a
// token that may not comment at all. Every PR here changes only schema HCL, so the roles
// root is skipped and the schema root is planned.

const BASE = sha('b');
const MARKER = '<!-- rds-atlas-action:v1 roles=terraform/roles schema=terraform/schema -->';

describe('the pull request comment', () => {
  let stack: Stack;
  let seed: Scenario;
  beforeAll(async () => {
    stack = await startStack();
    seed = await loadSeedScenario();
    // What an earlier merge's roles apply left behind; the schema env logs in as atlas_migrator.
    for (const sql of ROLES_SQL) await stack.pg.query(sql);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const openPull = (number: number, headSha: string): void =>
    stack.github.addPull({ number, files: ['hcl/schema/schema.pg.hcl'], headSha, baseSha: BASE });
  const ourComments = (number: number) =>
    stack.github.comments(number).filter((c) => c.user.login === ACTIONS_BOT.login && c.body.includes(MARKER));

  it("(i) a busy PR: our one comment is found past the first page and updated in place; a user's quote of it is left alone", async () => {
    const pr = 31;
    await stack.tf.writeScenario(seed);
    openPull(pr, sha('1'));
    // 130 comments before ours: people, other bots, other workflows on the same token, and the
    // comment of this action for another database (a different marker).
    const authors = [
      { login: 'octocat' },
      { login: 'hubot' },
      { login: 'dependabot[bot]', type: 'Bot' as const },
      { login: ACTIONS_BOT.login, type: 'Bot' as const },
    ];
    for (let i = 0; i < 130; i++) {
      const author = authors[i % authors.length] ?? { login: 'octocat' };
      const body =
        i === 5 ? '<!-- rds-atlas-action:v1 roles=db2/roles schema=db2/schema -->\nAtlas Plan for db2' : `Comment ${i} by ${author.login}`;
      stack.github.seedComment(pr, { ...author, body });
    }

    const first = await stack.runPullRequest({ number: pr, headSha: sha('1'), baseSha: BASE });
    expect(first.exitCode, first.stdout).toBe(0);
    const created = ourComments(pr);
    expect(created).toHaveLength(1);
    const ours = created[0]!;
    expect(first.outputs['comment-url']).toBe(ours.html_url);
    expect(ours.body).toContain(SCHEMA_SQL[1]);

    // A reviewer quote-replies our whole comment, hidden marker included.
    const quoted = `${ours.body
      .trimEnd()
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n')}\n\nWhy does app_reader need SELECT here?`;
    expect(quoted).toContain(MARKER);
    // A copy: the harness hands back its live record, which a PATCH would change under us.
    const quote = { ...stack.github.seedComment(pr, { login: 'octocat', body: quoted }) };
    const requestsBefore = stack.github.requests.length;

    // A new commit on the PR: the plan is posted again.
    const second = await stack.runPullRequest({ number: pr, headSha: sha('2'), baseSha: BASE });
    expect(second.exitCode, second.stdout).toBe(0);

    const after = ourComments(pr);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(ours.id);
    expect(after[0]?.body).toContain('2222222');
    expect(after[0]?.body).not.toBe(ours.body);
    expect(second.outputs['comment-url']).toBe(ours.html_url);
    const all = stack.github.comments(pr);
    expect(all).toHaveLength(132);
    expect(all.find((c) => c.id === quote.id)).toEqual(quote);

    // It read page 2 to find its comment, and wrote only that one comment.
    const requests = stack.github.requests.slice(requestsBefore);
    const listing = requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/issues/${pr}/comments`));
    expect(listing.map((r) => r.query['page'] ?? '1')).toEqual(['1', '2']);
    expect(listing.every((r) => r.query['per_page'] === '100' && r.status === 200)).toBe(true);
    const writes = requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql');
    expect(writes.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH /repos/octo-org/octo-repo/issues/comments/${ours.id} 200`,
    ]);
  });

  it('(j) a plan too large for one comment: the comment is shortened at whole statements and points to the summary, which has them all', async () => {
    const pr = 32;
    const statement = (i: number): string => {
      const n = String(i).padStart(4, '0');
      return `CREATE TABLE "public"."bulk_${n}" (\n  "id" bigint NOT NULL,\n  "tenant_id" bigint NOT NULL,\n  "payload_${n}" text NULL,\n  "created_at" timestamptz NOT NULL DEFAULT now(),\n  PRIMARY KEY ("id")\n);`;
    };
    const all = Array.from({ length: 3000 }, (_, i) => statement(i + 1));
    const fullSql = all.join('\n');
    expect(fullSql.length).toBeGreaterThan(8 * MAX_COMMENT_LENGTH);
    await stack.tf.writeScenario({ envs: { ...seed.envs, schema: { statements: all.map((sql) => ({ sql })) } } });
    openPull(pr, sha('3'));

    const run = await stack.runPullRequest({ number: pr, headSha: sha('3'), baseSha: BASE });
    expect(run.exitCode, run.stdout).toBe(0);

    // Outputs and the job summary carry every statement.
    expect(run.outputs['schema-sql']).toBe(fullSql);
    expect(run.summary.match(/CREATE TABLE "public"\."bulk_\d{4}"/g)).toHaveLength(3000);
    expect(run.summary).toContain(fullSql);
    expect(run.summary).not.toMatch(/Shortened/);

    const comments = stack.github.comments(pr);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect([...body].length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(body).toContain('✅ Plan: 3,000 statements in schema');
    expect(body).toMatch(
      /Shortened to fit GitHub's 65,536-character comment limit:\*\* [\d,]+ SQL statements not shown\. The full plan is in the \[job summary of this run\]/,
    );

    // The SQL shown is exactly the first k planned statements, each whole.
    const blocks = [...body.matchAll(/```sql\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '');
    expect(blocks).toHaveLength(1);
    const shown = blocks[0]!.split(/(?<=;)\n(?=CREATE TABLE)/);
    expect(shown.length).toBeGreaterThan(100);
    expect(shown.length).toBeLessThan(3000);
    expect(shown).toEqual(all.slice(0, shown.length));
    const omitted = (3000 - shown.length).toLocaleString('en-US');
    expect(body).toContain(`_… ${omitted} more statements not shown — the full plan is in the [job summary of this run]`);
    expect(body).toContain(`${omitted} SQL statements not shown`);

    // GitHub (here: the loopback API, which answers 422 above the limit) accepted it first time.
    const posts = stack.github.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/issues/${pr}/comments`));
    expect(posts.map((r) => r.status)).toEqual([201]);
  });

  it('a token that may not comment: the plan still succeeds, the summary and outputs have it, and the log says which permission is missing', async () => {
    const pr = 33;
    await stack.tf.writeScenario(seed);
    openPull(pr, sha('4'));

    const run = await stack.runPullRequest(
      { number: pr, headSha: sha('4'), baseSha: BASE },
      { inputs: { 'github-token': stack.github.readOnlyToken } },
    );

    // The plan itself worked; a comment is a report, not the result, so the step passes.
    expect(run.exitCode, run.stdout).toBe(0);
    expect(stack.github.comments(pr)).toEqual([]);
    const denied = stack.github.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/issues/${pr}/comments`));
    expect(denied.map((r) => [r.status, r.auth])).toEqual([[403, 'read-only']]);
    expect(run.stdout).toMatch(/::warning::Could not post the pull request comment: .*Resource not accessible by integration/);
    expect(run.stdout).toMatch(/::warning::.*pull-requests: write/);
    expect(run.stdout).not.toMatch(/::error::/);

    expect(run.outputs['mode']).toBe('plan');
    expect(run.outputs['schema-sql']).toBe(SCHEMA_SQL.join('\n'));
    expect(run.outputs['comment-url']).toBe('');
    expect(run.summary).toContain('✅ Plan: 2 statements in schema');
    for (const s of SCHEMA_SQL) expect(run.summary).toContain(s);
  });

  it("a GitHub App's installation token: the second run finds the App's own comment and updates it, so the PR keeps one", async () => {
    const pr = 34;
    await stack.tf.writeScenario(seed);
    openPull(pr, sha('5'));
    // The same marker from the workflow's GITHUB_TOKEN: another author, so not the App's comment.
    stack.github.seedComment(pr, { login: ACTIONS_BOT.login, type: 'Bot', body: `${MARKER}\nposted with GITHUB_TOKEN` });
    const inputs = { 'github-token': stack.github.appToken };

    const first = await stack.runPullRequest({ number: pr, headSha: sha('5'), baseSha: BASE }, { inputs });
    expect(first.exitCode, first.stdout).toBe(0);
    const second = await stack.runPullRequest({ number: pr, headSha: sha('6'), baseSha: BASE }, { inputs });
    expect(second.exitCode, second.stdout).toBe(0);

    const apps = stack.github.comments(pr).filter((c) => c.user.login === APP_BOT_LOGIN);
    expect(apps).toHaveLength(1);
    expect(apps[0]!.body.startsWith(MARKER)).toBe(true);
    expect(apps[0]!.body).toContain(sha('6').slice(0, 7));
    expect(second.outputs['comment-url']).toBe(apps[0]!.html_url);
    expect(first.outputs['comment-url']).toBe(apps[0]!.html_url);
    // The GITHUB_TOKEN's comment is left as it was.
    expect(
      stack.github
        .comments(pr)
        .filter((c) => c.user.login === ACTIONS_BOT.login)
        .map((c) => c.body),
    ).toEqual([`${MARKER}\nposted with GITHUB_TOKEN`]);
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
