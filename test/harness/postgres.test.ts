import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfig, RDS_BUILTIN_ROLES, startPostgres, type PgCluster } from '../support/postgres.js';

// The throwaway cluster must behave like a fresh RDS instance for the seed's flow, and leave
// nothing behind.

let db: PgCluster;

beforeAll(async () => {
  db = await startPostgres();
  console.log(`startPostgres took ${db.startupMs} ms`);
});
afterAll(async () => {
  await db?.stop();
});

async function connectAs(user: string, password: string): Promise<pg.Client> {
  const client = new pg.Client(connectionConfig(db.url(user, password)));
  await client.connect();
  return client;
}

async function withClient<T>(user: string, password: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectAs(user, password);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('throwaway PostgreSQL', () => {
  it('serves the master user over TLS on loopback', async () => {
    expect(db.host).toBe('127.0.0.1');
    expect(db.port).toBeGreaterThan(0);
    const rows = await db.query<{ ssl: boolean; version: string; db: string; who: string }>(
      `SELECT s.ssl, version() AS version, current_database() AS db, current_user AS who
         FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`,
    );
    expect(rows).toEqual([{ ssl: true, version: expect.stringMatching(/^PostgreSQL 1\d/), db: 'appdb', who: 'postgres' }]);
  });

  it('url() encodes every part and works with the master password', async () => {
    const url = db.url(db.masterUser, db.masterPassword);
    expect(url).toBe(`postgres://postgres:${encodeURIComponent(db.masterPassword)}@127.0.0.1:${db.port}/appdb?sslmode=require`);
    expect(db.url('a b', undefined, 'x/y')).toBe(`postgres://a%20b@127.0.0.1:${db.port}/x%2Fy?sslmode=require`);
    const who = await withClient(db.masterUser, db.masterPassword, async (c) => (await c.query('SELECT current_user AS u')).rows);
    expect(who).toEqual([{ u: 'postgres' }]);
  });

  it('refuses plain TCP with PostgreSQL’s own message', async () => {
    const client = new pg.Client({ ...connectionConfig(db.url(db.masterUser, db.masterPassword)), ssl: false });
    await expect(client.connect()).rejects.toThrow(
      /pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "postgres", database "appdb", no encryption/,
    );
  });

  it('rejects a wrong master password', async () => {
    await expect(connectAs('postgres', 'not-the-password')).rejects.toThrow('password authentication failed for user "postgres"');
  });

  it('has the RDS built-in roles and users', async () => {
    const rows = await db.query<{ rolname: string; rolcanlogin: boolean }>(
      `SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'rds%' ORDER BY rolname`,
    );
    expect(rows).toEqual(
      [...RDS_BUILTIN_ROLES.map((r) => ({ rolname: r, rolcanlogin: false })), { rolname: 'rdsadmin', rolcanlogin: true }].sort((a, b) =>
        a.rolname.localeCompare(b.rolname),
      ),
    );
    const member = await db.query(`SELECT pg_has_role('postgres', 'rds_superuser', 'MEMBER') AS m`);
    expect(member).toEqual([{ m: true }]);
  });

  it('applies the seed roles and schema as on RDS, with rds_iam standing in for IAM tokens', async () => {
    // The roles root's SQL, as the master user.
    await db.query('CREATE ROLE "atlas_migrator" WITH LOGIN');
    await db.query('CREATE ROLE "app_reader" WITH LOGIN');
    await db.query('GRANT "rds_iam" TO "atlas_migrator"');
    await db.query('GRANT CREATE, USAGE ON SCHEMA "public" TO "atlas_migrator"');

    // The schema root's SQL, as atlas_migrator presenting what would be an IAM token.
    const token = 'mydb.xxxx.us-east-1.rds.amazonaws.com:5432/?Action=connect&X-Amz-Signature=abc';
    await withClient('atlas_migrator', token, async (c) => {
      await c.query('CREATE TABLE "public"."validation_probe" ("id" integer NOT NULL, PRIMARY KEY ("id"))');
      await c.query('GRANT SELECT ON TABLE "public"."validation_probe" TO "app_reader"');
    });

    const check = await db.query(
      `SELECT has_table_privilege('app_reader', 'public.validation_probe', 'SELECT') AS can_select,
              pg_has_role('atlas_migrator', 'rds_iam', 'MEMBER') AS iam,
              (SELECT tableowner FROM pg_tables WHERE tablename = 'validation_probe') AS owner`,
    );
    expect(check).toEqual([{ can_select: true, iam: true, owner: 'atlas_migrator' }]);

    // A role outside rds_iam cannot log in with a token: the password rule applies.
    await expect(connectAs('app_reader', token)).rejects.toThrow('password authentication failed for user "app_reader"');
  });

  it('stop() shuts the server down, removes its files and is idempotent', async () => {
    const other = await startPostgres();
    const dir = other.logFile.replace(/\/postgres\.log$/, '');
    expect(existsSync(dir)).toBe(true);
    const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid;
    expect(pid).toBeGreaterThan(0);
    expect(postgresProcessesFor(dir)).toHaveLength(1);
    await other.stop();
    await other.stop();
    expect(existsSync(dir)).toBe(false);
    expect(postgresProcessesFor(dir)).toEqual([]);
    await expect(other.query('SELECT 1')).rejects.toThrow();
  });
});

function postgresProcessesFor(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `postgres -D ${dir}`], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
