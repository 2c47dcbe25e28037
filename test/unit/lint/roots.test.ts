import { symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintWith, seedText, seedWith, workspace } from './workspace.js';

// Which files the roots read (resolved from their *.tf), the fallback when that cannot be
// told, and the root rules: root-hcl-dir, roots-share-files, provider-version.

const ROLES_TF = 'terraform/roles/main.tf';
const SCHEMA_TF = 'terraform/schema/main.tf';
/** A role block: schema-has-roles reports it wherever the schema root reads it, so it shows what was read. */
const PROBE = 'role "probe" {}\n';

describe('resolving the files a root reads', () => {
  it('follows fileset("${path.module}/…", "*.pg.hcl") exactly: other names and directories are not read', async () => {
    const findings = await lintWith({
      'hcl/schema/notes.hcl': PROBE, // not *.pg.hcl
      'hcl/schema/sub/deep.pg.hcl': PROBE, // "*" does not cross directories
      'hcl/probe.pg.hcl': PROBE,
    });
    expect(findings).toEqual([]);
  });

  it('reads a different directory when the root says so', async () => {
    const changes = {
      [SCHEMA_TF]: seedText(SCHEMA_TF)
        .replace('${path.module}/../../hcl/schema"', '${path.module}/../../db/app"')
        .replace('${path.module}/../../hcl/schema/${file_name}', '${path.module}/../../db/app/${file_name}'),
      'db/app/schema.pg.hcl': seedText('hcl/schema/schema.pg.hcl'),
      'db/app/probe.pg.hcl': PROBE,
    };
    const findings = await lintWith(changes);
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['schema-has-roles', 'db/app/probe.pg.hcl', 1],
      ['root-hcl-dir', SCHEMA_TF, 30],
    ]);
    expect(findings[1]!.message).toBe(
      'atlas_schema.app (the schema root) reads HCL from db/app, not from hcl/schema as the guide lays it out. The guide keeps schema HCL in hcl/schema, apart from the role HCL, so the schema state never sees role definitions and the roles state never sees application objects. Point its fileset() at hcl/schema; with another layout on purpose, set roles-paths to match and skip root-hcl-dir.',
    );
  });

  it('understands file() lists, concat(), a recursive pattern and data.atlas_schema', async () => {
    const tf = [
      'terraform {',
      '  required_providers {',
      '    atlas = { source = "ariga/atlas", version = "= 0.10.3" }',
      '  }',
      '}',
      'locals {',
      '  extra = [for f in fileset("${path.module}/../../hcl/schema", "**/*.pg.hcl") : "${path.module}/../../hcl/schema/${f}"]',
      '}',
      'data "atlas_schema" "app" {',
      '  src = join("\\n", concat([file("../../hcl/schema/schema.pg.hcl")], [for p in local.extra : file(p)]))',
      '}',
      'resource "atlas_schema" "app" {',
      '  env_name = "schema"',
      '  config   = file("${path.module}/../../atlas.hcl")',
      '  hcl      = data.atlas_schema.app.hcl',
      '}',
    ].join('\n');
    const findings = await lintWith({ [SCHEMA_TF]: tf, 'hcl/schema/sub/deep.pg.hcl': PROBE });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['schema-has-roles', 'hcl/schema/sub/deep.pg.hcl', 1]]);
  });

  it('falls back to the guide layout with a warning when hcl cannot be resolved', async () => {
    const findings = await lintWith({
      ...seedWith(SCHEMA_TF, 'hcl = local.desired_hcl', 'hcl = var.schema_hcl'),
      'hcl/schema/probe.pg.hcl': PROBE,
    });
    expect(findings).toEqual([
      // The fallback really reads hcl/schema: the probe there is found.
      expect.objectContaining({ rule: 'schema-has-roles', file: 'hcl/schema/probe.pg.hcl', line: 1 }),
      {
        rule: 'hcl-unresolved',
        severity: 'warning',
        file: SCHEMA_TF,
        line: 30,
        message:
          'Could not tell which HCL files atlas_schema.app (terraform/schema/main.tf) gives Atlas: its hcl attribute uses var.schema_hcl (line 30). The guardrails checked hcl/schema/*.pg.hcl instead, the guide\'s layout. Build hcl from fileset("${path.module}/../../hcl/schema", "*.pg.hcl") joined with file() as the guide does, or skip hcl-unresolved.',
      },
    ]);
  });

  it('falls back when the root has no atlas_schema resource or no .tf files', async () => {
    const noResource = await lintWith({ [ROLES_TF]: 'terraform {}\n' });
    expect(noResource.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['hcl-unresolved', ROLES_TF, 1],
      ['provider-version', ROLES_TF, 1],
    ]);
    expect(noResource[0]!.message).toBe(
      'no resource "atlas_schema" found in the roles root (terraform/roles). The guardrails checked hcl/roles/*.pg.hcl, env "roles" and atlas.hcl instead, the guide\'s layout for the roles root.',
    );
    const noRoot = await lintWith({}, { rolesWorkingDirectory: 'infra/roles' });
    expect(noRoot.map((f) => [f.rule, f.file, f.line])).toEqual([['hcl-unresolved', 'infra/roles', 1]]);
    expect(noRoot[0]!.message).toMatch(/^infra\/roles has no \.tf files\. The guardrails checked hcl\/roles/);
  });

  it("warns about env_name and config it cannot read, and assumes the guide's", async () => {
    const tf = seedText(ROLES_TF)
      .replace('env_name = "roles"', 'env_name = var.env')
      .replace('config   = file("${path.module}/../../atlas.hcl")', 'config   = var.config');
    const findings = await lintWith({ [ROLES_TF]: tf });
    expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['hcl-unresolved', ROLES_TF, 20],
      ['hcl-unresolved', ROLES_TF, 21],
    ]);
    expect(findings[0]!.message).toContain('sets env_name to something other than a string');
    expect(findings[1]!.message).toContain(
      'Could not tell which atlas.hcl atlas_schema.roles (terraform/roles/main.tf) uses (var.config (line 21))',
    );
  });

  it('evaluates each local once and gives up on cycles and runaway expressions, quickly', async () => {
    // 2^20 evaluations if each use of a local evaluated it again: past the budget.
    const doubling = Array.from({ length: 20 }, (_, i) => `  l${i} = concat(local.l${i + 1}, local.l${i + 1})`).join('\n');
    const tf = (hcl: string, locals: string): string =>
      seedText(SCHEMA_TF).replace('hcl = local.desired_hcl', `hcl = ${hcl}`).replace('locals {', `locals {\n${locals}`);
    const started = Date.now();
    const cases: [string, string, RegExp][] = [
      ['join("\\n", [for f in local.l0 : file(f)])', `${doubling}\n  l20 = []`, /matches no file/],
      ['local.a', '  a = local.b\n  b = local.a', /local\.a, which refers to itself/],
      // 60 files, three nested loops over them: 216,000 bodies.
      [
        'join("", [for a in local.many : join("", [for b in local.many : join("", [for c in local.many : file(c)])])])',
        '  many = [for f in fileset("${path.module}/../../many", "*") : "${path.module}/../../many/${f}"]',
        /more than 100000 expressions to evaluate/,
      ],
    ];
    for (const [hcl, locals, message] of cases) {
      const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`many/f${i}.pg.hcl`, '']));
      const findings = await lintWith({ [SCHEMA_TF]: tf(hcl, locals), ...many });
      expect(findings.map((f) => [f.rule, f.file])).toEqual([['hcl-unresolved', SCHEMA_TF]]);
      expect(findings[0]!.message).toMatch(message);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('never reads a file outside the workspace named by path', async () => {
    const outside = workspace({ 'hcl/schema/probe.pg.hcl': PROBE });
    const target = path.join(outside.dir, 'hcl/schema/probe.pg.hcl');
    try {
      const findings = await lintWith({
        [SCHEMA_TF]: seedText(SCHEMA_TF).replace('hcl = local.desired_hcl', `hcl = file("${target}")`),
      });
      expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['hcl-unresolved', SCHEMA_TF, 30]]);
      expect(findings[0]!.message).toMatch(
        /^atlas_schema\.app \(terraform\/schema\/main\.tf\) reads \.\.\/lint-test-\w+\/hcl\/schema\/probe\.pg\.hcl, outside the workspace; the lint does not read it\.$/,
      );
    } finally {
      outside.remove();
    }
  });

  it('never follows a symlink out of the workspace', async () => {
    const outside = workspace({ 'hcl/schema/probe.pg.hcl': PROBE });
    const ws = workspace();
    try {
      symlinkSync(path.join(outside.dir, 'hcl/schema/probe.pg.hcl'), path.join(ws.dir, 'hcl/schema/linked.pg.hcl'));
      const findings = await ws.lint();
      // No schema-has-roles for the probe: the link matches *.pg.hcl but its target is not read.
      expect(findings.map((f) => [f.rule, f.file, f.line])).toEqual([['hcl-unresolved', SCHEMA_TF, 30]]);
      expect(findings[0]!.message).toBe(
        'atlas_schema.app (terraform/schema/main.tf) reads hcl/schema/linked.pg.hcl, outside the workspace; the lint does not read it.',
      );
    } finally {
      ws.remove();
      outside.remove();
    }
  });
});
