import type { Node, TypeName } from 'libpg-query';

// Column types as the catalog prints them (format_type) and as a statement names them (a
// parse tree's TypeName), reduced to one comparable shape, and the type changes PostgreSQL 17
// makes without a rewrite. ALTER TABLE's Notes (https://www.postgresql.org/docs/17/sql-altertable.html):
// "changing the type of an existing column will require the entire table and its indexes to
// be rewritten", except when "the old type is either binary coercible to the new type or an
// unconstrained domain over the new type"; the length/precision support functions
// (varchar_support, numeric_support, varbit_support, timestamp_support) also drop a coercion
// that cannot change a value. Anything not listed here counts as a rewrite.

export interface TypeSpec {
  /** Canonical base name as format_type prints it ("character varying", "integer"). */
  base: string;
  /** Type modifiers (length, precision, scale); empty when unconstrained. */
  mods: number[];
  array: boolean;
}

// pg_catalog's internal names (what the parser produces) → format_type's names.
const CANONICAL: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  varchar: 'character varying',
  bpchar: 'character',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  time: 'time without time zone',
  timetz: 'time with time zone',
  varbit: 'bit varying',
  decimal: 'numeric',
};

export const STRING_TYPES = new Set(['text', 'character varying', 'character']);
export const INTEGER_RANGES: Record<string, readonly [string, string]> = {
  smallint: ['-32768', '32767'],
  integer: ['-2147483648', '2147483647'],
  bigint: ['-9223372036854775808', '9223372036854775807'],
};
const WIDENS_WITHOUT_REWRITE = new Set([
  'character varying',
  'numeric',
  'bit varying',
  'timestamp without time zone',
  'timestamp with time zone',
  'time without time zone',
  'time with time zone',
]);

/** format_type output ("character varying(20)", "timestamp(3) with time zone", "integer[]"). */
export function parseFormatType(text: string): TypeSpec {
  const m = /^(.*?)(?:\((\d+)(?:,(\d+))?\))?( with(?:out)? time zone)?((?:\[\])*)$/.exec(text);
  if (!m) return { base: text, mods: [], array: false };
  const mods = [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number);
  return { base: `${m[1] ?? ''}${m[4] ?? ''}`, mods, array: (m[5] ?? '') !== '' };
}

/** A statement's type name, or undefined when it is not a built-in type with constant modifiers. */
export function fromTypeName(t: TypeName | undefined): TypeSpec | undefined {
  const names = (t?.names ?? []).flatMap((n) => ('String' in n ? [n.String.sval ?? ''] : []));
  const last = names.at(-1);
  if (last === undefined || (names.length > 1 && names[0] !== 'pg_catalog')) return undefined;
  const mods: number[] = [];
  for (const m of t?.typmods ?? []) {
    const value = intConst(m);
    if (value === undefined) return undefined;
    mods.push(value);
  }
  return { base: CANONICAL[last] ?? last, mods, array: (t?.arrayBounds ?? []).length > 0 };
}

function intConst(n: Node): number | undefined {
  return 'A_Const' in n && n.A_Const.ival !== undefined ? (n.A_Const.ival.ival ?? 0) : undefined;
}

/** The name pg_input_is_valid and a reader understand: "numeric(10,2)", "timestamp(3) with time zone". */
export function formatSpec(t: TypeSpec): string {
  const mods = t.mods.length > 0 ? `(${t.mods.join(',')})` : '';
  const zone = / with(?:out)? time zone$/.exec(t.base);
  const base = zone ? t.base.slice(0, zone.index) : t.base;
  return `${base}${mods}${zone ? zone[0] : ''}${t.array ? '[]' : ''}`;
}

/** True when PostgreSQL rewrites the table to change a column from `from` to `to`. */
export function typeChangeRewrites(from: TypeSpec, to: TypeSpec): boolean {
  if (from.array !== to.array) return true;
  if (from.base === to.base) {
    if (sameMods(from.mods, to.mods)) return false;
    if (!WIDENS_WITHOUT_REWRITE.has(from.base) || from.array) return true;
    if (to.mods.length === 0) return false;
    if (from.mods.length === 0) return true;
    // numeric(p,s): a larger precision with the same scale; others: a larger length/precision.
    return !((to.mods[0] ?? 0) >= (from.mods[0] ?? 0) && (to.mods[1] ?? 0) === (from.mods[1] ?? 0));
  }
  if (from.array) return true;
  // varchar → text and text → unconstrained varchar are binary coercible; so is cidr → inet.
  if (from.base === 'character varying' && to.base === 'text') return false;
  if (from.base === 'text' && to.base === 'character varying' && to.mods.length === 0) return false;
  return !(from.base === 'cidr' && to.base === 'inet');
}

function sameMods(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
