import type { AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, Constraint, Node } from 'libpg-query';
import { objectKind, objectWord, quoteIdent, relationName, roleName, strings } from './sql-names.js';
import { onNewRelation, strongest, type EarlierStatements, type StatementFinding, type StatementVerdict } from './sql-verdict.js';

// ALTER TABLE (and ALTER INDEX / VIEW / SEQUENCE / TYPE, which share the node): one finding
// per subcommand, the statement takes the most severe. The rules are in classify.ts's table.

/** Subcommands that change no data, take no long lock and reduce nobody's access. */
const HARMLESS = new Set<AlterTableType>([
  'AT_ColumnDefault',
  'AT_CookedColumnDefault',
  'AT_DropNotNull',
  'AT_SetStatistics',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_ValidateConstraint', // checks rows under SHARE UPDATE EXCLUSIVE: writes go on
  'AT_AlterConstraint',
  'AT_ClusterOn',
  'AT_DropCluster',
  'AT_SetRelOptions',
  'AT_ResetRelOptions',
  'AT_ReplaceRelOptions',
  'AT_EnableTrig',
  'AT_EnableAlwaysTrig',
  'AT_EnableReplicaTrig',
  'AT_DisableTrig',
  'AT_EnableTrigAll',
  'AT_DisableTrigAll',
  'AT_EnableTrigUser',
  'AT_DisableTrigUser',
  'AT_EnableRule',
  'AT_EnableAlwaysRule',
  'AT_EnableReplicaRule',
  'AT_DisableRule',
  'AT_DisableRowSecurity',
  'AT_NoForceRowSecurity',
  'AT_ReplicaIdentity',
  'AT_GenericOptions',
  'AT_AlterColumnGenericOptions',
  'AT_AddIdentity', // existing rows keep their values: no rewrite
  'AT_SetIdentity',
  'AT_DropIdentity',
  'AT_DropExpression', // the column keeps its stored values
  'AT_AddInherit',
  'AT_DropInherit',
  'AT_AddOf',
  'AT_DropOf',
  'AT_DetachPartitionFinalize',
  'AT_AddColumnToView',
]);

const SERIAL_TYPES = new Set(['smallserial', 'serial', 'bigserial', 'serial2', 'serial4', 'serial8']);
/** Non-volatile functions common in defaults: a default made of these and constants needs no rewrite. */
const STABLE_FUNCTIONS = new Set(['now', 'transaction_timestamp', 'statement_timestamp']);

export function alterTable(stmt: AlterTableStmt, ctx: EarlierStatements): StatementVerdict {
  const on = `${objectWord(stmt.objtype)} ${relationName(stmt.relation)}`;
  const isNew = ctx.isNew(stmt.relation);
  const findings = (stmt.cmds ?? []).flatMap((n) => ('AlterTableCmd' in n ? [command(n.AlterTableCmd, on)] : []));
  const top = strongest(findings.map((f) => (isNew ? onNewRelation(f, relationName(stmt.relation)) : f)));
  const others = findings.length - 1;
  return {
    kind: `ALTER ${objectKind(stmt.objtype)}`,
    class: top?.class ?? 'safe',
    reason: top ? `${top.reason}${others > 0 ? ` (and ${others} other change${others > 1 ? 's' : ''})` : ''}` : `alters ${on}`,
  };
}

function command(cmd: AlterTableCmd, on: string): StatementFinding {
  const column = `column ${quoteIdent(cmd.name ?? '')} of ${on}`;
  switch (cmd.subtype) {
    case 'AT_DropColumn':
      return { class: 'destructive', reason: `drops ${column} and the data in it` };
    case 'AT_AlterColumnType':
      return {
        class: 'destructive',
        reason: `changes the type of ${column}: values can be converted lossily or rejected, and the table may be rewritten under an exclusive lock`,
      };
    case 'AT_DropConstraint':
      return { class: 'destructive', reason: `drops constraint ${quoteIdent(cmd.name ?? '')} of ${on}: the rule it enforced is lost` };
    case 'AT_SetNotNull':
      return locking(`sets ${column} NOT NULL`, 'every row is scanned while writes wait');
    case 'AT_AddConstraint':
      return addConstraint(cmd.def, on);
    case 'AT_AddColumn':
      return addColumn(cmd.def, on);
    case 'AT_SetExpression':
      return locking(`changes the generation expression of ${column}`, 'the table is rewritten while reads and writes wait');
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      return locking(`changes whether ${on} is WAL-logged`, 'the table is rewritten while reads and writes wait');
    case 'AT_SetTableSpace':
    case 'AT_SetAccessMethod':
      return locking(
        `moves ${on} to another ${cmd.subtype === 'AT_SetTableSpace' ? 'tablespace' : 'access method'}`,
        'it is rewritten while reads and writes wait',
      );
    case 'AT_AttachPartition':
      return locking(
        `attaches a partition to ${on}`,
        'the partition is scanned to check its bounds unless a constraint already proves them',
      );
    case 'AT_DetachPartition':
      return partitionCmdConcurrent(cmd.def)
        ? { class: 'safe', reason: `detaches a partition from ${on} concurrently` }
        : locking(`detaches a partition from ${on}`, 'reads and writes of the table wait for the lock (DETACH … CONCURRENTLY avoids it)');
    case 'AT_EnableRowSecurity':
      return access(`enables row-level security on ${on}`, 'roles other than its owner see only the rows a policy allows');
    case 'AT_ForceRowSecurity':
      return access(`forces row-level security on ${on}`, 'its owner too sees only the rows a policy allows');
    case 'AT_ChangeOwner':
      // Ownership transfer: the new owner gets every right (widening), the old one loses them.
      // Kept even on a table new in the plan: the new owner still gets it.
      return {
        class: 'access-widening',
        reason: `makes ${roleName(cmd.newowner)} the owner of ${on}: it gets every right on it (an ownership transfer widens access), and the previous owner loses the rights it held as owner`,
      };
    default:
      if (cmd.subtype !== undefined && HARMLESS.has(cmd.subtype)) return { class: 'safe', reason: `alters ${on}` };
      // Unknown or internal subcommands (AT_AddIndex, AT_ReAdd…): assume the usual exclusive lock.
      return locking(`alters ${on} (${cmd.subtype ?? 'unknown change'})`, 'reads and writes of the table wait for an exclusive lock');
  }
}

const CONSTRAINT_WORDS: Partial<Record<NonNullable<Constraint['contype']>, string>> = {
  CONSTR_CHECK: 'check constraint',
  CONSTR_FOREIGN: 'foreign key',
  CONSTR_UNIQUE: 'unique constraint',
  CONSTR_PRIMARY: 'primary key',
  CONSTR_EXCLUSION: 'exclusion constraint',
};

function addConstraint(def: Node | undefined, on: string): StatementFinding {
  const c = def && 'Constraint' in def ? def.Constraint : {};
  const word = (c.contype && CONSTRAINT_WORDS[c.contype]) ?? 'constraint';
  const action = `adds ${word}${c.conname ? ` ${quoteIdent(c.conname)}` : ''} to ${on}`;
  switch (c.contype) {
    case 'CONSTR_CHECK':
    case 'CONSTR_FOREIGN':
      if (c.skip_validation)
        return { class: 'safe', reason: `${action} NOT VALID: existing rows are checked later, by VALIDATE CONSTRAINT` };
      return locking(action, 'every row is checked while writes wait (add it NOT VALID, then VALIDATE CONSTRAINT)');
    case 'CONSTR_UNIQUE':
      if (c.indexname) return { class: 'safe', reason: `${action} using the existing index ${quoteIdent(c.indexname)}` };
      return locking(action, 'its index is built while writes wait (build it first with CREATE UNIQUE INDEX CONCURRENTLY)');
    case 'CONSTR_PRIMARY':
      if (c.indexname)
        return locking(
          `${action} using the existing index ${quoteIdent(c.indexname)}`,
          'columns not yet NOT NULL are scanned while writes wait',
        );
      return locking(action, 'its index is built while writes wait');
    default:
      return locking(action, 'the table is checked or indexed while writes wait');
  }
}

function addColumn(def: Node | undefined, on: string): StatementFinding {
  const col: ColumnDef = def && 'ColumnDef' in def ? def.ColumnDef : {};
  const action = `adds column ${quoteIdent(col.colname ?? '')} to ${on}`;
  const rewrite = 'filling it rewrites the table while reads and writes wait';
  if (SERIAL_TYPES.has(strings(col.typeName?.names).at(-1) ?? '')) return locking(`${action} with a serial type`, rewrite);
  for (const n of col.constraints ?? []) {
    const c = 'Constraint' in n ? n.Constraint : {};
    switch (c.contype) {
      case 'CONSTR_GENERATED':
        return locking(`${action} as a stored generated column`, rewrite);
      case 'CONSTR_IDENTITY':
        return locking(`${action} as an identity column`, rewrite);
      case 'CONSTR_DEFAULT':
        if (!nonVolatile(c.raw_expr))
          return locking(`${action} with a computed default`, 'a volatile default rewrites the table while reads and writes wait');
        break;
      case 'CONSTR_PRIMARY':
      case 'CONSTR_UNIQUE':
      case 'CONSTR_EXCLUSION':
        return locking(`${action} with an index-backed constraint`, 'the index is built while writes wait');
      case 'CONSTR_CHECK':
      case 'CONSTR_FOREIGN':
        return locking(`${action} with a ${CONSTRAINT_WORDS[c.contype]}`, 'every row is checked while writes wait');
      default:
        break;
    }
  }
  return { class: 'safe', reason: action };
}

/**
 * True when the expression is certainly not volatile, so PostgreSQL stores a default once
 * instead of rewriting every row: constants, casts, arrays and operators over them, and a few
 * stable functions. Anything else may be volatile (random(), gen_random_uuid(), nextval()).
 */
function nonVolatile(node: Node | undefined): boolean {
  if (node === undefined) return true;
  if ('A_Const' in node || 'SQLValueFunction' in node) return true;
  if ('TypeCast' in node) return nonVolatile(node.TypeCast.arg);
  if ('A_ArrayExpr' in node) return (node.A_ArrayExpr.elements ?? []).every(nonVolatile);
  if ('A_Expr' in node) return nonVolatile(node.A_Expr.lexpr) && nonVolatile(node.A_Expr.rexpr);
  if ('FuncCall' in node) {
    const name = strings(node.FuncCall.funcname).at(-1) ?? '';
    return STABLE_FUNCTIONS.has(name) && (node.FuncCall.args ?? []).every(nonVolatile);
  }
  return false;
}

function partitionCmdConcurrent(def: Node | undefined): boolean {
  return def !== undefined && 'PartitionCmd' in def && def.PartitionCmd.concurrent === true;
}

function locking(action: string, risk: string): StatementFinding {
  return { class: 'locking', reason: `${action}: ${risk}`, action };
}

function access(action: string, risk: string): StatementFinding {
  return { class: 'access-reducing', reason: `${action}: ${risk}`, action };
}
