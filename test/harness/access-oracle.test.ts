import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  applyStatements,
  effectiveAccess,
  hasRole,
  keyOf,
  objectKey,
  privilegeBit,
  quoteIdent,
  type AccessSnapshot,
  type PlannedStatement,
} from '../../src/access/index.js';
import { loadPgParser, type ParseBytes } from '../../src/atlas/pg-parser.js';
import { readAccessCatalog } from '../../src/database/index.js';
import { generateCase, prng, type AccessCase } from '../support/access-cases.js';
import { connectionConfig, startPostgres, type PgCluster } from '../support/postgres.js';

// The access model against PostgreSQL itself. Each case builds a random role graph and
// objects, reads the catalog with the real reader, applies a random script both to the model
// and to the server, then asks the server has_*_privilege / pg_has_role for every subject ×
// object × privilege (with and without GRANT OPTION) and compares. Each case runs in one
// transaction that is rolled back, so the cluster is reused and nothing is left behind.
//
//   ACCESS_ORACLE_CASES=3000 ACCESS_ORACLE_SEED=7 npx vitest run test/harness/access-oracle.test.ts
//   RDS_ATLAS_TEST_PG_MAJOR=15 npx vitest run test/harness/access-oracle.test.ts   (PostgreSQL 15)

const CASES = Number(process.env.ACCESS_ORACLE_CASES ?? 300);
const SEED = Number(process.env.ACCESS_ORACLE_SEED ?? 20_240_601);
const KEYS = { accessKeyId: 'ASIAACCESSORACLE0001', secretAccessKey: 'access-oracle-secret-0123456789abcdefghij', sessionToken: 'oracle' };

let db: PgCluster;
let client: pg.Client;
let parse: ParseBytes;
const timing = { catalog: 0, check: 0 };
const tally = { planned: 0, accepted: 0, checks: 0, kinds: new Map<string, number>() };

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [KEYS], region: 'us-east-1' } });
  // Random scripts need a superuser to run at all (any owner's objects, SUPERUSER roles); the
  // model is told so by the catalog (current_user), and SET ROLE inside scripts covers non-superusers.
  const password = randomBytes(12).toString('hex');
  await db.adminQuery(`CREATE ROLE oracle_admin LOGIN SUPERUSER PASSWORD '${password}'`);
  client = new pg.Client(connectionConfig(db.url('oracle_admin', password)));
  client.on('error', () => undefined);
  await client.connect();
  parse = await loadPgParser();
});

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await db?.stop();
});

const session = {
  query: async <T extends object>(sql: string, params?: readonly unknown[]) => (await client.query(sql, params as unknown[])).rows as T[],
};

/** Runs one statement in a savepoint; false (and rolled back) when the server rejects it. */
async function tryStatement(sql: string): Promise<boolean> {
  try {
    await client.query(`SAVEPOINT s; ${sql}; RELEASE SAVEPOINT s`);
    return true;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s');
    return false;
  }
}

const CHECK_SQL = (major: number) => `
WITH subj AS (SELECT s FROM unnest($1::text[]) s WHERE s = 'public' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = s)),
     userns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'),
     tp(p) AS (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')${major >= 17 ? ", ('MAINTAIN')" : ''}),
     sp(p) AS (VALUES ('USAGE'), ('SELECT'), ('UPDATE')),
     np(p) AS (VALUES ('USAGE'), ('CREATE')),
     dp(p) AS (VALUES ('CONNECT'), ('TEMPORARY'), ('CREATE')),
     g(o) AS (VALUES (''), (' WITH GRANT OPTION'))
SELECT s, 'table' AS kind, n.nspname AS schema, c.relname AS name, NULL::text AS args, p || o AS priv, has_table_privilege(s, c.oid, p || o) AS ok
  FROM subj, userns n JOIN pg_class c ON c.relnamespace = n.oid, tp, g WHERE c.relkind IN ('r', 'v', 'm', 'p')
UNION ALL
SELECT s, 'sequence', n.nspname, c.relname, NULL, p || o, has_sequence_privilege(s, c.oid, p || o)
  FROM subj, userns n JOIN pg_class c ON c.relnamespace = n.oid, sp, g WHERE c.relkind = 'S'
UNION ALL
SELECT s, 'function', n.nspname, f.proname,
       (SELECT string_agg(format_type(t, NULL), ',' ORDER BY o2) FROM unnest(f.proargtypes::oid[]) WITH ORDINALITY a(t, o2)),
       'EXECUTE' || o, has_function_privilege(s, f.oid, 'EXECUTE' || o)
  FROM subj, userns n JOIN pg_proc f ON f.pronamespace = n.oid, g
UNION ALL
SELECT s, 'schema', '', n.nspname, NULL, p || o, has_schema_privilege(s, n.oid, p || o) FROM subj, userns n, np, g
UNION ALL
SELECT s, 'database', '', current_database(), NULL, p || o, has_database_privilege(s, current_database(), p || o) FROM subj, dp, g
UNION ALL
SELECT s, 'role', '', r.rolname, NULL, m, pg_has_role(s, r.oid, m)
  FROM subj, pg_roles r, unnest(ARRAY['MEMBER', 'USAGE'${major >= 16 ? ", 'SET'" : ''}]) m WHERE s <> 'public'`;

interface CheckRow {
  s: string;
  kind: string;
  schema: string;
  name: string;
  args: string | null;
  priv: string;
  ok: boolean;
}

/** Runs a case; returns the disagreements (empty when model and server agree). */
async function runCase(c: AccessCase, major: number): Promise<{ problems: string[]; executed: string[] }> {
  await client.query('BEGIN');
  try {
    // The setup is valid by construction: one round trip.
    await client.query(c.setup.map((s) => `${s};`).join('\n'));
    const t0 = performance.now();
    const before = await readAccessCatalog(session);
    timing.catalog += performance.now() - t0;
    const executed: string[] = [];
    for (const sql of c.script) if (await tryStatement(sql)) executed.push(sql);
    tally.planned += c.script.length;
    tally.accepted += executed.length;
    for (const sql of executed) {
      const kind = /^\w+(?: \w+)?/.exec(sql)?.[0] ?? '?';
      tally.kinds.set(kind, (tally.kinds.get(kind) ?? 0) + 1);
    }
    await client.query('RESET ROLE');
    const planned: PlannedStatement[] = executed.map((sql) => {
      const parsed = parse(new TextEncoder().encode(sql));
      return { sql, nodes: parsed.ok ? parsed.stmts.flatMap((s) => (s.stmt ? [s.stmt] : [])) : undefined };
    });
    const applied = applyStatements(before, planned);
    const t2 = performance.now();
    const rows = (await client.query<CheckRow>(CHECK_SQL(major), [c.subjects])).rows;
    timing.check += performance.now() - t2;
    tally.checks += rows.length;
    const problems = [...compareObjects(applied.after, rows), ...compareRows(applied.after, rows)];
    if (applied.notModelled.length) problems.push(...applied.notModelled.map((n) => `not modelled: ${n.statement}: ${n.reason}`));
    return { problems, executed };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** The objects the server checked are exactly those the model has (created, dropped, renamed alike). */
function compareObjects(model: AccessSnapshot, rows: CheckRow[]): string[] {
  const mk = new Set(model.objects.map(keyOf));
  const sk = new Set(rows.filter((r) => r.kind !== 'role').map(rowKey));
  return [
    ...[...sk].filter((k) => !mk.has(k)).map((k) => `object on the server, not in the model: ${k.replaceAll('\0', '.')}`),
    ...[...mk].filter((k) => !sk.has(k)).map((k) => `object in the model, not on the server: ${k.replaceAll('\0', '.')}`),
  ];
}

function rowKey(row: CheckRow): string {
  return row.kind === 'function'
    ? objectKey('function', row.schema, row.name, row.args ? row.args.split(',') : [])
    : objectKey(row.kind as 'table', row.schema, row.name);
}

function compareRows(after: AccessSnapshot, rows: CheckRow[]): string[] {
  const e = effectiveAccess(after);
  const out: string[] = [];
  for (const row of rows) {
    const role = row.s === 'public' ? '' : row.s;
    let model: boolean;
    if (row.kind === 'role') model = hasRole(e, role, row.name, row.priv as 'MEMBER' | 'USAGE' | 'SET');
    else {
      const k = e.objectIndex.get(rowKey(row));
      const withOption = row.priv.endsWith(' WITH GRANT OPTION');
      const bit = privilegeBit(row.priv.replace(' WITH GRANT OPTION', ''))!;
      if (k === undefined) model = false;
      else if (role === '') model = !withOption && (e.publicPrivs[k]! & bit) !== 0;
      else {
        const r = e.roleIndex.get(role);
        const cell = r === undefined ? 0 : (withOption ? e.grantable : e.privs)[k * e.roles.length + r]!;
        model = (cell & bit) !== 0;
      }
    }
    if (model !== row.ok)
      out.push(
        `${row.s} ${row.priv} on ${row.kind} ${row.schema ? `${row.schema}.` : ''}${row.name}${row.args !== null ? `(${row.args})` : ''}: server ${row.ok}, model ${model}`,
      );
  }
  return out;
}

it(`agrees with PostgreSQL on ${CASES} random role graphs and grant scripts (seed ${SEED})`, { timeout: 600_000 }, async () => {
  const major = db.major === '15' ? 15 : 17;
  const rand = prng(SEED);
  const failures: string[] = [];
  const started = Date.now();
  for (let i = 0; i < CASES && failures.length < 3; i++) {
    const c = generateCase(rand, major, db.database);
    const { problems, executed } = await runCase(c, major);
    if (problems.length) {
      failures.push(
        [
          `case ${i} (seed ${SEED}), PostgreSQL ${major}:`,
          ...problems.slice(0, 15).map((p) => `  ✗ ${p}`),
          '  setup:',
          ...c.setup.map((s) => `    ${s};`),
          '  script (statements the server accepted):',
          ...executed.map((s) => `    ${s};`),
        ].join('\n'),
      );
    }
  }
  const kinds = [...tally.kinds].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`);
  console.log(`access oracle: ${tally.accepted} of ${tally.planned} planned statements ran; ${tally.checks} checks; ${kinds.join(', ')}`);
  console.log(
    `access oracle: ${CASES} cases on PostgreSQL ${major} in ${Date.now() - started} ms (catalog reads ${Math.round(timing.catalog)} ms, checks ${Math.round(timing.check)} ms)`,
  );
  expect(failures.join('\n\n')).toBe('');
});

it('writes names as quote_ident does', async () => {
  const words = [
    'user',
    'role',
    'select',
    'Abc',
    'a b',
    'a"b',
    '1a',
    'a$',
    '_x',
    'between',
    'verbose',
    'name',
    'json',
    'current_role',
    'authorization',
    'value',
    'json_table',
    'system_user',
  ];
  const { rows } = await client.query<{ w: string; q: string }>('SELECT w, quote_ident(w) AS q FROM unnest($1::text[]) w', [words]);
  const version = db.major === '15' ? 150000 : 170000;
  expect(rows.map((r) => quoteIdent(r.w, version))).toEqual(rows.map((r) => r.q));
});
