import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleEvent } from '../support/events.js';
import { exampleRuns, readWorkflow, type ExampleRun } from '../support/example-workflow.js';
import { DEFAULT_BRANCH, OWNER, REPO, sha, startStack, type RunExtra, type Stack } from '../support/stack.js';
import { allows, documentedPolicies, forRepository, githubSub, type Repository } from '../support/trust-policy.js';

// examples/seed as shipped: its atlas.hcl, HCL, Terraform roots (backend "s3" swapped for the
// stack's `pg` only by Terraform's backend_override.tf) and its workflow. Each event runs the
// job the workflow gives it, with that job's mode and role input, and a token whose `sub` is
// what GitHub gives that job; the loopback STS decides with the trust policies the README
// documents for each role, filled in for this repository. A pull request, its merge and a
// scheduled drift check, in order, on one stack.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = exampleRuns(readWorkflow(path.join(ROOT, 'examples/seed/.github/workflows/database.yml')));
const IDS = { owner: '1234567', repo: '89012345' };
const SEED_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const [BASE, HEAD, MERGE] = [sha('b'), sha('c'), sha('d')];

const runOf = (event: string): ExampleRun => {
  const run = RUNS.find((r) => r.event === event);
  if (!run) throw new Error(`the example does not run on ${event}`);
  return run;
};

describe('examples/seed as shipped: PR, merge and nightly drift check, each job with its role', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    const policies = documentedPolicies(ROOT);
    for (const arn of new Set(RUNS.map((r) => r.roleArn))) {
      const documented = policies
        .filter((p) => p.before.includes(`\`${arn.split('/').pop() ?? ''}\``))
        .map((p) => forRepository(p.policy, OWNER, REPO, IDS));
      expect(documented.length, arn).toBeGreaterThan(0);
      stack.aws.sts.addRole({ arn, trusts: (claims) => documented.some((policy) => allows(policy, claims)) });
    }
    stack.github.addPull({ number: 1, files: SEED_FILES, headSha: HEAD, baseSha: BASE, mergeCommitSha: MERGE, merged: true });
    stack.github.addCompare(BASE, MERGE, SEED_FILES);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The run's `with:` role inputs and mode, and the `sub` GitHub gives its job. */
  const asTheExample = (run: ExampleRun, repository: Repository): RunExtra => ({
    inputs: {
      mode: run.with['mode'] ?? 'auto',
      'role-to-assume': run.with['role-to-assume'] ?? '',
      'apply-role-to-assume': run.with['apply-role-to-assume'] ?? '',
    },
    sub: githubSub(repository, run.subject),
  });
  const byName: Repository = { owner: OWNER, repo: REPO };

  it('pull_request: the plan job assumes the plan role with sub repo:O/R:pull_request and plans', async () => {
    const example = runOf('pull_request');
    const o = await stack.observe(() => stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }, asTheExample(example, byName)));
    expect(o.run.exitCode, o.run.stdout).toBe(0);
    expect(o.run.outputs['mode']).toBe('plan');
    expect(o.sts.map((r) => [r.roleArn, r.sub, r.status])).toEqual([[example.roleArn, `repo:${OWNER}/${REPO}:pull_request`, 200]]);
    expect(o.planned).toEqual(['roles']);
  });

  it('push to main: the apply job, in the production environment, assumes the apply role and applies', async () => {
    const example = runOf('push');
    const o = await stack.observe(() =>
      stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` }, asTheExample(example, byName)),
    );
    expect(o.run.exitCode, o.run.stdout).toBe(0);
    expect(o.run.outputs['mode']).toBe('apply');
    expect(o.run.outputs['converged']).toBe('true');
    expect(o.sts.map((r) => [r.roleArn, r.sub, r.status])).toEqual([
      [example.roleArn, `repo:${OWNER}/${REPO}:environment:production`, 200],
    ]);
    expect(o.applied).toEqual(['roles', 'schema']);
  });

  it('schedule: the plan job assumes the plan role with the main branch sub (here in the immutable form) and finds no drift', async () => {
    const example = runOf('schedule');
    const o = await stack.observe(() =>
      stack.runEvent('schedule', scheduleEvent(), asTheExample(example, { owner: OWNER, repo: REPO, ids: IDS })),
    );
    expect(o.run.exitCode, o.run.stdout).toBe(0);
    expect(o.run.outputs['drift']).toBe('false');
    expect(o.sts.map((r) => [r.roleArn, r.sub, r.status])).toEqual([
      [example.roleArn, `repo:${OWNER}@${IDS.owner}/${REPO}@${IDS.repo}:ref:refs/heads/${DEFAULT_BRANCH}`, 200],
    ]);
  });

  it("the documented policies are what decided: a pull request's token is refused by the apply role", async () => {
    const apply = runOf('push');
    const o = await stack.observe(() =>
      stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }, { inputs: { 'role-to-assume': apply.roleArn } }),
    );
    expect(o.run.exitCode).toBe(1);
    expect(o.sts.map((r) => [r.roleArn, r.status, r.errorCode])).toEqual([[apply.roleArn, 403, 'AccessDenied']]);
  });
});
