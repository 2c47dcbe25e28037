import { describe, expect, it } from 'vitest';
import { lintWith, seedText, seedWith } from './workspace.js';

// roots-share-files, root-hcl-dir for the roles root, provider-version.

const ROLES_TF = 'terraform/roles/main.tf';
const SCHEMA_TF = 'terraform/schema/main.tf';

/** The seed's schema root pointed at another directory of HCL. */
function schemaReads(dir: string): Record<string, string> {
  return {
    [SCHEMA_TF]: seedText(SCHEMA_TF)
      .replace('${path.module}/../../hcl/schema"', `\${path.module}/../../${dir}"`)
      .replace('${path.module}/../../hcl/schema/${file_name}', `\${path.module}/../../${dir}/\${file_name}`),
  };
}

describe('roots-share-files', () => {
  it("reports both roots reading the same files, at the schema root's hcl", async () => {
    const findings = await lintWith(schemaReads('hcl/roles'));
    const shared = findings.filter((f) => f.rule === 'roots-share-files');
    expect(shared).toEqual([
      {
        rule: 'roots-share-files',
        severity: 'error',
        file: SCHEMA_TF,
        line: 30,
        message:
          'The roles root (atlas_schema.roles) and the schema root (atlas_schema.app) both read hcl/roles/grants.pg.hcl, hcl/roles/roles.pg.hcl. The guide: do not combine role and schema HCL in the same atlas_schema resource; a file read by both states is owned by both, and the schema state then plans role SQL as atlas_migrator, which should not have permission to create roles. Give each root its own directory: hcl/roles for the roles root, hcl/schema for the schema root.',
      },
    ]);
    // The same mistake seen from the other rules: the schema root reads role blocks, outside hcl/schema.
    expect(new Set(findings.map((f) => f.rule))).toEqual(
      new Set(['roots-share-files', 'root-hcl-dir', 'schema-has-roles', 'schema-references-role']),
    );
  });

  it('reports two roots that are one directory', async () => {
    const findings = await lintWith({}, { schemaWorkingDirectory: 'terraform/roles' });
    expect(findings.filter((f) => f.rule === 'roots-share-files').map((f) => [f.file, f.line])).toEqual([[ROLES_TF, 30]]);
  });
});

describe('root-hcl-dir', () => {
  it('warns when the roles root reads outside hcl/roles, with the roles-paths reason', async () => {
    const tf = seedText(ROLES_TF)
      .replace('${path.module}/../../hcl/roles"', '${path.module}/../../db/roles"')
      .replace('${path.module}/../../hcl/roles/${file_name}', '${path.module}/../../db/roles/${file_name}');
    const findings = await lintWith({
      [ROLES_TF]: tf,
      'db/roles/roles.pg.hcl': seedText('hcl/roles/roles.pg.hcl'),
      'db/roles/grants.pg.hcl': seedText('hcl/roles/grants.pg.hcl'),
    });
    expect(findings).toEqual([
      {
        rule: 'root-hcl-dir',
        severity: 'warning',
        file: ROLES_TF,
        line: 30,
        message:
          'atlas_schema.roles (the roles root) reads HCL from db/roles, not from hcl/roles as the guide lays it out. The guide keeps role HCL in hcl/roles so the schema state never sees role definitions, and the default roles-paths (hcl/roles/**) decides when the roles root runs: a roles file elsewhere changes without the roles root running. Point its fileset() at hcl/roles; with another layout on purpose, set roles-paths to match and skip root-hcl-dir.',
      },
    ]);
  });

  it('accepts subdirectories of the guide directory', async () => {
    const tf = seedText(ROLES_TF).replace('"*.pg.hcl"', '"**/*.pg.hcl"');
    expect(await lintWith({ [ROLES_TF]: tf, 'hcl/roles/extra/more.pg.hcl': 'role "app_writer" {}\n' })).toEqual([]);
  });
});

describe('provider-version', () => {
  it("reports different pins as an error at the schema root's version", async () => {
    const findings = await lintWith(seedWith(SCHEMA_TF, 'version = "= 0.10.3"', 'version = "0.9.0"'));
    expect(findings).toEqual([
      {
        rule: 'provider-version',
        severity: 'error',
        file: SCHEMA_TF,
        line: 5,
        message:
          'The roles root (terraform/roles) pins ariga/atlas 0.10.3 but the schema root (terraform/schema) pins 0.9.0. What the provider plans depends on its version, and the guide pins the same version = "= 0.10.3" in both roots. Pin the same exact version in both.',
      },
    ]);
  });

  it("warns about a root that does not pin one version, suggesting the other root's pin", async () => {
    const findings = await lintWith(seedWith(ROLES_TF, 'version = "= 0.10.3"', 'version = "~> 0.11"'));
    expect(findings).toEqual([
      {
        rule: 'provider-version',
        severity: 'warning',
        file: ROLES_TF,
        line: 5,
        message:
          'The roles root (terraform/roles) does not pin the ariga/atlas provider to one version (version = "~> 0.11"). What the provider plans depends on its version, and an unpinned provider can change between the reviewed plan and the apply; the guide pins version = "= 0.10.3" in both roots. Pin it: version = "= 0.10.3".',
      },
    ]);
  });

  it('warns about a root without a version, or without required_providers at all', async () => {
    const noVersion = await lintWith(seedWith(SCHEMA_TF, '      version = "= 0.10.3"\n', ''));
    expect(noVersion.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([['provider-version', 'warning', SCHEMA_TF, 3]]);
    expect(noVersion[0]!.message).toContain('(no version constraint)');
    const tf = seedText(SCHEMA_TF);
    const noRequirements = await lintWith({ [SCHEMA_TF]: tf.slice(tf.indexOf('provider "atlas"')) });
    expect(noRequirements.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([['provider-version', 'warning', SCHEMA_TF, 1]]);
  });
});
