import { afterAll, beforeAll, expect, it } from 'vitest';
import { pushEvent } from '../support/events.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { applyError, init, plan } from './fake-terraform.js';
import { runInProcess } from './harness.js';

// A cancellation in-process, in its own file: once cancelled, a process stays cancelled (no
// further child process may start), so no other test may share this module state.

let api: GitHubApi;

beforeAll(async () => {
  api = await startGitHubApi();
});
afterAll(async () => {
  await api.stop();
});

it('a cancel during the apply: no check plan after it, no later root, the report says it was cancelled and the step fails', async () => {
  const before = '1'.padStart(40, 'd');
  const after = '1'.padStart(40, 'e');
  api.addCompare(before, after, ['terraform/roles/main.tf']);
  const SQL = ['CREATE ROLE "app_reader" WITH LOGIN;'];
  // The runner sends SIGINT while terraform applies; terraform then exits with an error.
  const cancelled = { ...applyError('roles'), before: () => void process.emit('SIGINT', 'SIGINT') };
  const run = await runInProcess({
    api,
    eventName: 'push',
    payload: pushEvent({ before, after }),
    sha: after,
    inputs: { comment: 'false' },
    script: { roles: { init: init(), plan: plan('roles', SQL), apply: cancelled, check: plan('roles', SQL) } },
  });
  expect(run.terraform).toEqual(['roles init', 'roles plan', 'roles apply']);
  const notice =
    'The run was cancelled (SIGINT): Terraform was asked to stop gracefully, finishing the operation in flight and releasing the state lock; no further step was started.';
  expect(run.log).toContain(`::warning::${notice}`);
  expect(run.summary).toContain(notice);
  expect(run.failed).toMatch(/^roles: apply failed: /);
  expect(process.listenerCount('SIGINT')).toBe(0);
});
