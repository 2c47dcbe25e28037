import { type LintContext, filesOf } from './context.js';
import type { SourceFile } from './files.js';
import { type Block, type Expr, attribute, boolValue, items, stringValue } from './hcl-model.js';
import { finding, quote } from './rules.js';
import type { LintFinding } from './types.js';

// The roles HCL: rds-role-not-external, predefined-role, migrator-not-iam, master-in-rds-iam.

/** The RDS-managed roles the guide lists from pg_roles on RDS PostgreSQL. */
export const RDS_ROLES: ReadonlySet<string> = new Set([
  'rds_superuser',
  'rds_iam',
  'rds_password',
  'rds_replication',
  'rds_ad',
  'rds_reserved',
  'rds_extension',
  'rdsadmin',
]);

interface RoleBlock {
  file: SourceFile;
  block: Block;
  name: string;
}

/** Top-level role and user blocks of the given files. */
export function roleBlocks(files: readonly SourceFile[]): RoleBlock[] {
  return files.flatMap((file) =>
    (file.body?.blocks ?? [])
      .filter((b) => (b.type === 'role' || b.type === 'user') && b.labels[0] !== undefined)
      .map((block) => ({ file, block, name: block.labels[0]! })),
  );
}

export function rolesRules(ctx: LintContext): LintFinding[] {
  const files = filesOf(ctx.roles.targets);
  const roles = roleBlocks(files);
  return [...notExternal(ctx, roles), ...predefined(roles), ...migrator(ctx, files, roles), ...masterInIam(ctx, roles)];
}

function notExternal(ctx: LintContext, roles: RoleBlock[]): LintFinding[] {
  return roles.flatMap(({ file, block, name }) => {
    const isMaster = name === ctx.masterUser;
    if (!RDS_ROLES.has(name) && !isMaster) return [];
    const external = attribute(block, 'external');
    if (boolValue(external?.value) === true) return [];
    const whose = isMaster ? 'is the RDS master user' : 'is managed by RDS';
    const state = external ? 'sets external to something other than true' : 'is not marked external = true';
    return [
      finding(
        'rds-role-not-external',
        file.rel,
        external?.line ?? block.line,
        `${block.type} ${quote(name)} ${whose} but ${state}. It already exists on RDS: marked external, Atlas only generates membership changes such as GRANT "rds_iam" TO "${ctx.dbUser}"; otherwise it tries to create or change a role RDS owns. Add external = true to the block.`,
      ),
    ];
  });
}

function predefined(roles: RoleBlock[]): LintFinding[] {
  return roles
    .filter(({ name }) => name.startsWith('pg_'))
    .map(({ file, block, name }) =>
      finding(
        'predefined-role',
        file.rel,
        block.line,
        `${block.type} ${quote(name)} declares a predefined PostgreSQL role. Atlas does not manage the predefined pg_* roles, so they do not need to be declared in HCL. Remove the block.`,
      ),
    );
}

/** Does `member_of` name rds_iam (role.rds_iam, user.rds_iam or "rds_iam")? */
function memberOfIam(block: Block): boolean {
  return items(attribute(block, 'member_of')?.value).some(isIam);
}

const isIam = (e: Expr): boolean =>
  stringValue(e) === 'rds_iam' ||
  (e.kind === 'traversal' && (e.root === 'role' || e.root === 'user') && e.path.length === 1 && e.path[0] === 'rds_iam');

function migrator(ctx: LintContext, files: SourceFile[], roles: RoleBlock[]): LintFinding[] {
  const first = files[0];
  if (!first) return [];
  const declared = roles.filter((r) => r.name === ctx.dbUser);
  const fix = `user ${quote(ctx.dbUser)} { member_of = [role.rds_iam] }`;
  if (declared.length === 0) {
    return [
      finding(
        'migrator-not-iam',
        first.rel,
        1,
        `The roles HCL does not declare the migration user ${quote(ctx.dbUser)} (input db-user). The schema root logs in as it with an RDS IAM token, and RDS accepts IAM tokens only for members of rds_iam; the roles state creates it and grants that membership. Declare ${fix} with role "rds_iam" { external = true }.`,
      ),
    ];
  }
  return declared
    .filter(({ block }) => !memberOfIam(block))
    .map(({ file, block }) =>
      finding(
        'migrator-not-iam',
        file.rel,
        attribute(block, 'member_of')?.line ?? block.line,
        `The migration user ${quote(ctx.dbUser)} (input db-user) is not a member of rds_iam. The schema root logs in as it with an RDS IAM token, and RDS accepts IAM tokens only for members of rds_iam, so every schema run would fail to log in. Declare ${fix}.`,
      ),
    );
}

function masterInIam(ctx: LintContext, roles: RoleBlock[]): LintFinding[] {
  return roles
    .filter(({ name, block }) => name === ctx.masterUser && memberOfIam(block))
    .map(({ file, block }) =>
      finding(
        'master-in-rds-iam',
        file.rel,
        attribute(block, 'member_of')?.line ?? block.line,
        `The master user ${quote(ctx.masterUser)} is made a member of rds_iam. On RDS a member of rds_iam must log in with an IAM token, so the master password that the roles state uses (from Secrets Manager) stops working. Remove rds_iam from its member_of.`,
      ),
    );
}
