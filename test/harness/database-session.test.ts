import { afterAll, beforeAll, expect, it } from 'vitest';
import { PRIV } from '../../src/access/index.js';
import {
  CATALOG_QUERY_COUNT,
  connectIdle,
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
    ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO readers`);
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

it('connects ahead of time with no transaction, and begins the same READ ONLY session later', async () => {
  const backends = async (): Promise<number> =>
    Number(
      (await db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()'))[0]?.n,
    );
  const idle = await connectIdle(config(), 5_000);
  const early = await db.query<{ state: string; xact: boolean }>(
    'SELECT state, backend_xid IS NOT NULL OR backend_xmin IS NOT NULL AS xact FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()',
  );
  // Connected, idle outside any transaction: it holds no snapshot while Terraform plans.
  expect(early).toEqual([{ state: 'idle', xact: false }]);
  const s = await idle.begin({ statementTimeoutMs: 4321, lockTimeoutMs: 765 });
  try {
    expect(await s.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '4321ms' }]);
    expect(await s.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '765ms' }]);
    await expect(s.query('CREATE TABLE app.nope2 (id int)')).rejects.toMatchObject({ code: '25006' });
  } finally {
    await s.close();
  }
  const unused = await connectIdle(config(), 5_000);
  await unused.close();
  await unused.close();
  await expect.poll(backends).toBe(0);
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
