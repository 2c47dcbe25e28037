import type { Node } from 'libpg-query';
import { alterDefaultPrivileges, grantPrivileges } from './apply-grants.js';
import { columnSequence, createFunction, createRelation, createSchema, createTable } from './apply-create.js';
import { alterRole, createRole, dropRoles, grantRole, renameRole } from './apply-roles.js';
import { alterOwner, changeOwner, drop, dropOwned, namedObject, reassignOwned, rename, setSchema } from './apply-objects.js';
import { boolArg, defElems, roleOf, rolesOf } from './nodes.js';
import { relationParts } from './resolve.js';
import { AccessState } from './state.js';
import type { AccessSnapshot, NotModelled } from './types.js';

// Planned statements applied to the model, in order. Each statement is given with its parse
// tree (libpg-query, PostgreSQL 17's parser); one the model does not follow is reported as
// "not modelled" with the reason, never dropped silently. Statements known to leave every
// modelled privilege as it was (indexes, comments, column changes, …) are passed over.

/** One planned statement: its text, and its parse tree or undefined when the parser rejected it. */
export interface PlannedStatement {
  sql: string;
  nodes: Node[] | undefined;
}

export interface AppliedPlan {
  after: AccessSnapshot;
  notModelled: NotModelled[];
  /** Statement index that last changed each role / membership (role\0member) / object key / ACL item (key\0grantee). */
  touched: AccessState['touched'];
}

/** Applies the statements to a copy of `before`. Pure: `before` is left unchanged. */
export function applyStatements(before: AccessSnapshot, statements: readonly PlannedStatement[]): AppliedPlan {
  const st = new AccessState(before);
  statements.forEach((s, at) => {
    const skip = (reason: string): void => st.skip(at, s.sql, reason);
    if (!s.nodes) return skip('the PostgreSQL parser rejected it');
    for (const node of s.nodes) applyNode(st, node, at, skip);
  });
  return { after: st.snapshot(), notModelled: st.notModelled, touched: st.touched };
}

/** Statement types with no effect on what the model tracks. */
const NEUTRAL = new Set([
  'IndexStmt',
  'CommentStmt',
  'CreateTrigStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'RuleStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'AlterDomainStmt',
  'AlterRoleSetStmt',
  'AlterSeqStmt',
  'TransactionStmt',
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'TruncateStmt',
  'CreateStatsStmt',
  'ClusterStmt',
  'VacuumStmt',
  'ReindexStmt',
  'RefreshMatViewStmt',
  'LockStmt',
  'DefineStmt',
  'AlterDatabaseSetStmt',
]);

function applyNode(st: AccessState, node: Node, at: number, skip: (reason: string) => void): void {
  const [type] = Object.keys(node);
  if (type && NEUTRAL.has(type)) return;
  const n = node;
  if ('CreateRoleStmt' in n) return createRole(st, n.CreateRoleStmt, at);
  if ('AlterRoleStmt' in n) return alterRole(st, n.AlterRoleStmt, at);
  if ('DropRoleStmt' in n) return dropRoles(st, n.DropRoleStmt, at);
  if ('GrantRoleStmt' in n) return grantRole(st, n.GrantRoleStmt, at);
  if ('GrantStmt' in n) return grantPrivileges(st, n.GrantStmt, at, skip);
  if ('AlterDefaultPrivilegesStmt' in n) return alterDefaultPrivileges(st, n.AlterDefaultPrivilegesStmt, at, skip);
  if ('CreateStmt' in n) return createTable(st, n.CreateStmt, at);
  if ('CreateSeqStmt' in n)
    return void createRelation(
      st,
      'sequence',
      relationParts(n.CreateSeqStmt.sequence).schema,
      relationParts(n.CreateSeqStmt.sequence).name,
      at,
    );
  if ('ViewStmt' in n)
    return void createRelation(st, 'table', relationParts(n.ViewStmt.view).schema, relationParts(n.ViewStmt.view).name, at);
  if ('CreateTableAsStmt' in n) {
    const rel = relationParts(n.CreateTableAsStmt.into?.rel);
    return void createRelation(st, 'table', rel.schema, rel.name, at);
  }
  if ('CreateFunctionStmt' in n) return createFunction(st, n.CreateFunctionStmt, at);
  if ('CreateSchemaStmt' in n) {
    createSchema(st, n.CreateSchemaStmt, at);
    if (n.CreateSchemaStmt.schemaElts?.length) skip('objects created inside CREATE SCHEMA are not modelled');
    return;
  }
  if ('DropStmt' in n) return drop(st, n.DropStmt, at, skip);
  if ('AlterOwnerStmt' in n) return alterOwner(st, n.AlterOwnerStmt, at, skip);
  if ('AlterTableStmt' in n) return alterTable(st, n.AlterTableStmt, at);
  if ('AlterFunctionStmt' in n) return alterFunction(st, n.AlterFunctionStmt, at);
  if ('RenameStmt' in n) {
    if (!rename(st, n.RenameStmt, at, (from, to) => renameRole(st, from, to, at))) skip('renaming this kind of object is not modelled');
    return;
  }
  if ('AlterObjectSchemaStmt' in n) return setSchema(st, n.AlterObjectSchemaStmt, at, skip);
  if ('DropOwnedStmt' in n) return dropOwned(st, n.DropOwnedStmt.roles, at);
  if ('ReassignOwnedStmt' in n)
    return reassignOwned(st, rolesOf(n.ReassignOwnedStmt.roles, st), roleOf(n.ReassignOwnedStmt.newrole, st), at);
  if ('VariableSetStmt' in n) return setVariable(st, n.VariableSetStmt, skip);
  skip(`${(type ?? 'this statement').replace(/Stmt$/, '')} statements are not modelled`);
}

function alterTable(st: AccessState, s: NonNullable<Extract<Node, { AlterTableStmt: unknown }>['AlterTableStmt']>, at: number): void {
  const type = s.objtype ?? 'OBJECT_TABLE';
  const o = namedObject(st, type === 'OBJECT_INDEX' ? undefined : type, s.relation ? { RangeVar: s.relation } : undefined);
  for (const c of s.cmds ?? []) {
    if (!('AlterTableCmd' in c) || !o) continue;
    const cmd = c.AlterTableCmd;
    if (cmd.subtype === 'AT_ChangeOwner') changeOwner(st, o, roleOf(cmd.newowner, st), at);
    if (cmd.subtype === 'AT_AddColumn' && cmd.def && 'ColumnDef' in cmd.def) columnSequence(st, o, cmd.def.ColumnDef, at);
  }
}

function alterFunction(
  st: AccessState,
  s: NonNullable<Extract<Node, { AlterFunctionStmt: unknown }>['AlterFunctionStmt']>,
  at: number,
): void {
  const o = namedObject(st, s.objtype ?? 'OBJECT_FUNCTION', s.func ? { ObjectWithArgs: s.func } : undefined);
  const security = defElems(s.actions).find((d) => d.defname === 'security');
  if (o && security) {
    o.securityDefiner = boolArg(security);
    st.touched.object.set(`f\0${o.schema}\0${o.name}\0${(o.args ?? []).join(',')}`, at);
  }
}

/** SET ROLE changes who creates (owns) objects and grants; RESET ROLE and SET ROLE NONE go back. Other settings change no privilege. */
function setVariable(
  st: AccessState,
  s: NonNullable<Extract<Node, { VariableSetStmt: unknown }>['VariableSetStmt']>,
  skip: (r: string) => void,
): void {
  if (s.name === 'session_authorization') return skip('SET SESSION AUTHORIZATION is not modelled');
  if (s.name !== 'role') return;
  const arg = s.args?.[0];
  const value = arg && 'A_Const' in arg ? arg.A_Const.sval?.sval : undefined;
  st.actor = s.kind === 'VAR_SET_VALUE' && value !== undefined && value !== 'none' ? value : st.sessionUser;
}
