import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { emphasis, mentions, renderedText } from '../support/markdown.js';
import { connectionConfig } from '../support/postgres.js';
import { ROLES_SQL as SEED_ROLES_SQL } from '../support/seed-sql.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';

// Issue 21 end to end, through `node dist/index.js` on the local stack: tables holding real
// rows, a plan whose SQL would fail on them, lock and rewrite on big tables, a session holding
// a lock during the plan, a table above the scan limit, hostile names. One pull request run
// shows it all (comment, summary, the `impact` output); its merge re-checks and holds the
// schema root. Every run proves the database was only read: write counters unchanged, a row
// trigger and an event trigger recorded nothing. A marker planted in the rows never leaves it.

const SECRET = 'planted-row-value-5e1d';
const HOSTILE_SCHEMA = 's"q::x';
const HOSTILE_QUOTED = `"s""q::x"."t **b** <!-- @all ::warning::x"`;

const SQL = [
  'ALTER TABLE "app"."people" ALTER COLUMN "email" SET NOT NULL;',
  'CREATE UNIQUE INDEX "people_code" ON "app"."people" ("code");',
  'ALTER TABLE "app"."orders" ADD CONSTRAINT "orders_person" FOREIGN KEY ("person_id") REFERENCES "app"."people" ("id");',
  'ALTER TABLE "app"."metrics" ALTER COLUMN "v" TYPE bigint;',
  'CREATE INDEX "events_kind" ON "app"."events" ("kind");',
  'ALTER TABLE "app"."events" ALTER COLUMN "kind" SET NOT NULL;',
  'DROP TABLE "app"."doomed";',
  'ALTER TABLE "app"."locked" ADD COLUMN "w" integer;',
  `ALTER TABLE ${HOSTILE_QUOTED} ALTER COLUMN "c""ol" SET NOT NULL;`,
];

const SETUP = `
  CREATE SCHEMA app;
  CREATE TABLE app.audit (what text);
  CREATE FUNCTION app.record_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO app.audit VALUES (TG_OP || ' ' || TG_TABLE_NAME); RETURN NULL; END $$;
  CREATE TABLE app.people (id int PRIMARY KEY, email text, code int);
  INSERT INTO app.people SELECT g, CASE WHEN g % 40 = 0 THEN NULL ELSE '${SECRET}-' || g || '@example.com' END, g % 45000
    FROM generate_series(1, 50000) g;
  CREATE TABLE app.orders (id int PRIMARY KEY, person_id int);
  INSERT INTO app.orders SELECT g, CASE WHEN g <= 30 THEN 900000 + g ELSE g END FROM generate_series(1, 2000) g;
  CREATE TABLE app.metrics (id int, v int);
  INSERT INTO app.metrics SELECT g, g FROM generate_series(1, 20000) g;
  CREATE TABLE app.events (id bigint, kind text);
  INSERT INTO app.events SELECT g, 'k' || (g % 7) FROM generate_series(1, 200000) g;
  ANALYZE app.events;
  CREATE TABLE app.doomed (id int);
  INSERT INTO app.doomed SELECT generate_series(1, 12345);
  CREATE TABLE app.locked (id int, v text);
  INSERT INTO app.locked SELECT g, '${SECRET}' FROM generate_series(1, 100) g;
  CREATE SCHEMA "s""q::x";
  CREATE TABLE ${HOSTILE_QUOTED} ("c""ol" text, k int);
  INSERT INTO ${HOSTILE_QUOTED} SELECT CASE WHEN g % 2 = 0 THEN NULL ELSE '${SECRET}' END, g FROM generate_series(1, 10) g;
  GRANT USAGE ON SCHEMA app, "s""q::x" TO atlas_migrator;
  GRANT SELECT ON ALL TABLES IN SCHEMA app, "s""q::x" TO atlas_migrator;
`;
const TABLES = ['app.people', 'app.orders', 'app.metrics', 'app.events', 'app.doomed', 'app.locked', HOSTILE_QUOTED];

describe('impact: what the SQL does to the data, from live facts, read-only', () => {
  let stack: Stack;
  beforeAll(async () => {
    const seed = await loadSeedScenario();
    const scenario = (statements: string[]): Scenario => ({
      envs: { roles: seed.envs['roles'] ?? {}, schema: { statements: statements.map((sql) => ({ sql })) } },
    });
    stack = await startStack({ scenario: scenario([]) });
    // What an earlier roles apply left: the schema root and the facts log in as atlas_migrator.
    for (const sql of SEED_ROLES_SQL) await stack.pg.query(sql);
    await stack.pg.query(SETUP);
    // An earlier merge created the schema resource (no SQL): Atlas then plans against it rather
    // than refusing, on a first run, to drop what the HCL does not define.
    stack.github.addCompare(sha('8'), sha('9'), ['hcl/schema/schema.pg.hcl']);
    const first = await stack.runPush({ before: sha('8'), after: sha('9'), ref: `refs/heads/${DEFAULT_BRANCH}` });
    expect(first.exitCode, first.stdout).toBe(0);
    await stack.tf.writeScenario(scenario(SQL));
    for (const [i, t] of TABLES.entries())
      await stack.pg.query(
        `CREATE TRIGGER audit_${i} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION app.record_write()`,
      );
    // Operator grants: other sessions' transaction ages; an event trigger needs rds_superuser (the admin here).
    await stack.pg.adminQuery(`GRANT pg_read_all_stats TO atlas_migrator;
      CREATE FUNCTION app.record_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO app.audit VALUES ('DDL ' || tg_tag); END $$;
      CREATE EVENT TRIGGER audit_ddl ON ddl_command_start EXECUTE FUNCTION app.record_ddl()`);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Write counters of the test's tables and the audit rows: unchanged means nothing was written. */
  const writes = async (): Promise<unknown> => ({
    counters: await stack.pg.adminQuery(
      `SELECT relid::regclass::text AS t, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname IN ('app', $1) ORDER BY 1`,
      [HOSTILE_SCHEMA],
    ),
    audit: await stack.pg.adminQuery('SELECT what FROM app.audit'),
  });
  const facts = async (): Promise<unknown> =>
    stack.pg.adminQuery(`SELECT
      (SELECT count(*)::int FROM app.people) AS people, (SELECT count(*)::int FROM app.people WHERE email IS NULL) AS nulls,
      to_regclass('app.people_code') IS NULL AS no_index, to_regclass('app.doomed') IS NOT NULL AS doomed_kept,
      (SELECT atttypid::regtype::text FROM pg_attribute WHERE attrelid = 'app.metrics'::regclass AND attname = 'v') AS v_type`);
  const comment = (pr: number): string => stack.github.comments(pr)[0]?.body ?? '';
  const headline = (body: string): string => renderedText(/^### .*$/m.exec(body)?.[0] ?? '');
  /** No value from a row anywhere a user (or a log reader) sees. */
  const expectNoRowValue = (run: ActionRun, body: string): void => {
    for (const [where, t] of Object.entries({
      stdout: run.stdout,
      stderr: run.stderr,
      body,
      summary: run.summary,
      outputs: JSON.stringify(run.outputs),
    })) {
      expect(t, where).not.toContain(SECRET);
      expect(t, where).not.toContain('example.com');
    }
  };

  let planBody = '';
  it('the pull request: the Impact part above the SQL, "will fail" in the headline, the impact output, nothing written', async () => {
    stack.github.addPull({ number: 1, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('1'), baseSha: sha('0') });
    const before = await writes();
    const factsBefore = await facts();
    // Another session reads app.locked in an open transaction: ACCESS SHARE, which the plan's
    // ADD COLUMN (ACCESS EXCLUSIVE) would queue behind.
    const other = new pg.Client(connectionConfig(stack.pg.url(stack.pg.masterUser, stack.pg.masterPassword)));
    other.on('error', () => undefined);
    await other.connect();
    let run: ActionRun;
    let blocker: number;
    try {
      await other.query('BEGIN');
      await other.query('SELECT count(*) FROM app.locked');
      blocker = ((await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
      run = await stack.runPullRequest({ number: 1, headSha: sha('1'), baseSha: sha('0') }, { inputs: { 'impact-scan-limit': '100000' } });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
    expect(run.exitCode, run.stdout).toBe(0);
    const body = (planBody = comment(1));
    expect(headline(body)).toBe(`❌ Plan: 9 statements in schema — will fail on today's rows in schema · 2 destructive · 6 locking`);
    const shown = renderedText(body);
    // Above the SQL.
    expect(shown.indexOf('Impact (read-only facts')).toBeGreaterThan(-1);
    expect(shown.indexOf('Impact (read-only facts')).toBeLessThan(shown.indexOf(SQL[0]!));
    // One table row of the Impact part, as GitHub shows it (cells separated by " | ").
    const row = (table: string): string => {
      const line = body.split('\n').find((l) => l.startsWith(`| \`${table}\` |`));
      return line === undefined ? `(no row for ${table} in:\n${body})` : renderedText(line);
    };
    expect(row('app.people')).toContain('50,000');
    expect(row('app.people')).toContain('SET NOT NULL on email: 1,250 rows have NULL in email');
    expect(row('app.people')).toContain('unique index people_code: 5,000 values of code occur more than once');
    expect(row('app.orders')).toContain('foreign key orders_person: 30 rows of person_id reference no row of people');
    expect(row('app.metrics')).toMatch(
      /20,000.*kB.*ACCESS EXCLUSIVE, the whole plan's transaction \(from statement 4\).*rewrites the table/,
    );
    expect(row('app.events')).toContain('≈200,000');
    expect(row('app.events')).toContain('scans the table');
    expect(row('app.events')).toContain('not checked: 200,000 rows, above the scan limit of 100,000 rows');
    expect(row('app.doomed')).toContain('12,345');
    expect(row('app.locked')).toMatch(new RegExp(`pid ${blocker!}: ACCESS SHARE, transaction open \\d+ s`));
    expect(row(HOSTILE_QUOTED)).toContain('SET NOT NULL on c"ol: 5 rows have NULL in c"ol');
    // Hostile names stay inert: no emphasis, no mention, no annotation command in the log.
    expect(emphasis(body)).not.toContain('b');
    expect(mentions(body)).toEqual([]);
    expect(run.stdout).not.toMatch(/^::warning::x/m);
    // The log says how long the facts took and how long the run waited for them.
    expect(run.stdout).toMatch(/^Impact facts read \(schema \d+ ms\), beside the plans; the run waited \d+ ms for them\.$/m);
    if (process.env['IMPACT_FIGURES']) console.info(/^Impact facts read .*$/m.exec(run.stdout)?.[0], /^Result: .*$/m.exec(run.stdout)?.[0]);

    const impact = JSON.parse(run.outputs['impact'] ?? '') as Record<string, unknown>[];
    const of = (i: number, table: string): Record<string, unknown> | undefined =>
      impact.find((r) => r['statement'] === SQL[i] && r['table'] === table);
    expect(of(0, 'app.people')).toMatchObject({
      root: 'schema',
      rows: 50000,
      lock: 'ACCESS EXCLUSIVE',
      rewrite: false,
      scan: true,
      fails: 'SET NOT NULL on email: 1,250 rows have NULL in email',
    });
    expect(of(3, 'app.metrics')).toMatchObject({ lock: 'ACCESS EXCLUSIVE', rewrite: true, fails: null });
    expect(of(3, 'app.metrics')?.['bytes']).toBeGreaterThan(500_000);
    expect(of(4, 'app.events')).toMatchObject({ lock: 'SHARE', scan: true, rewrite: false, fails: null });
    expect(of(6, 'app.doomed')).toMatchObject({ rows: 12345, lock: 'ACCESS EXCLUSIVE', fails: null });
    expect(of(5, 'app.events')).toMatchObject({
      fails: null,
      unchecked: 'not checked: 200,000 rows, above the scan limit of 100,000 rows',
    });
    expect(Object.keys(impact[0] ?? {})).toEqual([
      'root',
      'statement',
      'table',
      'rows',
      'bytes',
      'lock',
      'rewrite',
      'scan',
      'fails',
      'unchecked',
    ]);
    // The summary has the same part.
    expect(renderedText(run.summary)).toContain('SET NOT NULL on email: 1,250 rows have NULL in email');
    expectNoRowValue(run, body);
    expect(await writes()).toEqual(before);
    expect(await facts()).toEqual(factsBefore);
  });

  it('the merge: re-checked read-only before the apply, the schema root is held with the same explanation, the rows are unchanged', async () => {
    expect(planBody).not.toBe('');
    stack.github.addPull({
      number: 1,
      files: ['hcl/schema/schema.pg.hcl'],
      headSha: sha('1'),
      baseSha: sha('0'),
      mergeCommitSha: sha('a'),
      merged: true,
      labels: [],
    });
    stack.github.addCompare(sha('0'), sha('a'), ['hcl/schema/schema.pg.hcl']);
    const before = await writes();
    const factsBefore = await facts();
    // Nothing else holds it: no class is gated (the DROP would otherwise need an approval) and no
    // reviewed plan is required; only the re-check.
    const run = await stack.runPush(
      { before: sha('0'), after: sha('a'), ref: `refs/heads/${DEFAULT_BRANCH}` },
      { inputs: { 'require-reviewed-plan': 'false', 'gated-classes': 'none', 'impact-scan-limit': '100000' } },
    );
    expect(run.exitCode, run.stdout).toBe(1);
    const body = comment(1);
    expect(headline(body)).toMatch(/^❌ Apply held back at schema: it would fail on the rows in the database now — .*schema was not$/);
    const shown = renderedText(body);
    expect(shown).toContain('It would fail on the rows in the database now, so it was not started.');
    expect(shown).toContain(`app.people: SET NOT NULL on email: 1,250 rows have NULL in email — ${SQL[0]}`);
    expect(run.stdout).toContain('schema: impact re-check (read-only)');
    expect(run.stdout).not.toContain('schema: terraform apply');
    expectNoRowValue(run, body);
    expect(await writes()).toEqual(before);
    expect(await facts()).toEqual(factsBefore);
  });
});
