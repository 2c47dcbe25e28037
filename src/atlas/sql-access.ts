import type {
  AccessPriv,
  AlterDefaultPrivilegesStmt,
  AlterRoleStmt,
  DefElem,
  DropOwnedStmt,
  DropRoleStmt,
  GrantRoleStmt,
  GrantStmt,
  Node,
  ObjectType,
  ReassignOwnedStmt,
  RenameStmt,
} from 'libpg-query';
import { listed, objectKind, objectName, objectWord, quoteIdent, relationName, roleName, strings } from './sql-names.js';
import type { StatementVerdict } from './sql-verdict.js';
import { alterRoleWidening, defaultPrivilegesWidening, grantRoleWidening, grantWidening, widened } from './sql-widening.js';

// Who may do what: GRANT / REVOKE of privileges and of role membership, default privileges,
// role attributes, dropped roles and what they own, and renames (which cut off whoever uses the
// old name). Ownership and
// row-level security live with the statements that carry them (sql-rules, sql-alter-table).

export function grant(stmt: GrantStmt): StatementVerdict {
  const privileges = privilegeList(stmt.privileges);
  const on = grantTarget(stmt);
  const grantees = listed((stmt.grantees ?? []).map(nodeRole));
  if (stmt.is_grant) {
    const what = `grants ${privileges} on ${on} to ${grantees}`;
    const widening = grantWidening(stmt);
    if (widening.length > 0) return { class: 'access-widening', kind: 'GRANT', reason: widened(what, widening) };
    return { class: 'safe', kind: 'GRANT', reason: what };
  }
  const what = stmt.grant_option ? `the grant option for ${privileges}` : privileges;
  return { class: 'access-reducing', kind: 'REVOKE', reason: `revokes ${what} on ${on} from ${grantees}` };
}

export function grantRole(stmt: GrantRoleStmt): StatementVerdict {
  const roles = listed((stmt.granted_roles ?? []).map((n) => quoteIdent('AccessPriv' in n ? (n.AccessPriv.priv_name ?? '') : '')));
  const members = listed((stmt.grantee_roles ?? []).map(nodeRole));
  if (stmt.is_grant) {
    const what = `grants membership in ${roles} to ${members}`;
    const widening = grantRoleWidening(stmt);
    if (widening.length > 0) return { class: 'access-widening', kind: 'GRANT', reason: widened(what, widening) };
    return { class: 'safe', kind: 'GRANT', reason: what };
  }
  // REVOKE ADMIN / INHERIT / SET OPTION FOR keeps the membership but takes that option away.
  const options = (stmt.opt ?? []).flatMap((n) => ('DefElem' in n ? [(n.DefElem.defname ?? '').toUpperCase()] : []));
  const what = options.length > 0 ? `the ${listed(options)} option of membership in ${roles}` : `membership in ${roles}`;
  return { class: 'access-reducing', kind: 'REVOKE', reason: `revokes ${what} from ${members}` };
}

export function defaultPrivileges(stmt: AlterDefaultPrivilegesStmt): StatementVerdict {
  const action = stmt.action ?? {};
  const privileges = privilegeList(action.privileges);
  const schemas = strings(listOption(stmt.options, 'schemas')).map(quoteIdent);
  const future = `${objectWord(action.objtype)}s created from now on${schemas.length > 0 ? ` in schema ${listed(schemas)}` : ''}`;
  const grantees = listed((action.grantees ?? []).map(nodeRole));
  const kind = 'ALTER DEFAULT PRIVILEGES';
  if (action.is_grant) {
    const what = `grants ${privileges} on ${future} to ${grantees}`;
    const widening = defaultPrivilegesWidening(stmt);
    if (widening.length > 0) return { class: 'access-widening', kind, reason: widened(what, widening) };
    return { class: 'safe', kind, reason: what };
  }
  return { class: 'access-reducing', kind, reason: `stops granting ${privileges} on ${future} to ${grantees}` };
}

/**
 * ALTER ROLE / USER / GROUP. Reduces access: NOLOGIN, CONNECTION LIMIT 0, a removed attribute
 * (NOSUPERUSER, NOCREATEDB, NOCREATEROLE, NOREPLICATION, NOBYPASSRLS, NOINHERIT), a new or
 * removed password (clients holding the old one fail), an expiry other than 'infinity', and
 * dropped group members. A positive connection limit is not flagged: without the current value
 * it cannot be told from a raise. Password values are never read into a reason.
 */
export function alterRole(stmt: AlterRoleStmt): StatementVerdict {
  const role = roleName(stmt.role);
  const losses = (stmt.options ?? []).flatMap((n) => ('DefElem' in n ? roleLoss(n.DefElem, stmt.action) : []));
  const widening = alterRoleWidening(stmt);
  // Widening ranks above reducing: a role made SUPERUSER while losing a password is held as widening.
  if (widening.length > 0)
    return { class: 'access-widening', kind: 'ALTER ROLE', reason: widened(`role ${role} changes`, [...widening, ...losses]) };
  if (losses.length === 0) return { class: 'safe', kind: 'ALTER ROLE', reason: `changes attributes of role ${role}` };
  return { class: 'access-reducing', kind: 'ALTER ROLE', reason: `role ${role} ${listed(losses)}` };
}

const ROLE_ATTRIBUTES: Record<string, string> = {
  superuser: 'SUPERUSER',
  createdb: 'CREATEDB',
  createrole: 'CREATEROLE',
  isreplication: 'REPLICATION',
  bypassrls: 'BYPASSRLS',
};

function roleLoss(option: DefElem, action: number | undefined): string[] {
  const arg = option.arg;
  const off = arg !== undefined && 'Boolean' in arg && arg.Boolean.boolval !== true;
  switch (option.defname) {
    case 'canlogin':
      return off ? ['can no longer log in (NOLOGIN)'] : [];
    case 'inherit':
      return off ? ['no longer uses the privileges of the roles it belongs to (NOINHERIT)'] : [];
    case 'connectionlimit':
      return arg !== undefined && 'Integer' in arg && (arg.Integer.ival ?? 0) === 0 ? ['can no longer connect (CONNECTION LIMIT 0)'] : [];
    case 'password':
      return [arg === undefined ? 'loses its password' : 'gets a new password: clients using the old one can no longer log in'];
    case 'validUntil':
      return arg !== undefined && 'String' in arg && arg.String.sval === 'infinity' ? [] : ['gets a password expiry date (VALID UNTIL)'];
    case 'rolemembers':
      return action === -1 ? [`loses members ${listed(memberNames(arg))}`] : [];
    default: {
      const attribute = ROLE_ATTRIBUTES[option.defname ?? ''];
      return attribute !== undefined && off ? [`loses ${attribute} (NO${attribute})`] : [];
    }
  }
}

function memberNames(arg: Node | undefined): string[] {
  if (arg === undefined || !('List' in arg)) return [];
  return (arg.List.items ?? []).map(nodeRole);
}

export function dropRole(s: DropRoleStmt): StatementVerdict {
  const roles = (s.roles ?? []).map(nodeRole);
  const their = roles.length > 1 ? 'their' : 'its';
  return {
    class: 'destructive',
    kind: 'DROP ROLE',
    reason: `drops role${roles.length > 1 ? 's' : ''} ${listed(roles)}: ${their} logins, memberships and grants are gone`,
  };
}

export function dropOwned(s: DropOwnedStmt): StatementVerdict {
  const roles = listed((s.roles ?? []).map(nodeRole));
  return {
    class: 'destructive',
    kind: 'DROP OWNED',
    reason: `drops every object owned by ${roles} in this database, with its data, and revokes its privileges`,
  };
}

export function reassignOwned(s: ReassignOwnedStmt): StatementVerdict {
  const roles = listed((s.roles ?? []).map(nodeRole));
  return {
    class: 'destructive',
    kind: 'REASSIGN OWNED',
    reason: `hands every object owned by ${roles} to ${roleName(s.newrole)}: the old owner loses the rights it held as owner`,
  };
}

/** Renames of objects that queries and logins name; constraints, indexes, triggers, policies and rules are rarely named by clients. */
const NAMED_BY_CLIENTS_RARELY = new Set<ObjectType>([
  'OBJECT_TABCONSTRAINT',
  'OBJECT_DOMCONSTRAINT',
  'OBJECT_INDEX',
  'OBJECT_TRIGGER',
  'OBJECT_POLICY',
  'OBJECT_RULE',
]);

export function rename(stmt: RenameStmt): StatementVerdict {
  const type = stmt.renameType;
  const kind = `RENAME ${objectKind(type)}`;
  const to = quoteIdent(stmt.newname ?? '');
  const what = renamedObject(stmt);
  if (type !== undefined && NAMED_BY_CLIENTS_RARELY.has(type)) return { class: 'safe', kind, reason: `renames ${what} to ${to}` };
  const risk =
    type === 'OBJECT_ROLE'
      ? 'logins under the old name fail, and an MD5 password is cleared'
      : 'anything that uses the old name stops working';
  return { class: 'access-reducing', kind, reason: `renames ${what} to ${to}: ${risk}` };
}

function renamedObject(stmt: RenameStmt): string {
  const type = stmt.renameType;
  const word = objectWord(type);
  if (type === 'OBJECT_COLUMN' || type === 'OBJECT_ATTRIBUTE') {
    return `${word} ${quoteIdent(stmt.subname ?? '')} of ${objectWord(stmt.relationType)} ${relationName(stmt.relation)}`;
  }
  if (
    stmt.relation &&
    (type === 'OBJECT_TABCONSTRAINT' || type === 'OBJECT_TRIGGER' || type === 'OBJECT_POLICY' || type === 'OBJECT_RULE')
  ) {
    return `${word} ${quoteIdent(stmt.subname ?? '')} on ${relationName(stmt.relation)}`;
  }
  if (stmt.relation) return `${word} ${relationName(stmt.relation)}`;
  if (stmt.object) return `${word} ${objectName(stmt.object, type)}`;
  return `${word} ${quoteIdent(stmt.subname ?? '')}`;
}

function privilegeList(privileges: readonly Node[] | undefined): string {
  // No list means ALL [PRIVILEGES].
  if (!privileges?.length) return 'ALL PRIVILEGES';
  return listed(privileges.map((n) => ('AccessPriv' in n ? privilege(n.AccessPriv) : 'a privilege')));
}

function privilege(p: AccessPriv): string {
  const name = (p.priv_name ?? 'all').toUpperCase();
  const cols = strings(p.cols).map(quoteIdent);
  return cols.length > 0 ? `${name} (${cols.join(', ')})` : name;
}

function grantTarget(stmt: GrantStmt): string {
  const word = objectWord(stmt.objtype);
  const objects = (stmt.objects ?? []).map((n) => objectName(n, stmt.objtype));
  if (stmt.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') return `all ${word}s in schema ${listed(objects)}`;
  return `${word} ${listed(objects)}`;
}

function nodeRole(n: Node): string {
  return 'RoleSpec' in n ? roleName(n.RoleSpec) : 'a role';
}

function listOption(options: readonly Node[] | undefined, name: string): Node[] {
  for (const n of options ?? []) {
    if ('DefElem' in n && n.DefElem.defname === name && n.DefElem.arg && 'List' in n.DefElem.arg) return n.DefElem.arg.List.items ?? [];
  }
  return [];
}
