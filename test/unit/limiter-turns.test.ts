import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitHub } from '../../src/github/client.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';

// The GitHub client's requests pass through bottleneck (the plugins' rate limiter), whose
// in-memory datastore hands control back to the event loop between its steps. It must do that
// without a 0 ms timer per step (each one at least 1 ms). Counted, not timed: the 0 ms timers
// one request starts, through the real plugins against the loopback GitHub API.

let api: GitHubApi;

beforeEach(async () => {
  api = await startGitHubApi();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await api.stop();
});

/** Calls `f` with every timer started meanwhile counted by its delay (the timers still run). */
async function zeroDelayTimers(f: () => Promise<unknown>): Promise<number> {
  const real = globalThis.setTimeout;
  let zero = 0;
  const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation((...args: Parameters<typeof setTimeout>) => {
    if (!args[1]) zero++;
    return Reflect.apply<typeof globalThis, Parameters<typeof setTimeout>, ReturnType<typeof setTimeout>>(real, globalThis, args);
  });
  try {
    await f();
  } finally {
    spy.mockRestore();
  }
  return zero;
}

describe('the rate limiter under the GitHub client', () => {
  // The client built by createGitHub makes the change itself. A bottleneck whose datastore no
  // longer has the method it replaces is left as it is, and fails here with the old counts.
  it('sends a read and a write with at most one 0 ms timer per limiter they pass, and both arrive', async () => {
    const gh = createGitHub(api.actionsToken, { baseUrl: api.url });
    const repo = { owner: api.owner, repo: api.repo };
    api.addPull({ number: 7, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), files: ['hcl/roles/roles.pg.hcl'] });
    const read = await zeroDelayTimers(() => gh.rest.pulls.listFiles({ ...repo, pull_number: 7 }));
    const write = await zeroDelayTimers(() => gh.rest.issues.createComment({ ...repo, issue_number: 7, body: 'hello' }));
    // Each limiter starts one timer for the job itself (its minTime wait, 0 here): a read passes
    // the throttling plugin's global queue and the retry plugin's limiter, a comment also the
    // write and notification queues, so 3 and 5. With bottleneck's own yields: 12 and 20. The
    // bounds leave room for a timer of someone else's in the same process.
    expect(read).toBeLessThanOrEqual(6);
    expect(write).toBeLessThanOrEqual(10);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${api.owner}/${api.repo}/pulls/7/files`,
      `POST /repos/${api.owner}/${api.repo}/issues/7/comments`,
    ]);
  });
});
