import { thousands } from '../core/index.js';
import type { CheckQuery, ColumnFact, TableFacts } from '../database/index.js';
import { formatSpec, INTEGER_RANGES, parseFormatType, STRING_TYPES, typeChangeRewrites, type TypeSpec } from './column-types.js';
import type { Intent } from './statements.js';

// An intent ("this statement fails if …") and the live facts of its table → either a bounded
// query to run, or an answer without one: passes, fails (e.g. NOT NULL column without a default
// on a non-empty table), or not verified / not checked with the reason.

export type Resolution =
  { run: CheckQuery; describe: (count: string) => string } | { pass: true } | { fails: string } | { unchecked: string };

export interface ResolveContext {
  table: TableFacts | undefined;
  /** The referenced table of a foreign key: facts, or 'created' when the plan creates it. */
  ref?: TableFacts | 'created' | undefined;
  serverVersionNum: number | null;
  scanLimitRows: number;
}

const count = thousands;

/** What to do about one intent, given the facts. */
export function resolveIntent(intent: Intent, ctx: ResolveContext): Resolution {
  if (intent.kind === 'not-verified') return { unchecked: `not verified: ${intent.reason}` };
  const t = ctx.table;
  if (!t) return { unchecked: 'not checked: the table was not found in the database' };
  if (intent.kind === 'non-empty') {
    if (t.empty === null) return { unchecked: `not checked: ${t.unread ?? 'emptiness unknown'}` };
    if (t.empty) return { pass: true };
    const rows =
      t.rows === null ? 'rows' : `${count(t.rows)}${t.rowsAtLeast ? '+' : ''} rows${t.rowsExact || t.rowsAtLeast ? '' : ' (estimate)'}`;
    return { fails: `new column ${intent.column} is NOT NULL without a default, and the table has ${rows}` };
  }
  if (t.unread) return { unchecked: `not checked: ${t.unread}` };
  if (t.rows !== null && t.rows > ctx.scanLimitRows) {
    return {
      unchecked: `not checked: ${count(t.rows)}${t.rowsAtLeast ? '+' : ''} rows, above the scan limit of ${count(ctx.scanLimitRows)} rows`,
    };
  }
  if (t.empty === true) return { pass: true };
  const cols = (names: readonly string[]): ColumnFact[] | undefined => {
    const found = names.map((n) => t.columns.find((c) => c.name === n));
    return found.every((c): c is ColumnFact => c !== undefined) ? found : undefined;
  };
  switch (intent.kind) {
    case 'nulls': {
      const found = cols(intent.columns);
      if (!found || found.length === 0) return { unchecked: `not verified: ${intent.what}: its columns are not in the database yet` };
      const nullable = found.filter((c) => !c.notNull);
      if (nullable.length === 0) return { pass: true };
      return {
        run: { kind: 'nulls', table: t.quoted, columns: nullable.map((c) => c.quoted) },
        describe: (n) => `${intent.what}: ${n} rows have NULL in ${names(nullable)}`,
      };
    }
    case 'duplicates': {
      const found = cols(intent.columns);
      if (!found || found.length === 0) return { unchecked: `not verified: ${intent.what}: its columns are not in the database yet` };
      return {
        run: { kind: 'duplicates', table: t.quoted, columns: found.map((c) => c.quoted), nullsDistinct: intent.nullsDistinct },
        describe: (n) => `${intent.what}: ${n} values of ${names(found)} occur more than once`,
      };
    }
    case 'orphans':
      return orphans(intent, t, ctx, cols);
    case 'cast':
      return cast(intent, t, ctx);
  }
}

const names = (cs: readonly ColumnFact[]): string => cs.map((c) => c.name).join(', ');

function orphans(
  intent: Extract<Intent, { kind: 'orphans' }>,
  t: TableFacts,
  ctx: ResolveContext,
  cols: (n: readonly string[]) => ColumnFact[] | undefined,
): Resolution {
  const found = cols(intent.columns);
  if (!found) return { unchecked: `not verified: ${intent.what}: its columns are not in the database yet` };
  const describe = (n: string): string => `${intent.what}: ${n} rows of ${names(found)} reference no row of ${intent.ref.name}`;
  if (ctx.ref === 'created')
    return {
      run: {
        kind: 'orphans',
        table: t.quoted,
        columns: found.map((c) => c.quoted),
        ref: null,
        refColumns: [],
        matchFull: intent.matchFull,
      },
      describe,
    };
  const ref = ctx.ref;
  if (!ref) return { unchecked: `not verified: ${intent.what}: the referenced table was not found` };
  if (ref.unread) return { unchecked: `not checked: the referenced table: ${ref.unread}` };
  const refNames = intent.refColumns ?? ref.primaryKey;
  const refCols = refNames.map((n) => ref.columns.find((c) => c.name === n));
  if (refCols.length !== found.length || !refCols.every((c): c is ColumnFact => c !== undefined)) {
    return { unchecked: `not verified: ${intent.what}: the referenced columns are not in the database yet` };
  }
  return {
    run: {
      kind: 'orphans',
      table: t.quoted,
      columns: found.map((c) => c.quoted),
      ref: ref.quoted,
      refColumns: refCols.map((c) => c.quoted),
      matchFull: intent.matchFull,
    },
    describe,
  };
}

function cast(intent: Extract<Intent, { kind: 'cast' }>, t: TableFacts, ctx: ResolveContext): Resolution {
  const col = t.columns.find((c) => c.name === intent.column);
  if (!col) return { unchecked: `not verified: type change of ${intent.column}: the column is not in the database yet` };
  const from = parseFormatType(col.type);
  const to = intent.target;
  const label = `type change of ${col.name} to ${formatSpec(to)}`;
  if (!typeChangeRewrites(from, to)) return { pass: true };
  if (from.array || to.array) return { unchecked: `not verified: ${label}: array casts are not tested` };
  const base = { table: t.quoted, column: col.quoted };
  if (STRING_TYPES.has(to.base) && STRING_TYPES.has(from.base)) return lengthCheck(from, to, base, label);
  const narrow = INTEGER_RANGES[to.base];
  const wide = INTEGER_RANGES[from.base];
  if (narrow && wide) {
    if (BigInt(narrow[1]) >= BigInt(wide[1])) return { pass: true };
    return {
      run: { kind: 'out-of-range', ...base, min: narrow[0], max: narrow[1] },
      describe: (n) => `${label}: ${n} values are out of range`,
    };
  }
  if (STRING_TYPES.has(from.base)) {
    if ((ctx.serverVersionNum ?? 0) < 160000)
      return { unchecked: `not verified: ${label}: testing values needs pg_input_is_valid (PostgreSQL 16+)` };
    return {
      run: { kind: 'invalid-input', ...base, type: formatSpec(to) },
      describe: (n) => `${label}: ${n} values are not valid ${formatSpec(to)}`,
    };
  }
  return { unchecked: `not verified: ${label}: a cast from ${col.type} is not tested` };
}

function lengthCheck(from: TypeSpec, to: TypeSpec, base: { table: string; column: string }, label: string): Resolution {
  const max = to.base === 'text' ? undefined : (to.mods[0] ?? (to.base === 'character' ? 1 : undefined));
  if (max === undefined || (from.base !== 'text' && from.mods.length > 0 && (from.mods[0] ?? 0) <= max)) return { pass: true };
  return { run: { kind: 'too-long', ...base, length: max }, describe: (n) => `${label}: ${n} values are longer than ${max} characters` };
}
