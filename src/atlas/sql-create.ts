import type { Node, RangeVar } from 'libpg-query';
import { objectName, qualified, quoteIdent, relationName, strings } from './sql-names.js';
import { replaces } from './sql-other.js';
import { onNewRelation, safe, type EarlierStatements, type StatementFinding, type StatementVerdict } from './sql-verdict.js';
import { createRoleWidening, securityDefiner, widened } from './sql-widening.js';

// Statements that create something (tables, indexes, functions, views, triggers, rules,
// policies). Creating is safe unless it changes how existing rows are read or written, or
// locks a table that already holds rows (see the table in classify.ts).

/** The verdict on a CREATE-like statement; undefined when `node` is none. `inner` judges an embedded query. */
export function createVerdict(node: Node, ctx: EarlierStatements, inner: (n: Node) => StatementVerdict): StatementVerdict | undefined {
  return createRelation(node, ctx, inner) ?? createOther(node, ctx);
}

const DEFINER = "SECURITY DEFINER: whoever may call it runs it with its owner's privileges";

/** Tables, indexes, views and sequences. */
function createRelation(node: Node, ctx: EarlierStatements, inner: (n: Node) => StatementVerdict): StatementVerdict | undefined {
  if ('CreateStmt' in node) return safe('CREATE TABLE', `creates table ${relationName(node.CreateStmt.relation)}`);
  if ('IndexStmt' in node) {
    const s = node.IndexStmt;
    const action = `builds ${s.unique ? 'unique ' : ''}index ${s.idxname ? `${quoteIdent(s.idxname)} ` : ''}on ${relationName(s.relation)}`;
    if (s.concurrent) return safe('CREATE INDEX', `${action} concurrently`);
    return onNew(ctx, s.relation, 'CREATE INDEX', {
      class: 'locking',
      reason: `${action} without CONCURRENTLY: writes to the table wait until the build ends`,
      action,
    });
  }
  if ('ViewStmt' in node) {
    const s = node.ViewStmt;
    if (s.replace) return replaces('CREATE VIEW', `view ${relationName(s.view)}`);
    return safe('CREATE VIEW', `creates view ${relationName(s.view)}`);
  }
  if ('CreateTableAsStmt' in node) {
    const s = node.CreateTableAsStmt;
    const matview = s.objtype === 'OBJECT_MATVIEW';
    const name = relationName(s.into?.rel);
    // The query runs now: a DELETE in its WITH clause deletes.
    const query = s.query === undefined ? undefined : inner(s.query);
    if (query !== undefined && query.class !== 'safe') return { ...query, kind: matview ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS' };
    return safe(
      matview ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS',
      matview ? `creates materialized view ${name}` : `creates table ${name} from a query`,
    );
  }
  if ('CreateSeqStmt' in node) return safe('CREATE SEQUENCE', `creates sequence ${relationName(node.CreateSeqStmt.sequence)}`);
  return undefined;
}

/** Functions, schemas, roles, extensions, triggers; then createAttached. */
function createOther(node: Node, ctx: EarlierStatements): StatementVerdict | undefined {
  if ('CreateFunctionStmt' in node) {
    const s = node.CreateFunctionStmt;
    const word = s.is_procedure ? 'procedure' : 'function';
    const name = qualified(strings(s.funcname));
    const kind = `CREATE ${word.toUpperCase()}`;
    if (securityDefiner(s.options)) {
      return {
        class: 'access-widening',
        kind,
        reason: widened(`${s.replace ? 'creates or replaces' : 'creates'} ${word} ${name}`, [DEFINER]),
      };
    }
    if (s.replace) return replaces(kind, `${word} ${name}`);
    return safe(kind, `creates ${word} ${name}`);
  }
  if ('CreateSchemaStmt' in node) return safe('CREATE SCHEMA', `creates schema ${quoteIdent(node.CreateSchemaStmt.schemaname ?? '')}`);
  if ('CreateRoleStmt' in node) {
    const what = `creates role ${quoteIdent(node.CreateRoleStmt.role ?? '')}`;
    const widening = createRoleWidening(node.CreateRoleStmt);
    if (widening.length > 0) return { class: 'access-widening', kind: 'CREATE ROLE', reason: widened(what, widening) };
    return safe('CREATE ROLE', what);
  }
  if ('AlterFunctionStmt' in node && securityDefiner(node.AlterFunctionStmt.actions)) {
    const fn = objectName({ ObjectWithArgs: node.AlterFunctionStmt.func ?? {} }, 'OBJECT_FUNCTION');
    return { class: 'access-widening', kind: 'ALTER FUNCTION', reason: widened(`changes function ${fn}`, [DEFINER]) };
  }
  if ('CreateExtensionStmt' in node)
    return safe('CREATE EXTENSION', `installs extension ${quoteIdent(node.CreateExtensionStmt.extname ?? '')}`);
  if ('CreateTrigStmt' in node) {
    const s = node.CreateTrigStmt;
    const trigger = `trigger ${quoteIdent(s.trigname ?? '')} on ${relationName(s.relation)}`;
    if (s.replace) return replaces('CREATE TRIGGER', trigger);
    return safe('CREATE TRIGGER', `creates ${trigger}`);
  }
  return createAttached(node, ctx);
}

/** What attaches to a table and changes how its rows are read or written: rules, policies. */
function createAttached(node: Node, ctx: EarlierStatements): StatementVerdict | undefined {
  if ('RuleStmt' in node) {
    const s = node.RuleStmt;
    const event = (s.event ?? 'CMD_UNKNOWN').replace(/^CMD_/, '');
    const action = `${s.replace ? 'creates or replaces' : 'creates'} rule ${quoteIdent(s.rulename ?? '')} on ${relationName(s.relation)}`;
    const what = s.instead
      ? `every ${event} on it does something else instead (DO INSTEAD)`
      : `every ${event} on it also does more (DO ALSO)`;
    return onNew(ctx, s.relation, 'CREATE RULE', { class: 'behaviour-change', reason: `${action}: ${what}`, action });
  }
  if ('CreatePolicyStmt' in node) {
    const s = node.CreatePolicyStmt;
    const action = `creates ${s.permissive ? '' : 'restrictive '}policy ${quoteIdent(s.policy_name ?? '')} on ${relationName(s.table)}`;
    if (s.permissive) return safe('CREATE POLICY', action);
    const risk = 'rows it rejects are hidden from the roles it applies to, whatever other policies allow';
    return onNew(ctx, s.table, 'CREATE POLICY', { class: 'access-reducing', reason: `${action}: ${risk}`, action });
  }
  if ('AlterPolicyStmt' in node) {
    const s = node.AlterPolicyStmt;
    const action = `changes policy ${quoteIdent(s.policy_name ?? '')} on ${relationName(s.table)}`;
    return onNew(ctx, s.table, 'ALTER POLICY', {
      class: 'access-reducing',
      reason: `${action}: roles may see or change fewer rows`,
      action,
    });
  }
  return undefined;
}

/** A finding about an existing relation, milder when the relation is created in the same plan. */
export function onNew(ctx: EarlierStatements, rel: RangeVar | undefined, kind: string, finding: StatementFinding): StatementVerdict {
  const f = ctx.isNew(rel) ? onNewRelation(finding, relationName(rel)) : finding;
  return { class: f.class, kind, reason: f.reason };
}
