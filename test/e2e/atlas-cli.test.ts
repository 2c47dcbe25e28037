import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderedText } from '../support/markdown.js';
import { sha, startStack, type Stack } from '../support/stack.js';

// The runner's Atlas CLI, as the real provider needs it: on PATH (its ConfigureProvider runs
// `atlas version`) and logged in (the seed's envs manage roles and permissions, Atlas Pro).
// Every other test runs with the stand-in CLI installed and logged in, as ariga/setup-atlas
// with `cloud-token` leaves a runner; these two runs leave out one step each.

const BASE = sha('b');
const HEAD = sha('c');

describe('a runner without a usable Atlas CLI', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.github.addPull({ number: 1, files: ['hcl/roles/roles.pg.hcl'], headSha: HEAD, baseSha: BASE });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('no atlas on PATH: the action stops before AWS and Terraform with one error naming ariga/setup-atlas', async () => {
    const o = await stack.observe(() => stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }, { atlasCli: 'missing' }));
    expect(o.run.exitCode).toBe(1);
    expect(o.planned).toEqual([]);
    expect(o.sts).toEqual([]);
    expect(o.oidc).toEqual([]);
    expect(o.run.stdout).not.toMatch(/\$ terraform /);
    const errors = o.run.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      'The Atlas CLI (atlas) is not on PATH. Add `ariga/setup-atlas@v0` with `cloud-token: ${{ secrets.ATLAS_CLOUD_TOKEN }}`',
    );
    const comment = renderedText(stack.github.comments(1).at(-1)?.body ?? '');
    expect(comment).toContain('❌ Plan failed: The Atlas CLI (atlas) is not on PATH.');
    expect(renderedText(o.run.summary)).toContain('ariga/setup-atlas@v0');
  });

  it('atlas installed but not logged in: the roles plan fails with atlasexec’s login error, and the comment says how to log in', async () => {
    const o = await stack.observe(() => stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }, { atlasCli: 'logged-out' }));
    expect(o.run.exitCode).toBe(1);
    expect(o.planned).toEqual(['roles']);
    expect(o.run.stdout).toContain("command requires 'atlas login'");
    const comment = renderedText(stack.github.comments(1).at(-1)?.body ?? '');
    expect(comment).toContain("command requires 'atlas login'");
    expect(comment).toContain(
      'are Atlas Pro features: the Atlas CLI on the runner must be logged in. Add ariga/setup-atlas@v0 with cloud-token',
    );
    // The Atlas version that planned is recorded: it decides the SQL.
    expect(comment).toContain('Atlas v1.2.3');
    expect(renderedText(o.run.summary)).toContain('Atlas v1.2.3');
  });
});
