import type { Node } from 'libpg-query';
import { objectKind, relationName } from './sql-names.js';
import { destructive, safe, unknown, type StatementVerdict } from './sql-verdict.js';

// Statement kinds without a rule of their own (sql-rules.ts routes them here), and the
// behaviour-change verdict of CREATE OR REPLACE.

/**
 * Statements no rule above names. A DROP of some other kind loses an object. The rest is
 * decided by kind: a list of kinds known to be harmless, of kinds that change how something
 * behaves, of kinds that change the session; any other kind, including kinds a later
 * PostgreSQL adds, is unknown rather than safe.
 */
export function otherStatement(node: Node): StatementVerdict {
  const type = Object.keys(node)[0] ?? 'statement';
  const kind =
    'DefineStmt' in node
      ? `CREATE ${objectKind(node.DefineStmt.kind)}`
      : (KINDS[type] ??
        type
          .replace(/Stmt$/, '')
          .replace(/([a-z])([A-Z])/g, '$1 $2')
          .toUpperCase());
  if (type.startsWith('Drop')) return destructive(kind, `a ${kind} statement: what it drops is lost`);
  if ('AlterSeqStmt' in node && (node.AlterSeqStmt.options ?? []).some((n) => 'DefElem' in n && n.DefElem.defname === 'restart')) {
    return destructive(
      kind,
      `restarts sequence ${relationName(node.AlterSeqStmt.sequence)}: its current value is lost and values it gave out come again`,
    );
  }
  if (HARMLESS_KINDS.has(type)) return safe(kind, `a ${kind} statement: no rule for lost data, lost access or long locks applies`);
  if (type in BEHAVIOUR_KINDS) return { class: 'behaviour-change', kind, reason: `a ${kind} statement: ${BEHAVIOUR_KINDS[type]}` };
  if (type in SESSION_KINDS) return { class: 'session', kind, reason: `a ${kind} statement: ${SESSION_KINDS[type]}` };
  return unknown(kind, `a ${kind} statement: no rule knows what it does, so it is not counted as safe`);
}

/** Kinds that create or adjust objects without touching data, access or locks (beyond the rules above). */
const HARMLESS_KINDS = new Set([
  'DefineStmt',
  'CompositeTypeStmt',
  'CreateEnumStmt',
  'CreateRangeStmt',
  'CreateDomainStmt',
  'CreatedbStmt',
  'CreateTableSpaceStmt',
  'CreateCastStmt',
  'CreateConversionStmt',
  'CreateOpClassStmt',
  'CreateOpFamilyStmt',
  'AlterOpFamilyStmt',
  'CreatePLangStmt',
  'CreateFdwStmt',
  'CreateForeignServerStmt',
  'CreateForeignTableStmt',
  'CreateUserMappingStmt',
  'CreateStatsStmt',
  'AlterStatsStmt',
  'CreateAmStmt',
  'CreateTransformStmt',
  'SecLabelStmt',
  'AlterCollationStmt',
  'AlterTSDictionaryStmt',
  'AlterTSConfigurationStmt',
  'AlterTypeStmt',
  'AlterOperatorStmt',
  'AlterSeqStmt',
  'AlterTableSpaceOptionsStmt',
  'AlterDatabaseRefreshCollStmt',
  'AlterFdwStmt',
  'AlterForeignServerStmt',
  'AlterUserMappingStmt',
  'ImportForeignSchemaStmt',
  'VariableShowStmt',
  'CheckPointStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'DeallocateStmt',
  'ConstraintsSetStmt',
]);

/** Kinds that change what existing code or events do. */
const BEHAVIOUR_KINDS: Record<string, string> = {
  AlterFunctionStmt: 'changes how an existing function runs (its security, settings or volatility)',
  AlterExtensionStmt: "updates an extension: its scripts replace the extension's functions and objects",
  CreateEventTrigStmt: 'runs a function on every DDL command of the database from now on',
  AlterEventTrigStmt: 'switches an event trigger on or off',
};

/** Kinds that change the transaction or session the rest of the plan runs in. */
const SESSION_KINDS: Record<string, string> = {
  TransactionStmt:
    'ends, starts or rolls back part of the transaction the plan runs in: later statements no longer commit or fail with the earlier ones',
  DiscardStmt: 'resets the session (settings, prepared statements, temporary tables)',
};

/** "CREATE OR REPLACE": whatever uses the old definition now runs the new one. */
export function replaces(kind: string, what: string): StatementVerdict {
  return {
    class: 'behaviour-change',
    kind,
    reason: `creates or replaces ${what}: if it already exists, whatever uses it gets the new definition from now on`,
  };
}

const KINDS: Record<string, string> = {
  VariableShowStmt: 'SHOW',
  TransactionStmt: 'TRANSACTION',
  CompositeTypeStmt: 'CREATE TYPE',
  CreateEnumStmt: 'CREATE TYPE',
  CreateRangeStmt: 'CREATE TYPE',
  CreateDomainStmt: 'CREATE DOMAIN',
  CreatedbStmt: 'CREATE DATABASE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  AlterSeqStmt: 'ALTER SEQUENCE',
  AlterFunctionStmt: 'ALTER FUNCTION',
};
