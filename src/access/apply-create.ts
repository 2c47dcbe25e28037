import type { ColumnDef, CreateFunctionStmt, CreateSchemaStmt, CreateStmt, Node } from 'libpg-query';
import { aclMerge } from './acl.js';
import { defaultBase } from './apply-grants.js';
import { keyOf, objectKey } from './names.js';
import { boolArg, defElems, roleOf, stringsOf } from './nodes.js';
import { findRelation, nameParts, signatureType } from './resolve.js';
import type { AccessState } from './state.js';
import type { AclItem, DefaultAclType, ObjectKind, ObjectRow } from './types.js';

// Objects created by the plan get what PostgreSQL gives them (get_user_default_acl): the
// creator's global default ACL for the object type, or acldefault when it has none, merged
// with its default ACL for the schema. The creator (current user) owns them.

const DEFAULT_TYPE: Record<ObjectKind, DefaultAclType | undefined> = {
  table: 'r',
  sequence: 'S',
  function: 'f',
  schema: 'n',
  database: undefined,
};

/** The ACL a new object of this kind, owned by `owner`, gets in `schema`. */
export function creationAcl(st: AccessState, kind: ObjectKind, owner: string, schema: string | null): AclItem[] | undefined {
  const objtype = DEFAULT_TYPE[kind];
  if (!objtype) return undefined;
  const find = (s: string | null): AclItem[] | undefined =>
    st.defaultAcls.find((d) => d.role === owner && d.schema === s && d.objtype === objtype)?.acl;
  const global = find(null) ?? defaultBase(objtype, owner, st.version);
  const local = schema === null ? undefined : find(schema);
  return local ? aclMerge(global, local) : global.map((i) => ({ ...i }));
}

/** Creates a relation (table-like or sequence) unless it exists; returns it. */
export function createRelation(
  st: AccessState,
  kind: 'table' | 'sequence',
  schema: string,
  name: string,
  at: number,
  extra: Partial<ObjectRow> = {},
): ObjectRow {
  const existing = findRelation(st, schema, name);
  if (existing) return existing;
  const owner = st.actor;
  const o = st.newObject({ kind, schema, name, owner, acl: creationAcl(st, kind, owner, schema) ?? [], ...extra });
  st.touched.object.set(keyOf(o), at);
  return o;
}

/** CREATE TABLE, with the sequences its serial and identity columns create. */
export function createTable(st: AccessState, s: CreateStmt, at: number): void {
  const schema = s.relation?.schemaname ?? 'public';
  const name = s.relation?.relname ?? '';
  if (findRelation(st, schema, name)) return; // IF NOT EXISTS, or already there
  const table = createRelation(st, 'table', schema, name, at);
  for (const n of s.tableElts ?? []) if ('ColumnDef' in n) columnSequence(st, table, n.ColumnDef, at);
}

const SERIAL = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** A serial or identity column creates <table>_<column>_seq, owned by the table. */
export function columnSequence(st: AccessState, table: ObjectRow, c: ColumnDef, at: number): void {
  const type = stringsOf(c.typeName?.names);
  const serial = type.length === 1 && SERIAL.has(type[0] ?? '');
  const identity = (c.constraints ?? []).some((n) => 'Constraint' in n && n.Constraint.contype === 'CONSTR_IDENTITY');
  if (!serial && !identity) return;
  createRelation(st, 'sequence', table.schema, `${table.name}_${c.colname ?? ''}_seq`, at, { ownedBy: keyOf(table) });
}

export function createFunction(st: AccessState, s: CreateFunctionStmt, at: number): void {
  const { schema, name } = nameParts(s.funcname);
  const args = (s.parameters ?? []).flatMap((n: Node) => {
    if (!('FunctionParameter' in n)) return [];
    const mode = n.FunctionParameter.mode;
    return mode === 'FUNC_PARAM_OUT' || mode === 'FUNC_PARAM_TABLE' ? [] : [signatureType(n.FunctionParameter.argType)];
  });
  const security = defElems(s.options).find((d) => d.defname === 'security');
  const definer = security ? boolArg(security) : false;
  const existing = st.objects.get(objectKey('function', schema, name, args));
  if (existing) {
    // CREATE OR REPLACE keeps owner and ACL; SECURITY is whatever the new text says.
    existing.securityDefiner = definer;
    st.touched.object.set(keyOf(existing), at);
    return;
  }
  const owner = st.actor;
  const o = st.newObject({
    kind: 'function',
    schema,
    name,
    args,
    owner,
    acl: creationAcl(st, 'function', owner, schema) ?? [],
    securityDefiner: definer,
    procedure: s.is_procedure === true,
  });
  st.touched.object.set(keyOf(o), at);
}

/** CREATE SCHEMA [AUTHORIZATION r]; embedded elements are reported by the caller. */
export function createSchema(st: AccessState, s: CreateSchemaStmt, at: number): void {
  const owner = s.authrole ? roleOf(s.authrole, st) : st.actor;
  const name = s.schemaname ?? owner;
  const key = objectKey('schema', '', name);
  if (st.objects.has(key)) return;
  st.newObject({ kind: 'schema', schema: '', name, owner, acl: creationAcl(st, 'schema', owner, null) ?? [] });
  st.touched.object.set(key, at);
}
