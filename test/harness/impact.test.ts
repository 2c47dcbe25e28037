import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessImpact, LOCK_MODES, planImpact, type ImpactReport, type ImpactOptions } from '../../src/impact/index.js';
import { LOCK_CASES } from '../fixtures/impact-lock-cases.js';
import { connectionConfig, startPostgres, type PgCluster } from '../support/postgres.js';
import { openTestSession, type TestSession } from '../support/read-only-session.js';

// The impact facts and predicted failures against a real PostgreSQL 17 holding real rows.
// Each case reads through a READ ONLY session and then proves, in that same transaction, that
// nothing was written: pg_stat_xact_user_tables counts no insert/update/delete, and the audit
// table that a row trigger and an event trigger would fill is empty.

const SECRET = 'secret-value-7c1f';
let db: PgCluster;

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [], region: 'us-east-1' } });
  await db.query(`
    CREATE SCHEMA app;
    CREATE TABLE app.audit (what text);
    CREATE FUNCTION app.record_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO app.audit VALUES (TG_OP || ' ' || TG_TABLE_NAME); RETURN NULL; END $$;
    CREATE TABLE app.people (id int PRIMARY KEY, email text, code int, num text, short varchar(40));
    INSERT INTO app.people SELECT g, CASE WHEN g % 40 = 0 THEN NULL ELSE '${SECRET}-' || g || '@example.com' END,
      g % 45000, CASE WHEN g % 1000 = 0 THEN 'n/a-${SECRET}' ELSE g::text END, 'short' FROM generate_series(1, 50000) g;
    CREATE TABLE app.orders (id int PRIMARY KEY, person_id int);
    INSERT INTO app.orders SELECT g, CASE WHEN g <= 30 THEN 900000 + g ELSE g END FROM generate_series(1, 2000) g;
    CREATE TABLE app.events (id bigint, kind text);
    INSERT INTO app.events SELECT g, 'k' || (g % 7) FROM generate_series(1, 200000) g;
    ANALYZE app.events;
    CREATE TABLE app.doomed (id int);
    INSERT INTO app.doomed SELECT generate_series(1, 12345);
    CREATE TABLE app.locked (id int, v text);
    INSERT INTO app.locked SELECT g, NULL FROM generate_series(1, 100) g;
    CREATE SCHEMA "s""q::x";
    CREATE TABLE "s""q::x"."t **b** <!-- @all ::warning::x" ("c""ol" text, "k|[x]" int);
    INSERT INTO "s""q::x"."t **b** <!-- @all ::warning::x" SELECT CASE WHEN g % 2 = 0 THEN NULL ELSE '${SECRET}' END, g % 3 FROM generate_series(1, 10) g;
  `);
  const tables = ['app.people', 'app.orders', 'app.events', 'app.doomed', 'app.locked', `"s""q::x"."t **b** <!-- @all ::warning::x"`];
  for (const [i, t] of tables.entries()) {
    await db.query(
      `CREATE TRIGGER audit_${i} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION app.record_write()`,
    );
  }
  // Event triggers need a superuser (on RDS: rds_superuser); the harness's admin stands in.
  await db.adminQuery(`CREATE FUNCTION app.record_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO app.audit VALUES ('DDL ' || tg_tag); END $$;
    CREATE EVENT TRIGGER audit_ddl ON ddl_command_start EXECUTE FUNCTION app.record_ddl()`);
});
afterAll(async () => {
  await db?.stop();
});

const config = (): pg.ClientConfig => connectionConfig(db.url(db.masterUser, db.masterPassword));

/** Plans `sql`, assesses it read-only, and proves inside the same transaction that nothing was written. */
async function assess(sql: string[], opts: ImpactOptions = {}, session?: TestSession): Promise<ImpactReport> {
  const s = session ?? (await openTestSession(config()));
  try {
    const report = await assessImpact(s, await planImpact('schema', sql), opts);
    const writes = await s.query<{ n: string }>(
      'SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text AS n FROM pg_stat_xact_user_tables',
    );
    expect(writes[0]?.n).toBe('0');
    expect(await s.query('SELECT * FROM app.audit')).toEqual([]);
    // No value of any row is in the report.
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(JSON.stringify(report)).not.toContain('example.com');
    return report;
  } finally {
    await s.close();
  }
}

const only = (r: ImpactReport, table: string): NonNullable<ImpactReport['rows'][number]> => {
  const rows = r.rows.filter((x) => x.table === table);
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

describe('impact facts on a real PostgreSQL', () => {
  it('SET NOT NULL over 1,250 NULLs in 50,000 rows fails with the count', async () => {
    const r = await assess(['ALTER TABLE "app"."people" ALTER COLUMN "email" SET NOT NULL;']);
    const row = only(r, 'app.people');
    expect(row).toMatchObject({ rows: 50000, lock: 'ACCESS EXCLUSIVE', rewrite: false, scan: true });
    expect(row.fails).toBe('SET NOT NULL on email: 1,250 rows have NULL in email');
    expect(row.bytes).toBeGreaterThan(1_000_000);
    expect(r.willFail).toBe(true);
  });

  it('a unique index over duplicates, a foreign key over orphans, a NOT NULL column without default', async () => {
    const r = await assess([
      'CREATE UNIQUE INDEX "people_code" ON "app"."people" ("code");',
      'ALTER TABLE "app"."orders" ADD CONSTRAINT "orders_person" FOREIGN KEY ("person_id") REFERENCES "app"."people" ("id");',
      'ALTER TABLE "app"."orders" ADD COLUMN "note" text NOT NULL;',
      'ALTER TABLE "app"."orders" ADD CONSTRAINT "ok" FOREIGN KEY ("person_id") REFERENCES "app"."people" ("id") NOT VALID;',
    ]);
    expect(r.rows.map((x) => [x.statementIndex, x.table, x.lock, x.fails])).toEqual([
      [0, 'app.people', 'SHARE', 'unique index people_code: 5,000 values of code occur more than once'],
      [1, 'app.orders', 'SHARE ROW EXCLUSIVE', 'foreign key orders_person: 30 rows of person_id reference no row of people'],
      [1, 'app.people', 'SHARE ROW EXCLUSIVE', null],
      [2, 'app.orders', 'ACCESS EXCLUSIVE', 'new column note is NOT NULL without a default, and the table has 2,000 rows'],
      [3, 'app.orders', 'SHARE ROW EXCLUSIVE', null],
      [3, 'app.people', 'SHARE ROW EXCLUSIVE', null],
    ]);
    // Locks taken by the first statement are held until the plan's transaction commits.
    expect(r.tables.find((t) => t.table === 'app.people')).toMatchObject({
      lock: 'SHARE ROW EXCLUSIVE',
      heldFor: 'transaction',
      fromStatement: 0,
    });
  });

  it('checks on three sessions at once give the same report as on one, and every extra session is closed', async () => {
    const sql = [
      'ALTER TABLE "app"."people" ALTER COLUMN "email" SET NOT NULL;',
      'CREATE UNIQUE INDEX "people_code" ON "app"."people" ("code");',
      'ALTER TABLE "app"."orders" ADD CONSTRAINT "orders_person" FOREIGN KEY ("person_id") REFERENCES "app"."people" ("id");',
      'ALTER TABLE "app"."people" ALTER COLUMN "num" TYPE integer USING "num"::integer;',
    ];
    const opened: TestSession[] = [];
    const open = async (): Promise<TestSession> => {
      const s = await openTestSession(config());
      opened.push(s);
      return s;
    };
    const single = await assess(sql);
    const pooled = await assess(sql, { moreSessions: { open, max: 3 } });
    expect(pooled).toEqual(single);
    expect(pooled.rows.filter((x) => x.fails !== null)).toHaveLength(4);
    expect(opened).toHaveLength(2);
    const others = async (): Promise<number> =>
      Number(
        (
          await db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()',
          )
        )[0]?.n,
      );
    await expect.poll(others).toBe(0);
  });

  it('type changes: a rewrite under ACCESS EXCLUSIVE, a binary-coercible widening, a cast failing on values', async () => {
    const r = await assess([
      'ALTER TABLE "app"."people" ALTER COLUMN "code" TYPE bigint;',
      'ALTER TABLE "app"."people" ALTER COLUMN "short" TYPE character varying(80);',
      'ALTER TABLE "app"."people" ALTER COLUMN "num" TYPE integer USING "num"::integer;',
      'ALTER TABLE "app"."people" ALTER COLUMN "short" TYPE character varying(2);',
      'ALTER TABLE "app"."people" ALTER COLUMN "email" TYPE integer USING length("email");',
    ]);
    const [code, short, num, shorter, using] = r.rows;
    expect(code).toMatchObject({ lock: 'ACCESS EXCLUSIVE', rewrite: true, fails: null });
    expect(code!.bytes).toBeGreaterThan(1_000_000);
    expect(short).toMatchObject({ lock: 'ACCESS EXCLUSIVE', rewrite: false, fails: null });
    expect(num!.fails).toBe('type change of num to integer: 50 values are not valid integer');
    expect(shorter!.fails).toBe('type change of short to character varying(2): 10,000+ values are longer than 2 characters');
    expect(using).toMatchObject({ fails: null, unchecked: 'not verified: type change of email: the USING expression is not evaluated' });
  });

  it('CREATE INDEX without CONCURRENTLY takes SHARE; CONCURRENTLY cannot run in the transaction; DROP TABLE counts its rows', async () => {
    const r = await assess([
      'CREATE INDEX "events_kind" ON "app"."events" ("kind");',
      'CREATE INDEX CONCURRENTLY "events_id" ON "app"."events" ("id");',
      'DROP TABLE "app"."doomed";',
    ]);
    expect(r.rows.map((x) => [x.table, x.lock, x.scan, x.rows, x.fails])).toEqual([
      ['app.events', 'SHARE', true, 200000, null],
      ['app.events', 'SHARE UPDATE EXCLUSIVE', true, 200000, "CREATE INDEX CONCURRENTLY cannot run inside the plan's transaction"],
      ['app.doomed', 'ACCESS EXCLUSIVE', false, 12345, null],
    ]);
  });

  it('a table above the scan limit is not checked, with its row count and the reason', async () => {
    const r = await assess(['ALTER TABLE "app"."events" ALTER COLUMN "kind" SET NOT NULL;'], { scanLimitRows: 100_000 });
    expect(only(r, 'app.events')).toMatchObject({
      fails: null,
      unchecked: 'not checked: 200,000 rows, above the scan limit of 100,000 rows',
    });
  });

  it('another session holding ACCESS EXCLUSIVE: the read finishes and names its mode and age', async () => {
    const other = new pg.Client(config());
    other.on('error', () => undefined);
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('LOCK TABLE app.locked IN ACCESS EXCLUSIVE MODE');
      const [{ pid }] = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
      const r = await assess(['ALTER TABLE "app"."locked" ALTER COLUMN "v" SET NOT NULL;']);
      const t = r.tables.find((x) => x.table === 'app.locked')!;
      expect(t.blockers.map(({ transactionAgeMs, ...b }) => ({ ...b, aged: typeof transactionAgeMs === 'number' }))).toEqual([
        { pid, mode: 'ACCESS EXCLUSIVE', granted: true, aged: true, state: 'idle in transaction' },
      ]);
      expect(only(r, 'app.locked')).toMatchObject({
        fails: null,
        unchecked: 'not checked: another session holds or awaits ACCESS EXCLUSIVE on it',
      });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('a reader blocks the plan: it is reported, and the checks still run', async () => {
    const other = new pg.Client(config());
    other.on('error', () => undefined);
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT count(*) FROM app.locked');
      const r = await assess(['ALTER TABLE "app"."locked" ALTER COLUMN "v" SET NOT NULL;']);
      expect(r.tables[0]!.blockers.map((b) => [b.mode, b.granted])).toEqual([['ACCESS SHARE', true]]);
      expect(only(r, 'app.locked').fails).toBe('SET NOT NULL on v: 100 rows have NULL in v');
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('hostile identifiers are quoted by the server and the queries work', async () => {
    const r = await assess([
      'ALTER TABLE "s""q::x"."t **b** <!-- @all ::warning::x" ALTER COLUMN "c""ol" SET NOT NULL;',
      'CREATE UNIQUE INDEX ON "s""q::x"."t **b** <!-- @all ::warning::x" ("k|[x]");',
    ]);
    expect(r.rows.map((x) => [x.table, x.fails])).toEqual([
      ['"s""q::x"."t **b** <!-- @all ::warning::x"', 'SET NOT NULL on c"ol: 5 rows have NULL in c"ol'],
      ['"s""q::x"."t **b** <!-- @all ::warning::x"', 'unique index: 3 values of k|[x] occur more than once'],
    ]);
  });
});

describe('the lock table agrees with PostgreSQL 17', () => {
  // Created and committed first: in the creating transaction the table is held ACCESS EXCLUSIVE.
  beforeAll(async () => {
    await db.query(`CREATE SCHEMA "l";
      CREATE TABLE "l"."p" ("id" int PRIMARY KEY);
      CREATE TABLE "l"."t" ("id" int PRIMARY KEY, "a" int, "s" varchar(10), "v" text);
      CREATE INDEX "t_a" ON "l"."t" ("a");
      INSERT INTO "l"."t" SELECT g, NULL, 'x', 'y' FROM generate_series(1, 10) g`);
  });
  it.each(LOCK_CASES)('%s takes %s (%s)', async (sql, lock, work) => {
    const c = new pg.Client(config());
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query('BEGIN');
      const before = (
        await c.query<{ oid: string; file: string }>(
          `SELECT oid::text, relfilenode::text AS file FROM pg_class WHERE oid = '"l"."t"'::regclass`,
        )
      ).rows[0]!;
      await c.query(sql);
      const modes = (
        await c.query<{ mode: string }>(
          `SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = $1::oid`,
          [before.oid],
        )
      ).rows;
      const pgName = (m: string): string => `${m.toLowerCase().replace(/(^| )(\w)/g, (_, __, ch: string) => ch.toUpperCase())}Lock`;
      expect(LOCK_MODES.filter((m) => modes.some((r) => r.mode === pgName(m))).at(-1)).toBe(lock);
      const after = (await c.query<{ file: string }>(`SELECT relfilenode::text AS file FROM pg_class WHERE oid = $1::oid`, [before.oid]))
        .rows[0];
      if (!/^(DROP TABLE|TRUNCATE)/.test(sql))
        expect(after?.file !== before.file ? 'rewrite' : 'not rewrite').toBe(work === 'rewrite' ? 'rewrite' : 'not rewrite');
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    }
  });
});
