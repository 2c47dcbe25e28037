import type { AccessPriv, AlterDefaultPrivilegesStmt, GrantStmt, Node, ObjectType } from 'libpg-query';
import { aclEqual, aclGrant, aclRevoke } from './acl.js';
import { defElems, listArg, rolesOf, stringsOf } from './nodes.js';
import { aclDefault, allPrivileges, defaultAclKind, PRIV, privilegeBit } from './privileges.js';
import { findFunction, findRelation, relationParts } from './resolve.js';
import type { AccessState } from './state.js';
import { keyOf } from './names.js';
import type { AclItem, DefaultAclType, ObjectKind, ObjectRow } from './types.js';

// GRANT / REVOKE on objects and ALTER DEFAULT PRIVILEGES. Returns reasons for the parts the
// model does not follow (column privileges, object kinds it does not track, unknown objects).

type Skip = (reason: string) => void;

export function grantPrivileges(st: AccessState, s: GrantStmt, at: number, skip: Skip): void {
  const targets = grantTargets(st, s, skip);
  const grantees = rolesOf(s.grantees, st);
  const wanted = privilegeMask(s.privileges, skip);
  for (const o of targets) {
    let privs = wanted === 'ALL' ? allPrivileges(o.kind, st.version) : wanted & allPrivileges(o.kind, st.version);
    if (privs === 0) continue;
    const grantor = st.grantorFor(o, privs);
    if (grantor !== o.owner) privs &= o.acl.filter((i) => i.grantee === grantor).reduce((m, i) => m | i.grantable, 0);
    o.acl = s.is_grant
      ? aclGrant(o.acl, grantees, privs, s.grant_option === true, grantor)
      : aclRevoke(o.acl, grantees, privs, s.grant_option === true, grantor, o.owner);
    for (const g of grantees) st.touched.acl.set(`${keyOf(o)}\0${g}`, at);
  }
}

/** The privileges of a GRANT as a mask, or 'ALL'; column privileges are reported and left out. */
function privilegeMask(privileges: readonly Node[] | undefined, skip: Skip): number | 'ALL' {
  if (!privileges?.length) return 'ALL';
  let mask = 0;
  for (const p of privileges.flatMap((n): AccessPriv[] => ('AccessPriv' in n ? [n.AccessPriv] : []))) {
    const bit = privilegeBit(p.priv_name ?? 'all');
    if (p.cols?.length) skip(`column privileges (${(p.priv_name ?? '').toUpperCase()} on columns) are not modelled`);
    else if (bit === undefined) skip(`privilege ${(p.priv_name ?? '').toUpperCase()} is not modelled`);
    else mask |= bit;
  }
  return mask;
}

const RELATION_TYPES = new Set<ObjectType>(['OBJECT_TABLE', 'OBJECT_SEQUENCE']);
const ROUTINE_TYPES = new Set<ObjectType>(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE']);

function grantTargets(st: AccessState, s: GrantStmt, skip: Skip): ObjectRow[] {
  const type = s.objtype ?? 'OBJECT_TABLE';
  if (s.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') {
    const schemas = new Set(stringsOf(s.objects));
    return [...st.objects.values()].filter((o) => schemas.has(o.schema) && inAll(o, type));
  }
  const found: ObjectRow[] = [];
  for (const n of s.objects ?? []) {
    const o = targetObject(st, type, n);
    if (o === 'unsupported') {
      skip(`privileges on ${type.replace('OBJECT_', '').toLowerCase().replaceAll('_', ' ')}s are not modelled`);
      return [];
    }
    if (o) found.push(o);
    else skip('it names an object that is neither in the catalog read nor created earlier in the plan');
  }
  return found;
}

function targetObject(st: AccessState, type: ObjectType, n: Node): ObjectRow | undefined | 'unsupported' {
  if (RELATION_TYPES.has(type) && 'RangeVar' in n) {
    const { schema, name } = relationParts(n.RangeVar);
    const o = findRelation(st, schema, name);
    return type === 'OBJECT_SEQUENCE' && o?.kind !== 'sequence' ? undefined : o;
  }
  if (ROUTINE_TYPES.has(type) && 'ObjectWithArgs' in n) return findFunction(st, n.ObjectWithArgs);
  if ((type === 'OBJECT_SCHEMA' || type === 'OBJECT_DATABASE') && 'String' in n) {
    const kind: ObjectKind = type === 'OBJECT_SCHEMA' ? 'schema' : 'database';
    return st.objects.get(keyOf({ kind, schema: '', name: n.String.sval ?? '' }));
  }
  return 'unsupported';
}

/** Which objects GRANT … ON ALL <type> IN SCHEMA covers. */
function inAll(o: ObjectRow, type: ObjectType): boolean {
  switch (type) {
    case 'OBJECT_TABLE':
      return o.kind === 'table';
    case 'OBJECT_SEQUENCE':
      return o.kind === 'sequence';
    case 'OBJECT_FUNCTION':
      return o.kind === 'function' && !o.procedure;
    case 'OBJECT_PROCEDURE':
      return o.kind === 'function' && o.procedure === true;
    case 'OBJECT_ROUTINE':
      return o.kind === 'function';
    default:
      return false;
  }
}

const DEFAULT_TYPES: Partial<Record<ObjectType, DefaultAclType>> = {
  OBJECT_TABLE: 'r',
  OBJECT_SEQUENCE: 'S',
  OBJECT_FUNCTION: 'f',
  OBJECT_ROUTINE: 'f',
  OBJECT_PROCEDURE: 'f',
  OBJECT_TYPE: 'T',
  OBJECT_SCHEMA: 'n',
};

/** ALTER DEFAULT PRIVILEGES [FOR ROLE …] [IN SCHEMA …] GRANT|REVOKE … ON <type> … */
export function alterDefaultPrivileges(st: AccessState, s: AlterDefaultPrivilegesStmt, at: number, skip: Skip): void {
  const action = s.action ?? {};
  const objtype = DEFAULT_TYPES[action.objtype ?? 'OBJECT_TABLE'];
  if (!objtype) return skip('default privileges on this kind of object are not modelled');
  const options = defElems(s.options);
  const roles = options.filter((d) => d.defname === 'roles').flatMap((d) => rolesOf(listArg(d), st));
  const schemas = options.filter((d) => d.defname === 'schemas').flatMap((d) => stringsOf(listArg(d)));
  const wanted = privilegeMask(action.privileges, skip);
  const all = objtype === 'T' ? PRIV.USAGE : allPrivileges(defaultAclKind(objtype) ?? 'table', st.version);
  const privs = wanted === 'ALL' ? all : wanted & all;
  const grantees = rolesOf(action.grantees, st);
  for (const role of roles.length ? roles : [st.actor]) {
    for (const schema of schemas.length ? schemas : [null]) {
      const base = schema === null ? defaultBase(objtype, role, st.version) : [];
      const entry = st.defaultAcls.find((d) => d.role === role && d.schema === schema && d.objtype === objtype);
      const old = entry?.acl ?? base;
      const acl = action.is_grant
        ? aclGrant(old, grantees, privs, action.grant_option === true, role)
        : aclRevoke(old, grantees, privs, action.grant_option === true, role, role);
      st.defaultAcls = st.defaultAcls.filter((d) => d !== entry);
      if (!aclEqual(acl, base)) st.defaultAcls.push({ role, schema, objtype, acl });
      st.touched.acl.set(`default\0${role}\0${schema ?? ''}\0${objtype}`, at);
    }
  }
}

/** What a global default-ACL entry starts from: acldefault of its object type (types: owner and PUBLIC USAGE). */
export function defaultBase(objtype: DefaultAclType, role: string, version: number): AclItem[] {
  const kind = defaultAclKind(objtype);
  if (kind) return aclDefault(kind, role, version);
  return [
    { grantee: role, grantor: role, privs: PRIV.USAGE, grantable: 0 },
    { grantee: '', grantor: role, privs: PRIV.USAGE, grantable: 0 },
  ];
}
