import { describe, expect, it } from 'vitest';
import { detectRolesChange, matchRolesPaths } from '../../src/event/changes.js';
import { createGitHub } from '../../src/github/client.js';
import type { RunContext } from '../../src/core/types.js';

const DEFAULT_GLOBS = ['hcl/roles/**', 'atlas.hcl', 'terraform/roles/**'];

describe('matchRolesPaths', () => {
  it('matches the seed layout with the default roles-paths', () => {
    const files = [
      'hcl/roles/grants.pg.hcl',
      'hcl/schema/schema.pg.hcl',
      'atlas.hcl',
      'terraform/roles/main.tf',
      'terraform/schema/main.tf',
      'README.md',
    ];
    expect(matchRolesPaths(files, DEFAULT_GLOBS)).toEqual(['hcl/roles/grants.pg.hcl', 'atlas.hcl', 'terraform/roles/main.tf']);
  });

  it('matches nothing when only schema files changed', () => {
    expect(matchRolesPaths(['hcl/schema/schema.pg.hcl', 'terraform/schema/variables.tf'], DEFAULT_GLOBS)).toEqual([]);
  });

  it('is anchored at the repository root', () => {
    expect(matchRolesPaths(['db/atlas.hcl', 'other/hcl/roles/x.hcl', 'terraform/roles2/main.tf'], DEFAULT_GLOBS)).toEqual([]);
  });

  it('includes dot files and deep paths', () => {
    expect(matchRolesPaths(['terraform/roles/.terraform.lock.hcl', 'hcl/roles/a/b/c.pg.hcl'], DEFAULT_GLOBS)).toEqual([
      'terraform/roles/.terraform.lock.hcl',
      'hcl/roles/a/b/c.pg.hcl',
    ]);
  });

  it('treats a directory pattern as everything below it, with or without a trailing slash', () => {
    const files = ['terraform/roles/main.tf', 'terraform/roles/modules/x/main.tf', 'terraform/rolesX/main.tf'];
    expect(matchRolesPaths(files, ['terraform/roles'])).toEqual(['terraform/roles/main.tf', 'terraform/roles/modules/x/main.tf']);
    expect(matchRolesPaths(files, ['terraform/roles/'])).toEqual(['terraform/roles/main.tf', 'terraform/roles/modules/x/main.tf']);
  });

  it('supports picomatch globs such as extensions and braces', () => {
    const files = ['hcl/roles/roles.pg.hcl', 'hcl/roles/notes.md', 'hcl/grants.pg.hcl'];
    expect(matchRolesPaths(files, ['hcl/**/*.pg.hcl'])).toEqual(['hcl/roles/roles.pg.hcl', 'hcl/grants.pg.hcl']);
    expect(matchRolesPaths(files, ['hcl/roles/*.{md,txt}'])).toEqual(['hcl/roles/notes.md']);
  });

  it('excludes files matched by a pattern starting with !', () => {
    const files = ['hcl/roles/roles.pg.hcl', 'hcl/roles/README.md'];
    expect(matchRolesPaths(files, ['hcl/roles/**', '!hcl/roles/*.md'])).toEqual(['hcl/roles/roles.pg.hcl']);
    expect(matchRolesPaths(files, ['!hcl/roles/*.md'])).toEqual([]);
  });

  it('lists a file once, in the order given', () => {
    expect(matchRolesPaths(['atlas.hcl', 'hcl/roles/a.hcl', 'atlas.hcl'], DEFAULT_GLOBS)).toEqual(['atlas.hcl', 'hcl/roles/a.hcl']);
  });

  it('matches nothing without globs', () => {
    expect(matchRolesPaths(['atlas.hcl'], [])).toEqual([]);
  });
});

describe('detectRolesChange without a commit range', () => {
  it('counts the roles as changed and says why, without asking GitHub', async () => {
    // Nothing listens on port 9: any request would fail the test with a connection error.
    const gh = createGitHub('unused-token', { baseUrl: 'http://127.0.0.1:9' });
    const plan: RunContext = {
      eventName: 'workflow_dispatch',
      mode: 'plan',
      modeReason: '',
      repo: { owner: 'o', repo: 'r' },
      defaultBranch: 'main',
      ref: 'refs/heads/main',
      sha: 'c'.repeat(40),
      range: { kind: 'none', reason: 'a workflow_dispatch event has no commit range to compare' },
      drift: true,
      pullNumbers: [],
      fork: false,
      runUrl: 'https://github.com/o/r/actions/runs/1',
    };
    expect(await detectRolesChange(gh, plan, DEFAULT_GLOBS)).toEqual({
      changed: true,
      failSafe: true,
      matchedFiles: [],
      reason: 'a workflow_dispatch event has no commit range to compare, so the roles root counts as changed',
    });
  });
});
