import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, IndexStmt, Node, RangeVar } from 'libpg-query';
import { fromTypeName, type TypeSpec } from './column-types.js';
import type { Form } from './lock-table.js';

// One parsed statement → what it does to existing tables (effects, looked up in LOCK_TABLE)
// and what could make it fail on today's rows (intents, checked later against live facts).
// Only names are taken from the tree; expressions (defaults, CHECK, USING, index predicates)
// are never turned into SQL: a check that would need one says "not verified".

export interface RelRef {
  schema: string | null;
  name: string;
}

export interface Effect {
  form: Form;
  /** The table locked, or an index whose table the live facts resolve. */
  on: { table: RelRef } | { index: RelRef };
  /** For ALTER COLUMN TYPE: whether it rewrites depends on the column's current type. */
  typeChange?: { column: string; target: TypeSpec | undefined };
}

export type Intent =
  | { kind: 'nulls'; table: RelRef; columns: string[]; what: string }
  | { kind: 'non-empty'; table: RelRef; column: string }
  | { kind: 'duplicates'; table: RelRef; columns: string[]; nullsDistinct: boolean; what: string }
  | { kind: 'orphans'; table: RelRef; columns: string[]; ref: RelRef; refColumns: string[] | null; matchFull: boolean; what: string }
  | { kind: 'cast'; table: RelRef; column: string; target: TypeSpec }
  | { kind: 'not-verified'; table: RelRef; reason: string };

export interface StatementModel {
  effects: Effect[];
  intents: Intent[];
  /** A table this statement creates: later statements on it lock nothing anyone waits for. */
  creates?: RelRef;
}

const ref = (r: RangeVar | undefined): RelRef | undefined =>
  r?.relname === undefined ? undefined : { schema: r.schemaname ?? null, name: r.relname };

const names = (nodes: readonly Node[] | undefined): string[] => (nodes ?? []).flatMap((n) => ('String' in n ? [n.String.sval ?? ''] : []));

/** The effects and intents of one statement of a plan. */
export function modelStatement(stmt: Node): StatementModel {
  if ('AlterTableStmt' in stmt) return alterTable(stmt.AlterTableStmt);
  if ('IndexStmt' in stmt) return createIndex(stmt.IndexStmt);
  if ('DropStmt' in stmt) return drop(stmt.DropStmt.removeType, stmt.DropStmt.objects ?? [], stmt.DropStmt.concurrent === true);
  if ('TruncateStmt' in stmt)
    return onTables(
      'TRUNCATE',
      (stmt.TruncateStmt.relations ?? []).map((n) => ('RangeVar' in n ? n.RangeVar : undefined)),
    );
  if ('CreateStmt' in stmt) return { effects: [], intents: [], ...created(stmt.CreateStmt.relation) };
  if ('CreateTableAsStmt' in stmt) return { effects: [], intents: [], ...created(stmt.CreateTableAsStmt.into?.rel) };
  if ('RenameStmt' in stmt) return renamed(stmt.RenameStmt.renameType, stmt.RenameStmt.relation);
  if ('AlterObjectSchemaStmt' in stmt)
    return onTables('SET SCHEMA', [tableLike(stmt.AlterObjectSchemaStmt.objectType, stmt.AlterObjectSchemaStmt.relation)]);
  if ('CreateTrigStmt' in stmt) return onTables('CREATE TRIGGER', [stmt.CreateTrigStmt.relation]);
  if ('CreatePolicyStmt' in stmt) return onTables('CREATE / ALTER / DROP POLICY', [stmt.CreatePolicyStmt.table]);
  if ('AlterPolicyStmt' in stmt) return onTables('CREATE / ALTER / DROP POLICY', [stmt.AlterPolicyStmt.table]);
  for (const dml of ['InsertStmt', 'UpdateStmt', 'DeleteStmt'] as const) {
    if (dml in stmt) return onTables('INSERT / UPDATE / DELETE', [(stmt as Record<typeof dml, { relation?: RangeVar }>)[dml].relation]);
  }
  return { effects: [], intents: [] };
}

function created(r: RangeVar | undefined): { creates?: RelRef } {
  const table = ref(r);
  return table ? { creates: table } : {};
}

function onTables(form: Form, rels: readonly (RangeVar | undefined)[]): StatementModel {
  return {
    effects: rels.flatMap((r) => {
      const table = ref(r);
      return table ? [{ form, on: { table } }] : [];
    }),
    intents: [],
  };
}

function tableLike(type: string | undefined, rel: RangeVar | undefined): RangeVar | undefined {
  return type === 'OBJECT_TABLE' || type === 'OBJECT_MATVIEW' || type === 'OBJECT_VIEW' ? rel : undefined;
}

function renamed(type: string | undefined, rel: RangeVar | undefined): StatementModel {
  if (type === 'OBJECT_TABLE' || type === 'OBJECT_COLUMN' || type === 'OBJECT_TABCONSTRAINT') return onTables('RENAME', [rel]);
  return { effects: [], intents: [] };
}

function drop(type: string | undefined, objects: readonly Node[], concurrent: boolean): StatementModel {
  const rels = objects.flatMap((n) => {
    const parts = 'List' in n ? names(n.List.items) : 'String' in n ? [n.String.sval ?? ''] : [];
    const name = parts.at(-1);
    return name === undefined ? [] : [{ schema: parts.length > 1 ? (parts.at(-2) ?? null) : null, name }];
  });
  if (type === 'OBJECT_INDEX') {
    const form: Form = concurrent ? 'DROP INDEX CONCURRENTLY' : 'DROP INDEX';
    return { effects: rels.map((index) => ({ form, on: { index } })), intents: [] };
  }
  if (type === 'OBJECT_TABLE' || type === 'OBJECT_MATVIEW')
    return { effects: rels.map((table) => ({ form: 'DROP TABLE', on: { table } })), intents: [] };
  return { effects: [], intents: [] };
}

function createIndex(s: IndexStmt): StatementModel {
  const table = ref(s.relation);
  if (!table) return { effects: [], intents: [] };
  const effects: Effect[] = [{ form: s.concurrent ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX', on: { table } }];
  if (!s.unique) return { effects, intents: [] };
  const elems = (s.indexParams ?? []).map((n) => ('IndexElem' in n ? n.IndexElem : {}));
  const what = `unique index${s.idxname ? ` ${s.idxname}` : ''}`;
  if (s.whereClause !== undefined || elems.some((e) => e.name === undefined)) {
    return { effects, intents: [{ kind: 'not-verified', table, reason: `${what}: an expression or partial index is not evaluated` }] };
  }
  const columns = elems.map((e) => e.name ?? '');
  return { effects, intents: [{ kind: 'duplicates', table, columns, nullsDistinct: s.nulls_not_distinct !== true, what }] };
}

function alterTable(s: AlterTableStmt): StatementModel {
  const table = ref(s.relation);
  if (!table || (s.objtype !== undefined && s.objtype !== 'OBJECT_TABLE')) return { effects: [], intents: [] };
  const out: StatementModel = { effects: [], intents: [] };
  for (const n of s.cmds ?? []) {
    if (!('AlterTableCmd' in n)) continue;
    const m = command(n.AlterTableCmd, table);
    out.effects.push(...m.effects);
    out.intents.push(...m.intents);
  }
  return out;
}

const SIMPLE_FORMS: Partial<Record<NonNullable<AlterTableCmd['subtype']>, Form>> = {
  AT_DropColumn: 'DROP COLUMN',
  AT_ColumnDefault: 'SET DEFAULT',
  AT_DropNotNull: 'DROP NOT NULL',
  AT_SetStatistics: 'SET STATISTICS',
  AT_SetOptions: 'SET ATTRIBUTE OPTIONS',
  AT_ResetOptions: 'SET ATTRIBUTE OPTIONS',
  AT_SetStorage: 'SET STORAGE',
  AT_SetCompression: 'SET STORAGE',
  AT_ValidateConstraint: 'VALIDATE CONSTRAINT',
  AT_DropConstraint: 'DROP CONSTRAINT',
  AT_EnableTrig: 'ENABLE / DISABLE TRIGGER',
  AT_EnableAlwaysTrig: 'ENABLE / DISABLE TRIGGER',
  AT_EnableReplicaTrig: 'ENABLE / DISABLE TRIGGER',
  AT_DisableTrig: 'ENABLE / DISABLE TRIGGER',
  AT_EnableTrigAll: 'ENABLE / DISABLE TRIGGER',
  AT_DisableTrigAll: 'ENABLE / DISABLE TRIGGER',
  AT_EnableTrigUser: 'ENABLE / DISABLE TRIGGER',
  AT_DisableTrigUser: 'ENABLE / DISABLE TRIGGER',
  AT_ClusterOn: 'CLUSTER ON',
  AT_DropCluster: 'CLUSTER ON',
  AT_SetRelOptions: 'SET STORAGE PARAMETER',
  AT_ResetRelOptions: 'SET STORAGE PARAMETER',
  AT_SetLogged: 'SET LOGGED / UNLOGGED',
  AT_SetUnLogged: 'SET LOGGED / UNLOGGED',
  AT_SetTableSpace: 'SET TABLESPACE / ACCESS METHOD',
  AT_SetAccessMethod: 'SET TABLESPACE / ACCESS METHOD',
  AT_SetExpression: 'SET EXPRESSION',
  AT_AttachPartition: 'ATTACH PARTITION',
};

function command(cmd: AlterTableCmd, table: RelRef): StatementModel {
  const column = cmd.name ?? '';
  const effect = (form: Form): Effect => ({ form, on: { table } });
  switch (cmd.subtype) {
    case 'AT_SetNotNull':
      return {
        effects: [effect('SET NOT NULL')],
        intents: [{ kind: 'nulls', table, columns: [column], what: `SET NOT NULL on ${column}` }],
      };
    case 'AT_AlterColumnType':
      return typeChange(cmd, table);
    case 'AT_AddColumn':
      return addColumn(cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : {}, table);
    case 'AT_AddConstraint':
      return addConstraint(cmd.def && 'Constraint' in cmd.def ? cmd.def.Constraint : {}, table);
    case 'AT_DetachPartition': {
      const concurrent = cmd.def !== undefined && 'PartitionCmd' in cmd.def && cmd.def.PartitionCmd.concurrent === true;
      return { effects: [effect(concurrent ? 'DETACH PARTITION CONCURRENTLY' : 'DETACH PARTITION')], intents: [] };
    }
    default:
      return { effects: [effect((cmd.subtype && SIMPLE_FORMS[cmd.subtype]) ?? 'ALTER TABLE (other)')], intents: [] };
  }
}

function typeChange(cmd: AlterTableCmd, table: RelRef): StatementModel {
  const column = cmd.name ?? '';
  const def: ColumnDef = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : {};
  const target = fromTypeName(def.typeName);
  const effects: Effect[] = [{ form: 'ALTER COLUMN TYPE', on: { table }, typeChange: { column, target } }];
  if (target === undefined)
    return { effects, intents: [{ kind: 'not-verified', table, reason: `type change of ${column}: the new type is not a built-in type` }] };
  if (def.raw_default !== undefined && !isPlainCast(def.raw_default, column)) {
    return {
      effects,
      intents: [{ kind: 'not-verified', table, reason: `type change of ${column}: the USING expression is not evaluated` }],
    };
  }
  return { effects, intents: [{ kind: 'cast', table, column, target }] };
}

/** USING "col"::type (or no cast at all): the same conversion as no USING clause, testable. */
function isPlainCast(expr: Node, column: string): boolean {
  const inner = 'TypeCast' in expr ? expr.TypeCast.arg : expr;
  return inner !== undefined && 'ColumnRef' in inner && names(inner.ColumnRef.fields).join('.') === column;
}

const REWRITING_TYPES = new Set(['smallserial', 'serial', 'bigserial', 'serial2', 'serial4', 'serial8']);

function addColumn(col: ColumnDef, table: RelRef): StatementModel {
  const constraints = (col.constraints ?? []).map((n) => ('Constraint' in n ? n.Constraint : {}));
  const has = (t: Constraint['contype']): Constraint | undefined => constraints.find((c) => c.contype === t);
  const def = has('CONSTR_DEFAULT');
  const rewrite =
    REWRITING_TYPES.has(names(col.typeName?.names).at(-1) ?? '') ||
    has('CONSTR_IDENTITY') !== undefined ||
    has('CONSTR_GENERATED') !== undefined ||
    (def !== undefined && !constantExpr(def.raw_expr));
  const checked = ['CONSTR_CHECK', 'CONSTR_FOREIGN', 'CONSTR_UNIQUE', 'CONSTR_PRIMARY', 'CONSTR_EXCLUSION'].some((t) =>
    has(t as Constraint['contype']),
  );
  const form: Form = rewrite ? 'ADD COLUMN (rewrite)' : checked ? 'ADD COLUMN (checked)' : 'ADD COLUMN';
  const intents: Intent[] = [];
  const column = col.colname ?? '';
  const notNull = col.is_not_null === true || has('CONSTR_NOTNULL') !== undefined || has('CONSTR_PRIMARY') !== undefined;
  if (notNull && def === undefined && !rewrite) intents.push({ kind: 'non-empty', table, column });
  if (has('CONSTR_CHECK'))
    intents.push({ kind: 'not-verified', table, reason: `CHECK on new column ${column}: the expression is not evaluated` });
  return { effects: [{ form, on: { table } }], intents };
}

/**
 * Constants and casts of constants only. PostgreSQL 11+ stores any non-volatile default
 * without a rewrite; deciding volatility of a function needs the catalog, so a function call
 * counts as a rewrite here (over-reporting a rewrite is the safe mistake).
 */
function constantExpr(n: Node | undefined): boolean {
  if (n === undefined || 'A_Const' in n) return true;
  if ('TypeCast' in n) return constantExpr(n.TypeCast.arg);
  if ('A_ArrayExpr' in n) return (n.A_ArrayExpr.elements ?? []).every(constantExpr);
  return 'SQLValueFunction' in n;
}

function addConstraint(c: Constraint, table: RelRef): StatementModel {
  const what = `${c.conname ?? 'constraint'}`;
  const keys = names(c.keys);
  switch (c.contype) {
    case 'CONSTR_FOREIGN': {
      const pk = ref(c.pktable);
      const form: Form = c.skip_validation ? 'ADD FOREIGN KEY NOT VALID' : 'ADD FOREIGN KEY';
      const effects: Effect[] = [{ form, on: { table } }, ...(pk ? [{ form, on: { table: pk } }] : [])];
      if (c.skip_validation || !pk) return { effects, intents: [] };
      const refColumns = names(c.pk_attrs);
      const intent: Intent = {
        kind: 'orphans',
        table,
        columns: names(c.fk_attrs),
        ref: pk,
        refColumns: refColumns.length > 0 ? refColumns : null,
        matchFull: c.fk_matchtype === 'f',
        what: `foreign key ${what}`,
      };
      return { effects, intents: [intent] };
    }
    case 'CONSTR_CHECK':
      return {
        effects: [{ form: c.skip_validation ? 'ADD CHECK NOT VALID' : 'ADD CHECK', on: { table } }],
        intents: c.skip_validation ? [] : [{ kind: 'not-verified', table, reason: `CHECK ${what}: the expression is not evaluated` }],
      };
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY': {
      const primary = c.contype === 'CONSTR_PRIMARY';
      const label = `${primary ? 'primary key' : 'unique constraint'} ${what}`;
      if (c.indexname) {
        // USING INDEX: the index already proves uniqueness; a primary key still needs NOT NULL.
        const intents: Intent[] = primary
          ? [{ kind: 'not-verified', table, reason: `${label} USING INDEX: NOT NULL of the index's columns is not checked` }]
          : [];
        return { effects: [{ form: 'ADD CONSTRAINT USING INDEX', on: { table } }], intents };
      }
      const intents: Intent[] = [{ kind: 'duplicates', table, columns: keys, nullsDistinct: c.nulls_not_distinct !== true, what: label }];
      if (primary) intents.push({ kind: 'nulls', table, columns: keys, what: label });
      return { effects: [{ form: 'ADD UNIQUE / PRIMARY KEY', on: { table } }], intents };
    }
    default:
      return { effects: [{ form: 'ALTER TABLE (other)', on: { table } }], intents: [] };
  }
}
