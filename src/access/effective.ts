import { roleGraph, type RoleGraph } from './graph.js';
import { keyOf } from './names.js';
import { allPrivileges, PRIV } from './privileges.js';
import { PUBLIC, type AccessSnapshot, type ObjectRow, type RoleRow } from './types.js';

// Effective privileges, computed the way PostgreSQL's has_*_privilege answers (aclmask):
// a role holds what its ACL items give any role it inherits from (itself included) and
// PUBLIC; a superuser holds everything; pg_read_all_data / pg_write_all_data / pg_maintain
// add their privileges on every relation (and USAGE on schemas). Ownership shows as holding
// the owner's ACL items (which an owner can revoke from itself) plus every grant option.
// What a role reaches only by SET ROLE is kept apart in `setOnly`.

export interface EffectiveAccess {
  roles: string[];
  objects: ObjectRow[];
  graph: RoleGraph;
  /** object index × roles.length + role index → privilege bits. */
  privs: Uint16Array;
  grantable: Uint16Array;
  /** Privileges reachable only after SET ROLE to a role one may become. */
  setOnly: Uint16Array;
  /** 1 where the role has the owner's privileges (can ALTER, DROP, GRANT anything). */
  ownerRights: Uint8Array;
  /** What PUBLIC itself holds, per object. */
  publicPrivs: Uint16Array;
  roleIndex: Map<string, number>;
  objectIndex: Map<string, number>;
  roleRows: Map<string, RoleRow>;
}

const READ_ALL = 'pg_read_all_data';
const WRITE_ALL = 'pg_write_all_data';
const MAINTAIN_ALL = 'pg_maintain';

/** Computes effective access for every role of the snapshot on every object of it. */
export function effectiveAccess(s: AccessSnapshot): EffectiveAccess {
  const roleRows = new Map(s.roles.map((r) => [r.name, r]));
  const dbOwner = s.objects.find((o) => o.kind === 'database' && o.name === s.database)?.owner ?? '';
  const graph = roleGraph(roleRows, s.memberships, s.serverVersionNum, dbOwner);
  const roles = s.roles.map((r) => r.name);
  const n = roles.length;
  const roleIndex = new Map(roles.map((r, i) => [r, i]));
  const holders = new Map<string, number[]>();
  roles.forEach((r, i) => {
    for (const g of graph.reach(r, 'privs')) {
      const list = holders.get(g);
      if (list) list.push(i);
      else holders.set(g, [i]);
    }
  });
  const supers = roles.flatMap((r, i) => (roleRows.get(r)?.superuser ? [i] : []));
  const objects = s.objects;
  const size = objects.length * n;
  const e: EffectiveAccess = {
    roles,
    objects,
    graph,
    privs: new Uint16Array(size),
    grantable: new Uint16Array(size),
    setOnly: new Uint16Array(size),
    ownerRights: new Uint8Array(size),
    publicPrivs: new Uint16Array(objects.length),
    roleIndex,
    objectIndex: new Map(objects.map((o, k) => [keyOf(o), k])),
    roleRows,
  };
  objects.forEach((o, k) => fillObject(e, o, k, holders, supers, s.serverVersionNum));
  fillSetOnly(e);
  return e;
}

/** What the predefined roles add on relations and on schemas. */
const ON_RELATIONS: readonly (readonly [string, number])[] = [
  [READ_ALL, PRIV.SELECT],
  [WRITE_ALL, PRIV.INSERT | PRIV.UPDATE | PRIV.DELETE],
  [MAINTAIN_ALL, PRIV.MAINTAIN],
];
const ON_SCHEMAS: readonly (readonly [string, number])[] = [
  [READ_ALL, PRIV.USAGE],
  [WRITE_ALL, PRIV.USAGE],
];

function fillObject(e: EffectiveAccess, o: ObjectRow, k: number, holders: Map<string, number[]>, supers: number[], version: number): void {
  const n = e.roles.length;
  const base = k * n;
  const all = allPrivileges(o.kind, version);
  let pub = 0;
  for (const item of o.acl) {
    if (item.grantee === PUBLIC) {
      pub |= item.privs;
      continue;
    }
    const list = holders.get(item.grantee);
    if (list)
      for (const r of list) {
        e.privs[base + r]! |= item.privs;
        e.grantable[base + r]! |= item.grantable;
      }
  }
  for (const r of holders.get(o.owner) ?? []) {
    e.grantable[base + r] = all;
    e.ownerRights[base + r] = 1;
  }
  const relation = o.kind === 'table' || o.kind === 'sequence';
  const predefined = relation ? ON_RELATIONS : o.kind === 'schema' ? ON_SCHEMAS : [];
  for (const [role, bits] of predefined) for (const r of holders.get(role) ?? []) e.privs[base + r]! |= bits & all;
  e.publicPrivs[k] = pub;
  if (pub) for (let r = 0; r < n; r++) e.privs[base + r]! |= pub;
  for (const r of supers) {
    e.privs[base + r] = all;
    e.grantable[base + r] = all;
    e.ownerRights[base + r] = 1;
  }
}

function fillSetOnly(e: EffectiveAccess): void {
  const n = e.roles.length;
  const count = e.objects.length;
  e.roles.forEach((role, r) => {
    const inherited = new Set(e.graph.reach(role, 'privs'));
    for (const target of e.graph.reach(role, 'set')) {
      const t = e.roleIndex.get(target);
      if (t === undefined || inherited.has(target)) continue;
      for (let k = 0; k < count; k++) e.setOnly[k * n + r]! |= e.privs[k * n + t]! & ~e.privs[k * n + r]!;
    }
  });
}

/**
 * pg_has_role(role, of, mode): MEMBER (any membership), USAGE (inherited privileges), SET (may SET ROLE).
 * @internal The diff reads the role graph directly; the oracle tests hold the model to pg_has_role.
 */
export function hasRole(e: EffectiveAccess, role: string, of: string, mode: 'MEMBER' | 'USAGE' | 'SET'): boolean {
  if (e.roleRows.get(role)?.superuser) return true;
  const walk = mode === 'MEMBER' ? 'members' : mode === 'USAGE' ? 'privs' : 'set';
  return e.graph.reach(role, walk).includes(of);
}
