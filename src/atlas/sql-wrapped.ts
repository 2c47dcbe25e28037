import type { CopyStmt, ExplainStmt, Node } from 'libpg-query';
import { quoteIdent, relationName } from './sql-names.js';
import { destructive, safe, unknown, type EarlierStatements, type StatementVerdict } from './sql-verdict.js';

// Statements that carry another statement: EXPLAIN (ANALYZE runs it), PREPARE (EXECUTE runs
// it, maybe much later in the plan) and COPY (query) TO. Each takes the class of what it
// carries, so that a DELETE cannot hide behind them. `inner` classifies the carried statement
// with the same rules (sql-rules.ts passes itself, which keeps the imports one-way).

type Inner = (node: Node) => StatementVerdict;

/**
 * EXPLAIN ANALYZE runs the statement; plain EXPLAIN only plans it, but planning can already
 * run functions (constant folding of immutable ones), so both take the inner statement's class.
 */
export function explain(s: ExplainStmt, inner: Inner): StatementVerdict {
  const analyze = (s.options ?? []).some((n) => 'DefElem' in n && n.DefElem.defname === 'analyze' && isOn(n.DefElem.arg));
  if (s.query === undefined) return unknown('EXPLAIN', 'explains a statement the parser did not show');
  const v = inner(s.query);
  const how = analyze ? 'runs and explains a statement that' : 'plans a statement (without running it, but counted as if it ran) that';
  return { ...v, kind: `EXPLAIN${analyze ? ' ANALYZE' : ''} ${v.kind}`, reason: `${how} ${v.reason}` };
}

function isOn(arg: Node | undefined): boolean {
  if (arg === undefined) return true;
  const text =
    'String' in arg
      ? arg.String.sval
      : 'Boolean' in arg
        ? String(arg.Boolean.boolval === true)
        : 'Integer' in arg
          ? String(arg.Integer.ival ?? 0)
          : 'on';
  return !['off', 'false', 'no', '0', 'f', 'n'].includes((text ?? '').toLowerCase());
}

/**
 * PREPARE runs nothing, but takes the class of what it prepares: the EXECUTE that runs it may
 * be anywhere later, and a reviewer reads the risk where the statement is written.
 */
export function prepare(name: string, query: Node | undefined, inner: Inner): StatementVerdict {
  if (query === undefined) return unknown('PREPARE', `prepares ${quoteIdent(name)} from a statement the parser did not show`);
  const v = inner(query);
  return { ...v, kind: `PREPARE ${v.kind}`, reason: `prepares ${quoteIdent(name)}, which EXECUTE runs later and which ${v.reason}` };
}

/** EXECUTE takes the class of the statement an earlier PREPARE of the plan gave that name; unknown otherwise. */
export function executePrepared(name: string, ctx: EarlierStatements): StatementVerdict {
  const v = ctx.prepared(name);
  if (v === undefined) {
    return unknown(
      'EXECUTE',
      `runs prepared statement ${quoteIdent(name)}, which no earlier statement of this plan prepares: what it does cannot be checked`,
    );
  }
  return {
    ...v,
    kind: `EXECUTE ${v.kind.replace(/^PREPARE /, '')}`,
    reason: `runs prepared statement ${quoteIdent(name)}, which ${v.reason}`,
  };
}

/**
 * COPY (query) TO takes the query's class (it may be a DELETE … RETURNING). COPY FROM loads
 * rows the plan does not show; a file or PROGRAM reads or writes the server's disk or runs a
 * shell command there: neither can be checked from the SQL.
 */
export function copy(s: CopyStmt, inner: Inner): StatementVerdict {
  const table = s.relation ? relationName(s.relation) : 'a query';
  if (s.is_program) {
    return destructive('COPY', `runs a shell command on the database server (COPY … PROGRAM), whose effects cannot be checked`);
  }
  if (s.is_from) {
    const source = s.filename === undefined ? 'the client' : 'a file on the database server';
    return unknown('COPY', `loads rows into ${table} from ${source}: the rows are not in this plan`);
  }
  if (s.filename !== undefined) return unknown('COPY', `writes ${table} to a file on the database server, which it may overwrite`);
  if (s.query !== undefined) {
    const v = inner(s.query);
    return { ...v, kind: `COPY ${v.kind}`, reason: `copies out the result of a statement that ${v.reason}` };
  }
  return safe('COPY', `copies the rows of ${table} to the client`);
}
