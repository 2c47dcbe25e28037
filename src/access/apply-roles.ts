import type { AlterRoleStmt, CreateRoleStmt, DropRoleStmt, GrantRoleStmt } from 'libpg-query';
import { aclRenameRole } from './acl.js';
import { boolArg, defElems, listArg, roleOf, rolesOf } from './nodes.js';
import type { AccessState } from './state.js';
import type { MembershipRow, RoleRow } from './types.js';

// CREATE / ALTER / DROP ROLE, role renames, and GRANT / REVOKE of membership, with
// PostgreSQL 16+'s per-grant ADMIN, INHERIT and SET options and grantors, or 15's single row
// per (role, member).

const ATTRIBUTES: Record<string, keyof Omit<RoleRow, 'name'>> = {
  superuser: 'superuser',
  inherit: 'inherit',
  createrole: 'createrole',
  createdb: 'createdb',
  canlogin: 'login',
  isreplication: 'replication',
  bypassrls: 'bypassrls',
};

interface MembershipOptions {
  admin?: boolean;
  inherit?: boolean;
  set?: boolean;
}

export function createRole(st: AccessState, s: CreateRoleStmt, at: number): void {
  const name = s.role ?? '';
  const role: RoleRow = {
    name,
    superuser: false,
    inherit: true,
    createrole: false,
    createdb: false,
    login: s.stmt_type === 'ROLESTMT_USER',
    replication: false,
    bypassrls: false,
  };
  const options = defElems(s.options);
  for (const d of options) {
    const attr = ATTRIBUTES[d.defname ?? ''];
    if (attr) role[attr] = boolArg(d);
  }
  st.roles.set(name, role);
  st.touched.role.set(name, at);
  st.changed();
  // 16+: a CREATEROLE creator who is not a superuser gets ADMIN on the new role (createrole_self_grant empty: no INHERIT, no SET).
  if (st.version >= 160000 && !st.isSuperuser(st.actor)) {
    addMembership(st, name, st.actor, st.bootstrapSuperuser, { admin: true, inherit: false, set: false }, at);
  }
  for (const d of options) {
    const listed = rolesOf(listArg(d), st);
    if (d.defname === 'addroleto') for (const g of listed) grant(st, g, name, {}, at);
    if (d.defname === 'rolemembers') for (const m of listed) grant(st, name, m, {}, at);
    if (d.defname === 'adminmembers') for (const m of listed) grant(st, name, m, { admin: true }, at);
  }
}

export function alterRole(st: AccessState, s: AlterRoleStmt, at: number): void {
  const name = roleOf(s.role, st);
  const role = st.roles.get(name);
  for (const d of defElems(s.options)) {
    const attr = ATTRIBUTES[d.defname ?? ''];
    if (attr && role) {
      role[attr] = boolArg(d);
      st.touched.role.set(name, at);
    }
    if (d.defname === 'rolemembers') {
      for (const m of rolesOf(listArg(d), st)) {
        if (s.action === -1) revoke(st, name, m, undefined, false, at);
        else grant(st, name, m, {}, at);
      }
    }
  }
  st.changed();
}

export function dropRoles(st: AccessState, s: DropRoleStmt, at: number): void {
  for (const name of rolesOf(s.roles, st)) {
    if (!st.roles.delete(name)) continue;
    st.touched.role.set(name, at);
    st.memberships = st.memberships.filter((m) => m.role !== name && m.member !== name && m.grantor !== name);
  }
  st.changed();
}

export function renameRole(st: AccessState, from: string, to: string, at: number): void {
  const role = st.roles.get(from);
  if (!role) return;
  st.roles.delete(from);
  st.roles.set(to, { ...role, name: to });
  const swap = (n: string): string => (n === from ? to : n);
  st.memberships = st.memberships.map((m) => ({ ...m, role: swap(m.role), member: swap(m.member), grantor: swap(m.grantor) }));
  for (const o of st.objects.values()) {
    o.owner = swap(o.owner);
    o.acl = aclRenameRole(o.acl, from, to);
  }
  st.defaultAcls = st.defaultAcls.map((d) => ({ ...d, role: swap(d.role), acl: aclRenameRole(d.acl, from, to) }));
  if (st.actor === from) st.actor = to;
  st.touched.role.set(from, at);
  st.touched.role.set(to, at);
  st.changed();
}

export function grantRole(st: AccessState, s: GrantRoleStmt, at: number): void {
  const options: MembershipOptions = {};
  for (const d of defElems(s.opt)) {
    if (d.defname === 'admin' || d.defname === 'inherit' || d.defname === 'set') options[d.defname] = boolArg(d);
  }
  const granted = (s.granted_roles ?? []).flatMap((n) => ('AccessPriv' in n ? [n.AccessPriv.priv_name ?? ''] : []));
  const explicitGrantor = s.grantor ? roleOf(s.grantor, st) : undefined;
  for (const g of granted) {
    for (const m of rolesOf(s.grantee_roles, st)) {
      if (s.is_grant) grant(st, g, m, options, at, explicitGrantor);
      else revokeOptions(st, g, m, options, explicitGrantor, s.behavior === 'DROP_CASCADE', at);
    }
  }
  st.changed();
}

/** REVOKE [ADMIN|INHERIT|SET OPTION FOR] g FROM m: the parser marks which option with a false DefElem. */
function revokeOptions(
  st: AccessState,
  g: string,
  m: string,
  options: MembershipOptions,
  grantor: string | undefined,
  cascade: boolean,
  at: number,
): void {
  const which = Object.keys(options) as (keyof MembershipOptions)[];
  if (which.length === 0) return revoke(st, g, m, grantor, cascade, at);
  const rows = rowsFor(st, g, m, grantor);
  for (const row of rows) for (const k of which) row[k] = false;
  if (rows.length > 0) st.touched.member.set(`${g}\0${m}`, at);
  if (which.includes('admin')) cascadeAdmin(st, g, m, cascade, at);
}

function grant(st: AccessState, g: string, m: string, options: MembershipOptions, at: number, explicitGrantor?: string): void {
  addMembership(st, g, m, explicitGrantor ?? grantorFor(st, g), options, at);
  st.changed();
}

function addMembership(st: AccessState, g: string, m: string, grantor: string, options: MembershipOptions, at: number): void {
  const v15 = st.version < 160000;
  const existing = st.memberships.find((r) => r.role === g && r.member === m && (v15 || r.grantor === grantor));
  if (existing) {
    if (v15) existing.admin ||= options.admin === true;
    else Object.assign(existing, definedOnly(options));
  } else {
    const inherit = options.inherit ?? st.roles.get(m)?.inherit ?? true;
    st.memberships.push({ role: g, member: m, grantor, admin: options.admin ?? false, inherit, set: options.set ?? true });
  }
  st.touched.member.set(`${g}\0${m}`, at);
}

function revoke(st: AccessState, g: string, m: string, grantor: string | undefined, cascade: boolean, at: number): void {
  const rows = new Set<MembershipRow>(rowsFor(st, g, m, grantor));
  if (rows.size === 0) return;
  st.memberships = st.memberships.filter((r) => !rows.has(r));
  st.touched.member.set(`${g}\0${m}`, at);
  cascadeAdmin(st, g, m, cascade, at);
  st.changed();
}

/** 16+: once m holds no ADMIN on g, what m granted of g goes too (CASCADE; without it PostgreSQL refuses). */
function cascadeAdmin(st: AccessState, g: string, m: string, cascade: boolean, at: number): void {
  if (st.version < 160000 || !cascade) return;
  if (st.memberships.some((r) => r.role === g && r.member === m && r.admin)) return;
  for (const dependent of st.memberships.filter((r) => r.role === g && r.grantor === m)) {
    revoke(st, g, dependent.member, m, true, at);
  }
}

/** The rows a REVOKE by the actor (or GRANTED BY) addresses: 15 keys by (role, member) only. */
function rowsFor(st: AccessState, g: string, m: string, grantor: string | undefined): MembershipRow[] {
  if (st.version < 160000) return st.memberships.filter((r) => r.role === g && r.member === m);
  const by = grantor ?? grantorFor(st, g);
  return st.memberships.filter((r) => r.role === g && r.member === m && r.grantor === by);
}

/** 16+ check_role_grantor: a superuser grants as the bootstrap superuser, others as the first role they inherit from that has ADMIN. */
function grantorFor(st: AccessState, g: string): string {
  if (st.version < 160000) return st.actor;
  if (st.isSuperuser(st.actor)) return st.bootstrapSuperuser;
  for (const r of st.graph().reach(st.actor, 'privs')) {
    if (st.memberships.some((row) => row.role === g && row.member === r && row.admin)) return r;
  }
  return st.actor;
}

function definedOnly(o: MembershipOptions): MembershipOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
