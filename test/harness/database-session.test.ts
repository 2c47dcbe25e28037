import { afterAll, beforeAll, expect, it } from 'vitest';
import { PRIV } from '../../src/access/index.js';
import {
  CATALOG_QUERY_COUNT,
  openReadOnlySession,
  readAccessCatalog,
  SessionBudgetExceeded,
  type ReadOnlySession,
} from '../../src/database/index.js';
import { connectionConfig, startPostgres, type PgCluster } from '../support/postgres.js';

// The read-only session and the catalog reader against a real server, as the master user
// (not a superuser, like the action's IAM login on RDS).

const KEYS = { accessKeyId: 'ASIADATABASESESSION1', secretAccessKey: 'database-session-secret-0123456789abcdefg', sessionToken: 'db' };
let db: PgCluster;

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [KEYS], region: 'us-east-1' } });
  await db.query(`CREATE SCHEMA app; CREATE TABLE app.orders (id serial); CREATE FUNCTION app.f(x integer) RETURNS int LANGUAGE sql AS 'select x';
    CREATE ROLE readers; GRANT USAGE ON SCHEMA app TO readers; GRANT SELECT ON app.orders TO readers WITH GRANT OPTION;
    ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO readers;
    CREATE TABLE app.big AS SELECT g AS id FROM generate_series(1, 300000) AS g; ANALYZE app.big`);
});
afterAll(async () => {
  await db?.stop();
});

const config = () => connectionConfig(db.url(db.masterUser, db.masterPassword));

it('runs in a READ ONLY transaction with the statement and lock timeouts set', async () => {
  const s = await openReadOnlySession(config(), { statementTimeoutMs: 1234, lockTimeoutMs: 567 });
  try {
    expect(await s.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1234ms' }]);
    expect(await s.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '567ms' }]);
    await expect(s.query('CREATE TABLE app.nope (id int)')).rejects.toMatchObject({ code: '25006' });
  } finally {
    await s.close();
  }
  expect(await db.query("SELECT to_regclass('app.nope') AS t")).toEqual([{ t: null }]);
});

it('scans without parallel workers or JIT: one backend per session', async () => {
  const scan = 'EXPLAIN SELECT count(*) FROM app.big WHERE id IS NULL';
  const plan = (rows: Record<string, unknown>[]): string => rows.map((r) => String(r['QUERY PLAN'])).join('\n');
  // The server would use workers for this scan outside the session.
  expect(plan(await db.query(scan))).toContain('Parallel Seq Scan');
  const s = await openReadOnlySession(config());
  try {
    expect(plan(await s.query(scan))).not.toMatch(/Parallel|Gather/);
    expect(await s.query('SHOW jit')).toEqual([{ jit: 'off' }]);
  } finally {
    await s.close();
  }
});

it('aborts and closes the session when the total budget is spent', async () => {
  const s = await openReadOnlySession(config(), { budgetMs: 1_500, statementTimeoutMs: 60_000 });
  await expect(s.query('SELECT pg_sleep(30)')).rejects.toBeInstanceOf(SessionBudgetExceeded);
  await expect(s.query('SELECT 1')).rejects.toBeInstanceOf(SessionBudgetExceeded);
  await s.close();
});

it('reads the catalog in a fixed number of queries, counting PUBLIC defaults and default privileges', async () => {
  const s = await openReadOnlySession(config());
  let count = 0;
  const counting: ReadOnlySession = { query: (sql, params) => (count++, s.query(sql, params)) };
  try {
    const snap = await readAccessCatalog(counting);
    expect(count).toBe(CATALOG_QUERY_COUNT);
    expect(snap.currentUser).toBe('postgres');
    const orders = snap.objects.find((o) => o.kind === 'table' && o.name === 'orders');
    expect(orders?.acl).toContainEqual({ grantee: 'readers', grantor: 'postgres', privs: PRIV.SELECT, grantable: PRIV.SELECT });
    expect(snap.objects.find((o) => o.kind === 'sequence')?.ownedBy).toBe('r\0app\0orders');
    // acldefault where proacl is NULL: PUBLIC may EXECUTE.
    const f = snap.objects.find((o) => o.kind === 'function' && o.name === 'f');
    expect(f?.args).toEqual(['integer']);
    expect(f?.acl).toContainEqual({ grantee: '', grantor: 'postgres', privs: PRIV.EXECUTE, grantable: 0 });
    expect(snap.defaultAcls).toEqual([
      {
        role: 'postgres',
        schema: 'app',
        objtype: 'r',
        acl: [{ grantee: 'readers', grantor: 'postgres', privs: PRIV.SELECT, grantable: 0 }],
      },
    ]);
    expect(snap.memberships).toContainEqual(expect.objectContaining({ role: 'rds_superuser', member: 'postgres', admin: true }));
  } finally {
    await s.close();
  }
});
