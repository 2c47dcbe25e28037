import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detectRolesChange } from '../../src/event/changes.js';
import { ACTIONS_BOT_LOGIN, createGitHub, tokenIdentity } from '../../src/github/client.js';
import { commentMarker, editedByOthers, pullLabels, upsertComment } from '../../src/github/comments.js';
import { reviewContext } from '../../src/github/review.js';
import { encodeData, reviewedRoot } from '../../src/review/record.js';
import { pullsForCommit } from '../../src/github/pulls.js';
import type { CommitRange, RunContext } from '../../src/core/types.js';
import { APP_BOT_LOGIN, startGitHubApi, type GitHubApi } from '../support/github-api.js';

// Real octokit (with the retry and throttling plugins) against a loopback GitHub API that
// pages with Link headers, authors Actions-token comments as github-actions[bot] and injects
// faults. The client finds the server through GITHUB_API_URL, as on a runner.

const MARKER = commentMarker('', 'terraform/roles', 'terraform/schema');
const ROLES_PATHS = ['hcl/roles/**', 'atlas.hcl', 'terraform/roles/**'];
const sha = (c: string): string => c.repeat(40).slice(0, 40);

let api: GitHubApi;
let stdout: string[];
const savedApiUrl = process.env['GITHUB_API_URL'];

beforeEach(async () => {
  api = await startGitHubApi();
  process.env['GITHUB_API_URL'] = api.url;
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  if (savedApiUrl === undefined) delete process.env['GITHUB_API_URL'];
  else process.env['GITHUB_API_URL'] = savedApiUrl;
  await api.stop();
});

const repo = () => ({ owner: api.owner, repo: api.repo });
const requestsTo = (re: RegExp) => api.requests.filter((r) => re.test(r.path));
const warnings = () => stdout.filter((l) => l.startsWith('::warning::'));

function runPlan(range: CommitRange): RunContext {
  return {
    eventName: range.kind === 'pull_request' ? 'pull_request' : 'push',
    mode: 'plan',
    modeReason: '',
    repo: repo(),
    defaultBranch: 'main',
    ref: 'refs/heads/main',
    sha: sha('f'),
    range,
    pullNumbers: range.kind === 'pull_request' ? [range.number] : [],
    fork: false,
    drift: false,
    runUrl: `https://github.com/${api.owner}/${api.repo}/actions/runs/1`,
  };
}

describe('createGitHub', () => {
  it('talks to GITHUB_API_URL, read when the client is built', async () => {
    const gh = createGitHub(api.actionsToken);
    await gh.rest.pulls.listFiles({ ...repo(), pull_number: 1 }).catch(() => undefined);
    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.auth}`)).toEqual([
      `GET /repos/${api.owner}/${api.repo}/pulls/1/files actions`,
    ]);
  });
});

describe('tokenIdentity', () => {
  it('names github-actions[bot] for the Actions token, which cannot read /user', async () => {
    expect(await tokenIdentity(createGitHub(api.actionsToken))).toBe(ACTIONS_BOT_LOGIN);
  });

  it("names a GitHub App's bot user, <app-slug>[bot], for its installation token", async () => {
    expect(await tokenIdentity(createGitHub(api.appToken))).toBe(APP_BOT_LOGIN);
  });

  it('names the user of a personal token', async () => {
    expect(await tokenIdentity(createGitHub(api.patToken))).toBe(api.patUser.login);
  });

  it('fails on a wrong token without retrying and without printing it', async () => {
    const token = 'ghp_wrongTokenWrongToken0123456789';
    const err = await tokenIdentity(createGitHub(token)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^Could not find out whom github-token belongs to \(the GraphQL query for its viewer answered 401: Bad credentials/,
    );
    expect((err as Error).message).not.toContain(token);
    expect(requestsTo(/^\/graphql$/)).toHaveLength(1);
  });
});

/** upsertComment with a fixed body, as the GITHUB_TOKEN's bot unless a login is given. */
const upsert = (token: string, pr: number, marker: string, text: string, identity = ACTIONS_BOT_LOGIN) =>
  upsertComment(createGitHub(token), repo(), pr, marker, identity, () => `${marker}\n${text}`);

describe('upsertComment', () => {
  it('updates our comment among 150, leaving a quote of our marker by someone else untouched', async () => {
    api.addPull({ number: 7, files: [], headSha: sha('1'), baseSha: sha('2') });
    for (let i = 0; i < 150; i++) {
      if (i === 20) api.seedComment(7, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\nold plan` });
      else if (i === 130) api.seedComment(7, { login: 'mallory', body: `${MARKER}\n> old plan\nwhy is this here?` });
      else api.seedComment(7, { login: i % 2 ? 'octocat' : 'hubot', body: `comment ${i}` });
    }
    const before = api.comments(7);

    const result = await upsert(api.actionsToken, 7, MARKER, 'new plan');

    const after = api.comments(7);
    expect(after).toHaveLength(150);
    const ours = after.filter((c) => c.user.login === ACTIONS_BOT_LOGIN && c.body.startsWith(MARKER));
    expect(ours.map((c) => c.body)).toEqual([`${MARKER}\nnew plan`]);
    expect(result).toEqual({ id: before[20]?.id, url: before[20]?.html_url, created: false, removedDuplicates: 0 });
    // Mallory's comment starts with our marker too, but is not ours: untouched.
    expect(after[130]).toEqual(before[130]);
    // All 150 were read: two pages of 100.
    expect(requestsTo(/\/issues\/7\/comments$/).map((r) => r.query['page'] ?? '1')).toEqual(['1', '2']);
  });

  it('creates the comment once, then keeps updating it', async () => {
    api.addPull({ number: 8, files: [], headSha: sha('1'), baseSha: sha('2') });
    const first = await upsert(api.actionsToken, 8, MARKER, 'plan: 4 statements');
    const second = await upsert(api.actionsToken, 8, MARKER, 'applied, converged');
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, url: first.url, created: false, removedDuplicates: 0 });
    expect(api.comments(8).map((c) => c.body)).toEqual([`${MARKER}\napplied, converged`]);
  });

  it('never edits a bot comment that only quotes our marker, nor another database whose SQL holds it', async () => {
    api.addPull({ number: 15, files: [], headSha: sha('1'), baseSha: sha('2') });
    const other = commentMarker('prod', 'terraform/roles', 'terraform/schema');
    // Another database's comment (ours, by the same bot) whose SQL quotes this database's marker.
    const otherBody = `${other}\n\`\`\`sql\nCOMMENT ON TABLE t IS '${MARKER}';\n\`\`\``;
    api.seedComment(15, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: otherBody });
    // Another bot quoting the marker at the start of its comment.
    api.seedComment(15, { login: 'renovate[bot]', type: 'Bot', body: `${MARKER}\nI am not rds-atlas-action` });
    const result = await upsert(api.actionsToken, 15, MARKER, 'this database');
    expect(result.created).toBe(true);
    expect(api.comments(15).map((c) => c.body)).toEqual([otherBody, `${MARKER}\nI am not rds-atlas-action`, `${MARKER}\nthis database`]);
  });

  it('two racing runs end with one comment: the later run moves its body onto the oldest and deletes its own', async () => {
    api.addPull({ number: 9, files: [], headSha: sha('1'), baseSha: sha('2') });
    // The other run created its comment between our listing and our create.
    const gh = createGitHub(api.actionsToken);
    let raced = false;
    const result = await upsertComment(gh, repo(), 9, MARKER, ACTIONS_BOT_LOGIN, () => {
      if (!raced) {
        raced = true;
        api.seedComment(9, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\nthe other run` });
      }
      return `${MARKER}\nthis run`;
    });
    const comments = api.comments(9);
    expect(comments.map((c) => c.body)).toEqual([`${MARKER}\nthis run`]);
    expect(result).toEqual({ id: comments[0]?.id, url: comments[0]?.html_url, created: false, removedDuplicates: 1 });
    expect(api.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'PATCH 200',
      'DELETE 204',
    ]);
  });

  it('keeps the oldest of several of ours and removes the duplicates', async () => {
    api.addPull({ number: 16, files: [], headSha: sha('1'), baseSha: sha('2') });
    const oldest = api.seedComment(16, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\nfirst` });
    api.seedComment(16, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\nsecond` });
    const result = await upsert(api.actionsToken, 16, MARKER, 'third');
    expect(result.id).toBe(oldest.id);
    expect(api.comments(16).map((c) => c.body)).toEqual([`${MARKER}\nthird`]);
  });

  it('keeps one comment per database: another marker is another comment', async () => {
    api.addPull({ number: 10, files: [], headSha: sha('1'), baseSha: sha('2') });
    const other = commentMarker('', 'db2/terraform/roles', 'db2/terraform/schema');
    const staging = commentMarker('staging', 'terraform/roles', 'terraform/schema');
    expect(new Set([other, staging, MARKER]).size).toBe(3);
    await upsert(api.actionsToken, 10, MARKER, 'database one');
    expect((await upsert(api.actionsToken, 10, other, 'database two')).created).toBe(true);
    expect((await upsert(api.actionsToken, 10, staging, 'staging')).created).toBe(true);
    expect(api.comments(10).map((c) => c.body)).toEqual([`${MARKER}\ndatabase one`, `${other}\ndatabase two`, `${staging}\nstaging`]);
  });

  it('keeps two comments for environments billing-prod and billing--prod (their markers no longer collapse)', async () => {
    api.addPull({ number: 17, files: [], headSha: sha('1'), baseSha: sha('2') });
    const one = commentMarker('billing-prod', 'terraform/roles', 'terraform/schema');
    const two = commentMarker('billing--prod', 'terraform/roles', 'terraform/schema');
    expect((await upsert(api.actionsToken, 17, one, 'billing-prod plan')).created).toBe(true);
    expect((await upsert(api.actionsToken, 17, two, 'billing--prod plan')).created).toBe(true);
    expect((await upsert(api.actionsToken, 17, one, 'billing-prod again')).created).toBe(false);
    expect(api.comments(17).map((c) => c.body)).toEqual([`${one}\nbilling-prod again`, `${two}\nbilling--prod plan`]);
  });

  it("takes over a 1.1.0 comment whose collapsed marker is its own only when the comment's title names this environment", async () => {
    api.addPull({ number: 18, files: [], headSha: sha('1'), baseSha: sha('2') });
    const legacy = '<!-- rds-atlas-action:v1 env=billing-prod roles=terraform/roles schema=terraform/schema -->';
    const old = api.seedComment(18, {
      login: ACTIONS_BOT_LOGIN,
      type: 'Bot',
      body: `${legacy}\n\n## 🗄️ Atlas Plan · \`billing--prod\` · PostgreSQL roles & schema\n\nold plan`,
    });
    const one = commentMarker('billing-prod', 'terraform/roles', 'terraform/schema');
    const two = commentMarker('billing--prod', 'terraform/roles', 'terraform/schema');
    expect((await upsert(api.actionsToken, 18, one, 'billing-prod plan')).created).toBe(true);
    const taken = await upsert(api.actionsToken, 18, two, 'billing--prod plan');
    expect(taken).toMatchObject({ id: old.id, created: false });
    expect(api.comments(18).map((c) => c.body)).toEqual([`${two}\nbilling--prod plan`, `${one}\nbilling-prod plan`]);
  });

  it('does not take over the Actions bot comment when the token is a personal one', async () => {
    api.addPull({ number: 11, files: [], headSha: sha('1'), baseSha: sha('2') });
    api.seedComment(11, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\nfrom the bot` });
    const result = await upsert(api.patToken, 11, MARKER, 'from the pat', api.patUser.login);
    expect(result.created).toBe(true);
    expect(api.comments(11).map((c) => `${c.user.login}: ${c.body}`)).toEqual([
      `${ACTIONS_BOT_LOGIN}: ${MARKER}\nfrom the bot`,
      `${api.patUser.login}: ${MARKER}\nfrom the pat`,
    ]);
  });

  it('explains a body over 65,536 characters instead of retrying it', async () => {
    api.addPull({ number: 12, files: [], headSha: sha('1'), baseSha: sha('2') });
    const text = 'x'.repeat(70_000);
    const err = await upsert(api.actionsToken, 12, MARKER, text).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `Could not create a comment on pull request #12: the body has ${MARKER.length + 1 + text.length} characters and GitHub accepts at most 65536 ` +
        '(the report renderer should have shortened it; the full report is in the job summary).',
    );
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([422]);
    expect(api.comments(12)).toEqual([]);
  });

  it('names the missing permission when the token is read-only', async () => {
    api.addPull({ number: 13, files: [], headSha: sha('1'), baseSha: sha('2') });
    const err = await upsert(api.readOnlyToken, 13, MARKER, 'plan').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^Could not create a comment on pull request #13: .*Resource not accessible by integration/);
    expect((err as Error).message).toContain('permissions: pull-requests: write');
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('retries a 502 and then succeeds', async () => {
    api.addPull({ number: 14, files: [], headSha: sha('1'), baseSha: sha('2') });
    api.failNext(502, { method: 'GET', path: /\/issues\/14\/comments$/ });
    const result = await upsert(api.actionsToken, 14, MARKER, 'plan');
    expect(result.created).toBe(true);
    expect(requestsTo(/\/issues\/14\/comments$/).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 502',
      'GET 200',
      'POST 201',
      'GET 200',
    ]);
  });
});

describe('pullLabels', () => {
  it('reads the labels a pull request carries now', async () => {
    api.addPull({ number: 17, files: [], headSha: sha('1'), baseSha: sha('2'), labels: ['bug'] });
    api.setLabels(17, ['bug', 'allow-destructive-sql']);
    expect(await pullLabels(createGitHub(api.actionsToken), repo(), 17)).toEqual(['bug', 'allow-destructive-sql']);
  });
});

describe('rate limits', () => {
  it('waits for retry-after on a secondary rate limit, warns, and retries', async () => {
    api.addPull({ number: 20, files: ['hcl/roles/grants.pg.hcl'], headSha: sha('1'), baseSha: sha('2') });
    api.failNext('secondary-rate-limit', { path: /\/pulls\/20\/files$/ });
    const started = Date.now();
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'pull_request', number: 20, base: sha('2'), head: sha('1') }),
      ROLES_PATHS,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950); // retry-after: 1
    expect(change.changed).toBe(true);
    expect(change.failSafe).toBe(false);
    expect(requestsTo(/\/pulls\/20\/files$/).map((r) => r.status)).toEqual([403, 200]);
    expect(warnings().join('')).toContain('GitHub secondary rate limit on GET');
  });

  it('waits for the reset of a primary rate limit (429) and retries', async () => {
    api.addPull({ number: 21, files: ['README.md'], headSha: sha('1'), baseSha: sha('2') });
    api.failNext(429, { path: /\/pulls\/21\/files$/ });
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'pull_request', number: 21, base: sha('2'), head: sha('1') }),
      ROLES_PATHS,
    );
    expect(change).toEqual({
      changed: false,
      failSafe: false,
      matchedFiles: [],
      reason: 'no file matching roles-paths changed in this pull request',
    });
    expect(requestsTo(/\/pulls\/21\/files$/).map((r) => r.status)).toEqual([429, 200]);
    expect(warnings().join('')).toContain('GitHub primary rate limit on GET');
  });

  it('does not retry a 401, and counts the roles as changed', async () => {
    const change = await detectRolesChange(
      createGitHub('ghp_notARealToken0000000000000000'),
      runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
      ROLES_PATHS,
    );
    expect(change.changed).toBe(true);
    expect(change.failSafe).toBe(true);
    expect(change.reason).toMatch(/^could not compare aaaaaaa\.\.\.bbbbbbb \(Bad credentials.*\), so the roles root counts as changed$/);
    expect(api.requests.map((r) => r.status)).toEqual([401]);
  });
});

describe('detectRolesChange against the API', () => {
  it('reads every page of a comparison', async () => {
    const files = Array.from({ length: 150 }, (_, i) => `app/file${i}.txt`);
    files[140] = 'hcl/roles/grants.pg.hcl';
    api.addCompare(sha('a'), sha('b'), files);
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
      ROLES_PATHS,
    );
    expect(change).toEqual({
      changed: true,
      failSafe: false,
      matchedFiles: ['hcl/roles/grants.pg.hcl'],
      reason: 'hcl/roles/grants.pg.hcl changed in the pushed commits aaaaaaa...bbbbbbb',
    });
    expect(requestsTo(/\/compare\//).map((r) => r.query['page'] ?? '1')).toEqual(['1', '2']);
  });

  it('reports no change when the pushed commits touch only the schema', async () => {
    api.addCompare(sha('a'), sha('b'), ['hcl/schema/schema.pg.hcl', 'terraform/schema/main.tf']);
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
      ROLES_PATHS,
    );
    expect(change).toEqual({
      changed: false,
      failSafe: false,
      matchedFiles: [],
      reason: 'no file matching roles-paths changed in the pushed commits aaaaaaa...bbbbbbb',
    });
  });

  it('counts as changed when the comparison may list only part of the files', async () => {
    api.addCompare(
      sha('a'),
      sha('b'),
      Array.from({ length: 300 }, (_, i) => `app/file${i}.txt`),
    );
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
      ROLES_PATHS,
    );
    expect(change).toEqual({
      changed: true,
      failSafe: true,
      matchedFiles: [],
      reason: 'the comparison aaaaaaa...bbbbbbb lists 300 files and GitHub lists at most 300, so the roles root counts as changed',
    });
  });

  it('counts as changed when history was rewritten (diverged)', async () => {
    api.addCompare(sha('a'), sha('b'), ['README.md'], { status: 'diverged' });
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
      ROLES_PATHS,
    );
    expect(change.changed).toBe(true);
    expect(change.failSafe).toBe(true);
    expect(change.reason).toBe(
      'the pushed commits aaaaaaa...bbbbbbb are diverged rather than ahead of the previous head, so the roles root counts as changed',
    );
  });

  it('counts as changed when GitHub does not know the commits (404)', async () => {
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
      ROLES_PATHS,
    );
    expect(change.failSafe).toBe(true);
    expect(change.reason).toMatch(/^could not compare aaaaaaa\.\.\.bbbbbbb \(Not Found.*\), so the roles root counts as changed$/);
    expect(warnings().join('')).toContain('Could not compare aaaaaaa...bbbbbbb');
  });

  it('sees a roles file renamed away in a pull request', async () => {
    api.addPull({
      number: 30,
      files: ['README.md', { filename: 'archive/old-grants.pg.hcl', status: 'renamed', previous_filename: 'hcl/roles/grants.pg.hcl' }],
      headSha: sha('1'),
      baseSha: sha('2'),
    });
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'pull_request', number: 30, base: sha('2'), head: sha('1') }),
      ROLES_PATHS,
    );
    expect(change).toEqual({
      changed: true,
      failSafe: false,
      matchedFiles: ['hcl/roles/grants.pg.hcl'],
      reason: 'hcl/roles/grants.pg.hcl changed in this pull request',
    });
  });

  it('counts as changed when a pull request has as many files as GitHub lists', async () => {
    api.addPull({ number: 31, files: Array.from({ length: 3000 }, (_, i) => `app/f${i}.txt`), headSha: sha('1'), baseSha: sha('2') });
    const change = await detectRolesChange(
      createGitHub(api.actionsToken),
      runPlan({ kind: 'pull_request', number: 31, base: sha('2'), head: sha('1') }),
      ROLES_PATHS,
    );
    expect(change.failSafe).toBe(true);
    expect(change.reason).toBe(
      'pull request #31 changes 3000 or more files and GitHub lists at most 3000, so the roles root counts as changed',
    );
    expect(requestsTo(/\/pulls\/31\/files$/)).toHaveLength(30);
  });
});

describe('pullsForCommit', () => {
  it('finds the pull request merged as the pushed commit', async () => {
    api.addPull({ number: 40, files: [], headSha: sha('1'), baseSha: sha('2'), mergeCommitSha: sha('3'), merged: true });
    api.addPull({ number: 41, files: [], headSha: sha('3'), baseSha: sha('2') });
    expect(await pullsForCommit(createGitHub(api.actionsToken), repo(), sha('3'))).toEqual([40]);
  });

  it('falls back to pull requests into the default branch', async () => {
    api.addPull({ number: 42, files: [], headSha: sha('4'), baseSha: sha('2') });
    api.addPull({ number: 43, files: [], headSha: sha('4'), baseSha: sha('2'), baseRef: 'release' });
    expect(await pullsForCommit(createGitHub(api.actionsToken), repo(), sha('4'))).toEqual([42]);
  });

  it('returns no pull request for a direct push', async () => {
    expect(await pullsForCommit(createGitHub(api.actionsToken), repo(), sha('5'))).toEqual([]);
  });
});

describe('reviewContext: the reviewed plan recorded in our comment', () => {
  const context = (pr: number): RunContext => ({
    ...runPlan({ kind: 'push', before: sha('a'), after: sha('b') }),
    mode: 'apply',
    pullNumbers: [pr],
  });
  const OPTIONS = { destructiveLabel: '', approvers: [] };
  const record = async (pr: number): Promise<string> =>
    `${MARKER}\n${encodeData({ history: [], reviewed: { pr, commit: sha('c'), runUrl: '', at: '', roots: { schema: await reviewedRoot(['CREATE TABLE t (id int);'], true) } } })}\n\nplan`;

  it('reads the record, the labels, and trusts it while only the action edited the comment', async () => {
    const OPTIONS = { destructiveLabel: 'allow-destructive-sql', approvers: [] };
    api.addPull({ number: 40, files: [], headSha: sha('1'), baseSha: sha('2'), labels: ['allow-destructive-sql'] });
    api.seedComment(40, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: await record(40) });
    const gh = createGitHub(api.actionsToken);
    // The action's own edit does not count against it.
    await upsertComment(gh, repo(), 40, MARKER, ACTIONS_BOT_LOGIN, () => record(40));
    const review = await reviewContext(gh, context(40), MARKER, ACTIONS_BOT_LOGIN, OPTIONS);
    expect(review).toMatchObject({ pr: 40, labels: ['allow-destructive-sql'], reviewed: { pr: 40, commit: sha('c') } });
    expect(review.missing).toBeUndefined();
  });

  it('does not trust a record someone else edited last, and names who did (so publish does not carry it forward)', async () => {
    api.addPull({ number: 41, files: [], headSha: sha('1'), baseSha: sha('2') });
    const ours = api.seedComment(41, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: await record(41) });
    // A collaborator with write access edits the bot's comment (GitHub allows it).
    api.editComment(ours.id, 'mallory', (await record(41)).replace('plan', 'plan (edited)'));
    const gh = createGitHub(api.actionsToken);
    const review = await reviewContext(gh, context(41), MARKER, ACTIONS_BOT_LOGIN, OPTIONS);
    expect(review.reviewed).toBeUndefined();
    const why = 'the plan comment on #41 was last edited by mallory, not by this action, so its record of the reviewed plan is not trusted';
    expect(review).toMatchObject({ missing: why, recordLost: why });
    expect(await editedByOthers(gh, { id: ours.id, nodeId: ours.node_id, body: '', url: '' }, ACTIONS_BOT_LOGIN)).toBe('mallory');
  });

  // Which PRs count as "not reviewed" (the gate may apply additive SQL) and which as planned
  // with the record gone (the gate holds).
  const lostCases: [string, (pr: number) => unknown, string | undefined][] = [
    ['no comment of ours at all: not reviewed', () => undefined, undefined],
    [
      'only a comment of someone else quoting our marker: not reviewed',
      async (pr) => void api.seedComment(pr, { login: 'mallory', body: await record(pr) }),
      undefined,
    ],
    [
      'our comment with its record line removed',
      (pr) => void api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\n\n## plan` }),
      'the plan comment on #N has no readable record of the reviewed plan where this action writes it',
    ],
    [
      'our comment with a garbled record',
      (pr) =>
        void api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\n<!-- rds-atlas-action:data !!! -->\n\nplan` }),
      'the plan comment on #N has no readable record of the reviewed plan where this action writes it',
    ],
    [
      'our comment whose record moved below the header (a forgery position)',
      async (pr) => void api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: (await record(pr)).replace('\n', '\nplan\n') }),
      'the plan comment on #N has no readable record of the reviewed plan where this action writes it',
    ],
    [
      'our comment written by an older version (record format 1)',
      (pr) => {
        const v1 = Buffer.from(JSON.stringify({ v: 1, reviewed: { pr, roots: {} }, history: [] })).toString('base64url');
        api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\n<!-- rds-atlas-action:data ${v1} -->\n\nplan` });
      },
      '#N was planned by an older version of this action (record format 1), whose fingerprint this version does not compare with; re-run the plan of #N so it is recorded again',
    ],
    [
      'our comment with a plan in its history but no reviewed plan',
      (pr) => {
        const data = encodeData({ history: [{ at: '', mode: 'plan', headline: 'h', commit: '', runUrl: '' }] });
        api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\n${data}\n\nplan` });
      },
      'the plan comment on #N shows it was planned, but its record holds no reviewed plan',
    ],
    [
      'our comment written by merge runs only (never planned): not reviewed',
      (pr) => {
        const data = encodeData({ history: [], current: { at: '', mode: 'apply', headline: 'h', commit: '', runUrl: '' } });
        api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${MARKER}\n${data}\n\napplied` });
      },
      undefined,
    ],
    [
      'a comment of ours overwritten by someone else, marker and all',
      async (pr) => {
        const ours = api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: await record(pr) });
        api.editComment(ours.id, 'mallory', 'LGTM');
      },
      'a comment of this action on #N was overwritten by mallory, and no plan comment for this database is left, so the plan reviewed there is unknown',
    ],
    [
      'a record of another pull request',
      async (pr) => void api.seedComment(pr, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: await record(pr + 1) }),
      'the plan comment on #N records a review of another pull request (#M)',
    ],
  ];
  it.each(lostCases.map(([name, seed, why], i) => ({ name, seed, why, pr: 60 + i * 2 })))('$name', async ({ seed, why, pr }) => {
    api.addPull({ number: pr, files: [], headSha: sha('1'), baseSha: sha('2') });
    await seed(pr);
    const review = await reviewContext(createGitHub(api.actionsToken), context(pr), MARKER, ACTIONS_BOT_LOGIN, OPTIONS);
    expect(review.reviewed).toBeUndefined();
    expect(review.recordLost).toBe(why?.replaceAll('#N', `#${pr}`).replace('#M', `#${pr + 1}`));
    expect(review.missing).toBeTruthy();
  });

  it('reads the reviews and asks the permission of each approver other than the author', async () => {
    api.addPull({ number: 90, files: [], headSha: sha('1'), baseSha: sha('2'), author: 'dev' });
    api.setRole('lead', 'maintain');
    api.addReview(90, { login: 'dev', state: 'APPROVED', commitId: sha('1') });
    api.addReview(90, { login: 'lead', state: 'APPROVED', commitId: sha('1') });
    api.addReview(90, { login: 'bystander', state: 'COMMENTED', commitId: sha('1') });
    const review = await reviewContext(createGitHub(api.actionsToken), context(90), MARKER, ACTIONS_BOT_LOGIN, OPTIONS);
    expect(review.approval).toMatchObject({
      kind: 'read',
      author: 'dev',
      reviews: [
        { login: 'dev', state: 'APPROVED' },
        { login: 'lead', state: 'APPROVED' },
        { login: 'bystander', state: 'COMMENTED' },
      ],
      permissions: { lead: { permission: 'write', roleName: 'maintain' } },
    });
    const asked = api.requests.filter((r) => r.path.includes('/collaborators/')).map((r) => r.path);
    expect(asked).toEqual([`/repos/${api.owner}/${api.repo}/collaborators/lead/permission`]);
  });

  // Issue 22: a label or review read that fails is said as such, and never turns into "no
  // reviewed plan" while the comment still holds (and the merge comment shows) the record.
  it('keeps the record when the labels or the reviews cannot be read, naming what failed', async () => {
    api.addPull({ number: 92, files: [], headSha: sha('1'), baseSha: sha('2') });
    api.seedComment(92, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: await record(92) });
    api.failNext(404, { path: /\/issues\/92\/labels$/, message: 'Not Found' });
    api.failNext(404, { path: /\/pulls\/92\/reviews$/, message: 'Not Found' });
    const gh = createGitHub(api.actionsToken);
    const review = await reviewContext(gh, context(92), MARKER, ACTIONS_BOT_LOGIN, { destructiveLabel: 'x', approvers: [] });
    expect(review.reviewed).toMatchObject({ pr: 92 });
    expect(review.recordLost).toBeUndefined();
    expect(review.labelsUnknown).toMatch(/^the labels of #92 could not be read \(Not Found/);
    expect(review.approval).toMatchObject({
      kind: 'unknown',
      why: expect.stringMatching(/^the reviews of #92 could not be read \(Not Found/) as string,
    });
  });

  it('holds when GitHub cannot say which pull request was merged', async () => {
    api.failNext(404, { path: /\/commits\/.*\/pulls$/ });
    const ctx = { ...context(1), pullNumbers: [] };
    const review = await reviewContext(createGitHub(api.actionsToken), ctx, MARKER, ACTIONS_BOT_LOGIN, OPTIONS);
    expect(review.recordLost).toMatch(/^could not find the pull request of commit/);
  });
});
