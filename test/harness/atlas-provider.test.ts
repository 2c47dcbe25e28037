// The stand-in Atlas provider (a test double, see test/support/atlas-provider/README.md)
// driven by the real terraform binary on a copy of the seed, against a real PostgreSQL.
// The credential chain (URLs resolved like atlas.hcl) is in atlas-provider-credentials.test.ts;
// the shared set-up and helpers are in provider-fixture.ts.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copySeed, diagnosticsOf, PROVIDER_ENTRY, type Scenario } from '../support/terraform.js';
import { ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';
import { alive, APPLY, atlasPlans, COOKIE, DEV_URL_DETAIL, errorsOf, INIT, PLAN } from './provider-fixture.js';
import { runNode, sleep, sqlDetail, summaries, useProviderFixture } from './provider-fixture.js';

const fx = useProviderFixture();
const { terraform, roleExists } = fx;

describe('the stand-in provider process', () => {
  it('refuses to start without the magic cookie', async () => {
    const { code, stderr } = await runNode({});
    expect(code).toBe(1);
    expect(stderr).toContain('not meant to be executed directly');
  });

  it('prints one go-plugin handshake line, ignores SIGINT, and removes its socket on SIGTERM', async () => {
    const clientCert = await readFile(join(fx.tf.dir, 'tls', 'cert.pem'), 'utf8');
    const child = spawn(process.execPath, [PROVIDER_ENTRY], {
      env: {
        ...process.env,
        ...fx.tf.env,
        TF_PLUGIN_MAGIC_COOKIE: COOKIE,
        PLUGIN_CLIENT_CERT: clientCert,
        ATLAS_STANDIN_TLS_DIR: join(fx.tf.dir, 'tls'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const started = performance.now();
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) resolve(out);
        });
        child.on('exit', () => reject(new Error(`provider exited before its handshake; stdout: ${out}`)));
      });
      (fx.timings['provider start-up'] ??= []).push(performance.now() - started);
      const match = /^1\|6\|unix\|(.+\/plugin\.sock)\|grpc\|([A-Za-z0-9+/]+)\n$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(match?.[1]?.startsWith(fx.tf.socketDir)).toBe(true);
      expect((await fx.tf.leftovers()).sockets).toHaveLength(1);

      child.kill('SIGINT');
      await sleep(300);
      expect(child.exitCode).toBeNull();

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await fx.tf.leftovers()).sockets).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits and removes its socket when its parent dies without shutting it down', async () => {
    const clientCert = await readFile(join(fx.tf.dir, 'tls', 'cert.pem'), 'utf8');
    // A shell stands in for terraform: it starts the provider, reports its pid, then is killed.
    const parent = spawn('sh', ['-c', '"$0" "$1" & echo "$!"; wait', process.execPath, PROVIDER_ENTRY], {
      env: {
        ...process.env,
        ...fx.tf.env,
        TF_PLUGIN_MAGIC_COOKIE: COOKIE,
        PLUGIN_CLIENT_CERT: clientCert,
        ATLAS_STANDIN_TLS_DIR: join(fx.tf.dir, 'tls'),
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let providerPid = 0;
    try {
      const lines = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        parent.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const l = out.split('\n');
          if (l.length >= 3) resolve(l);
        });
        parent.on('exit', () => reject(new Error(`parent exited early; stdout: ${out}`)));
      });
      providerPid = Number(lines[0]);
      expect(lines[1]).toMatch(/^1\|6\|unix\|/);
      expect((await fx.tf.leftovers()).sockets).toHaveLength(1);

      parent.kill('SIGKILL');
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline && (await fx.tf.leftovers()).sockets.length > 0) await sleep(50);
      expect((await fx.tf.leftovers()).sockets).toEqual([]);
      await sleep(100); // the socket goes in the exit handler, just before the process ends
      expect(alive(providerPid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      if (alive(providerPid)) process.kill(providerPid, 'SIGKILL');
    }
  });
});

describe('the seed flow under the real terraform', () => {
  let seed: string;
  let roles: string;
  let schema: string;

  beforeAll(async () => {
    seed = await copySeed(join(fx.tf.dir, 'flow'));
    roles = join(seed, 'terraform', 'roles');
    schema = join(seed, 'terraform', 'schema');
  });

  it('init installs ariga/atlas 0.10.3 from the generated mirror', async () => {
    const run = await terraform(roles, INIT);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Installing ariga/atlas v0.10.3');
    expect(run.stderr).not.toContain('Unable to open CLI configuration file');
    expect(await readFile(join(roles, '.terraform.lock.hcl'), 'utf8')).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
    expect(await fx.tf.readCalls()).toEqual([]);
  });

  it("plan reports the seed's four roles statements in order and changes nothing", async () => {
    const run = await terraform(roles, PLAN);
    expect(run.code, run.stderr).toBe(2);
    // dev_url is unset once: the validate walk runs before the provider is configured.
    expect(summaries(run)).toEqual(['warning: dev_url is unset', 'warning: Atlas Plan']);
    expect(diagnosticsOf(run)[0]).toMatchObject({ detail: DEV_URL_DETAIL, address: 'atlas_schema.roles' });
    expect(atlasPlans(run)[0]?.detail).toBe(sqlDetail(ROLES_SQL));
    expect(run.events.find((e) => e.type === 'planned_change')).toMatchObject({ change: { action: 'create' } });
    expect(await roleExists('atlas_migrator')).toBe(false);
    const calls = await fx.tf.readCalls();
    expect(calls.filter((c) => c.atlas).map((c) => [c.rpc, c.atlas])).toEqual([
      ['ConfigureProvider', ['version']],
      // A create: the first-run check's dry run, then the dry run whose SQL is printed.
      ['PlanResourceChange', ['schema apply --dry-run', 'schema apply --dry-run']],
    ]);
    expect(calls.filter((c) => c.rpc === 'PlanResourceChange')).toEqual([expect.objectContaining({ env: 'roles' })]);
  });

  it('apply of the planfile executes the statements in PostgreSQL', async () => {
    const run = await terraform(roles, APPLY);
    expect(run.code, run.stderr).toBe(0);
    expect(summaries(run)).toEqual(['warning: dev_url is unset', 'warning: Atlas Plan']);
    expect(atlasPlans(run).map((d) => d.detail)).toEqual([sqlDetail(ROLES_SQL)]);
    const complete = run.events.find((e) => e.type === 'apply_complete') as { hook: { id_value: string } } | undefined;
    expect(complete?.hook.id_value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await roleExists('atlas_migrator')).toBe(true);
    expect(await roleExists('app_reader')).toBe(true);
    const member = await fx.db.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
       WHERE g.rolname = 'rds_iam' AND u.rolname = 'atlas_migrator'`,
    );
    expect(member).toHaveLength(1);
    const [grant] = await fx.db.query<{ create: boolean; usage: boolean }>(
      `SELECT has_schema_privilege('atlas_migrator', 'public', 'CREATE') AS create,
              has_schema_privilege('atlas_migrator', 'public', 'USAGE') AS usage`,
    );
    expect(grant).toEqual({ create: true, usage: true });
  });

  it('the next plan converges: no SQL, no change, exit 0', async () => {
    const before = (await fx.tf.readCalls()).length;
    const run = await terraform(roles, PLAN);
    expect(run.code, run.stderr).toBe(0);
    expect(summaries(run)).toEqual(['warning: dev_url is unset']);
    const calls = (await fx.tf.readCalls()).slice(before);
    expect(calls.map((c) => c.rpc)).toContain('UpgradeResourceState');
    // The refresh inspects the database, then the plan dry-runs: two Atlas commands.
    expect(calls.filter((c) => c.rpc === 'ReadResource' || c.rpc === 'PlanResourceChange').map((c) => [c.rpc, c.atlas])).toEqual([
      ['ReadResource', ['schema inspect']],
      ['PlanResourceChange', ['schema apply --dry-run']],
    ]);
  });

  it('schema root: connects as atlas_migrator, plans the multi-line CREATE TABLE and the grant, applies them', async () => {
    expect((await terraform(schema, INIT)).code).toBe(0);
    const plan = await terraform(schema, PLAN);
    expect(plan.code, plan.stderr).toBe(2);
    expect(atlasPlans(plan).map((d) => d.detail)).toEqual([sqlDetail(SCHEMA_SQL)]);

    const apply = await terraform(schema, APPLY);
    expect(apply.code, apply.stderr).toBe(0);
    const [probe] = await fx.db.query<{ owner: string; select: boolean }>(
      `SELECT tableowner AS owner, has_table_privilege('app_reader', 'public.validation_probe', 'SELECT') AS select
       FROM pg_tables WHERE schemaname = 'public' AND tablename = 'validation_probe'`,
    );
    expect(probe).toEqual({ owner: 'atlas_migrator', select: true });

    const verify = await terraform(schema, PLAN);
    expect(verify.code, verify.stderr).toBe(0);
    expect(atlasPlans(verify)).toEqual([]);
  });

  it('an HCL text change with nothing to run is a Terraform update without SQL, stored by apply', async () => {
    const grants = join(seed, 'hcl', 'roles', 'grants.pg.hcl');
    await writeFile(grants, `${await readFile(grants, 'utf8')}\n# reformatted\n`);
    const plan = await terraform(roles, PLAN);
    expect(plan.code, plan.stderr).toBe(2);
    expect(atlasPlans(plan)).toEqual([]);
    expect(plan.events.find((e) => e.type === 'planned_change')).toMatchObject({ change: { action: 'update' } });

    const apply = await terraform(roles, APPLY);
    expect(apply.code, apply.stderr).toBe(0);
    expect(atlasPlans(apply)).toEqual([]);
    expect((await terraform(roles, PLAN)).code).toBe(0);
  });

  it('residual statements show in every plan after apply and are never executed', async () => {
    const revoke = 'REVOKE USAGE ON SCHEMA "public" FROM PUBLIC;';
    await fx.tf.writeScenario({
      envs: { ...fx.seedScenario.envs, roles: { ...fx.seedScenario.envs.roles, residual: [{ sql: revoke }] } },
    });
    try {
      const plan = await terraform(roles, PLAN);
      expect(plan.code, plan.stderr).toBe(2);
      expect(atlasPlans(plan).map((d) => d.detail)).toEqual([sqlDetail([revoke])]);
      const apply = await terraform(roles, APPLY);
      expect(apply.code, apply.stderr).toBe(0);
      const again = await terraform(roles, PLAN);
      expect(again.code).toBe(2);
      expect(atlasPlans(again).map((d) => d.detail)).toEqual([sqlDetail([revoke])]);
      const [usage] = await fx.db.query<{ usage: boolean }>(`SELECT has_schema_privilege('public', 'public', 'USAGE') AS usage`);
      expect(usage).toEqual({ usage: true });
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });
});

describe('the refresh stores what schema inspect prints', () => {
  it('an inspected HCL that differs from the configuration is drift and an in-place update without SQL', async () => {
    const seed = await copySeed(join(fx.tf.dir, 'inspected'));
    const roles = join(seed, 'terraform', 'roles');
    await fx.tf.writeScenario(fx.seedScenario);
    expect((await terraform(roles, INIT)).code).toBe(0);
    expect((await terraform(roles, PLAN)).code).toBe(2);
    expect((await terraform(roles, APPLY)).code).toBe(0);
    // What Atlas prints for the database is its own normalised HCL, not the files' text.
    const inspected = 'role "app_reader" {\n  login = true\n}\n';
    await fx.tf.writeScenario({ envs: { ...fx.seedScenario.envs, roles: { ...fx.seedScenario.envs['roles'], inspectedHcl: inspected } } });
    try {
      const plan = await terraform(roles, PLAN);
      expect(plan.code, plan.stderr).toBe(2);
      expect(atlasPlans(plan)).toEqual([]);
      expect(
        plan.events
          .filter((e) => e.type === 'resource_drift' || e.type === 'planned_change')
          .map((e) => [e.type, (e.change as { action: string }).action]),
      ).toEqual([
        ['resource_drift', 'update'],
        ['planned_change', 'update'],
      ]);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });
});

describe('failures under the real terraform', () => {
  /** A fresh copy of the seed's roles root, initialised. */
  async function freshRoles(name: string): Promise<string> {
    const seed = await copySeed(join(fx.tf.dir, name));
    const roles = join(seed, 'terraform', 'roles');
    expect((await terraform(roles, INIT)).code).toBe(0);
    return roles;
  }

  it("a scenario plan error is an Atlas Plan Error carrying the CLI's stderr, once per dry run of a create", async () => {
    const roles = await freshRoles('plan-error');
    await fx.tf.writeScenario({ envs: { roles: { planError: 'sql/migrate: connection refused' } } });
    const run = await terraform(roles, PLAN);
    expect(run.code).toBe(1);
    const error = {
      summary: 'Atlas Plan Error',
      detail: 'Unable to generate migration plan, got error: Error: sql/migrate: connection refused',
      address: 'atlas_schema.roles',
    };
    // The first-run check and the printed dry run both fail; the provider reports both.
    expect(errorsOf(run).map(({ summary, detail, address }) => ({ summary, detail, address }))).toEqual([error, error]);
  });

  it("a failing statement is an Apply Error with PostgreSQL's message, and the transaction is rolled back", async () => {
    const roles = await freshRoles('apply-error');
    await fx.tf.writeScenario({
      envs: {
        roles: {
          statements: [
            { sql: 'CREATE ROLE "rollback_probe";', present: "SELECT 1 FROM pg_roles WHERE rolname = 'rollback_probe'" },
            { sql: 'GRANT USAGE ON SCHEMA "public" TO "ghost_role";' },
          ],
        },
      },
    });
    expect((await terraform(roles, PLAN)).code).toBe(2);
    const run = await terraform(roles, APPLY);
    expect(run.code).toBe(1);
    expect(errorsOf(run)).toEqual([
      expect.objectContaining({
        summary: 'Apply Error',
        detail:
          'Unable to apply changes, got error: Error: sql/migrate: executing statement "GRANT USAGE ON SCHEMA \\"public\\" TO \\"ghost_role\\";": pq: role "ghost_role" does not exist',
      }),
    ]);
    expect(await roleExists('rollback_probe')).toBe(false);
  });

  it('a scenario apply error is an Apply Error after a clean plan', async () => {
    const roles = await freshRoles('scenario-apply-error');
    const scenario: Scenario = { envs: { roles: { statements: [{ sql: 'SELECT 1;' }] } } };
    await fx.tf.writeScenario(scenario);
    expect((await terraform(roles, PLAN)).code).toBe(2);
    await fx.tf.writeScenario({ envs: { roles: { ...scenario.envs.roles, applyError: 'lock timeout' } } });
    const run = await terraform(roles, APPLY);
    expect(run.code).toBe(1);
    expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Apply Error: Unable to apply changes, got error: Error: lock timeout',
    ]);
  });

  it('a profile missing from the shared config files fails like Atlas does, in plan and when applying a planfile', async () => {
    const roles = await freshRoles('aws-profile');
    await fx.tf.writeScenario(fx.seedScenario);
    const noProfile = { AWS_CONFIG_FILE: join(fx.awsDir, 'empty') };
    const profileError =
      'Atlas Plan Error: Unable to generate migration plan, got error: Error: failed to get shared config profile, tf-sandbox';
    const plan = await terraform(roles, PLAN, noProfile);
    expect(plan.code).toBe(1);
    expect(errorsOf(plan).map((d) => `${d.summary}: ${d.detail}`)).toEqual([profileError, profileError]);

    // A credentials file section is enough for the Go SDK.
    const credentialsOnly = {
      AWS_CONFIG_FILE: join(fx.awsDir, 'empty'),
      AWS_SHARED_CREDENTIALS_FILE: join(fx.awsDir, 'config-as-credentials'),
    };
    await writeFile(credentialsOnly.AWS_SHARED_CREDENTIALS_FILE, '[tf-sandbox]\naws_access_key_id = x\n');
    expect((await terraform(roles, PLAN, credentialsOnly)).code).toBe(2);

    // Terraform re-plans before applying, so the profile check fails in that re-plan, as
    // Atlas's own plan step would, and nothing reaches the database.
    const apply = await terraform(roles, APPLY, noProfile);
    expect(apply.code).toBe(1);
    expect(errorsOf(apply).map((d) => `${d.summary}: ${d.detail}`)).toEqual([profileError, profileError]);
    expect(apply.events.some((e) => e.type === 'apply_start')).toBe(false);
  });
});
