import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildRunContext, type EventContext } from '../../src/event/event.js';
import type { ModeInput } from '../../src/core/types.js';

// Real webhook payloads recorded by GitHub (@octokit/webhooks-examples). Their repository is
// Codertocat/Hello-World with default branch master.

interface Definition {
  name: string;
  examples: Record<string, unknown>[];
}
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

function example(name: string, pick: (e: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const found = definitions.find((d) => d.name === name)?.examples.find(pick);
  if (!found) throw new Error(`no ${name} example matches`);
  return structuredClone(found);
}

const prWithAction = (action: string) => example('pull_request', (e) => e['action'] === action);
const repository = (payload: Record<string, unknown>) => payload['repository'] as Record<string, unknown>;
const pullRequest = (payload: Record<string, unknown>) => payload['pull_request'] as Record<string, Record<string, unknown>>;

const tagCreated = (e: Record<string, unknown>) => e['ref'] === 'refs/tags/simple-tag' && e['created'] === true;

/**
 * A push to master with a previous commit. The recorded pushes all create or delete a ref, so
 * this is the recorded tag push moved to the branch, with before/after set.
 */
function pushToMaster(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = example('push', tagCreated);
  return { ...payload, ref: 'refs/heads/master', created: false, before: 'a'.repeat(40), after: 'b'.repeat(40), ...overrides };
}

function context(eventName: string, payload: Record<string, unknown>, ref = 'refs/heads/master'): EventContext {
  return {
    eventName,
    payload,
    repo: { owner: 'Codertocat', repo: 'Hello-World' },
    sha: 'c'.repeat(40),
    ref,
    serverUrl: 'https://github.com',
    runId: 42,
  };
}

const plan = (mode: ModeInput, ctx: EventContext) => buildRunContext({ mode }, ctx);

describe('mode table (mode: auto)', () => {
  it.each(['opened', 'synchronize', 'reopened', 'ready_for_review'])('plans a pull_request %s', (action) => {
    const payload = prWithAction(action);
    const result = plan('auto', context('pull_request', payload, 'refs/pull/2/merge'));
    expect(result.mode).toBe('plan');
    expect(result.modeReason).toBe('Pull request #2 only plans; the apply runs when it is merged into master.');
    expect(result.range).toEqual({
      kind: 'pull_request',
      number: 2,
      base: pullRequest(payload)['base']?.['sha'],
      head: pullRequest(payload)['head']?.['sha'],
    });
    expect(result.sha).toBe(pullRequest(payload)['head']?.['sha']);
    expect(result.pullNumbers).toEqual([2]);
    expect(result.fork).toBe(false);
  });

  it('refuses pull_request_target, saying why and what to use instead', () => {
    for (const mode of ['auto', 'plan'] as const) {
      expect(() => plan(mode, context('pull_request_target', prWithAction('opened'), 'refs/heads/master'))).toThrow(
        /refuses to run on pull_request_target: .*base repository's secrets.*Use "on: pull_request"/,
      );
    }
  });

  it('applies a push to the default branch, here master', () => {
    const result = plan('auto', context('push', pushToMaster()));
    expect(result.mode).toBe('apply');
    expect(result.modeReason).toBe('A push to the default branch master applies.');
    expect(result.defaultBranch).toBe('master');
    expect(result.range).toEqual({ kind: 'push', before: 'a'.repeat(40), after: 'b'.repeat(40) });
    expect(result.sha).toBe('b'.repeat(40));
    expect(result.pullNumbers).toEqual([]);
  });

  it('decides by the default branch the payload names, not by the name main', () => {
    const payload = pushToMaster({ ref: 'refs/heads/main' });
    expect(plan('auto', context('push', payload, 'refs/heads/main')).mode).toBe('plan');
    repository(payload)['default_branch'] = 'main';
    expect(plan('auto', context('push', payload, 'refs/heads/main')).mode).toBe('apply');
  });

  it('plans a tag push, even of a tag named like the default branch', () => {
    const payload = example('push', tagCreated);
    const result = plan('auto', context('push', payload, 'refs/tags/simple-tag'));
    expect(result.mode).toBe('plan');
    expect(result.sha).toBe(payload['after']);
    expect(result.modeReason).toBe('A push to tag simple-tag only plans; only a push to the default branch master applies.');
    const masterTag = plan('auto', context('push', { ...payload, ref: 'refs/tags/master' }, 'refs/tags/master'));
    expect(masterTag.mode).toBe('plan');
  });

  it('plans a push to another branch', () => {
    const result = plan('auto', context('push', pushToMaster({ ref: 'refs/heads/feature' }), 'refs/heads/feature'));
    expect(result.mode).toBe('plan');
    expect(result.modeReason).toBe('A push to refs/heads/feature only plans; only a push to the default branch master applies.');
  });

  it('plans a push whose payload names no default branch', () => {
    const payload = pushToMaster();
    delete repository(payload)['default_branch'];
    expect(plan('auto', context('push', payload)).mode).toBe('plan');
  });

  it('plans when the push deleted the default branch', () => {
    const payload = pushToMaster({ after: '0'.repeat(40), deleted: true });
    const result = plan('auto', context('push', payload));
    expect(result.mode).toBe('plan');
    expect(result.range).toEqual({ kind: 'none', reason: 'the push deleted refs/heads/master' });
  });

  it('never applies an all-zero after, even when the payload forgets deleted: true', () => {
    const payload = pushToMaster({ after: '0'.repeat(40), deleted: false });
    expect(plan('auto', context('push', payload)).mode).toBe('plan');
  });

  it.each([
    ['workflow_dispatch', example('workflow_dispatch', (e) => e['ref'] === 'refs/heads/master')],
    ['merge_group', example('merge_group')],
    // schedule is not a webhook, so there is no recorded example: this is the payload Actions writes.
    ['schedule', { schedule: '0 6 * * *', workflow: '.github/workflows/db.yml', repository: repository(pushToMaster()) }],
  ])('plans a %s event', (eventName, payload) => {
    const result = plan('auto', context(eventName, payload));
    expect(result.mode).toBe('plan');
    expect(result.modeReason).toBe(`A ${eventName} event only plans; only a push to the default branch applies.`);
    expect(result.range).toEqual({ kind: 'none', reason: `a ${eventName} event has no commit range to compare` });
    expect(result.pullNumbers).toEqual([]);
    expect(result.fork).toBe(false);
  });

  it('takes the merge group head as the commit of a merge_group run', () => {
    const payload = example('merge_group');
    const mergeGroup = payload['merge_group'] as Record<string, unknown>;
    expect(plan('auto', context('merge_group', payload)).sha).toBe(mergeGroup['head_sha']);
  });
});

describe('mode input overrides', () => {
  it('never applies with mode: plan, even on a push to the default branch', () => {
    const result = plan('plan', context('push', pushToMaster()));
    expect(result.mode).toBe('plan');
    expect(result.modeReason).toBe('Input "mode" is plan, so this run never applies.');
  });

  it.each([
    ['pull_request', prWithAction('opened')],
    ['workflow_dispatch', example('workflow_dispatch')],
    ['push', pushToMaster({ ref: 'refs/heads/feature' })],
  ])('always applies with mode: apply (%s)', (eventName, payload) => {
    const result = plan('apply', context(eventName, payload));
    expect(result.mode).toBe('apply');
    expect(result.modeReason).toBe(`Input "mode" is apply, so this ${eventName} run applies.`);
  });
});

describe('commit range', () => {
  it('has no range when the push created the branch (zero before)', () => {
    const payload = example('push', (e) => e['ref'] === 'refs/heads/master');
    expect(payload['before']).toBe('0'.repeat(40));
    const result = plan('auto', context('push', payload));
    expect(result.mode).toBe('apply');
    expect(result.range).toEqual({
      kind: 'none',
      reason: 'the push created refs/heads/master, so there is no earlier commit to compare with',
    });
    expect(result.sha).toBe(payload['after']);
  });

  it('has no range after a forced push', () => {
    const result = plan('auto', context('push', pushToMaster({ forced: true })));
    expect(result.mode).toBe('apply');
    expect(result.range).toEqual({
      kind: 'none',
      reason: 'the push to refs/heads/master was forced, so aaaaaaa may not be an ancestor',
    });
  });

  it('has no range when the push names no before commit', () => {
    const payload = pushToMaster();
    delete payload['before'];
    expect(plan('auto', context('push', payload)).range).toEqual({
      kind: 'none',
      reason: 'the push event names no before/after commits',
    });
  });
});

describe('fork and run link', () => {
  it('flags a pull request from a fork', () => {
    const payload = prWithAction('opened');
    const head = pullRequest(payload)['head'] as Record<string, unknown>;
    head['repo'] = { ...(head['repo'] as object), full_name: 'someone/Hello-World' };
    const result = plan('auto', context('pull_request', payload));
    expect(result.fork).toBe(true);
    expect(result.mode).toBe('plan');
  });

  it('flags a pull request whose fork was deleted (head.repo null)', () => {
    const payload = prWithAction('synchronize');
    (pullRequest(payload)['head'] as Record<string, unknown>)['repo'] = null;
    expect(plan('auto', context('pull_request', payload)).fork).toBe(true);
  });

  it('links the run and keeps the repository', () => {
    const result = plan('auto', context('pull_request', prWithAction('opened')));
    expect(result.runUrl).toBe('https://github.com/Codertocat/Hello-World/actions/runs/42');
    expect(result.repo).toEqual({ owner: 'Codertocat', repo: 'Hello-World' });
    expect(result.eventName).toBe('pull_request');
  });

  it('links the attempt of a re-run (GITHUB_RUN_ATTEMPT), so a later attempt does not hide what this one did', () => {
    const ctx = context('pull_request', prWithAction('opened'));
    expect(plan('auto', { ...ctx, runAttempt: 2 }).runUrl).toBe('https://github.com/Codertocat/Hello-World/actions/runs/42/attempts/2');
    expect(plan('auto', { ...ctx, runAttempt: 1 }).runUrl).toBe('https://github.com/Codertocat/Hello-World/actions/runs/42/attempts/1');
    // Unknown (not on a runner): the run itself.
    expect(plan('auto', { ...ctx, runAttempt: Number.NaN }).runUrl).toBe('https://github.com/Codertocat/Hello-World/actions/runs/42');
  });
});
