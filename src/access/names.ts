import type { ObjectKind, ObjectRow } from './types.js';

// Object names as PostgreSQL writes them (quote_ident), and the keys the model uses.
// quote_ident leaves a name bare only when it is lower-case letters, digits, _ and $, does
// not start with a digit or $, and is not a keyword other than an unreserved one. The list
// below is PostgreSQL 17's reserved, column-name and type/function-name keywords (kwlist.h);
// the oracle test checks it against the server's own quote_ident.

// prettier-ignore
const NOT_UNRESERVED = new Set(`all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
both boolean case cast char character check coalesce collate collation column concurrently constraint create cross
current_catalog current_date current_role current_schema current_time current_timestamp current_user dec decimal default
deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant greatest
group grouping having ilike in initially inner inout int integer intersect interval into is isnull join json json_array
json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize json_table json_value lateral
leading least left like limit localtime localtimestamp merge_action national natural nchar none normalize not notnull null
nullif numeric offset on only or order out outer overlaps overlay placing position precision primary real references
returning right row select session_user setof similar smallint some substring symmetric system_user table tablesample then
time timestamp to trailing treat trim true union unique user using values varchar variadic verbose when where window with
xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(/\s+/));

// Keywords that became non-unreserved after PostgreSQL 15 (in 16: the SQL/JSON constructors and
// SYSTEM_USER; in 17: the SQL/JSON query functions and MERGE_ACTION).
const SINCE_16 = new Set([
  'json',
  'json_array',
  'json_arrayagg',
  'json_object',
  'json_objectagg',
  'json_scalar',
  'json_serialize',
  'system_user',
]);
const SINCE_17 = new Set(['json_exists', 'json_query', 'json_table', 'json_value', 'merge_action']);

/** quote_ident of the given server version (17 by default): bare when PostgreSQL would print it bare, else double-quoted with quotes doubled. */
export function quoteIdent(name: string, serverVersionNum = 170000): string {
  const keyword =
    NOT_UNRESERVED.has(name) && !(serverVersionNum < 160000 && SINCE_16.has(name)) && !(serverVersionNum < 170000 && SINCE_17.has(name));
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !keyword) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

/** How an object is written in the diff: the database or schema name, schema.name, or schema.name(args). */
export function displayName(o: Pick<ObjectRow, 'kind' | 'schema' | 'name' | 'args'>, serverVersionNum?: number): string {
  if (o.kind === 'database' || o.kind === 'schema') return quoteIdent(o.name, serverVersionNum);
  const base = `${quoteIdent(o.schema, serverVersionNum)}.${quoteIdent(o.name, serverVersionNum)}`;
  return o.kind === 'function' ? `${base}(${(o.args ?? []).join(', ')})` : base;
}

/**
 * The model's key of an object. Tables and sequences share a key space (both are pg_class
 * relations, so a GRANT … ON TABLE may name a sequence); functions carry their argument types.
 */
export function objectKey(kind: ObjectKind, schema: string, name: string, args?: readonly string[]): string {
  switch (kind) {
    case 'database':
      return `d\0${name}`;
    case 'schema':
      return `n\0${name}`;
    case 'table':
    case 'sequence':
      return `r\0${schema}\0${name}`;
    case 'function':
      return `f\0${schema}\0${name}\0${(args ?? []).join(',')}`;
  }
}

/** The key of an object row. */
export function keyOf(o: Pick<ObjectRow, 'kind' | 'schema' | 'name' | 'args'>): string {
  return objectKey(o.kind, o.schema, o.name, o.args);
}

// Type names as the parser spells them (pg_catalog.int4) → as format_type prints them.
const TYPE_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  varchar: 'character varying',
  bpchar: 'character',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  time: 'time without time zone',
  timetz: 'time with time zone',
  numeric: 'numeric',
  interval: 'interval',
  bit: 'bit',
  varbit: 'bit varying',
};

/** A parsed type name (its name parts and array bounds) as format_type writes it, without typmods (function signatures ignore them). */
export function formatTypeName(names: readonly string[], arrayDims: number): string {
  const last = names[names.length - 1] ?? '';
  const inCatalog = names.length === 1 || names[0] === 'pg_catalog';
  const base = inCatalog ? (TYPE_NAMES[last] ?? quoteIdent(last)) : names.map(quoteIdent).join('.');
  return base + '[]'.repeat(arrayDims);
}
