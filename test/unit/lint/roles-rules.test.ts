import { describe, expect, it } from 'vitest';
import { lintWith, seedWith } from './workspace.js';

// The roles HCL: rds-role-not-external, predefined-role, migrator-not-iam, master-in-rds-iam.

const ROLES = 'hcl/roles/roles.pg.hcl';

describe('rds-role-not-external', () => {
  it('reports an RDS-managed role without external = true, at the block', async () => {
    const findings = await lintWith(seedWith(ROLES, 'role "rds_iam" {\n  external = true\n}', 'role "rds_iam" {}'));
    expect(findings).toEqual([
      {
        rule: 'rds-role-not-external',
        severity: 'error',
        file: ROLES,
        line: 9,
        message:
          'role "rds_iam" is managed by RDS but is not marked external = true. It already exists on RDS: marked external, Atlas only generates membership changes such as GRANT "rds_iam" TO "atlas_migrator"; otherwise it tries to create or change a role RDS owns. Add external = true to the block.',
      },
    ]);
  });

  it('reports external = false at the attribute', async () => {
    const findings = await lintWith(seedWith(ROLES, 'user "rdsadmin" {\n  external = true', 'user "rdsadmin" {\n  external = false'));
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['rds-role-not-external', 30]]);
    expect(findings[0]!.message).toMatch(/^user "rdsadmin" is managed by RDS but sets external to something other than true\./);
  });

  it('reports the master user, named by the masterUser option', async () => {
    const text = 'user "dbadmin" {}\n';
    const findings = await lintWith({ 'hcl/roles/master.pg.hcl': text }, { masterUser: 'dbadmin' });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['rds-role-not-external', 'hcl/roles/master.pg.hcl', 1]]);
    expect(findings[0]!.message).toMatch(/^user "dbadmin" is the RDS master user but is not marked external = true\./);
    // With the default master user (postgres), dbadmin is an ordinary user.
    expect(await lintWith({ 'hcl/roles/master.pg.hcl': text })).toEqual([]);
  });
});

describe('predefined-role', () => {
  it('warns about a declared pg_* role', async () => {
    const findings = await lintWith({ 'hcl/roles/predefined.pg.hcl': '\nrole "pg_read_all_data" {\n  external = true\n}\n' });
    expect(findings).toEqual([
      {
        rule: 'predefined-role',
        severity: 'warning',
        file: 'hcl/roles/predefined.pg.hcl',
        line: 2,
        message:
          'role "pg_read_all_data" declares a predefined PostgreSQL role. Atlas does not manage the predefined pg_* roles, so they do not need to be declared in HCL. Remove the block.',
      },
    ]);
  });
});

describe('migrator-not-iam', () => {
  it('reports the migration user without rds_iam in member_of, at member_of', async () => {
    const findings = await lintWith(seedWith(ROLES, 'member_of = [role.rds_iam]', 'member_of = [role.rds_password]'));
    expect(findings).toEqual([
      {
        rule: 'migrator-not-iam',
        severity: 'error',
        file: ROLES,
        line: 38,
        message:
          'The migration user "atlas_migrator" (input db-user) is not a member of rds_iam. The schema root logs in as it with an RDS IAM token, and RDS accepts IAM tokens only for members of rds_iam, so every schema run would fail to log in. Declare user "atlas_migrator" { member_of = [role.rds_iam] }.',
      },
    ]);
  });

  it('reports at the block when member_of is missing', async () => {
    const findings = await lintWith(seedWith(ROLES, '  member_of = [role.rds_iam]\n', ''));
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['migrator-not-iam', ROLES, 37]]);
  });

  it('reports a db-user the roles HCL does not declare, at the first roles file', async () => {
    const findings = await lintWith({}, { dbUser: 'schema_bot' });
    expect(findings).toEqual([
      {
        rule: 'migrator-not-iam',
        severity: 'error',
        file: 'hcl/roles/grants.pg.hcl',
        line: 1,
        message:
          'The roles HCL does not declare the migration user "schema_bot" (input db-user). The schema root logs in as it with an RDS IAM token, and RDS accepts IAM tokens only for members of rds_iam; the roles state creates it and grants that membership. Declare user "schema_bot" { member_of = [role.rds_iam] } with role "rds_iam" { external = true }.',
      },
    ]);
  });

  it('accepts the membership as a string too', async () => {
    expect(await lintWith(seedWith(ROLES, 'member_of = [role.rds_iam]', 'member_of = ["rds_iam"]'))).toEqual([]);
  });
});

describe('master-in-rds-iam', () => {
  it('reports the master user made a member of rds_iam, at member_of', async () => {
    const findings = await lintWith(
      seedWith(ROLES, 'user "postgres" {\n  external = true\n', 'user "postgres" {\n  external = true\n  member_of = [role.rds_iam]\n'),
    );
    expect(findings).toEqual([
      {
        rule: 'master-in-rds-iam',
        severity: 'error',
        file: ROLES,
        line: 35,
        message:
          'The master user "postgres" is made a member of rds_iam. On RDS a member of rds_iam must log in with an IAM token, so the master password that the roles state uses (from Secrets Manager) stops working. Remove rds_iam from its member_of.',
      },
    ]);
  });
});
