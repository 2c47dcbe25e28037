import { describe, expect, it } from 'vitest';
import { lintProject } from '../../../src/lint/index.js';
import { SEED, lintWith, seedWith } from './workspace.js';

// The seed guide's own layout (examples/seed) is what the guardrails are written for: it
// must pass clean, and that must be because every file was read and checked.

describe('the seed layout', () => {
  it('has no error and no warning', async () => {
    const findings = await lintProject({
      workspace: SEED,
      rolesWorkingDirectory: 'terraform/roles',
      schemaWorkingDirectory: 'terraform/schema',
      dbUser: 'atlas_migrator',
      skip: [],
    });
    expect(findings).toEqual([]);
  });

  it('is clean because each of its files is read: one mistake in any of them is found there', async () => {
    const mistakes: [file: string, from: string, to: string, rule: string][] = [
      ['hcl/roles/roles.pg.hcl', 'role "rds_ad" {\n  external = true\n}', 'role "rds_ad" {}', 'rds-role-not-external'],
      ['hcl/roles/grants.pg.hcl', 'to         = PUBLIC', 'to         = "app_reader"', 'public-default-revoked'],
      ['hcl/schema/schema.pg.hcl', 'to         = "app_reader"', 'to         = user.app_reader', 'schema-references-role'],
      ['atlas.hcl', 'objects     = false', 'objects     = true', 'roles-env-mode'],
      ['terraform/roles/main.tf', 'version = "= 0.10.3"', 'version = ">= 0.10"', 'provider-version'],
      ['terraform/schema/main.tf', 'env_name = "schema"', 'env_name = "app"', 'env-missing'],
    ];
    for (const [file, from, to, rule] of mistakes) {
      const findings = await lintWith(seedWith(file, from, to));
      expect(
        findings.map((f) => [f.rule, f.file]),
        `${file}: ${from} → ${to}`,
      ).toEqual([[rule, file]]);
    }
  });
});
