import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exampleRuns, evaluateIf, readWorkflow, type ExampleRun } from '../support/example-workflow.js';
import { allows, documentedPolicies, githubSub, like, policiesIn, type Policy, type Repository } from '../support/trust-policy.js';

// Every event the example workflow runs on must be able to assume the role the example gives
// its job, under the trust policies the docs tell users to create: the `sub` of each job's
// token is derived as GitHub documents it (both the name form and the immutable ID form) and
// evaluated against every trust-policy block of README.md and docs/ that names the role.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKFLOW = path.join(ROOT, 'examples/seed/.github/workflows/database.yml');
const RUNS = exampleRuns(readWorkflow(WORKFLOW));
const POLICIES = documentedPolicies(ROOT);
/** The docs' placeholders, in both forms of `sub`. */
const BY_NAME: Repository = { owner: 'ORG', repo: 'REPO' };
const BY_ID: Repository = { owner: 'ORG', repo: 'REPO', ids: { owner: 'ORG_ID', repo: 'REPO_ID' } };

/** The blocks documented for a role: the prose just before the block names it in backticks. */
const policiesFor = (roleArn: string) => POLICIES.filter((p) => p.before.includes(`\`${roleArn.split('/').pop() ?? ''}\``));
const claims = (run: ExampleRun, repo: Repository) => ({
  sub: githubSub(repo, run.subject),
  aud: run.with['audience'] ?? 'sts.amazonaws.com',
});

describe('the example workflow and the documented trust policies', () => {
  it('runs the action in exactly one job per event, with the mode and role input the docs describe', () => {
    expect(RUNS.map((r) => [r.event, r.dispatchMode ?? '', r.job, r.mode, r.roleInput, r.subject])).toEqual([
      ['pull_request', '', 'plan', 'plan', 'role-to-assume', { kind: 'pull_request' }],
      ['push', '', 'apply', 'apply', 'apply-role-to-assume', { kind: 'environment', name: 'production' }],
      ['schedule', '', 'plan', 'plan', 'role-to-assume', { kind: 'ref', ref: 'refs/heads/main' }],
      ['workflow_dispatch', 'plan', 'plan', 'plan', 'role-to-assume', { kind: 'ref', ref: 'refs/heads/main' }],
      ['workflow_dispatch', 'apply', 'apply', 'apply', 'apply-role-to-assume', { kind: 'environment', name: 'production' }],
    ]);
  });

  it('documents a trust policy for each role the example assumes', () => {
    for (const role of new Set(RUNS.map((r) => r.roleArn))) {
      expect(role).toMatch(/^arn:aws:iam::\d{12}:role\/[\w+=,.@-]+$/);
      expect(policiesFor(role).length, `no trust policy in README.md or docs/ names ${role}`).toBeGreaterThan(0);
    }
  });

  it("lets every event's job assume its role, with the name form and the immutable ID form of sub", () => {
    const refused = RUNS.flatMap((run) =>
      [BY_NAME, BY_ID].flatMap((repo) =>
        policiesFor(run.roleArn)
          .filter((p) => !allows(p.policy, claims(run, repo)))
          .map(
            (p) =>
              `${run.event}${run.dispatchMode ? ` (mode ${run.dispatchMode})` : ''}: ${p.file}:${p.line} refuses ${claims(run, repo).sub}`,
          ),
      ),
    );
    expect(refused).toEqual([]);
  });

  it('and no more: the apply role refuses pull requests and main outside the environment; both refuse another repository', () => {
    const apply = RUNS.find((r) => r.mode === 'apply')!.roleArn;
    const plan = RUNS.find((r) => r.mode === 'plan')!.roleArn;
    const aud = 'sts.amazonaws.com';
    for (const repo of [BY_NAME, BY_ID]) {
      for (const p of policiesFor(apply)) {
        expect(allows(p.policy, { sub: githubSub(repo, { kind: 'pull_request' }), aud })).toBe(false);
        expect(allows(p.policy, { sub: githubSub(repo, { kind: 'ref', ref: 'refs/heads/main' }), aud })).toBe(false);
      }
      for (const p of [...policiesFor(plan), ...policiesFor(apply)]) {
        expect(allows(p.policy, { sub: githubSub({ ...repo, repo: 'OTHER' }, { kind: 'pull_request' }), aud })).toBe(false);
        expect(allows(p.policy, { sub: githubSub(repo, { kind: 'environment', name: 'production' }), aud: 'other' })).toBe(false);
      }
    }
  });
});

describe('sub as GitHub writes it', () => {
  it('pull request, ref, environment; the immutable form appends the IDs', () => {
    const repo: Repository = { owner: 'octocat', repo: 'my-repo' };
    expect(githubSub(repo, { kind: 'pull_request' })).toBe('repo:octocat/my-repo:pull_request');
    expect(githubSub(repo, { kind: 'ref', ref: 'refs/heads/main' })).toBe('repo:octocat/my-repo:ref:refs/heads/main');
    expect(githubSub(repo, { kind: 'environment', name: 'prod' })).toBe('repo:octocat/my-repo:environment:prod');
    // GitHub's documented example of an immutable subject claim.
    expect(githubSub({ ...repo, ids: { owner: '123456', repo: '456789' } }, { kind: 'ref', ref: 'refs/heads/main' })).toBe(
      'repo:octocat@123456/my-repo@456789:ref:refs/heads/main',
    );
  });
});

describe('IAM condition semantics', () => {
  const policy = (condition: Record<string, Record<string, string | string[]>>, effect: 'Allow' | 'Deny' = 'Allow'): Policy => ({
    Statement: [
      {
        Effect: effect,
        Principal: { Federated: 'arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  });
  const SUB = 'token.actions.githubusercontent.com:sub';

  it('StringLike: * any run, ? one character; StringEquals: literal; a list matches when any value does', () => {
    expect(like('repo:o/r:*', 'repo:o/r:ref:refs/heads/main')).toBe(true);
    expect(like('repo:o/r:?ull_request', 'repo:o/r:pull_request')).toBe(true);
    expect(like('repo:o/r:?', 'repo:o/r:pr')).toBe(false);
    expect(allows(policy({ StringEquals: { [SUB]: 'repo:o/r:*' } }), { sub: 'repo:o/r:pull_request' })).toBe(false);
    expect(allows(policy({ StringEquals: { [SUB]: ['repo:o/r:x', 'repo:o/r:pull_request'] } }), { sub: 'repo:o/r:pull_request' })).toBe(
      true,
    );
  });

  it('every condition must hold, a missing claim fails it, a Deny wins, and an unknown operator is an error', () => {
    const both = policy({ StringEquals: { [SUB]: 's', 'token.actions.githubusercontent.com:aud': 'a' } });
    expect(allows(both, { sub: 's', aud: 'a' })).toBe(true);
    expect(allows(both, { sub: 's' })).toBe(false);
    const allowAll = [policy({}).Statement].flat();
    const denyAll = [policy({ StringLike: { [SUB]: '*' } }, 'Deny').Statement].flat();
    expect(allows({ Statement: allowAll }, { sub: 's' })).toBe(true);
    const denied: Policy = { Statement: [...allowAll, ...denyAll] };
    expect(allows(denied, { sub: 's' })).toBe(false);
    expect(() => allows(policy({ ForAnyValue: { [SUB]: 's' } }), { sub: 's' })).toThrow(/ForAnyValue is not evaluated/);
  });

  it('finds policy blocks wherever they are, with the prose before each', () => {
    const md =
      '# Setup\n\nThe `x` role:\n\n```json\n{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity"}}\n```\n\n```json\n{"other": 1}\n```\n';
    const found = policiesIn('docs/setup.md', md);
    expect(found.map((p) => [p.file, p.line, p.before.includes('The `x` role:')])).toEqual([['docs/setup.md', 5, true]]);
  });
});

describe("the example's if: expressions", () => {
  it('read as GitHub reads them: a missing input is null', () => {
    const ctx = (event: string, mode: string | null) => ({ 'github.event_name': event, 'inputs.mode': mode });
    expect(evaluateIf("github.event_name != 'push' && inputs.mode != 'apply'", ctx('schedule', null))).toBe(true);
    expect(evaluateIf("${{ github.event_name == 'push' || inputs.mode == 'apply' }}", ctx('workflow_dispatch', 'apply'))).toBe(true);
    expect(() => evaluateIf("github.actor == 'x'", ctx('push', null))).toThrow(/github.actor is not known/);
    expect(() => evaluateIf('contains(github.event_name, 1)', ctx('push', null))).toThrow();
  });
});
