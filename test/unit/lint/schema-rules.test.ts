import { describe, expect, it } from 'vitest';
import { lintWith } from './workspace.js';

// schema-has-roles and schema-references-role: the schema root's HCL must not define or
// reference role blocks.

describe('schema-has-roles', () => {
  it('reports a role or user block in a file the schema root reads, at the block', async () => {
    const findings = await lintWith({
      'hcl/schema/roles.pg.hcl':
        '# a role that belongs in hcl/roles\n\nrole "app_writer" {}\n\nuser "reporting" {\n  member_of = [role.app_writer]\n}\n',
    });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['schema-has-roles', 'hcl/schema/roles.pg.hcl', 3],
      // The member_of reference inside the user block is part of this finding, not a second one.
      ['schema-has-roles', 'hcl/schema/roles.pg.hcl', 5],
    ]);
    expect(findings[0]).toEqual({
      rule: 'schema-has-roles',
      severity: 'error',
      file: 'hcl/schema/roles.pg.hcl',
      line: 3,
      message:
        'role "app_writer" is declared in HCL that the schema root reads. If the schema state sees role definitions, Atlas may plan role SQL while connected as atlas_migrator, and that user should not have permission to create roles. Move the block to the roles HCL (the roles root, terraform/roles) and refer to the role by name from schema HCL (to = "app_writer").',
    });
    expect(findings[1]!.message).toMatch(/^user "reporting" is declared/);
  });

  it('names the db-user in the reason', async () => {
    const findings = await lintWith({ 'hcl/schema/roles.pg.hcl': 'role "x" {}\n' }, { dbUser: 'schema_bot' });
    const declared = findings.filter((f) => f.rule === 'schema-has-roles');
    expect(declared).toHaveLength(1);
    expect(declared[0]!.message).toContain('while connected as schema_bot');
  });

  it('does not look at the roles HCL', async () => {
    // The seed's hcl/roles declares nine roles and users; none of them is reported.
    expect(await lintWith({})).toEqual([]);
  });
});

describe('schema-references-role', () => {
  it('reports to = user.x in a permission, at the attribute, with the string to use', async () => {
    const findings = await lintWith({
      'hcl/schema/grants.pg.hcl':
        'permission {\n  for        = table.validation_probe\n  to         = user.app_reader\n  privileges = [SELECT]\n}\n',
    });
    expect(findings).toEqual([
      {
        rule: 'schema-references-role',
        severity: 'error',
        file: 'hcl/schema/grants.pg.hcl',
        line: 3,
        message:
          'to = user.app_reader refers to a role block, but roles live in the roles state (terraform/roles), not in the schema HCL. Use the role name as a string, to = "app_reader", so the schema state can generate the grant without loading role HCL or planning role DDL.',
      },
    ]);
  });

  it('finds role references anywhere: lists, nested blocks, other attributes', async () => {
    const findings = await lintWith({
      'hcl/schema/more.pg.hcl': [
        'table "t" {',
        '  schema = schema.public',
        '  column "id" {',
        '    type = integer',
        '  }',
        '  policy "own_rows" {',
        '    to = [role.app_reader, "other"]',
        '  }',
        '}',
        'permission {',
        '  to         = "app_reader"',
        '  for        = table.t',
        '  privileges = [SELECT]',
        '}',
      ].join('\n'),
    });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['schema-references-role', 'hcl/schema/more.pg.hcl', 7]]);
    expect(findings[0]!.message).toMatch(/^to = role\.app_reader refers to a role block.*to = "app_reader"/);
  });

  it('accepts the guide\'s string form (to = "app_reader")', async () => {
    // hcl/schema/schema.pg.hcl in the seed grants SELECT to "app_reader".
    expect(await lintWith({})).toEqual([]);
  });
});
