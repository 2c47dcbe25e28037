import { describe, expect, it } from 'vitest';
import { RULES, lintProject, validateRuleIds } from '../../../src/lint/index.js';
import { lintWith, seedWith, workspace } from './workspace.js';

// The runner: unparsable files, the skip list, ordering, the rule table.

describe('a file that does not parse', () => {
  it("is an hcl-syntax error at the parser's first error, and the rest of the lint goes on", async () => {
    const findings = await lintWith({
      'hcl/roles/broken.pg.hcl': 'role "a" {\n  external = true\n}\n\nrole "b" {\n  member_of = [role.a\n}\n',
      'hcl/schema/extra.pg.hcl': 'role "still_checked" {}\n',
    });
    expect(findings).toEqual([
      {
        rule: 'hcl-syntax',
        severity: 'error',
        file: 'hcl/roles/broken.pg.hcl',
        line: 7,
        message:
          'hcl/roles/broken.pg.hcl does not parse as HCL (line 7, column 1: missing "]"). Terraform or Atlas would reject it, and the other guardrails skip it until it parses. Fix the syntax there.',
      },
      expect.objectContaining({ rule: 'schema-has-roles', file: 'hcl/schema/extra.pg.hcl', line: 1 }),
    ]);
  });

  it('reports an unterminated string without quoting the file', async () => {
    const findings = await lintWith({
      'hcl/schema/bad.pg.hcl': 'schema "public" {}\n\ntable "t" {\n  comment = "secret-looking text\n}\n',
    });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['hcl-syntax', 'hcl/schema/bad.pg.hcl', expect.any(Number)]]);
    expect(findings[0]!.line).toBeGreaterThanOrEqual(4);
    expect(findings[0]!.message).not.toContain('secret-looking');
  });

  it('in atlas.hcl or a root .tf is reported too, and the root falls back', async () => {
    const broken = await lintWith({ 'atlas.hcl': 'env "roles" {\n  url = \n' });
    expect(broken.map((f) => [f.rule, f.file])).toEqual([['hcl-syntax', 'atlas.hcl']]);
    const tf = await lintWith(seedWith('terraform/schema/main.tf', 'resource "atlas_schema" "app" {', 'resource "atlas_schema" "app" {{'));
    expect(tf.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['hcl-unresolved', 'terraform/schema/main.tf', 1],
      ['hcl-syntax', 'terraform/schema/main.tf', 19],
    ]);
    expect(tf[0]!.message).toContain('some of its .tf files do not parse');
  });

  it('never crashes the lint: a file nested thousands of levels deep', async () => {
    const deep = `schema "public" {}\nv = ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    const findings = await lintWith({ 'hcl/schema/deep.pg.hcl': deep });
    expect(findings).toEqual([
      {
        rule: 'hcl-syntax',
        severity: 'error',
        file: 'hcl/schema/deep.pg.hcl',
        line: 2,
        message:
          'hcl/schema/deep.pg.hcl does not parse as HCL (line 2, column 1: nested more than 500 syntax levels deep). Terraform or Atlas would reject it, and the other guardrails skip it until it parses. Fix the syntax there.',
      },
    ]);
  });

  it('never crashes the lint: binary and empty files', async () => {
    const findings = await lintWith({ 'hcl/schema/empty.pg.hcl': '', 'hcl/schema/binary.pg.hcl': '\u0000\u0001\u00ff{{{' });
    expect(findings.map((f) => [f.rule, f.file])).toEqual([['hcl-syntax', 'hcl/schema/binary.pg.hcl']]);
  });
});

describe('skip', () => {
  it('drops the findings of skipped rules and keeps the others', async () => {
    const changes = {
      'hcl/schema/extra.pg.hcl': 'role "x" {}\npermission {\n  to = user.y\n  for = schema.public\n  privileges = [USAGE]\n}\n',
    };
    const all = await lintWith(changes);
    expect(all.map((f) => f.rule)).toEqual(['schema-has-roles', 'schema-references-role']);
    expect((await lintWith(changes, { skip: ['schema-has-roles'] })).map((f) => f.rule)).toEqual(['schema-references-role']);
  });
});

describe('validateRuleIds', () => {
  it('returns the ids that are not rules, in input order', () => {
    expect(validateRuleIds(['schema-has-roles', 'no-such-rule', 'provider-version', 'Schema-Has-Roles'])).toEqual([
      'no-such-rule',
      'Schema-Has-Roles',
    ]);
    expect(validateRuleIds(RULES.map((r) => r.id))).toEqual([]);
  });
});

describe('RULES', () => {
  it('lists each rule once, with plain-text what, why and fix', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      'hcl-syntax',
      'hcl-limits',
      'hcl-unresolved',
      'schema-has-roles',
      'schema-references-role',
      'rds-role-not-external',
      'predefined-role',
      'migrator-not-iam',
      'master-in-rds-iam',
      'public-default-revoked',
      'iam-url-sslmode',
      'roles-env-mode',
      'schema-env-roles',
      'env-missing',
      'root-hcl-dir',
      'roots-share-files',
      'provider-version',
      'state-backend',
    ]);
    for (const rule of RULES) {
      for (const text of [rule.what, rule.why, rule.fix]) {
        expect(text.length).toBeGreaterThan(10);
        expect(text).not.toMatch(/[`\n|]/); // no code spans, line breaks or table pipes
      }
    }
  });
});

describe('findings', () => {
  it('are sorted by file, then line, with workspace-relative forward-slash paths', async () => {
    const ws = workspace({
      'hcl/schema/b.pg.hcl': '\n\nrole "b2" {}\nrole "b1" {}\n',
      'hcl/schema/a.pg.hcl': 'role "a" {}\n',
      'atlas.hcl': null,
    });
    try {
      const findings = await lintProject({
        workspace: `${ws.dir}/`,
        rolesWorkingDirectory: './terraform/roles/',
        schemaWorkingDirectory: 'terraform/schema',
        dbUser: 'atlas_migrator',
        skip: [],
      });
      expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
        'hcl/schema/a.pg.hcl:1 schema-has-roles',
        'hcl/schema/b.pg.hcl:3 schema-has-roles',
        'hcl/schema/b.pg.hcl:4 schema-has-roles',
        'terraform/roles/main.tf:21 hcl-unresolved',
      ]);
      expect(findings[3]!.message).toBe(
        'atlas.hcl, the atlas.hcl of the roles and schema roots, does not exist or cannot be read; the env checks are skipped for it.',
      );
    } finally {
      ws.remove();
    }
  });
});
