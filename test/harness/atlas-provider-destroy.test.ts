// The stand-in Atlas provider (a test double, see test/support/atlas-provider/README.md)
// under the real terraform: deleting an atlas_schema resource (removed or renamed) plans
// `schema clean --dry-run` and applying it drops the env's scope in PostgreSQL as the env's
// user; statements generated from real rows (objects the HCL lacks) and the first-run check.
// The shared set-up and helpers are in provider-fixture.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copySeed, SEED_FIXTURE, type Scenario, type TerraformRun } from '../support/terraform.js';
import { SCHEMA_SQL } from '../support/seed-sql.js';
import { APPLY, atlasPlans, errorsOf, INIT, PLAN, sqlDetail, summaries, useProviderFixture } from './provider-fixture.js';

const fx = useProviderFixture();
const { terraform, roleExists } = fx;

/** The main.tf of a root without its atlas_schema resource (provider and locals stay). */
async function removeResource(root: string): Promise<string> {
  const file = join(root, 'main.tf');
  const original = await readFile(file, 'utf8');
  await writeFile(file, original.slice(0, original.indexOf('resource "atlas_schema"')));
  return original;
}

/** The planned changes of a run: "address action". */
const changes = (run: TerraformRun) =>
  run.events
    .filter((e) => e.type === 'planned_change')
    .map((e) => {
      const c = e.change as { resource: { addr: string }; action: string };
      return `${c.resource.addr} ${c.action}`;
    });

/** Atlas commands of the calls recorded during fn, as "Rpc: command". */
async function atlasCalls(fn: () => Promise<TerraformRun>): Promise<{ run: TerraformRun; atlas: string[] }> {
  const before = (await fx.tf.readCalls()).length;
  const run = await fn();
  const atlas = (await fx.tf.readCalls())
    .slice(before)
    .filter((c) => c.atlas && c.rpc !== 'ConfigureProvider')
    .flatMap((c) => (c.atlas ?? []).map((a) => `${c.rpc}: ${a}`));
  return { run, atlas };
}

/**
 * Runs SQL as atlas_migrator, the schema env's user, so what it creates is owned by it. The
 * master may not SET ROLE to it (on PostgreSQL 16+ CREATEROLE gives the creator ADMIN on a
 * role, not SET; RDS's master is no superuser), so this goes through the harness's superuser;
 * SET ROLE and the statements run in one implicit transaction on one connection.
 */
async function asMigrator(sql: string): Promise<void> {
  await fx.db.adminQuery(`SET ROLE atlas_migrator; ${sql}; RESET ROLE;`);
}

/** Objects left in the non-system schemas: relations, routines, enum/domain types. */
async function userObjects(): Promise<string[]> {
  const rows = await fx.db.query<{ o: string }>(`
    SELECT n.nspname || '.' || c.relname AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    UNION ALL SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    ORDER BY 1`);
  return rows.map((r) => r.o);
}

describe('deleting the resource: schema clean of the env', () => {
  let roles: string;
  let schema: string;

  beforeAll(async () => {
    await fx.tf.writeScenario(fx.seedScenario);
    const seed = await copySeed(join(fx.tf.dir, 'destroy'));
    roles = join(seed, 'terraform', 'roles');
    schema = join(seed, 'terraform', 'schema');
    for (const cwd of [roles, schema]) {
      expect((await terraform(cwd, INIT)).code).toBe(0);
      expect((await terraform(cwd, PLAN)).code).toBe(2);
      expect((await terraform(cwd, APPLY)).code).toBe(0);
    }
    // Hand-made objects of every kind the schema env's scope covers, owned by atlas_migrator,
    // in public and in a second schema it may create in. The master creates and grants on that
    // schema: the roles env's clean revokes the grant as the master, which PostgreSQL refuses
    // on a schema the master has no privileges on (e.g. one made by the superuser).
    await fx.db.query('CREATE SCHEMA reporting; GRANT USAGE, CREATE ON SCHEMA reporting TO atlas_migrator;');
    await asMigrator(`
      CREATE TYPE public.mood AS ENUM ('ok', 'meh');
      CREATE DOMAIN public.positive AS integer CHECK (VALUE > 0);
      CREATE TABLE public.handmade (id serial PRIMARY KEY, mood public.mood);
      CREATE SEQUENCE public.ticket_seq;
      CREATE VIEW public.recent AS SELECT id FROM public.validation_probe;
      CREATE MATERIALIZED VIEW public.recent_mv AS SELECT id FROM public.handmade;
      CREATE FUNCTION public.add_one(i integer) RETURNS integer LANGUAGE sql AS 'SELECT i + 1';
      CREATE PROCEDURE public.noop() LANGUAGE sql AS 'SELECT 1';
      CREATE TABLE reporting.events (id bigint, at timestamptz);`);
  });

  const SCHEMA_DROPS = [
    'DROP MATERIALIZED VIEW "public"."recent_mv";',
    'DROP VIEW "public"."recent";',
    'DROP TABLE "reporting"."events";',
    'DROP TABLE "public"."handmade";',
    'DROP TABLE "public"."validation_probe";',
    'DROP SEQUENCE "public"."ticket_seq";',
    'DROP PROCEDURE "public"."noop"();',
    'DROP FUNCTION "public"."add_one"(i integer);',
    'DROP DOMAIN "public"."positive";',
    'DROP TYPE "public"."mood";',
  ];

  it('removing the schema resource plans a delete whose Atlas Plan lists the DROPs of schema clean --dry-run', async () => {
    await removeResource(schema);
    const { run, atlas } = await atlasCalls(() => terraform(schema, PLAN));
    expect(run.code, run.stderr).toBe(2);
    expect(changes(run)).toEqual(['atlas_schema.app delete']);
    expect(summaries(run)).toEqual(['warning: Atlas Plan']);
    expect(atlasPlans(run)[0]?.detail).toBe(sqlDetail(SCHEMA_DROPS));
    // Terraform attaches no address (nor a source range) to the diagnostic of a resource
    // that is no longer in the configuration: only the planned_change names it.
    expect(atlasPlans(run)[0]?.address).toBeUndefined();
    // Terraform refreshes the orphan as well (the order of the two calls is its own business).
    expect(atlas.sort()).toEqual(['PlanResourceChange: schema clean --dry-run', 'ReadResource: schema inspect']);
  });

  it('applying it drops every object in the scope as atlas_migrator; the schemas stay; the state forgets the resource', async () => {
    const { run, atlas } = await atlasCalls(() => terraform(schema, APPLY));
    expect(run.code, run.stderr).toBe(0);
    expect(errorsOf(run)).toEqual([]);
    expect(atlas).toEqual(['ApplyResourceChange: schema clean --auto-approve']);
    // handmade_id_seq was not listed: it belongs to its column and went with the table.
    expect(await userObjects()).toEqual([]);
    const schemas = await fx.db.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'reporting') ORDER BY 1`,
    );
    expect(schemas.map((s) => s.nspname)).toEqual(['public', 'reporting']);
    const after = await terraform(schema, PLAN);
    expect(after.code, after.stderr).toBe(0);
    expect(changes(after)).toEqual([]);
  });

  it("removing the roles resource revokes the managed roles' schema privileges and drops the roles, not the built-ins or the env's user", async () => {
    const original = await removeResource(roles);
    const plan = await terraform(roles, PLAN);
    expect(plan.code, plan.stderr).toBe(2);
    expect(atlasPlans(plan).map((d) => d.detail)).toEqual([
      sqlDetail([
        'REVOKE CREATE, USAGE ON SCHEMA "public" FROM "atlas_migrator";',
        'REVOKE CREATE, USAGE ON SCHEMA "reporting" FROM "atlas_migrator";',
        'DROP ROLE "app_reader";',
        'DROP ROLE "atlas_migrator";',
      ]),
    ]);
    const apply = await terraform(roles, APPLY);
    expect(apply.code, apply.stderr).toBe(0);
    expect(await roleExists('atlas_migrator')).toBe(false);
    expect(await roleExists('app_reader')).toBe(false);
    expect(await roleExists('rds_iam')).toBe(true);
    expect(await roleExists(fx.db.masterUser)).toBe(true);
    // Back to the seed: both roots applied again (new resources: the first-run checks pass).
    await writeFile(join(roles, 'main.tf'), original);
    await writeFile(join(schema, 'main.tf'), await seedMain('schema'));
    await fx.db.query('DROP SCHEMA reporting');
    for (const cwd of [roles, schema]) {
      expect((await terraform(cwd, PLAN)).code).toBe(2);
      expect((await terraform(cwd, APPLY)).code).toBe(0);
    }
    expect(await userObjects()).toEqual(['public.validation_probe']);
  });

  it("an object the env's user does not own stops the clean with PostgreSQL's message; drops before it stay done", async () => {
    await fx.db.query('CREATE TABLE public.master_owned (id integer)');
    await asMigrator('CREATE VIEW public.probe_ids AS SELECT id FROM public.validation_probe');
    await removeResource(schema);
    const plan = await terraform(schema, PLAN);
    expect(plan.code, plan.stderr).toBe(2);
    expect(atlasPlans(plan).map((d) => d.detail)).toEqual([
      sqlDetail(['DROP VIEW "public"."probe_ids";', 'DROP TABLE "public"."master_owned";', 'DROP TABLE "public"."validation_probe";']),
    ]);
    const apply = await terraform(schema, APPLY);
    expect(apply.code).toBe(1);
    expect(errorsOf(apply).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Apply Error: Unable to apply changes, got error: Error: sql/migrate: executing statement "DROP TABLE \\"public\\".\\"master_owned\\";": pq: must be owner of table master_owned',
    ]);
    // schema clean runs without a transaction: the view is gone, the rest stays, and so does the resource.
    expect(await userObjects()).toEqual(['public.master_owned', 'public.validation_probe']);
    const again = await terraform(schema, PLAN);
    expect(changes(again)).toEqual(['atlas_schema.app delete']);
    await fx.db.query('DROP TABLE public.master_owned');
    await writeFile(join(schema, 'main.tf'), await seedMain('schema'));
  });

  it('renaming the resource plans a delete of the old address (its DROPs) and a create of the new one', async () => {
    const main = join(schema, 'main.tf');
    await writeFile(main, (await seedMain('schema')).replace('resource "atlas_schema" "app"', 'resource "atlas_schema" "app_v2"'));
    try {
      const plan = await terraform(schema, PLAN);
      expect(plan.code, plan.stderr).toBe(2);
      expect(changes(plan).sort()).toEqual(['atlas_schema.app delete', 'atlas_schema.app_v2 create']);
      // The create finds nothing to do (the table is there); the delete would drop it. The
      // delete's warning carries no address: the old name is gone from the configuration.
      expect(atlasPlans(plan).map((d) => [d.address, d.detail])).toEqual([
        [undefined, sqlDetail(['DROP TABLE "public"."validation_probe";'])],
      ]);
    } finally {
      await writeFile(main, await seedMain('schema'));
    }
  });

  it("a scenario's clean list replaces the env's scope", async () => {
    await removeResource(schema);
    try {
      const only = 'DROP TABLE "public"."validation_probe";';
      await fx.tf.writeScenario({
        envs: { ...fx.seedScenario.envs, schema: { ...fx.seedScenario.envs['schema'], clean: [{ sql: only }] } },
      });
      await asMigrator('CREATE TABLE public.kept (id integer)');
      const plan = await terraform(schema, PLAN);
      expect(atlasPlans(plan).map((d) => d.detail)).toEqual([sqlDetail([only])]);
      const apply = await terraform(schema, APPLY);
      expect(apply.code, apply.stderr).toBe(0);
      expect(await userObjects()).toEqual(['public.kept']);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
      await asMigrator('DROP TABLE IF EXISTS public.kept');
      await writeFile(join(schema, 'main.tf'), await seedMain('schema'));
    }
  });
});

describe('statements for objects the HCL lacks: generated by a query on the env database', () => {
  let schema: string;
  // Pending for every table in public that the seed's schema HCL does not declare.
  const drift = (): Scenario => ({
    envs: {
      ...fx.seedScenario.envs,
      schema: {
        statements: [
          ...(fx.seedScenario.envs['schema']?.statements ?? []),
          {
            query: `SELECT format('DROP TABLE "%s"."%s";', schemaname, tablename) FROM pg_tables
                    WHERE schemaname = 'public' AND tablename NOT IN ('validation_probe', 'audit_log') ORDER BY tablename`,
          },
        ],
      },
    },
  });

  beforeAll(async () => {
    const seed = await copySeed(join(fx.tf.dir, 'drift'));
    schema = join(seed, 'terraform', 'schema');
    expect((await terraform(schema, INIT)).code).toBe(0);
  });

  it('on create, a pending DROP fails the first-run check with the provider’s exact text; the Atlas Plan is still shown', async () => {
    // Whatever earlier tests left: this root creates its resource afresh over validation_probe.
    await asMigrator('CREATE TABLE public.legacy_orders (id integer)');
    await fx.tf.writeScenario(drift());
    const plan = await terraform(schema, PLAN);
    expect(plan.code).toBe(1);
    expect(errorsOf(plan).map((d) => [d.summary, d.detail])).toEqual([
      [
        'Unrecognized schema resources',
        'The database contains resources that Atlas wants to drop because they are not defined in the HCL file on the first run.\n' +
          '\t- DROP TABLE "public"."legacy_orders";\n' +
          '\tTo learn how to add an existing database to a project, read:\n' +
          '\thttps://atlasgo.io/terraform-provider#working-with-an-existing-database',
      ],
    ]);
    // The create's dry run still prints everything, the seed's statements and the DROP.
    expect(atlasPlans(plan).map((d) => d.detail)).toEqual([sqlDetail([...SCHEMA_SQL, 'DROP TABLE "public"."legacy_orders";'])]);
  });

  it('the first-run check is a plain "DROP " substring test at plan time: ALTER … DROP DEFAULT, DROP NOT NULL and DROP CONSTRAINT fail it too', async () => {
    const alters = [
      'ALTER TABLE "public"."validation_probe" ALTER COLUMN "created_at" DROP DEFAULT;',
      'ALTER TABLE "public"."validation_probe" ALTER COLUMN "id" DROP NOT NULL;',
      'ALTER TABLE "public"."validation_probe" DROP CONSTRAINT "validation_probe_check";',
    ];
    // Not "DROP " (no space after it, or lower case): not the provider's substring.
    const harmless = [
      `COMMENT ON TABLE "public"."validation_probe" IS 'DROPPED';`,
      'ALTER TABLE "public"."validation_probe" drop default;',
    ];
    const seedSchema = fx.seedScenario.envs['schema']?.statements ?? [];
    await fx.tf.writeScenario({
      envs: { ...fx.seedScenario.envs, schema: { statements: [...seedSchema, ...[...alters, ...harmless].map((sql) => ({ sql }))] } },
    });
    try {
      const plan = await terraform(schema, PLAN);
      expect(plan.code).toBe(1);
      expect(errorsOf(plan).map((d) => [d.summary, d.detail])).toEqual([
        [
          'Unrecognized schema resources',
          'The database contains resources that Atlas wants to drop because they are not defined in the HCL file on the first run.\n' +
            `\t- ${alters.join('\n- ')}\n` +
            '\tTo learn how to add an existing database to a project, read:\n' +
            '\thttps://atlasgo.io/terraform-provider#working-with-an-existing-database',
        ],
      ]);
    } finally {
      await fx.tf.writeScenario(drift());
    }
  });

  it('without the hand-made table the create plans and applies; a table added later is drift the next plan drops', async () => {
    await asMigrator('DROP TABLE public.legacy_orders');
    const plan = await terraform(schema, PLAN);
    expect(plan.code, plan.stderr).toBe(2);
    expect(errorsOf(plan)).toEqual([]);
    expect((await terraform(schema, APPLY)).code).toBe(0);

    await asMigrator('CREATE TABLE public.scratch (id integer)');
    const drifted = await terraform(schema, PLAN);
    expect(drifted.code, drifted.stderr).toBe(2);
    expect(errorsOf(drifted)).toEqual([]);
    expect(atlasPlans(drifted).map((d) => d.detail)).toEqual([sqlDetail(['DROP TABLE "public"."scratch";'])]);
    expect((await terraform(schema, APPLY)).code).toBe(0);
    expect(await userObjects()).toEqual(['public.validation_probe']);
    const converged = await terraform(schema, PLAN);
    expect(converged.code, converged.stderr).toBe(0);
    await fx.tf.writeScenario(fx.seedScenario);
  });
});

/** The seed's own main.tf of a root. */
function seedMain(root: 'roles' | 'schema'): Promise<string> {
  return readFile(join(SEED_FIXTURE, 'terraform', root, 'main.tf'), 'utf8');
}
