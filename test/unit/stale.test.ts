import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTIONS_BOT_LOGIN, createGitHub } from '../../src/github/client.js';
import { commentMarker } from '../../src/github/comments.js';
import { markStalePlans } from '../../src/github/stale.js';
import { decodeData, encodeData } from '../../src/review/record.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';

// Issue 22: after an apply, our plan comments on other open pull requests for this database say
// they are stale: once per merge, the record kept under the marker, never a comment someone
// else edited, never another database's comment, never the merged pull request.

const MARKER = commentMarker('', 'terraform/roles', 'terraform/schema');
const OTHER_DB = commentMarker('billing', 'terraform/roles', 'terraform/schema');
const sha = (c: string): string => c.repeat(40);
const LINE = '> ⏳ **This plan is stale.** #1 was merged and applied to this database as commit `aaaaaaa`.';

let api: GitHubApi;
beforeEach(async () => {
  api = await startGitHubApi();
});
afterEach(async () => {
  await api.stop();
});

describe('markStalePlans', () => {
  it('marks our plan comments on three open pull requests, leaves the one someone else edited, and marks each only once', async () => {
    const plan = (pr: number): string => `${MARKER}\n${encodeData({ history: [] })}\n\n## plan of #${pr}`;
    for (const n of [1, 2, 3, 4]) api.addPull({ number: n, files: [], headSha: sha(String(n)), baseSha: sha('0') });
    api.closePull(1);
    api.seedComment(2, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: plan(2) });
    const edited = api.seedComment(3, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: plan(3) });
    api.editComment(edited.id, 'mallory', `${plan(3)}\n(edited)`);
    api.seedComment(4, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: plan(4) });
    api.seedComment(4, { login: ACTIONS_BOT_LOGIN, type: 'Bot', body: `${OTHER_DB}\n\nbilling plan` });
    api.seedComment(4, { login: 'mallory', body: plan(4) });
    const gh = createGitHub(api.actionsToken, { baseUrl: api.url });
    const mark = { marker: MARKER, tokenIdentity: ACTIONS_BOT_LOGIN, exclude: [1], sha: sha('a'), line: LINE };

    const first = await markStalePlans(gh, { owner: api.owner, repo: api.repo }, mark);
    expect(first).toEqual({ marked: [4, 2], skippedEdited: [3] });
    const body = api.comments(2)[0]?.body ?? '';
    expect(body.split('\n').slice(0, 4)).toEqual([
      MARKER,
      encodeData({ history: [] }),
      '',
      `${LINE} <!-- rds-atlas-action:stale ${sha('a')} -->`,
    ]);
    // The record is still where it is read from.
    expect(decodeData(body, MARKER)).toEqual({ history: [] });
    expect(api.comments(3)[0]?.body).toBe(`${plan(3)}\n(edited)`);
    expect(api.comments(4).map((c) => c.body)).toEqual([expect.stringContaining(LINE) as string, `${OTHER_DB}\n\nbilling plan`, plan(4)]);

    // A re-run of the same merge writes nothing; a later merge replaces the line.
    const writes = (): number => api.requests.filter((r) => r.method === 'PATCH').length;
    const before = writes();
    expect(await markStalePlans(gh, { owner: api.owner, repo: api.repo }, mark)).toEqual({ marked: [], skippedEdited: [3] });
    expect(writes()).toBe(before);
    await markStalePlans(gh, { owner: api.owner, repo: api.repo }, { ...mark, sha: sha('b') });
    const again = api.comments(2)[0]?.body ?? '';
    expect(again.match(/rds-atlas-action:stale/g)).toHaveLength(1);
    expect(again).toContain(`rds-atlas-action:stale ${sha('b')}`);
  });
});
