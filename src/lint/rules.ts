import type { LintFinding, Severity } from './types.js';

// Every rule the lint knows, in the order docs/guardrails.md lists them. That table is generated
// from this list, and `lint-skip` is validated against its ids, so a rule exists only once it is
// here. `severity` is the rule's usual severity; provider-version reports an unpinned provider
// as a warning and differing pins as an error.

export interface Rule {
  id: string;
  severity: Severity;
  what: string;
  why: string;
  fix: string;
}

export const RULES = [
  {
    id: 'hcl-syntax',
    severity: 'error',
    what: 'A file the lint reads (a root *.tf file, atlas.hcl, or an HCL file a root feeds to Atlas) does not parse as HCL.',
    why: 'Terraform or Atlas would reject it at plan time, and the other rules cannot check a file they cannot read.',
    fix: 'Fix the syntax at the reported line.',
  },
  {
    id: 'hcl-limits',
    severity: 'error',
    what: 'A file the lint reads is larger than 1 MiB, or the files together pass the lint budget (4 MiB, or 30 s of parsing).',
    why: 'A pull request controls these files, and parsing a huge one costs gigabytes of memory; the file (and, past the budget, the files after it) is not checked.',
    fix: 'Split the HCL into smaller files, or skip this rule if files this large are intended (they then go unchecked).',
  },
  {
    id: 'hcl-unresolved',
    severity: 'warning',
    what: 'The lint could not tell which HCL files, env or atlas.hcl a Terraform root gives its atlas_schema resource, and checked the guide layout instead (hcl/roles or hcl/schema, *.pg.hcl, atlas.hcl at the workspace root).',
    why: 'The other rules then check the files the guide would read, which may not be what Terraform reads.',
    fix: 'Build the hcl attribute as the guide does (fileset("${path.module}/../../hcl/<dir>", "*.pg.hcl") joined with file()), set env_name to a string and config = file(".../atlas.hcl"); or skip this rule.',
  },
  {
    id: 'schema-has-roles',
    severity: 'error',
    what: 'A role or user block in HCL that the schema root reads.',
    why: 'If the schema state sees role definitions, Atlas may plan role SQL while connected as the migration user, which should not have permission to create roles.',
    fix: 'Move the block to the roles HCL (hcl/roles) and refer to the role by name from schema HCL.',
  },
  {
    id: 'schema-references-role',
    severity: 'error',
    what: 'Schema HCL references a role block (to = user.app_reader, role.x) instead of naming the role.',
    why: 'Roles live in the roles state; the schema state must generate its grants without loading role HCL or planning role DDL.',
    fix: 'Use the role name as a string: to = "app_reader".',
  },
  {
    id: 'rds-role-not-external',
    severity: 'error',
    what: 'An RDS-managed role (rds_superuser, rds_iam, rds_password, rds_replication, rds_ad, rds_reserved, rds_extension, rdsadmin) or the master user (the master-user input) is declared without external = true.',
    why: 'These roles already exist on RDS. Marked external, Atlas only generates membership changes such as GRANT "rds_iam" TO "atlas_migrator"; otherwise it tries to create or change roles RDS owns.',
    fix: 'Add external = true to the block.',
  },
  {
    id: 'predefined-role',
    severity: 'warning',
    what: 'A predefined PostgreSQL pg_* role is declared.',
    why: 'Atlas does not manage the predefined pg_* roles, so they do not need to be declared in HCL.',
    fix: 'Remove the block.',
  },
  {
    id: 'migrator-not-iam',
    severity: 'error',
    what: 'The migration user (input db-user, default atlas_migrator) is not declared in the roles HCL, or is not a member of rds_iam.',
    why: 'The schema root logs in as this user with an RDS IAM token, and RDS accepts IAM tokens only for members of rds_iam.',
    fix: 'Declare user "atlas_migrator" { member_of = [role.rds_iam] } in the roles HCL, with role "rds_iam" { external = true }.',
  },
  {
    id: 'master-in-rds-iam',
    severity: 'error',
    what: 'The master user (the master-user input, default postgres) is made a member of rds_iam.',
    why: 'On RDS a member of rds_iam must log in with an IAM token, so the master password that the roles state uses stops working.',
    fix: "Remove rds_iam from the master user's member_of.",
  },
  {
    id: 'public-default-revoked',
    severity: 'warning',
    what: 'With permissions = true in the env\'s schema mode, schema "public" is declared without USAGE to PUBLIC, or a function or procedure without EXECUTE to PUBLIC.',
    why: 'PostgreSQL grants these to PUBLIC by default; HCL is fully declarative, so Atlas plans a REVOKE for every default privilege the HCL does not declare.',
    fix: 'Declare the default: permission { to = PUBLIC, for = schema.public, privileges = [USAGE] } (EXECUTE for functions and procedures), or skip this rule if the REVOKE is intended.',
  },
  {
    id: 'iam-url-sslmode',
    severity: 'error',
    what: 'An env whose url uses the RDS IAM token (data.aws_rds_token) has no sslmode=require, verify-ca or verify-full.',
    why: 'The guide requires sslmode=require when connecting with an IAM token; RDS accepts IAM authentication only over SSL.',
    fix: 'End the url with ?sslmode=require (or verify-full with the RDS CA bundle).',
  },
  {
    id: 'roles-env-mode',
    severity: 'error',
    what: 'The roles env does not set tables, views, funcs, types, objects and triggers to false in schema { mode { ... } }.',
    why: "The roles state must not own application schema: with those inspected, Atlas treats the schema root's tables and other objects as unwanted and plans to drop them.",
    fix: "Set tables = false, views = false, funcs = false, types = false, objects = false, triggers = false in the roles env's schema mode.",
  },
  {
    id: 'schema-env-roles',
    severity: 'error',
    what: 'The schema env enables roles = true in its schema mode.',
    why: 'The schema state connects as the migration user, which should not create roles; with roles inspected, Atlas plans role SQL from the schema state.',
    fix: 'Remove roles = true from the schema env; roles belong to the roles env.',
  },
  {
    id: 'env-missing',
    severity: 'error',
    what: "A root's env_name names an env that its atlas.hcl does not define.",
    why: "The provider configures Atlas from the env named by env_name; without it the plan fails or runs without the env's url and schema mode.",
    fix: 'Add the env to atlas.hcl or correct env_name.',
  },
  {
    id: 'root-hcl-dir',
    severity: 'warning',
    what: 'A root reads HCL outside the directory the guide gives it: the roles root reads hcl/roles, the schema root hcl/schema (workspace-relative).',
    why: "The guide keeps role and schema HCL apart so neither state sees the other's objects, and the default roles-paths (hcl/roles/**) decides when the roles root runs.",
    fix: "Point the root's fileset at its guide directory; with another layout, set roles-paths to match and skip this rule.",
  },
  {
    id: 'roots-share-files',
    severity: 'error',
    what: 'The roles root and the schema root read the same HCL file.',
    why: 'Role and schema HCL must not be combined in one atlas_schema resource; a file read by both states is owned by both, and the schema state then plans role SQL as the migration user.',
    fix: 'Give each root its own directory: hcl/roles for the roles root, hcl/schema for the schema root.',
  },
  {
    id: 'provider-version',
    severity: 'error',
    what: 'The two roots pin different ariga/atlas provider versions (error), or a root does not pin it exactly (warning).',
    why: 'The guide pins version = "= 0.10.3" in both roots: what the provider plans depends on its version, and an unpinned provider can change between the reviewed plan and the apply.',
    fix: 'Pin the same exact version in both roots: version = "= 0.10.3".',
  },
  {
    id: 'state-backend',
    severity: 'error',
    what: 'On a CI runner, a root has no remote state backend: no backend or cloud block in its .tf files (override files included), or backend "local". An error in apply mode, checked before any AWS call; a warning in plan and drift runs.',
    why: "Local state lives in the runner's checkout and is deleted with the job: an apply's state is lost, and every plan is the provider's first run, where any DROP fails with \"Unrecognized schema resources\" and drift cannot be told from what was applied.",
    fix: 'Declare a remote backend in each root, e.g. backend "s3" with use_lockfile = true, the bucket and region in TF_CLI_ARGS_init (examples/seed/terraform/*/backend.tf).',
  },
] as const satisfies readonly Rule[];

export type RuleId = (typeof RULES)[number]['id'];

const SEVERITY = new Map<string, Severity>(RULES.map((r) => [r.id, r.severity]));

/** The ids that are not rules (for validating `lint-skip` before anything runs), in input order. */
export function validateRuleIds(ids: readonly string[]): string[] {
  return ids.filter((id) => !SEVERITY.has(id));
}

/** A finding of `rule` with the rule's severity unless told otherwise. */
export function finding(rule: RuleId, file: string, line: number, message: string, severity?: Severity): LintFinding {
  return { rule, severity: severity ?? SEVERITY.get(rule) ?? 'error', file, line, message };
}

/** A name from a file, quoted for a message: escaped (no line breaks) and at most 64 characters. */
export function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}
