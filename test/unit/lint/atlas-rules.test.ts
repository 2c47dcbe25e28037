import { describe, expect, it } from 'vitest';
import { lintWith, seedWith } from './workspace.js';

// atlas.hcl: iam-url-sslmode, roles-env-mode, schema-env-roles, env-missing.

const SCHEMA_URL_END = '${var.database_name}?sslmode=require"\n  schema {\n    mode {\n      permissions = true';

describe('iam-url-sslmode', () => {
  it('reports the IAM-token env whose url has no sslmode, at the url', async () => {
    const findings = await lintWith(seedWith('atlas.hcl', SCHEMA_URL_END, SCHEMA_URL_END.replace('?sslmode=require', '')));
    expect(findings).toEqual([
      {
        rule: 'iam-url-sslmode',
        severity: 'error',
        file: 'atlas.hcl',
        line: 56,
        message:
          'env "schema" connects with an RDS IAM token (data.aws_rds_token) but its url has no sslmode. RDS accepts IAM authentication only over SSL, and the guide uses sslmode=require with an IAM token. End the url with ?sslmode=require (or verify-full with the RDS CA bundle).',
      },
    ]);
  });

  it('reports a weaker sslmode, and accepts verify-full and verify-ca', async () => {
    const weak = await lintWith(
      seedWith('atlas.hcl', SCHEMA_URL_END, SCHEMA_URL_END.replace('sslmode=require', 'connect_timeout=5&sslmode=prefer')),
    );
    expect(weak.map((f) => [f.rule, f.line])).toEqual([['iam-url-sslmode', 56]]);
    expect(weak[0]!.message).toContain('but its url sets sslmode="prefer".');
    for (const mode of ['verify-full', 'verify-ca']) {
      expect(await lintWith(seedWith('atlas.hcl', SCHEMA_URL_END, SCHEMA_URL_END.replace('sslmode=require', `sslmode=${mode}`)))).toEqual(
        [],
      );
    }
  });

  it('leaves an interpolated sslmode and the password-based env alone', async () => {
    expect(
      await lintWith(seedWith('atlas.hcl', SCHEMA_URL_END, SCHEMA_URL_END.replace('sslmode=require', 'sslmode=${var.sslmode}'))),
    ).toEqual([]);
    // The roles env's url uses the master secret, not an IAM token: no sslmode is required of it here.
    const rolesUrl = seedWith(
      'atlas.hcl',
      '${var.database_name}?sslmode=require"\n  schema {\n    mode {\n      roles',
      '${var.database_name}"\n  schema {\n    mode {\n      roles',
    );
    expect(await lintWith(rolesUrl)).toEqual([]);
  });
});

describe('roles-env-mode', () => {
  it('reports switches left on, at the mode block', async () => {
    const changes = seedWith('atlas.hcl', '      tables      = false\n      views       = false\n', '      tables      = true\n');
    expect(await lintWith(changes)).toEqual([
      {
        rule: 'roles-env-mode',
        severity: 'error',
        file: 'atlas.hcl',
        line: 42,
        message:
          'env "roles", which the roles root uses, inspects application schema objects: tables = true, views unset (inspected by default). The roles state connects as the master user and must not own application schema; with these inspected, Atlas treats the schema root\'s tables and other objects as unwanted and plans to drop them. Set tables = false, views = false, funcs = false, types = false, objects = false, triggers = false in its schema { mode { ... } }.',
      },
    ]);
  });

  it('reports at the env block when there is no schema mode at all', async () => {
    const text = 'env "roles" {\n  url = "postgres://x"\n}\n\nenv "schema" {\n  url = "postgres://y"\n}\n';
    const findings = await lintWith({ 'atlas.hcl': text });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['roles-env-mode', 'atlas.hcl', 1]]);
    expect(findings[0]!.message).toContain('tables unset (inspected by default), views unset');
  });
});

describe('schema-env-roles', () => {
  it('reports roles = true in the schema env, at the attribute', async () => {
    const findings = await lintWith(
      seedWith(
        'atlas.hcl',
        '    mode {\n      permissions = true\n    }',
        '    mode {\n      permissions = true\n      roles       = true\n    }',
      ),
    );
    expect(findings).toEqual([
      {
        rule: 'schema-env-roles',
        severity: 'error',
        file: 'atlas.hcl',
        line: 60,
        message:
          'env "schema", which the schema root uses, sets roles = true. The schema state connects as atlas_migrator, which should not have permission to create roles; with roles inspected, Atlas plans role SQL from the schema state. Remove roles = true from this env; roles belong to the roles env.',
      },
    ]);
  });
});

describe('env-missing', () => {
  it('reports an env_name that atlas.hcl does not define, at env_name', async () => {
    const findings = await lintWith(seedWith('terraform/schema/main.tf', 'env_name = "schema"', 'env_name = "app"'));
    expect(findings).toEqual([
      {
        rule: 'env-missing',
        severity: 'error',
        file: 'terraform/schema/main.tf',
        line: 20,
        message:
          'env_name = "app" in atlas_schema.app names an env that atlas.hcl does not define (it defines "roles", "schema"). The provider configures Atlas from that env (its url and schema mode), so terraform plan fails without it. Add env "app" to atlas.hcl or correct env_name.',
      },
    ]);
  });

  it('accepts an unlabeled env { name = atlas.env }, which serves any env name', async () => {
    const dynamic =
      'env {\n  name = atlas.env\n  url  = "postgres://x?sslmode=require"\n  schema {\n    mode {\n      tables   = false\n      views    = false\n      funcs    = false\n      types    = false\n      objects  = false\n      triggers = false\n    }\n  }\n}\n';
    expect(await lintWith({ 'atlas.hcl': dynamic })).toEqual([]);
  });
});
