import type { AlterDefaultPrivilegesStmt, AlterRoleStmt, CreateRoleStmt, DefElem, GrantRoleStmt, GrantStmt, Node } from 'libpg-query';
import { listed, quoteIdent } from './sql-names.js';

// Widening access, judged from the statement text alone, so the merge gate (which reads no live
// catalog) holds it: superuser-like role attributes, membership in rds_superuser or a
// predefined role that reads or writes everything or the server's files, anything granted to
// PUBLIC, WITH GRANT OPTION / WITH ADMIN OPTION, SECURITY DEFINER functions. Ownership
// transfers are judged where OWNER TO is (sql-rules, sql-alter-table). Each function returns
// the widening reasons it found ([] for none); the caller words the finding.

/** Attributes that give a role power over other roles, all rows, or the cluster. */
const SUPERUSER_LIKE: Record<string, string> = {
  superuser: 'SUPERUSER',
  createrole: 'CREATEROLE',
  bypassrls: 'BYPASSRLS',
  isreplication: 'REPLICATION',
};

/** Roles whose membership is superuser-like (RDS's stand-in for superuser, and the predefined roles over all data or server files). */
export const POWERFUL_ROLES = new Set([
  'rds_superuser',
  'pg_read_all_data',
  'pg_write_all_data',
  'pg_execute_server_program',
  'pg_read_server_files',
  'pg_write_server_files',
]);

function isOn(option: DefElem): boolean {
  const arg = option.arg;
  return arg === undefined || !('Boolean' in arg) || arg.Boolean.boolval === true;
}

function isPublic(n: Node): boolean {
  return 'RoleSpec' in n && n.RoleSpec.roletype === 'ROLESPEC_PUBLIC';
}

function roleNames(arg: Node | undefined): string[] {
  if (arg === undefined || !('List' in arg)) return [];
  return (arg.List.items ?? []).flatMap((n) => ('RoleSpec' in n ? [n.RoleSpec.rolename ?? ''] : []));
}

/** GRANT of privileges: to PUBLIC, or WITH GRANT OPTION. */
export function grantWidening(stmt: GrantStmt): string[] {
  if (!stmt.is_grant) return [];
  return [
    ...((stmt.grantees ?? []).some(isPublic) ? ['PUBLIC (every role, present and future) gets it'] : []),
    ...(stmt.grant_option ? ['WITH GRANT OPTION: the grantees may grant it on'] : []),
  ];
}

/** GRANT of membership: in a superuser-like role, to PUBLIC, or WITH ADMIN OPTION. */
export function grantRoleWidening(stmt: GrantRoleStmt): string[] {
  if (!stmt.is_grant) return [];
  const granted = (stmt.granted_roles ?? []).flatMap((n) => ('AccessPriv' in n ? [n.AccessPriv.priv_name ?? ''] : []));
  const powerful = granted.filter((r) => POWERFUL_ROLES.has(r));
  const admin = (stmt.opt ?? []).some((n) => 'DefElem' in n && n.DefElem.defname === 'admin' && isOn(n.DefElem));
  return [
    ...(powerful.length > 0 ? [`membership in ${listed(powerful.map(quoteIdent))} is superuser-like`] : []),
    ...((stmt.grantee_roles ?? []).some(isPublic) ? ['PUBLIC (every role) becomes a member'] : []),
    ...(admin ? ['WITH ADMIN OPTION: the members may grant the membership on'] : []),
  ];
}

/** ALTER DEFAULT PRIVILEGES … GRANT: to PUBLIC, or WITH GRANT OPTION, on every future object. */
export function defaultPrivilegesWidening(stmt: AlterDefaultPrivilegesStmt): string[] {
  const action = stmt.action;
  if (!action?.is_grant) return [];
  return [
    ...((action.grantees ?? []).some(isPublic) ? ['PUBLIC (every role) gets it on every future object'] : []),
    ...(action.grant_option ? ['WITH GRANT OPTION on every future object'] : []),
  ];
}

/** Superuser-like attributes switched on, and superuser-like memberships (CREATE ROLE … IN ROLE, ADMIN/ROLE lists). */
function roleOptionsWidening(options: readonly Node[] | undefined): string[] {
  const found: string[] = [];
  for (const n of options ?? []) {
    if (!('DefElem' in n)) continue;
    const d = n.DefElem;
    const attribute = SUPERUSER_LIKE[d.defname ?? ''];
    if (attribute !== undefined && isOn(d)) found.push(`gets ${attribute}`);
    if (d.defname === 'addroleto') {
      const powerful = roleNames(d.arg).filter((r) => POWERFUL_ROLES.has(r));
      if (powerful.length > 0) found.push(`becomes a member of ${listed(powerful.map(quoteIdent))} (superuser-like)`);
    }
    if (d.defname === 'adminmembers' && roleNames(d.arg).length > 0) found.push('names members WITH ADMIN OPTION');
  }
  return found;
}

export function createRoleWidening(stmt: CreateRoleStmt): string[] {
  return roleOptionsWidening(stmt.options);
}

export function alterRoleWidening(stmt: AlterRoleStmt): string[] {
  return roleOptionsWidening(stmt.options);
}

/** SECURITY DEFINER in CREATE FUNCTION or ALTER FUNCTION options: callers run it with its owner's privileges. */
export function securityDefiner(options: readonly Node[] | undefined): boolean {
  return (options ?? []).some((n) => 'DefElem' in n && n.DefElem.defname === 'security' && isOn(n.DefElem));
}

/** A verdict's reason: what the statement does, then why that widens access. */
export function widened(what: string, reasons: readonly string[]): string {
  return `${what}: widens access (${reasons.join('; ')})`;
}
