import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context } from '@actions/github';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventEnv,
  example,
  mergeGroupEvent,
  pullRequestEvent,
  pushEvent,
  scheduleEvent,
  workflowDispatchEvent,
  writeEvent,
  type Payload,
} from '../support/events.js';

// Payloads written to disk and read back by @actions/github's own Context, the way the
// action will read GITHUB_EVENT_PATH on a runner.

const dir = mkdtempSync(join(tmpdir(), 'events-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Context = context.constructor as new () => typeof context;

/** A fresh Context built from the runner variables for this payload. */
function readAsRunner(eventName: string, payload: Payload): typeof context {
  const saved = { ...process.env };
  Object.assign(process.env, eventEnv(eventName, payload, writeEvent(dir, payload, `${eventName}.json`)));
  try {
    return new Context();
  } finally {
    process.env = saved;
  }
}

const sha = (c: string) => c.repeat(40);

describe('event payloads', () => {
  it('pull_request keeps the real structure and carries the overrides', () => {
    const p = pullRequestEvent({ number: 42, headSha: sha('a'), baseSha: sha('b') });
    expect(Object.keys(p.pull_request)).toEqual(Object.keys(example('pull_request', (e) => e.action === 'synchronize').pull_request));
    const ctx = readAsRunner('pull_request', p);
    expect(ctx.eventName).toBe('pull_request');
    expect(ctx.repo).toEqual({ owner: 'octo-org', repo: 'octo-repo' });
    expect(ctx.issue.number).toBe(42);
    expect(ctx.ref).toBe('refs/pull/42/merge');
    expect(ctx.payload.action).toBe('synchronize');
    expect(ctx.payload.after).toBe(sha('a'));
    const pr = ctx.payload.pull_request!;
    expect(pr).toMatchObject({
      number: 42,
      state: 'open',
      html_url: 'https://github.com/octo-org/octo-repo/pull/42',
      url: 'https://api.github.com/repos/octo-org/octo-repo/pulls/42',
      head: { sha: sha('a'), ref: 'feature', repo: { full_name: 'octo-org/octo-repo', fork: false } },
      base: { sha: sha('b'), ref: 'main', repo: { full_name: 'octo-org/octo-repo', default_branch: 'main' } },
    });
    expect(ctx.payload.repository).toMatchObject({ full_name: 'octo-org/octo-repo', default_branch: 'main', owner: { login: 'octo-org' } });
    expect(JSON.stringify(p)).not.toMatch(/Codertocat\/Hello-World|Hello-World/);
  });

  it('pull_request from a fork, and a merged close', () => {
    const fork = pullRequestEvent({
      action: 'opened',
      number: 7,
      headSha: sha('c'),
      baseSha: sha('d'),
      headRepoFullName: 'mallory/octo-repo',
    });
    expect(fork.pull_request.head.repo).toMatchObject({ full_name: 'mallory/octo-repo', fork: true, owner: { login: 'mallory' } });
    expect(fork.pull_request.head.label).toBe('mallory:feature');
    expect(fork.pull_request.base.repo.full_name).toBe('octo-org/octo-repo');
    expect(fork).not.toHaveProperty('after');

    const merged = pullRequestEvent({ action: 'closed', number: 8, headSha: sha('e'), baseSha: sha('f'), mergeCommitSha: sha('1') });
    expect(merged.pull_request).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: sha('1') });
    expect(merged.pull_request.merged_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('push to the default branch', () => {
    const p = pushEvent({ before: sha('1'), after: sha('2'), owner: 'acme', repo: 'db', defaultBranch: 'trunk' });
    const ctx = readAsRunner('push', p);
    expect(ctx.repo).toEqual({ owner: 'acme', repo: 'db' });
    expect(ctx.ref).toBe('refs/heads/trunk');
    expect(ctx.sha).toBe(sha('2'));
    expect(ctx.payload).toMatchObject({
      before: sha('1'),
      after: sha('2'),
      forced: false,
      created: false,
      deleted: false,
      compare: `https://github.com/acme/db/compare/${sha('1').slice(0, 12)}...${sha('2').slice(0, 12)}`,
      head_commit: { id: sha('2') },
      repository: { full_name: 'acme/db', default_branch: 'trunk', master_branch: 'trunk' },
    });
    expect(pushEvent({ before: sha('1'), after: sha('3'), forced: true, ref: 'refs/heads/feature' })).toMatchObject({
      forced: true,
      ref: 'refs/heads/feature',
      repository: { default_branch: 'main' },
    });
  });

  it('workflow_dispatch, merge_group and schedule', () => {
    const wd = readAsRunner('workflow_dispatch', workflowDispatchEvent({ inputs: { mode: 'plan' } }));
    expect(wd.payload).toMatchObject({ ref: 'refs/heads/main', inputs: { mode: 'plan' }, repository: { full_name: 'octo-org/octo-repo' } });

    const mg = mergeGroupEvent({ headSha: sha('4'), baseSha: sha('5'), prNumber: 12 });
    expect(mg.merge_group).toMatchObject({
      head_sha: sha('4'),
      base_sha: sha('5'),
      base_ref: 'refs/heads/main',
      head_ref: `refs/heads/gh-readonly-queue/main/pr-12-${sha('5')}`,
    });
    expect(readAsRunner('merge_group', mg).sha).toBe(sha('4'));

    const sc = scheduleEvent({ cron: '*/30 * * * *' });
    expect(sc).toMatchObject({ schedule: '*/30 * * * *', repository: { full_name: 'octo-org/octo-repo', default_branch: 'main' } });
  });
});
