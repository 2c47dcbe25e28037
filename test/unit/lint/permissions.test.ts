import { describe, expect, it } from 'vitest';
import { lintWith, seedText, seedWith } from './workspace.js';

// public-default-revoked: with permissions = true, a default PUBLIC privilege that the HCL does
// not declare is revoked by Atlas.

const PUBLIC_USAGE = 'permission {\n  to         = PUBLIC\n  for        = schema.public\n  privileges = [USAGE]\n}\n';

describe('public-default-revoked', () => {
  it('warns about schema "public" without USAGE to PUBLIC, naming the REVOKE', async () => {
    const findings = await lintWith(seedWith('hcl/schema/schema.pg.hcl', PUBLIC_USAGE, ''));
    expect(findings).toEqual([
      {
        rule: 'public-default-revoked',
        severity: 'warning',
        file: 'hcl/schema/schema.pg.hcl',
        line: 1,
        message:
          'schema "public" is declared and env "schema" inspects permissions (permissions = true in its schema mode in atlas.hcl), but no permission grants USAGE on it to PUBLIC. PostgreSQL grants that by default and HCL is fully declarative, so Atlas will plan REVOKE USAGE ON SCHEMA "public" FROM PUBLIC. Declare the default: permission { to = PUBLIC, for = schema.public, privileges = [USAGE] }, or skip public-default-revoked if the REVOKE is intended.',
      },
    ]);
  });

  it('checks the roles root against the roles env too', async () => {
    const findings = await lintWith(seedWith('hcl/roles/grants.pg.hcl', PUBLIC_USAGE, ''));
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['public-default-revoked', 'hcl/roles/grants.pg.hcl', 1]]);
    expect(findings[0]!.message).toContain('env "roles" inspects permissions');
  });

  it('looks for the grant in every file the root reads', async () => {
    const schema = seedWith('hcl/schema/schema.pg.hcl', PUBLIC_USAGE, '');
    expect(await lintWith({ ...schema, 'hcl/schema/zz-defaults.pg.hcl': PUBLIC_USAGE })).toEqual([]);
  });

  it('is quiet when the env does not inspect permissions', async () => {
    const changes = {
      ...seedWith('hcl/schema/schema.pg.hcl', PUBLIC_USAGE, ''),
      ...seedWith('atlas.hcl', '    mode {\n      permissions = true\n    }', '    mode {\n      permissions = false\n    }'),
    };
    expect(await lintWith(changes)).toEqual([]);
  });

  it('warns about a function without EXECUTE to PUBLIC, with its signature', async () => {
    const fn = [
      'function "positive" {',
      '  schema = schema.public',
      '  lang   = SQL',
      '  arg "v" {',
      '    type = integer',
      '  }',
      '  arg "label" {',
      '    type = character_varying(20)',
      '  }',
      '  return = boolean',
      '  as     = "SELECT v > 0"',
      '}',
    ].join('\n');
    const findings = await lintWith({ 'hcl/schema/functions.pg.hcl': `\n${fn}\n` });
    expect(findings).toEqual([
      {
        rule: 'public-default-revoked',
        severity: 'warning',
        file: 'hcl/schema/functions.pg.hcl',
        line: 2,
        message:
          'function "positive" is declared and env "schema" inspects permissions (permissions = true in its schema mode in atlas.hcl), but no permission grants EXECUTE on it to PUBLIC. PostgreSQL grants EXECUTE to PUBLIC when it creates a function, so Atlas will plan REVOKE EXECUTE ON FUNCTION "public"."positive"(integer, character_varying(20)) FROM PUBLIC after the CREATE. Declare the default: permission { to = PUBLIC, for = function.positive, privileges = [EXECUTE] }, or skip public-default-revoked if the REVOKE is intended.',
      },
    ]);
    const granted = `${fn}\npermission {\n  to         = PUBLIC\n  for        = function.positive\n  privileges = [EXECUTE]\n}\n`;
    expect(await lintWith({ 'hcl/schema/functions.pg.hcl': granted })).toEqual([]);
  });

  it('covers procedures and schema-qualified blocks', async () => {
    const proc = 'procedure "public" "refresh" {\n  lang = SQL\n  as   = "SELECT 1"\n}\n';
    const findings = await lintWith({ 'hcl/schema/procs.pg.hcl': proc });
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['public-default-revoked', 1]]);
    expect(findings[0]!.message).toContain('REVOKE EXECUTE ON PROCEDURE "public"."refresh"() FROM PUBLIC');
    expect(findings[0]!.message).toContain('for = procedure.public.refresh');
    const granted = `${proc}permission {\n  to         = PUBLIC\n  for        = procedure.public.refresh\n  privileges = [ALL]\n}\n`;
    expect(await lintWith({ 'hcl/schema/procs.pg.hcl': granted })).toEqual([]);
  });

  it('does not count a grant to someone else, or of another privilege', async () => {
    const other =
      'permission {\n  to         = "app_reader"\n  for        = schema.public\n  privileges = [USAGE]\n}\npermission {\n  to         = PUBLIC\n  for        = schema.public\n  privileges = [CREATE]\n}\n';
    const findings = await lintWith({ ...seedWith('hcl/schema/schema.pg.hcl', PUBLIC_USAGE, other) });
    expect(findings.map((f) => f.rule)).toEqual(['public-default-revoked']);
  });

  it('leaves functions alone in an env that does not inspect them (funcs = false)', async () => {
    const fn = 'function "f" {\n  schema = schema.public\n  lang = SQL\n  return = integer\n  as = "SELECT 1"\n}\n';
    expect(seedText('atlas.hcl')).toContain('funcs       = false');
    expect(await lintWith({ 'hcl/roles/functions.pg.hcl': fn })).toEqual([]);
  });
});
