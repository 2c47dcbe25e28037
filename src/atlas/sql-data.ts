import type { Node, WithClause } from 'libpg-query';
import { listed, qualified, relationName, strings } from './sql-names.js';
import { destructive, safe, type StatementVerdict } from './sql-verdict.js';

// Statements that read, write or maintain rows rather than define objects: DML, TRUNCATE, code
// blocks, and the maintenance commands that rewrite or lock tables.

/** The verdict for a data or maintenance statement; undefined for any other statement. */
export function dataOrMaintenance(node: Node): StatementVerdict | undefined {
  return data(node) ?? maintenance(node);
}

/** Statements that read or write rows, or run code. */
function data(node: Node): StatementVerdict | undefined {
  if ('TruncateStmt' in node) {
    const tables = listed((node.TruncateStmt.relations ?? []).map((n) => ('RangeVar' in n ? relationName(n.RangeVar) : 'a table')));
    return destructive('TRUNCATE', `empties ${tables}: every row is removed`);
  }
  if ('DeleteStmt' in node) {
    const s = node.DeleteStmt;
    return destructive('DELETE', `deletes ${s.whereClause ? 'rows' : 'every row'} of ${relationName(s.relation)}`);
  }
  if ('UpdateStmt' in node) {
    const s = node.UpdateStmt;
    return destructive('UPDATE', `overwrites values in ${s.whereClause ? 'rows' : 'every row'} of ${relationName(s.relation)}`);
  }
  if ('MergeStmt' in node)
    return destructive('MERGE', `merges into ${relationName(node.MergeStmt.relation)}: rows can be updated or deleted`);
  if ('InsertStmt' in node) {
    const s = node.InsertStmt;
    const table = relationName(s.relation);
    if (s.onConflictClause?.action === 'ONCONFLICT_UPDATE')
      return destructive('INSERT', `inserts into ${table} and overwrites the rows it conflicts with (ON CONFLICT DO UPDATE)`);
    return modifyingWith(s.withClause, 'INSERT') ?? safe('INSERT', `inserts rows into ${table}`);
  }
  if ('SelectStmt' in node) {
    const s = node.SelectStmt;
    const into = s.intoClause
      ? safe('SELECT INTO', `creates table ${relationName(s.intoClause.rel)} from a query`)
      : safe('SELECT', 'runs a query');
    return modifyingWith(s.withClause, 'SELECT') ?? into;
  }
  if ('DoStmt' in node) return destructive('DO', 'runs an anonymous code block, whose effects cannot be checked');
  if ('CallStmt' in node) {
    const name = qualified(strings(node.CallStmt.funccall?.funcname));
    return destructive('CALL', `calls procedure ${name}, whose effects cannot be checked`);
  }
  return undefined;
}

/** Maintenance commands: most rewrite or lock a table. */
function maintenance(node: Node): StatementVerdict | undefined {
  if ('RefreshMatViewStmt' in node) {
    const s = node.RefreshMatViewStmt;
    const action = `refreshes materialized view ${relationName(s.relation)}`;
    if (s.concurrent) return safe('REFRESH MATERIALIZED VIEW', `${action} concurrently`);
    return {
      class: 'locking',
      kind: 'REFRESH MATERIALIZED VIEW',
      reason: `${action}: reads of it wait until the refresh ends (CONCURRENTLY avoids it)`,
    };
  }
  if ('VacuumStmt' in node) {
    const s = node.VacuumStmt;
    const full = (s.options ?? []).some((n) => 'DefElem' in n && n.DefElem.defname === 'full');
    const kind = s.is_vacuumcmd ? 'VACUUM' : 'ANALYZE';
    if (full) return { class: 'locking', kind, reason: 'VACUUM FULL rewrites each table while reads and writes wait' };
    return safe(kind, s.is_vacuumcmd ? 'vacuums tables' : 'collects statistics');
  }
  if ('ClusterStmt' in node)
    return {
      class: 'locking',
      kind: 'CLUSTER',
      reason: `rewrites ${relationName(node.ClusterStmt.relation)} in index order while reads and writes wait`,
    };
  if ('ReindexStmt' in node) {
    const s = node.ReindexStmt;
    if ((s.params ?? []).some((n) => 'DefElem' in n && n.DefElem.defname === 'concurrently'))
      return safe('REINDEX', 'rebuilds indexes concurrently');
    return { class: 'locking', kind: 'REINDEX', reason: 'rebuilds indexes while writes to their tables wait (CONCURRENTLY avoids it)' };
  }
  if ('LockStmt' in node) {
    const tables = listed((node.LockStmt.relations ?? []).map((n) => ('RangeVar' in n ? relationName(n.RangeVar) : 'a table')));
    return { class: 'locking', kind: 'LOCK', reason: `locks ${tables} explicitly until the transaction ends` };
  }
  return undefined;
}

/** Data-modifying statements in WITH (only allowed at the top level) make the whole statement modify data. */
function modifyingWith(w: WithClause | undefined, kind: string): StatementVerdict | undefined {
  for (const n of w?.ctes ?? []) {
    const q = 'CommonTableExpr' in n ? n.CommonTableExpr.ctequery : undefined;
    if (q === undefined) continue;
    if ('DeleteStmt' in q || 'UpdateStmt' in q || 'MergeStmt' in q) {
      return destructive(kind, `${dataOrMaintenance(q)?.reason ?? 'modifies rows'}, inside a WITH clause`);
    }
  }
  return undefined;
}
