import type { AlterObjectSchemaStmt, AlterOwnerStmt, DropStmt, Node, ObjectType, RenameStmt } from 'libpg-query';
import { aclNewOwner, aclRevoke } from './acl.js';
import { keyOf } from './names.js';
import { roleOf, rolesOf } from './nodes.js';
import { findFunction, findRelation, nameParts, relationParts } from './resolve.js';
import type { AccessState } from './state.js';
import type { ObjectKind, ObjectRow } from './types.js';

// DROP of objects, ownership (ALTER … OWNER TO, REASSIGN OWNED), DROP OWNED, renames and SET
// SCHEMA. A dropped or moved table takes the sequences it owns along, as PostgreSQL does.

type Skip = (reason: string) => void;

const RELATIONS = new Set<ObjectType>(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE']);
const ROUTINES = new Set<ObjectType>(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE']);
/** DROPs of things that hold no privileges the model tracks. */
export const NEUTRAL_DROPS = new Set<ObjectType>([
  'OBJECT_INDEX',
  'OBJECT_TRIGGER',
  'OBJECT_POLICY',
  'OBJECT_RULE',
  'OBJECT_TABCONSTRAINT',
  'OBJECT_STATISTIC_EXT',
]);

/** The object a node names for a given object type, or undefined when unknown. */
export function namedObject(st: AccessState, type: ObjectType | undefined, n: Node | undefined): ObjectRow | undefined {
  if (!type || !n) return undefined;
  if (RELATIONS.has(type)) {
    if ('RangeVar' in n) return findRelation(st, relationParts(n.RangeVar).schema, relationParts(n.RangeVar).name);
    const { schema, name } = nameParts('List' in n ? n.List.items : [n]);
    return findRelation(st, schema, name);
  }
  if (ROUTINES.has(type) && 'ObjectWithArgs' in n) return findFunction(st, n.ObjectWithArgs);
  const kind: ObjectKind | undefined = type === 'OBJECT_SCHEMA' ? 'schema' : type === 'OBJECT_DATABASE' ? 'database' : undefined;
  if (kind && 'String' in n) return st.objects.get(keyOf({ kind, schema: '', name: n.String.sval ?? '' }));
  return undefined;
}

export function tracksType(type: ObjectType | undefined): boolean {
  return type !== undefined && (RELATIONS.has(type) || ROUTINES.has(type) || type === 'OBJECT_SCHEMA' || type === 'OBJECT_DATABASE');
}

export function drop(st: AccessState, s: DropStmt, at: number, skip: Skip): void {
  const type = s.removeType;
  if (type && NEUTRAL_DROPS.has(type)) return;
  if (!tracksType(type)) return skip(`DROP of ${(type ?? '').replace('OBJECT_', '').toLowerCase()} objects is not modelled`);
  const cascade = s.behavior === 'DROP_CASCADE';
  if (cascade && type !== 'OBJECT_SCHEMA') skip('objects that depend on the dropped ones (dropped by CASCADE) are not modelled');
  for (const n of s.objects ?? []) {
    const o = namedObject(st, type, n);
    if (o) dropObject(st, o, at);
  }
}

export function dropObject(st: AccessState, o: ObjectRow, at: number): void {
  const key = keyOf(o);
  st.objects.delete(key);
  st.touched.object.set(key, at);
  for (const other of [...st.objects.values()]) {
    if (other.ownedBy === key || (o.kind === 'schema' && other.schema === o.name && other.kind !== 'database')) dropObject(st, other, at);
  }
  if (o.kind === 'schema') st.defaultAcls = st.defaultAcls.filter((d) => d.schema !== o.name);
}

export function changeOwner(st: AccessState, o: ObjectRow, newOwner: string, at: number): void {
  if (o.owner === newOwner) return;
  o.acl = aclNewOwner(o.acl, o.owner, newOwner);
  o.owner = newOwner;
  st.touched.object.set(keyOf(o), at);
  // ALTER TABLE … OWNER TO recurses to the sequences the table owns.
  for (const seq of st.objects.values()) if (seq.ownedBy === keyOf(o)) changeOwner(st, seq, newOwner, at);
}

export function alterOwner(st: AccessState, s: AlterOwnerStmt, at: number, skip: Skip): void {
  if (!tracksType(s.objectType)) return skip('ownership of this kind of object is not modelled');
  const o = namedObject(st, s.objectType, s.object);
  if (!o) return skip('it names an object that is neither in the catalog read nor created earlier in the plan');
  changeOwner(st, o, roleOf(s.newowner, st), at);
}

export function reassignOwned(st: AccessState, roles: readonly string[], to: string, at: number): void {
  for (const o of [...st.objects.values()]) if (roles.includes(o.owner) && !o.ownedBy) changeOwner(st, o, to, at);
}

/** DROP OWNED BY: drop what the roles own here, revoke what was granted to them, forget their default privileges. */
export function dropOwned(st: AccessState, nodes: readonly Node[] | undefined, at: number): void {
  const roles = rolesOf(nodes, st);
  for (const o of [...st.objects.values()])
    if (roles.includes(o.owner) && o.kind !== 'database' && st.objects.has(keyOf(o))) dropObject(st, o, at);
  for (const o of st.objects.values()) {
    for (const item of o.acl.filter((i) => roles.includes(i.grantee))) {
      o.acl = aclRevoke(o.acl, [item.grantee], item.privs | item.grantable, false, item.grantor, o.owner);
      st.touched.acl.set(`${keyOf(o)}\0${item.grantee}`, at);
    }
  }
  st.defaultAcls = st.defaultAcls
    .filter((d) => !roles.includes(d.role))
    .map((d) => ({ ...d, acl: d.acl.filter((i) => !roles.includes(i.grantee)) }))
    .filter((d) => d.acl.length > 0 || d.schema === null);
  if (st.version >= 160000) {
    st.memberships = st.memberships.filter((m) => !roles.includes(m.grantor));
    st.changed();
  }
}

export function rename(st: AccessState, s: RenameStmt, at: number, renameRole: (from: string, to: string) => void): boolean {
  const to = s.newname ?? '';
  switch (s.renameType) {
    case 'OBJECT_ROLE':
      renameRole(s.subname ?? '', to);
      return true;
    case 'OBJECT_SCHEMA':
    case 'OBJECT_DATABASE': {
      const o = namedObject(st, s.renameType, { String: { sval: s.subname ?? '' } });
      if (o) moveObject(st, o, { name: to }, at);
      if (o?.kind === 'schema') {
        for (const c of [...st.objects.values()])
          if (c.schema === s.subname && c.kind !== 'database' && c.kind !== 'schema') moveObject(st, c, { schema: to }, at);
        st.defaultAcls = st.defaultAcls.map((d) => (d.schema === s.subname ? { ...d, schema: to } : d));
      }
      if (o?.kind === 'database' && st.database === s.subname) st.database = to;
      return true;
    }
    default: {
      const type = s.renameType;
      if (!tracksType(type))
        return NEUTRAL_DROPS.has(type ?? 'OBJECT_TABLE') || type === 'OBJECT_COLUMN' || type === 'OBJECT_TABCONSTRAINT';
      const o = namedObject(st, type, s.relation ? { RangeVar: s.relation } : s.object);
      if (o) moveObject(st, o, { name: to }, at);
      return true;
    }
  }
}

export function setSchema(st: AccessState, s: AlterObjectSchemaStmt, at: number, skip: Skip): void {
  if (!tracksType(s.objectType)) return skip('moving this kind of object to another schema is not modelled');
  const o = namedObject(st, s.objectType, s.relation ? { RangeVar: s.relation } : s.object);
  if (!o) return;
  const key = keyOf(o);
  moveObject(st, o, { schema: s.newschema ?? '' }, at);
  for (const seq of [...st.objects.values()]) if (seq.ownedBy === key) moveObject(st, seq, { schema: s.newschema ?? '' }, at);
}

/** Re-keys an object under a new name or schema, keeping what refers to it. */
function moveObject(st: AccessState, o: ObjectRow, change: { name?: string; schema?: string }, at: number): void {
  const oldKey = keyOf(o);
  st.objects.delete(oldKey);
  Object.assign(o, change);
  const newKey = keyOf(o);
  st.objects.set(newKey, o);
  st.touched.object.set(oldKey, at);
  st.touched.object.set(newKey, at);
  for (const other of st.objects.values()) if (other.ownedBy === oldKey) other.ownedBy = newKey;
}
