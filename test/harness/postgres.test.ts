import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Signer } from '@aws-sdk/rds-signer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfig, RDS_BUILTIN_ROLES, startPostgres, type PgCluster } from '../support/postgres.js';
import { pgBinaries } from '../support/runtimes.js';

// The throwaway cluster must behave like a fresh RDS instance for the seed's flow — the master
// user is not a superuser, TLS is required at the door, rds_iam members need an IAM token —
// and leave nothing behind.

const KEYS = {
  accessKeyId: 'ASIAHARNESSPOSTGRES1',
  secretAccessKey: 'harness-postgres-secret-0123456789abcdefgh',
  sessionToken: 'harness-session',
};
const REGION = 'us-east-1';
let db: PgCluster;

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [KEYS], region: REGION } });
  console.log(`startPostgres (PostgreSQL ${db.major}) took ${db.startupMs} ms`);
});
afterAll(async () => {
  await db?.stop();
});

async function connectAs(user: string, password: string, database?: string): Promise<pg.Client> {
  const client = new pg.Client(connectionConfig(db.url(user, password, database)));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
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

/** A raw TCP connection to the front. */
async function rawConnection(): Promise<Socket> {
  const socket = connect(db.port, db.host);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Writes `request` and returns the first `n` bytes of the answer. */
function exchange(socket: Socket, request: Buffer, n: number): Promise<string> {
  socket.write(request);
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      if (got.length < n) return;
      socket.off('data', onData);
      resolve(got.toString('latin1'));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${got.length} bytes`)));
  });
}

const int32s = (...ns: number[]): Buffer =>
  Buffer.concat(ns.map((n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])));

describe('throwaway PostgreSQL behind the RDS front', () => {
  it('runs the selected major from npm, and serves the master user on loopback', async () => {
    expect(db.major).toBe(pgBinaries().major);
    expect(db.host).toBe('127.0.0.1');
    const rows = await db.query<{ version: string; db: string; who: string }>(
      `SELECT current_setting('server_version_num') AS version, current_database() AS db, current_user AS who`,
    );
    expect(rows.map((r) => r.version)).toEqual([expect.stringMatching(new RegExp(`^${db.major}\\d{4}$`))]);
    expect(rows.map((r) => [r.db, r.who])).toEqual([['appdb', 'postgres']]);
    // The server itself has no TCP listener: the front's port is the only way in.
    const [listen] = await db.adminQuery<{ l: string }>(`SELECT current_setting('listen_addresses') AS l`);
    expect(listen).toEqual({ l: '' });
  });

  it('the front speaks TLS with a certificate for 127.0.0.1, and says no to GSS encryption', async () => {
    const socket = await rawConnection();
    expect(await exchange(socket, int32s(8, 80877104), 1)).toBe('N');
    // After the 'N' the same connection may still ask for TLS, as libpq does.
    expect(await exchange(socket, int32s(8, 80877103), 1)).toBe('S');
    const tls = tlsConnect({ socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => tls.once('secureConnect', resolve).once('error', reject));
    expect(tls.getPeerCertificate().subject.CN).toBe('127.0.0.1');
    tls.destroy();
  });

  it('url() encodes every part and works with the master password', async () => {
    const url = db.url(db.masterUser, db.masterPassword);
    expect(url).toBe(`postgres://postgres:${encodeURIComponent(db.masterPassword)}@127.0.0.1:${db.port}/appdb?sslmode=require`);
    expect(db.url('a b', undefined, 'x/y')).toBe(`postgres://a%20b@127.0.0.1:${db.port}/x%2Fy?sslmode=require`);
    const who = await withClient(
      db.masterUser,
      db.masterPassword,
      async (c) => (await c.query<{ u: string }>('SELECT current_user AS u')).rows,
    );
    expect(who).toEqual([{ u: 'postgres' }]);
  });

  it('refuses plain TCP as RDS does (rds.force_ssl)', async () => {
    const client = new pg.Client({ ...connectionConfig(db.url(db.masterUser, db.masterPassword)), ssl: false });
    await expect(client.connect()).rejects.toMatchObject({
      code: '28000',
      message: 'no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "appdb", no encryption',
    });
  });

  it('rejects a wrong master password (PostgreSQL’s own SCRAM), and keeps rdsadmin out', async () => {
    await expect(connectAs('postgres', 'not-the-password')).rejects.toThrow('password authentication failed for user "postgres"');
    await expect(connectAs('rdsadmin', 'anything')).rejects.toMatchObject({
      code: '28000',
      message: 'pg_hba.conf rejects connection for host "127.0.0.1", user "rdsadmin", database "appdb", SSL encryption',
    });
  });

  it('has the RDS roles, and a master user that is not a superuser', async () => {
    const rows = await db.query<{ rolname: string; rolcanlogin: boolean; rolsuper: boolean }>(
      `SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname LIKE 'rds%' OR rolname = 'postgres' ORDER BY rolname`,
    );
    expect(rows).toEqual([
      { rolname: 'postgres', rolcanlogin: true, rolsuper: false },
      ...RDS_BUILTIN_ROLES.map((r) => ({ rolname: r, rolcanlogin: false, rolsuper: false })),
      { rolname: 'rdsadmin', rolcanlogin: true, rolsuper: true },
    ]);
    const [master] = await db.query(
      `SELECT r.rolcreaterole, r.rolcreatedb, pg_has_role('postgres', 'rds_superuser', 'USAGE') AS rds_superuser,
              pg_has_role('postgres', 'rds_iam', 'USAGE') AS rds_iam,
              (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'appdb') AS appdb_owner
         FROM pg_roles r WHERE r.rolname = 'postgres'`,
    );
    expect(master).toEqual({ rolcreaterole: true, rolcreatedb: true, rds_superuser: true, rds_iam: false, appdb_owner: 'postgres' });
    // What only a superuser may do is refused to the master, as on RDS.
    await expect(db.query('CREATE ROLE "would_be_super" SUPERUSER')).rejects.toThrow(/permission denied to create role|must be superuser/);
    await expect(db.query(`COPY (SELECT 1) TO PROGRAM 'true'`)).rejects.toThrow(/permission denied|must be superuser/);
  });

  it('applies the seed roles SQL as the master and lets the migrator in with an IAM token only', async () => {
    // The roles root's SQL, as the master user (PostgreSQL 16+ lets it grant rds_iam only
    // through rds_superuser's ADMIN OPTION, as on RDS).
    await db.query('CREATE ROLE "atlas_migrator" WITH LOGIN');
    await db.query('CREATE ROLE "app_reader" WITH LOGIN');
    await db.query('GRANT "rds_iam" TO "atlas_migrator"');
    await db.query('GRANT CREATE, USAGE ON SCHEMA "public" TO "atlas_migrator"');

    // The schema root's SQL, as atlas_migrator presenting an IAM token signed for this endpoint.
    const token = await new Signer({
      hostname: db.host,
      port: db.port,
      username: 'atlas_migrator',
      region: REGION,
      credentials: KEYS,
    }).getAuthToken();
    await withClient('atlas_migrator', token, async (c) => {
      await c.query('CREATE TABLE "public"."validation_probe" ("id" integer NOT NULL, PRIMARY KEY ("id"))');
      await c.query('GRANT SELECT ON TABLE "public"."validation_probe" TO "app_reader"');
    });
    expect(db.iam.verifications.at(-1)).toEqual({ user: 'atlas_migrator', ok: true, reason: 'ok', accessKeyId: KEYS.accessKeyId });

    const check = await db.query(
      `SELECT has_table_privilege('app_reader', 'public.validation_probe', 'SELECT') AS can_select,
              pg_has_role('atlas_migrator', 'rds_iam', 'MEMBER') AS iam,
              (SELECT tableowner FROM pg_tables WHERE tablename = 'validation_probe') AS owner`,
    );
    expect(check).toEqual([{ can_select: true, iam: true, owner: 'atlas_migrator' }]);

    // After the token, the server has its say: a database that does not exist is its own error.
    await expect(connectAs('atlas_migrator', token, 'nope')).rejects.toMatchObject({
      code: '3D000',
      message: 'database "nope" does not exist',
    });

    // A made-up token is refused with RDS's PAM message; a role outside rds_iam cannot use a token at all.
    await expect(connectAs('atlas_migrator', `${db.host}:${db.port}/?Action=connect&X-Amz-Signature=abc`)).rejects.toMatchObject({
      code: '28000',
      message: 'PAM authentication failed for user "atlas_migrator"',
    });
    await expect(connectAs('app_reader', token)).rejects.toThrow('password authentication failed for user "app_reader"');
  });

  it('passes a CancelRequest on to the server', async () => {
    const client = await connectAs(db.masterUser, db.masterPassword);
    try {
      const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
      const sleeping = client.query('SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 200));
      const cancel = connect(db.port, db.host);
      cancel.on('error', () => undefined);
      cancel.end(int32s(16, 80877102, processID, secretKey));
      await expect(sleeping).rejects.toMatchObject({ code: '57014' }); // canceling statement due to user request
    } finally {
      await client.end();
    }
  });

  it('stop() shuts the server and the front down, removes its files and is idempotent', async () => {
    const other = await startPostgres({ iamAuth: { credentials: () => [], region: REGION } });
    const dir = other.logFile.replace(/\/postgres\.log$/, '');
    expect(existsSync(dir)).toBe(true);
    expect(await other.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(postgresProcessesFor(dir)).toHaveLength(1);
    await other.stop();
    await other.stop();
    expect(existsSync(dir)).toBe(false);
    expect(postgresProcessesFor(dir)).toEqual([]);
    await expect(other.query('SELECT 1')).rejects.toThrow();
    const refused = connect(other.port, other.host);
    await expect(new Promise((_, reject) => refused.once('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
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
