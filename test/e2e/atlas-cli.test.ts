import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('no atlas on PATH: the plan fails with the provider’s lookup error, and the run says so', async () => {
    const o = await stack.observe(() => stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }, { atlasCli: 'missing' }));
    expect(o.run.exitCode).toBe(1);
    expect(o.planned).toEqual([]);
    expect(o.run.stdout).toContain('looking up atlas-cli: exec: "atlas": executable file not found in $PATH');
  });

  it('atlas installed but not logged in: the roles plan fails with atlasexec’s login error, and the run says so', async () => {
    const o = await stack.observe(() => stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }, { atlasCli: 'logged-out' }));
    expect(o.run.exitCode).toBe(1);
    expect(o.planned).toEqual(['roles']);
    expect(o.run.stdout).toContain("command requires 'atlas login'");
  });
});
