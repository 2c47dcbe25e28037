import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';

// @actions/github's real Octokit against the loopback API: what the action's GitHub seam
// will see, including pagination through Link headers and the plugins' retry behaviour.

let gh: GitHubApi;
const repo = { owner: 'octo-org', repo: 'octo-repo' };

beforeAll(async () => {
  const t0 = Date.now();
  gh = await startGitHubApi();
  console.log(`startGitHubApi took ${Date.now() - t0} ms`);
});
afterAll(async () => {
  await gh?.stop();
});
beforeEach(() => {
  gh.requests.length = 0;
});

const octokit = (token: string) => getOctokit(token, { baseUrl: gh.url, request: { retries: 0 } });

describe('loopback GitHub API', () => {
  it('GET /user: a PAT names its user, the Actions token is refused like an installation token', async () => {
    const { data } = await octokit(gh.patToken).rest.users.getAuthenticated();
    expect(data).toMatchObject({ login: 'octocat', type: 'User' });
    await expect(octokit(gh.actionsToken).rest.users.getAuthenticated()).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration') as unknown,
    });
    await expect(octokit('ghp_wrong').rest.users.getAuthenticated()).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Bad credentials') as unknown,
    });
  });

  it("GraphQL viewer: every token's own login, the installation bots' with [bot]; an App token is refused GET /user and comments as its bot", async () => {
    const viewer = async (token: string) =>
      (await octokit(token).graphql<{ viewer: { login: string } }>('query { viewer { login } }')).viewer.login;
    expect(await viewer(gh.patToken)).toBe('octocat');
    expect(await viewer(gh.actionsToken)).toBe('github-actions[bot]');
    expect(await viewer(gh.readOnlyToken)).toBe('github-actions[bot]');
    expect(await viewer(gh.appToken)).toBe('db-deploy-bot[bot]');
    await expect(octokit(gh.appToken).rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
    gh.addPull({ number: 4, files: ['hcl/schema/schema.pg.hcl'], headSha: 'c'.repeat(40), baseSha: 'b'.repeat(40) });
    const { data } = await octokit(gh.appToken).rest.issues.createComment({ ...repo, issue_number: 4, body: 'plan' });
    expect(data.user).toMatchObject({ login: 'db-deploy-bot[bot]', type: 'Bot' });
    expect(gh.requests.map((r) => r.auth)).toContain('app');
  });

  it('comments: bot authorship, html_url, update in place, others’ comments editable as on GitHub, 65,536-char limit', async () => {
    gh.addPull({ number: 3, files: ['hcl/schema/schema.pg.hcl'], headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40) });
    const api = octokit(gh.actionsToken).rest.issues;
    const { data: created, status } = await api.createComment({ ...repo, issue_number: 3, body: 'plan' });
    expect(status).toBe(201);
    expect(created).toMatchObject({
      body: 'plan',
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      html_url: `https://github.com/octo-org/octo-repo/pull/3#issuecomment-${created.id}`,
      node_id: expect.stringMatching(/^IC_/) as unknown,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
    });

    const { data: updated } = await api.updateComment({ ...repo, comment_id: created.id, body: 'applied' });
    expect(updated.body).toBe('applied');
    expect((await api.getComment({ ...repo, comment_id: created.id })).data.body).toBe('applied');
    expect(gh.comments(3).map((c) => c.body)).toEqual(['applied']);

    const theirs = gh.seedComment(3, { login: 'alice', body: 'quoting: applied' });
    // As on GitHub, a token with write access may edit anyone's comment: only the action's own
    // ownership checks keep it away from other people's comments.
    expect((await api.updateComment({ ...repo, comment_id: theirs.id, body: 'edited' })).data.body).toBe('edited');
    await expect(octokit(gh.readOnlyToken).rest.issues.updateComment({ ...repo, comment_id: theirs.id, body: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    const viaPat = await octokit(gh.patToken).rest.issues.createComment({ ...repo, issue_number: 3, body: 'by hand' });
    expect(viaPat.data.user).toMatchObject({ login: 'octocat', type: 'User' });

    await expect(api.createComment({ ...repo, issue_number: 3, body: 'x'.repeat(65_537) })).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'IssueComment',
              code: 'custom',
              field: 'body',
              message: 'body is too long (maximum is 65536 characters)',
            },
          ],
        },
      },
    });
    await expect(api.createComment({ ...repo, issue_number: 3, body: 'x'.repeat(65_536) })).resolves.toMatchObject({ status: 201 });
    await expect(api.createComment({ ...repo, issue_number: 999, body: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(api.getComment({ ...repo, comment_id: 1 })).rejects.toMatchObject({ status: 404 });
    await expect(octokit(gh.readOnlyToken).rest.issues.createComment({ ...repo, issue_number: 3, body: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    expect(gh.comments(3)).toHaveLength(4);
  });

  it('paginates issue comments with GitHub’s Link header', async () => {
    for (let i = 1; i <= 130; i++) gh.seedComment(7, { login: i % 2 ? 'alice' : 'bob', body: `comment ${i}` });
    const client = octokit(gh.actionsToken);
    const first = await client.rest.issues.listComments({ ...repo, issue_number: 7, per_page: 100 });
    const api = `${gh.url}/repositories/1296269/issues/7/comments`;
    expect(first.headers.link).toBe(`<${api}?per_page=100&page=2>; rel="next", <${api}?per_page=100&page=2>; rel="last"`);
    const second = await client.rest.issues.listComments({ ...repo, issue_number: 7, per_page: 100, page: 2 });
    expect(second.headers.link).toBe(`<${api}?per_page=100&page=1>; rel="prev", <${api}?per_page=100&page=1>; rel="first"`);
    expect(second.data).toHaveLength(30);

    const all = await client.paginate(client.rest.issues.listComments, { ...repo, issue_number: 7, per_page: 500 });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 130 }, (_, i) => `comment ${i + 1}`));
    const listed = gh.requests.filter((r) => r.path.endsWith('/issues/7/comments'));
    expect(listed.slice(-2).map((r) => r.query)).toEqual([{ per_page: '500' }, { per_page: '500', page: '2' }]);
  });

  it('pull files, PRs of a commit and compare, paginated like GitHub', async () => {
    const files = Array.from({ length: 45 }, (_, i) => `hcl/schema/t${i}.pg.hcl`);
    gh.addPull({ number: 11, files, headSha: 'c'.repeat(40), baseSha: 'd'.repeat(40), mergeCommitSha: 'e'.repeat(40), merged: true });
    const client = octokit(gh.actionsToken);
    const listed = await client.paginate(client.rest.pulls.listFiles, { ...repo, pull_number: 11 });
    expect(listed.map((f) => f.filename)).toEqual(files);
    expect(gh.requests.filter((r) => r.path.endsWith('/pulls/11/files'))).toHaveLength(2); // 30 per page by default

    const { data: prs } = await client.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: 'e'.repeat(40) });
    expect(prs).toEqual([
      expect.objectContaining({
        number: 11,
        state: 'closed',
        merged_at: expect.any(String) as unknown,
        merge_commit_sha: 'e'.repeat(40),
        base: expect.objectContaining({ ref: 'main' }) as unknown,
      }),
    ]);
    expect((await client.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: 'f'.repeat(40) })).data).toEqual([]);

    gh.addCompare('1'.repeat(40), '2'.repeat(40), [{ filename: 'hcl/roles/roles.pg.hcl', status: 'modified' }, 'atlas.hcl']);
    const { data: cmp } = await client.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${'1'.repeat(40)}...${'2'.repeat(40)}`,
    });
    expect(cmp.status).toBe('ahead');
    expect(cmp.files?.map((f) => [f.filename, f.status])).toEqual([
      ['hcl/roles/roles.pg.hcl', 'modified'],
      ['atlas.hcl', 'modified'],
    ]);
    const page = await client.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${'1'.repeat(40)}...${'2'.repeat(40)}`,
      per_page: 1,
    });
    expect(page.data.files?.map((f) => f.filename)).toEqual(['hcl/roles/roles.pg.hcl']);
    expect(page.headers.link).toContain('rel="next"');
    await expect(
      client.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${'1'.repeat(40)}...${'9'.repeat(40)}` }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('injects 5xx, secondary rate limits and 429; the Octokit plugins recover from them', async () => {
    gh.addPull({ number: 20, files: [], headSha: '3'.repeat(40), baseSha: '4'.repeat(40) });
    gh.failNext(502, { method: 'GET', path: /\/issues\/20\/comments$/ });
    await expect(octokit(gh.actionsToken).rest.issues.listComments({ ...repo, issue_number: 20 })).rejects.toMatchObject({ status: 502 });

    const resilient = getOctokit(
      gh.actionsToken,
      {
        baseUrl: gh.url,
        retry: { retryAfterBaseValue: 50 }, // 5xx backoff in 50 ms steps instead of seconds
        throttle: {
          onRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < 2,
          onSecondaryRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < 2,
        },
      },
      retry,
      throttling,
    );
    gh.failNext('secondary-rate-limit', { method: 'POST' });
    const t0 = Date.now();
    await expect(resilient.rest.issues.createComment({ ...repo, issue_number: 20, body: 'x' })).resolves.toMatchObject({ status: 201 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // honoured retry-after: 1
    gh.failNext(429, { path: /\/comments$/ });
    await expect(resilient.rest.issues.listComments({ ...repo, issue_number: 20 })).resolves.toMatchObject({ status: 200 });
    gh.failNext(503);
    await expect(resilient.rest.issues.listComments({ ...repo, issue_number: 20 })).resolves.toMatchObject({ status: 200 });

    expect(gh.requests.map((r) => [r.method, r.status])).toEqual([
      ['GET', 502],
      ['POST', 403],
      ['POST', 201],
      ['GET', 429],
      ['GET', 200],
      ['GET', 503],
      ['GET', 200],
    ]);
  });

  it('holdUntil: a job retrying a held listing is held again; all are answered once another job asks', async () => {
    const pr = 21;
    gh.addPull({ number: pr, files: ['a.sql'], headSha: 'h'.repeat(40), baseSha: 'b'.repeat(40) });
    gh.holdUntil(2, { method: 'GET', path: new RegExp(`/issues/${pr}/comments$`) });
    const list = (token: string, signal?: AbortSignal): Promise<Response> =>
      fetch(`${gh.url}/repos/${repo.owner}/${repo.repo}/issues/${pr}/comments`, {
        headers: { authorization: `token ${token}` },
        ...(signal ? { signal } : {}),
      });
    /** Resolves once the server has recorded `n` requests (polled: no clock decides anything). */
    const recorded = async (n: number): Promise<void> => {
      while (gh.requests.length < n) await new Promise((r) => setTimeout(r, 10));
    };
    // The first run's client gives up on its held listing (its timeout) and asks again.
    const gaveUp = new AbortController();
    const first = list(gh.actionsToken, gaveUp.signal).catch(() => 'given up');
    await recorded(1);
    gaveUp.abort();
    const retried = list(gh.actionsToken);
    await recorded(2);
    // Both still unanswered: the same job asking twice is not two racing jobs.
    expect(gh.requests.map((r) => r.status)).toEqual([0, 0]);
    const other = await list(gh.jobToken());
    expect(other.status).toBe(200);
    expect((await retried).status).toBe(200);
    expect(await first).toBe('given up');
    expect(gh.requests.map((r) => r.auth)).toEqual(['actions', 'actions', 'actions']);
  });

  it('records requests without the token', () => {
    const recorded = JSON.stringify(gh.requests);
    for (const t of [gh.actionsToken, gh.patToken, gh.readOnlyToken]) expect(recorded).not.toContain(t);
  });
});
