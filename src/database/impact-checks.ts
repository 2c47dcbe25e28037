import { attempt, ident } from './attempt.js';
import type { ReadOnlySession } from './session.js';

// Bounded queries that predict whether a planned statement fails on today's rows. Every query
// returns one count and nothing else: no value of any row leaves the database. Identifiers are
// the server's own quote_ident() output read from the catalog (checked again here); the one
// piece of plan text that is sent, a type name, goes as a parameter to pg_input_is_valid,
// which parses it as a type name and evaluates nothing. Expressions from the plan (CHECK,
// USING, defaults, index predicates) are never sent.

/** A check over a table, with identifiers already quoted by the server. */
export type CheckQuery =
  | { kind: 'nulls'; table: string; columns: string[] }
  | { kind: 'duplicates'; table: string; columns: string[]; nullsDistinct: boolean }
  /** `ref` null: the referenced table is created by the plan, so every complete key is an orphan. */
  | { kind: 'orphans'; table: string; columns: string[]; ref: string | null; refColumns: string[]; matchFull: boolean }
  | { kind: 'invalid-input'; table: string; column: string; type: string }
  | { kind: 'too-long'; table: string; column: string; length: number }
  | { kind: 'out-of-range'; table: string; column: string; min: string; max: string };

/** `budget`: the session's time budget was spent (the phase stops starting checks). */
export type CheckOutcome = { ok: true; count: number; capped: boolean } | { ok: false; reason: string; budget?: true };

const INTEGER = /^-?\d{1,19}$/;

/** The SQL and parameters of a check; the count stops at `cap` matching rows. */
export function checkSql(q: CheckQuery, cap: number): { sql: string; params: unknown[] } {
  const limit = Math.max(1, Math.floor(cap));
  const bounded = (inner: string, params: unknown[] = []): { sql: string; params: unknown[] } => ({
    sql: `SELECT count(*)::int AS n FROM (${inner} LIMIT ${limit}) AS bounded`,
    params,
  });
  const t = ident(q.table);
  switch (q.kind) {
    case 'nulls':
      return bounded(`SELECT 1 FROM ${t} WHERE ${q.columns.map((c) => `${ident(c)} IS NULL`).join(' OR ')}`);
    case 'duplicates': {
      const cols = q.columns.map(ident);
      const where = q.nullsDistinct ? ` WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' AND ')}` : '';
      return bounded(`SELECT 1 FROM ${t}${where} GROUP BY ${cols.join(', ')} HAVING count(*) > 1`);
    }
    case 'orphans':
      return bounded(`SELECT 1 FROM ${t} AS child WHERE ${orphanCondition(q)}`);
    case 'invalid-input': {
      const c = ident(q.column);
      return bounded(`SELECT 1 FROM ${t} WHERE ${c} IS NOT NULL AND NOT pg_input_is_valid(${c}::text, $1::text)`, [q.type]);
    }
    case 'too-long': {
      const c = ident(q.column);
      return bounded(`SELECT 1 FROM ${t} WHERE char_length(rtrim(${c}::text, ' ')) > ${Math.floor(q.length)}`);
    }
    case 'out-of-range': {
      if (!INTEGER.test(q.min) || !INTEGER.test(q.max)) throw new Error('range bounds must be integers');
      const c = ident(q.column);
      return bounded(`SELECT 1 FROM ${t} WHERE ${c} < ${q.min} OR ${c} > ${q.max}`);
    }
  }
}

/** MATCH SIMPLE: a row with any NULL key is not checked. MATCH FULL: a partly NULL key fails too. */
function orphanCondition(q: Extract<CheckQuery, { kind: 'orphans' }>): string {
  const cols = q.columns.map((c) => `child.${ident(c)}`);
  const complete = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  const missing =
    q.ref === null
      ? 'true'
      : `NOT EXISTS (SELECT 1 FROM ${ident(q.ref)} AS parent WHERE ${q.refColumns.map((r, i) => `parent.${ident(r)} = ${cols[i] ?? 'NULL'}`).join(' AND ')})`;
  const failing = `(${complete} AND ${missing})`;
  return q.matchFull && cols.length > 1 ? `(${failing} OR num_nulls(${cols.join(', ')}) BETWEEN 1 AND ${cols.length - 1})` : failing;
}

/** Runs one check in its own savepoint: a timeout fails this check, not the session. */
export async function runCheck(session: ReadOnlySession, q: CheckQuery, cap: number): Promise<CheckOutcome> {
  const { sql, params } = checkSql(q, cap);
  const result = await attempt(session, () => session.query<{ n: number }>(sql, params));
  if (!result.ok) return result;
  const count = Number(result.value[0]?.n ?? 0);
  return { ok: true, count, capped: count >= cap };
}
