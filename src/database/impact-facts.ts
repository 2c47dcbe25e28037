import { attempt, ident } from './attempt.js';
import type { ReadOnlySession } from './session.js';

// Live facts about the tables a plan touches, read in a fixed number of queries whatever the
// number of tables: (1) the tables of dropped indexes, (2) the catalog (rows estimate, pages,
// columns, primary key), (3) the locks other sessions hold or wait for on them, (4) one batch
// for total size, emptiness and a bounded row count. (1)–(3) read only system catalogs and take
// no lock on a user table. (4) takes ACCESS SHARE, which waits only behind ACCESS EXCLUSIVE: a
// table another session holds or awaits that way is not read (its size is then the page
// estimate), and the batch runs in a savepoint so a lock taken meanwhile fails it after
// lock_timeout without aborting the session; the tables are then read one by one.
// Names reach the server only as parameters (unnest of text arrays, resolved with to_regclass
// over quote_ident); the SQL text of (4) is built from the server's own quote_ident() output.

export interface TableRequest {
  schema: string | null;
  name: string;
}

export interface ColumnFact {
  name: string;
  /** quote_ident(name), as the server wrote it. */
  quoted: string;
  /** format_type() of the column ("character varying(20)"). */
  type: string;
  notNull: boolean;
}

/** A lock another session holds (granted) or waits for on the table. Never its query text. */
export interface HeldLock {
  pid: number;
  /** pg_locks.mode ("AccessExclusiveLock"). */
  mode: string;
  granted: boolean;
  /** Age of its transaction; null when the login may not see it (needs pg_read_all_stats). */
  transactionAgeMs: number | null;
  /** pg_stat_activity.state ("idle in transaction"); null when not visible. */
  state: string | null;
}

export interface TableFacts {
  schema: string;
  name: string;
  /** "schema"."name" as quote_ident() writes it; hostile text for display. */
  quoted: string;
  /** pg_class.relkind: r table, p partitioned, m materialized view, v view, f foreign. */
  kind: string;
  /** pg_class.reltuples, null when never analysed. */
  estimatedRows: number | null;
  /** Counted (exact, or "at least" when above the scan limit) or the estimate; null if unknown. */
  rows: number | null;
  rowsExact: boolean;
  rowsAtLeast: boolean;
  bytes: number;
  /** True when bytes come from pg_class.relpages, not pg_total_relation_size. */
  bytesEstimated: boolean;
  empty: boolean | null;
  columns: ColumnFact[];
  primaryKey: string[];
  locks: HeldLock[];
  /** Why rows were not read (a conflicting lock, a timeout); null when they were. */
  unread: string | null;
}

export interface FactsOptions {
  /** Tables with more rows (estimated or counted) are not scanned by the failure checks. */
  scanLimitRows: number;
  /** Below this estimate (or when never analysed) rows are counted, up to scanLimitRows + 1. */
  exactCountBelow: number;
}

export interface ImpactFacts {
  serverVersionNum: number | null;
  /** Aligned with the requested tables (then the tables of the requested indexes); undefined: not found. */
  tables: (TableFacts | undefined)[];
  /** For each requested index, the position of its table in `tables`; undefined: not found. */
  indexTables: (number | undefined)[];
  /** Why something could not be read (budget reached, permission): short, no data. */
  notes: string[];
}

/** Reads the facts for `tables` and the tables of `indexes`. */
export async function readImpactFacts(
  session: ReadOnlySession,
  request: { tables: readonly TableRequest[]; indexes: readonly TableRequest[] },
  opts: FactsOptions,
): Promise<ImpactFacts> {
  const notes: string[] = [];
  const tables = [...request.tables];
  const indexTables: (number | undefined)[] = [];
  if (request.indexes.length > 0) {
    const found = await session.query<{ ord: number; schema: string; name: string }>(INDEX_TABLES_SQL, arrays(request.indexes));
    for (let i = 0; i < request.indexes.length; i++) {
      const row = found.find((r) => Number(r.ord) === i + 1);
      indexTables.push(row ? tables.push({ schema: row.schema, name: row.name }) - 1 : undefined);
    }
  }
  const catalog = tables.length > 0 ? await session.query<CatalogRow>(CATALOG_SQL, arrays(tables)) : [];
  const out: (TableFacts | undefined)[] = tables.map((_, i) => {
    const row = catalog.find((r) => Number(r.ord) === i + 1);
    return row ? fromCatalog(row) : undefined;
  });
  const byOid = new Map(catalog.map((r) => [r.oid, out[Number(r.ord) - 1]!]));
  if (byOid.size > 0) await readLocks(session, byOid);
  await readData(session, byOid, opts, notes);
  return { serverVersionNum: catalog[0] ? Number(catalog[0].version) : null, tables: out, indexTables, notes };
}

const arrays = (refs: readonly TableRequest[]): unknown[] => [refs.map((r) => r.schema), refs.map((r) => r.name)];

const RESOLVE = `SELECT r.ord, to_regclass(CASE WHEN r.s IS NULL THEN quote_ident(r.n) ELSE quote_ident(r.s) || '.' || quote_ident(r.n) END) AS oid
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(s, n, ord)`;

const INDEX_TABLES_SQL = `SELECT req.ord::int AS ord, n.nspname AS schema, c.relname AS name
  FROM (${RESOLVE}) AS req JOIN pg_index x ON x.indexrelid = req.oid
  JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace`;

interface CatalogRow {
  ord: number;
  oid: string;
  kind: string;
  schema: string;
  name: string;
  quoted: string;
  reltuples: number;
  estimated_bytes: string;
  columns: ColumnFact[];
  primary_key: string[] | null;
  version: string;
}

const CATALOG_SQL = `SELECT req.ord::int AS ord, c.oid::bigint::text AS oid, c.relkind::text AS kind, n.nspname AS schema,
    c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted, c.reltuples::float8 AS reltuples,
    ((c.relpages::bigint + coalesce(t.relpages, 0)
      + coalesce((SELECT sum(i.relpages) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid), 0))
      * current_setting('block_size')::bigint)::text AS estimated_bytes,
    (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'quoted', quote_ident(a.attname),
        'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull) ORDER BY a.attnum), '[]')
      FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
    (SELECT json_agg(a.attname ORDER BY k.i) FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, i)
      JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum WHERE p.conrelid = c.oid AND p.contype = 'p') AS primary_key,
    current_setting('server_version_num') AS version
  FROM (${RESOLVE}) AS req JOIN pg_class c ON c.oid = req.oid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid`;

function fromCatalog(r: CatalogRow): TableFacts {
  const estimated = Number(r.reltuples) >= 0 ? Math.round(Number(r.reltuples)) : null;
  return {
    schema: r.schema,
    name: r.name,
    quoted: r.quoted,
    kind: r.kind,
    estimatedRows: estimated,
    rows: estimated,
    rowsExact: false,
    rowsAtLeast: false,
    bytes: Number(r.estimated_bytes),
    bytesEstimated: true,
    empty: null,
    columns: r.columns,
    primaryKey: r.primary_key ?? [],
    locks: [],
    unread: null,
  };
}

// Other sessions' relation locks, granted or waiting. pg_stat_activity shows other roles'
// transaction start only to members of pg_read_all_stats; without it the age is null.
const LOCKS_SQL = `SELECT l.relation::bigint::text AS oid, l.pid, l.mode, l.granted,
    (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::float8 AS age_ms, a.state
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.relation = ANY($1::oid[]) AND l.pid IS DISTINCT FROM pg_backend_pid()
  ORDER BY l.granted DESC, age_ms DESC NULLS LAST, l.pid`;

async function readLocks(session: ReadOnlySession, byOid: Map<string, TableFacts>): Promise<void> {
  type Row = { oid: string; pid: number | null; mode: string; granted: boolean; age_ms: number | null; state: string | null };
  for (const r of await session.query<Row>(LOCKS_SQL, [[...byOid.keys()]])) {
    byOid.get(r.oid)?.locks.push({
      pid: Number(r.pid ?? 0),
      mode: r.mode,
      granted: r.granted,
      transactionAgeMs: r.age_ms === null ? null : Math.max(0, Math.round(Number(r.age_ms))),
      state: r.state,
    });
  }
}

const DATA_KINDS = new Set(['r', 'p', 'm']);

async function readData(session: ReadOnlySession, byOid: Map<string, TableFacts>, opts: FactsOptions, notes: string[]): Promise<void> {
  const readable = [...byOid].filter(([, t]) => {
    if (!DATA_KINDS.has(t.kind)) return false;
    if (t.locks.some((l) => l.mode === 'AccessExclusiveLock')) {
      t.unread = 'another session holds or awaits ACCESS EXCLUSIVE on it';
      return false;
    }
    return true;
  });
  if (readable.length === 0) return;
  const batch = await attempt(session, () => session.query<DataRow>(dataSql(readable, opts), []));
  if (batch.ok) return applyData(batch.value, byOid, opts);
  if (batch.budget) return void notes.push(batch.reason);
  for (const one of readable) {
    const single = await attempt(session, () => session.query<DataRow>(dataSql([one], opts), []));
    if (single.ok) applyData(single.value, byOid, opts);
    else one[1].unread = single.reason;
    if (!single.ok && single.budget) return void notes.push(single.reason);
  }
}

interface DataRow {
  oid: string;
  bytes: string;
  nonempty: boolean;
  counted: number | null;
}

function dataSql(tables: readonly (readonly [string, TableFacts])[], opts: FactsOptions): string {
  const cap = Math.max(1, Math.floor(opts.scanLimitRows)) + 1;
  return tables
    .map(([oid, t]) => {
      if (!/^\d+$/.test(oid)) throw new Error('unexpected relation oid');
      const count = t.estimatedRows === null || t.estimatedRows < opts.exactCountBelow;
      const table = ident(t.quoted);
      const counted = count ? `(SELECT count(*)::int FROM (SELECT 1 FROM ${table} LIMIT ${cap}) AS s)` : 'NULL::int';
      return `SELECT '${oid}' AS oid, pg_total_relation_size(${oid}::oid)::text AS bytes, EXISTS (SELECT 1 FROM ${table}) AS nonempty, ${counted} AS counted`;
    })
    .join('\nUNION ALL\n');
}

function applyData(rows: readonly DataRow[], byOid: Map<string, TableFacts>, opts: FactsOptions): void {
  for (const r of rows) {
    const t = byOid.get(r.oid);
    if (!t) continue;
    t.bytes = Number(r.bytes);
    t.bytesEstimated = false;
    t.empty = !r.nonempty;
    if (r.counted !== null) {
      t.rowsAtLeast = r.counted > opts.scanLimitRows;
      t.rows = t.rowsAtLeast ? opts.scanLimitRows + 1 : r.counted;
      t.rowsExact = !t.rowsAtLeast;
    }
  }
}
