// The stand-in Atlas provider (a test double, see test/support/atlas-provider/README.md)
// driven by the real terraform binary on a copy of the seed, against a real PostgreSQL.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Signer } from '@aws-sdk/rds-signer';
import { startPostgres, type PgCluster } from '../support/postgres.js';
import { startSecretsManager, type SecretsManagerServer } from '../support/secrets-manager.js';
import {
  copySeed,
  diagnosticsOf,
  loadSeedScenario,
  prepareTerraform,
  PROVIDER_ENTRY,
  runTerraform,
  type Scenario,
  type TerraformHarness,
  type TerraformRun,
  type UiDiagnostic,
} from '../support/terraform.js';
import { ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';

const COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const PLAN_HEADER = 'The following SQL statements will be executed:\n\n\n';
const DEV_URL_DETAIL =
  "It is highly recommended that you use 'dev_url' to specify a dev database.\nto learn more about it, visit: https://atlasgo.io/dev-database";

const PLAN = ['plan', '-input=false', '-no-color', '-json', '-out=tfplan', '-detailed-exitcode'];
const APPLY = ['apply', '-input=false', '-no-color', '-json', 'tfplan'];
const INIT = ['init', '-input=false', '-no-color'];

let db: PgCluster;
let tf: TerraformHarness;
let sm: SecretsManagerServer;
let seedScenario: Scenario;
let awsDir: string;
const timings: Record<string, number[]> = {};

/** The only credentials the loopback Secrets Manager and the cluster's IAM check accept here. */
const KEYS = {
  accessKeyId: 'ASIAPROVIDERTEST0001',
  secretAccessKey: 'provider-test-secret-0123456789abcdefghij',
  sessionToken: 'IQoJb3JpZ2luX2Vj-provider-test-session-token',
};

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [KEYS], region: 'us-east-1' } });
  sm = await startSecretsManager({ credentials: () => [KEYS], region: 'us-east-1' });
  sm.putSecret('rds-master', JSON.stringify({ username: db.masterUser, password: db.masterPassword }));
  seedScenario = await loadSeedScenario();
  // Most of this file drives terraform without profile files, so the URLs are given as the
  // explicit override; "URLs resolved like atlas.hcl" below clears it and uses the real chain.
  // The schema URL carries a real IAM token (valid 15 minutes), which the cluster verifies.
  const token = await new Signer({ hostname: db.host, port: db.port, username: 'atlas_migrator', region: 'us-east-1', credentials: KEYS }).getAuthToken();
  tf = await prepareTerraform({
    scenario: seedScenario,
    databaseUrls: {
      roles: db.url(db.masterUser, db.masterPassword),
      schema: db.url('atlas_migrator', token),
    },
  });
  awsDir = join(tf.dir, 'aws');
  await mkdir(awsDir);
  await writeFile(join(awsDir, 'config'), '[profile tf-sandbox]\nregion = us-east-1\n');
  await writeFile(join(awsDir, 'empty'), '');
});

afterAll(async () => {
  await tf?.cleanup();
  await sm?.stop();
  await db?.stop();
  for (const [what, ms] of Object.entries(timings)) {
    console.info(`terraform ${what}: ${ms.map((m) => `${Math.round(m)} ms`).join(', ')}`);
  }
});

/** The runner's view: TF_VAR_* for the seed's variables and a shared config with tf-sandbox. */
function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...tf.env,
    TF_VAR_endpoint: `${db.host}:${db.port}`,
    TF_VAR_aws_profile: 'tf-sandbox',
    TF_VAR_database_name: db.database,
    TF_VAR_region: 'us-east-1',
    TF_VAR_master_secret_name: 'rds-master',
    AWS_CONFIG_FILE: join(awsDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'empty'),
    ...overrides,
  };
}

/** Runs terraform, records its wall time, and checks no provider process or socket outlives it. */
async function terraform(cwd: string, args: string[], overrides: Record<string, string> = {}): Promise<TerraformRun> {
  const run = await runTerraform(args, { cwd, env: env(overrides) });
  (timings[args[0] ?? '?'] ??= []).push(run.ms);
  await expectNoLeftovers();
  return run;
}

async function expectNoLeftovers(): Promise<void> {
  // Terraform has already asked each provider to shut down; give an exiting process a moment.
  let left = await tf.leftovers();
  for (let i = 0; i < 20 && (left.processes.length > 0 || left.sockets.length > 0); i++) {
    await sleep(100);
    left = await tf.leftovers();
  }
  expect(left).toEqual({ processes: [], sockets: [] });
}

const summaries = (run: TerraformRun) => diagnosticsOf(run).map((d) => `${d.severity}: ${d.summary}`);
const atlasPlans = (run: TerraformRun) => diagnosticsOf(run).filter((d) => d.summary === 'Atlas Plan');
const sqlDetail = (sql: string[]) => PLAN_HEADER + sql.map((s) => `${s}\n`).join('');
const errorsOf = (run: TerraformRun): UiDiagnostic[] => diagnosticsOf(run).filter((d) => d.severity === 'error');

async function roleExists(name: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length > 0;
}

describe('the stand-in provider process', () => {
  it('refuses to start without the magic cookie', async () => {
    const { code, stderr } = await runNode({});
    expect(code).toBe(1);
    expect(stderr).toContain('not meant to be executed directly');
  });

  it('prints one go-plugin handshake line, ignores SIGINT, and removes its socket on SIGTERM', async () => {
    const clientCert = await readFile(join(tf.dir, 'tls', 'cert.pem'), 'utf8');
    const child = spawn(process.execPath, [PROVIDER_ENTRY], {
      env: { ...process.env, ...tf.env, TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_CLIENT_CERT: clientCert, ATLAS_STANDIN_TLS_DIR: join(tf.dir, 'tls') },
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
      (timings['provider start-up'] ??= []).push(performance.now() - started);
      const match = /^1\|6\|unix\|(.+\/plugin\.sock)\|grpc\|([A-Za-z0-9+/]+)\n$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(match?.[1]?.startsWith(tf.socketDir)).toBe(true);
      expect((await tf.leftovers()).sockets).toHaveLength(1);

      child.kill('SIGINT');
      await sleep(300);
      expect(child.exitCode).toBeNull();

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await tf.leftovers()).sockets).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits and removes its socket when its parent dies without shutting it down', async () => {
    const clientCert = await readFile(join(tf.dir, 'tls', 'cert.pem'), 'utf8');
    // A shell stands in for terraform: it starts the provider, reports its pid, then is killed.
    const parent = spawn('sh', ['-c', '"$0" "$1" & echo "$!"; wait', process.execPath, PROVIDER_ENTRY], {
      env: { ...process.env, ...tf.env, TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_CLIENT_CERT: clientCert, ATLAS_STANDIN_TLS_DIR: join(tf.dir, 'tls') },
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
      expect((await tf.leftovers()).sockets).toHaveLength(1);

      parent.kill('SIGKILL');
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline && (await tf.leftovers()).sockets.length > 0) await sleep(50);
      expect((await tf.leftovers()).sockets).toEqual([]);
      await sleep(100); // the socket goes in the exit handler, just before the process ends
      expect(alive(providerPid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      if (alive(providerPid)) process.kill(providerPid, 'SIGKILL');
    }
  });
});

function runNode(extraEnv: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...extraEnv };
    delete childEnv.TF_PLUGIN_MAGIC_COOKIE;
    const child = spawn(process.execPath, [PROVIDER_ENTRY], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the seed flow under the real terraform', () => {
  let seed: string;
  let roles: string;
  let schema: string;

  beforeAll(async () => {
    seed = await copySeed(join(tf.dir, 'flow'));
    roles = join(seed, 'terraform', 'roles');
    schema = join(seed, 'terraform', 'schema');
  });

  it('init installs ariga/atlas 0.10.3 from the generated mirror', async () => {
    const run = await terraform(roles, INIT);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Installing ariga/atlas v0.10.3');
    expect(run.stderr).not.toContain('Unable to open CLI configuration file');
    expect(await readFile(join(roles, '.terraform.lock.hcl'), 'utf8')).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
    expect(await tf.readCalls()).toEqual([]);
  });

  it('plan reports the seed\'s four roles statements in order and changes nothing', async () => {
    const run = await terraform(roles, PLAN);
    expect(run.code, run.stderr).toBe(2);
    expect(summaries(run)).toEqual(['warning: dev_url is unset', 'warning: dev_url is unset', 'warning: Atlas Plan']);
    expect(diagnosticsOf(run)[0]).toMatchObject({ detail: DEV_URL_DETAIL, address: 'atlas_schema.roles' });
    expect(atlasPlans(run)[0]?.detail).toBe(sqlDetail(ROLES_SQL));
    expect(run.events.find((e) => e.type === 'planned_change')).toMatchObject({ change: { action: 'create' } });
    expect(await roleExists('atlas_migrator')).toBe(false);
    const planCalls = (await tf.readCalls()).filter((c) => c.rpc === 'PlanResourceChange');
    expect(planCalls).toEqual([expect.objectContaining({ env: 'roles' })]);
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
    const member = await db.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
       WHERE g.rolname = 'rds_iam' AND u.rolname = 'atlas_migrator'`,
    );
    expect(member).toHaveLength(1);
    const [grant] = await db.query<{ create: boolean; usage: boolean }>(
      `SELECT has_schema_privilege('atlas_migrator', 'public', 'CREATE') AS create,
              has_schema_privilege('atlas_migrator', 'public', 'USAGE') AS usage`,
    );
    expect(grant).toEqual({ create: true, usage: true });
  });

  it('the next plan converges: no SQL, no change, exit 0', async () => {
    const run = await terraform(roles, PLAN);
    expect(run.code, run.stderr).toBe(0);
    expect(summaries(run)).toEqual(['warning: dev_url is unset', 'warning: dev_url is unset']);
    const rpcs = (await tf.readCalls()).map((c) => c.rpc);
    expect(rpcs).toContain('UpgradeResourceState');
    expect(rpcs).toContain('ReadResource');
  });

  it('schema root: connects as atlas_migrator, plans the multi-line CREATE TABLE and the grant, applies them', async () => {
    expect((await terraform(schema, INIT)).code).toBe(0);
    const plan = await terraform(schema, PLAN);
    expect(plan.code, plan.stderr).toBe(2);
    expect(atlasPlans(plan).map((d) => d.detail)).toEqual([sqlDetail(SCHEMA_SQL)]);

    const apply = await terraform(schema, APPLY);
    expect(apply.code, apply.stderr).toBe(0);
    const [probe] = await db.query<{ owner: string; select: boolean }>(
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
    await tf.writeScenario({
      envs: { ...seedScenario.envs, roles: { ...seedScenario.envs.roles, residual: [{ sql: revoke }] } },
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
      const [usage] = await db.query<{ usage: boolean }>(`SELECT has_schema_privilege('public', 'public', 'USAGE') AS usage`);
      expect(usage).toEqual({ usage: true });
    } finally {
      await tf.writeScenario(seedScenario);
    }
  });
});

describe('URLs resolved like atlas.hcl, with the credentials of the profile', () => {
  let credsFile: string;
  /** No URL override: the provider reads the profile's keys and resolves atlas.hcl's data sources. */
  const chain = (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = KEYS, extra: Record<string, string> = {}) => ({
    ATLAS_STANDIN_URL_ROLES: '',
    ATLAS_STANDIN_URL_SCHEMA: '',
    AWS_SHARED_CREDENTIALS_FILE: credsFile,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    ...extra,
  });
  const writeKeys = (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    writeFile(
      credsFile,
      `[tf-sandbox]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n` +
        (keys.sessionToken ? `aws_session_token = ${keys.sessionToken}\n` : ''),
    );
  let roles: string;
  let schema: string;

  beforeAll(async () => {
    credsFile = join(awsDir, 'credentials');
    const seed = await copySeed(join(tf.dir, 'chain'));
    roles = join(seed, 'terraform', 'roles');
    schema = join(seed, 'terraform', 'schema');
    await tf.writeScenario(seedScenario);
    // The seed flow above has applied both roots: atlas_migrator exists and is in rds_iam.
    expect(await roleExists('atlas_migrator')).toBe(true);
    expect((await terraform(roles, INIT)).code).toBe(0);
    expect((await terraform(schema, INIT)).code).toBe(0);
  });

  /** The Plan calls the provider recorded during fn. */
  async function planCalls(fn: () => Promise<TerraformRun>): Promise<{ run: TerraformRun; plans: { env?: string; accessKeyId?: string }[] }> {
    const before = (await tf.readCalls()).length;
    const run = await fn();
    const plans = (await tf.readCalls()).slice(before).filter((c) => c.rpc === 'PlanResourceChange');
    return { run, plans: plans.map((c) => ({ ...(c.env ? { env: c.env } : {}), ...(c.accessKeyId ? { accessKeyId: c.accessKeyId } : {}) })) };
  }

  it('roles: reads the master secret from Secrets Manager with the profile\'s keys, and records which key it used', async () => {
    await writeKeys(KEYS);
    const smBefore = sm.requests.length;
    const { run, plans } = await planCalls(() => terraform(roles, PLAN, chain()));
    // A create in this fresh state; the seed flow above applied everything, so no SQL is pending.
    expect(run.code, run.stderr).toBe(2);
    expect(errorsOf(run)).toEqual([]);
    expect(atlasPlans(run)).toEqual([]);
    expect(plans).toEqual([{ env: 'roles', accessKeyId: KEYS.accessKeyId }]);
    expect(sm.requests.slice(smBefore)).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: 'rds-master', accessKeyId: KEYS.accessKeyId, status: 200 }]);
  });

  it('schema: logs in as atlas_migrator with an RDS IAM token the cluster verifies', async () => {
    const checksBefore = db.iam?.verifications.length ?? 0;
    const { run, plans } = await planCalls(() => terraform(schema, PLAN, chain()));
    expect(run.code, run.stderr).toBe(2);
    expect(errorsOf(run)).toEqual([]);
    expect(atlasPlans(run)).toEqual([]);
    expect(plans).toEqual([{ env: 'schema', accessKeyId: KEYS.accessKeyId }]);
    expect(db.iam?.verifications.slice(checksBefore)).toEqual([{ user: 'atlas_migrator', ok: true, reason: 'ok', accessKeyId: KEYS.accessKeyId }]);
  });

  it('a wrong secret key in the profile: the roles plan fails with Secrets Manager\'s error, the schema plan with the refused token', async () => {
    const wrong = { ...KEYS, secretAccessKey: 'not-the-secret-0123456789abcdefghijklmno' };
    await writeKeys(wrong);
    try {
      const r = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(r.run.code).toBe(1);
      expect(errorsOf(r.run).map((d) => d.summary)).toEqual(['Atlas Plan Error']);
      expect(errorsOf(r.run)[0]?.detail).toMatch(
        /^Unable to generate migration plan, got error: data\.runtimevar\.master_secret: .*api error InvalidSignatureException: The request signature we calculated does not match/,
      );
      expect(r.plans).toEqual([{ env: 'roles', accessKeyId: KEYS.accessKeyId }]);

      const checksBefore = db.iam?.verifications.length ?? 0;
      const s = await terraform(schema, PLAN, chain());
      expect(s.code).toBe(1);
      expect(errorsOf(s).map((d) => d.summary)).toEqual(['Atlas Plan Error']);
      expect(errorsOf(s)[0]?.detail).toBe('Unable to generate migration plan, got error: LDAP authentication failed for user "atlas_migrator"');
      expect(db.iam?.verifications.slice(checksBefore)).toEqual([expect.objectContaining({ user: 'atlas_migrator', ok: false, reason: 'signature mismatch' })]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('an access key the services never issued: UnrecognizedClientException from Secrets Manager', async () => {
    await writeKeys({ ...KEYS, accessKeyId: 'ASIAUNKNOWNKEY000001' });
    try {
      const { run, plans } = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(run.code).toBe(1);
      expect(errorsOf(run)[0]?.detail).toContain('api error UnrecognizedClientException: The security token included in the request is invalid.');
      expect(plans).toEqual([{ env: 'roles', accessKeyId: 'ASIAUNKNOWNKEY000001' }]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('a profile section without keys fails the way the Go SDK does', async () => {
    await writeFile(credsFile, '[tf-sandbox]\nregion = us-east-1\n');
    try {
      const { run } = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(run.code).toBe(1);
      expect(errorsOf(run).map((d) => d.detail)).toEqual([
        'Unable to generate migration plan, got error: failed to refresh cached credentials, no valid credential sources found for profile tf-sandbox',
      ]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('an unreachable database fails the plan even when no scenario statement would run', async () => {
    await tf.writeScenario({ envs: { roles: {} } });
    try {
      const closed = await closedPort();
      const { run } = await planCalls(() => terraform(roles, PLAN, chain(KEYS, { TF_VAR_endpoint: `127.0.0.1:${closed}` })));
      expect(run.code).toBe(1);
      expect(errorsOf(run)[0]?.detail).toMatch(/^Unable to generate migration plan, got error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    } finally {
      await tf.writeScenario(seedScenario);
    }
  });

  it('planError placeholders are filled from the environment and the resolved profile', async () => {
    await tf.writeScenario({ envs: { ...seedScenario.envs, roles: { planError: 'env ${env:PLANTED_MARKER} key ${profile:aws_access_key_id} secret ${profile:aws_secret_access_key} token ${profile:aws_session_token} missing [${env:NOT_SET_ANYWHERE}]' } } });
    try {
      const { run } = await planCalls(() => terraform(roles, PLAN, chain(KEYS, { PLANTED_MARKER: 'marker-42' })));
      expect(run.code).toBe(1);
      expect(errorsOf(run).map((d) => d.detail)).toEqual([
        `Unable to generate migration plan, got error: env marker-42 key ${KEYS.accessKeyId} secret ${KEYS.secretAccessKey} token ${KEYS.sessionToken} missing []`,
      ]);
    } finally {
      await tf.writeScenario(seedScenario);
    }
  });
});

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('failures under the real terraform', () => {
  /** A fresh copy of the seed's roles root, initialised. */
  async function freshRoles(name: string): Promise<string> {
    const seed = await copySeed(join(tf.dir, name));
    const roles = join(seed, 'terraform', 'roles');
    expect((await terraform(roles, INIT)).code).toBe(0);
    return roles;
  }

  it('a scenario plan error is an Atlas Plan Error and exit 1', async () => {
    const roles = await freshRoles('plan-error');
    await tf.writeScenario({ envs: { roles: { planError: 'sql/migrate: connection refused' } } });
    const run = await terraform(roles, PLAN);
    expect(run.code).toBe(1);
    expect(errorsOf(run)).toEqual([
      expect.objectContaining({
        summary: 'Atlas Plan Error',
        detail: 'Unable to generate migration plan, got error: sql/migrate: connection refused',
        address: 'atlas_schema.roles',
      }),
    ]);
  });

  it('a failing statement is an Apply Error with PostgreSQL\'s message, and the transaction is rolled back', async () => {
    const roles = await freshRoles('apply-error');
    await tf.writeScenario({
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
        detail: 'Unable to apply changes, got error: sql/migrate: executing statement "GRANT USAGE ON SCHEMA \\"public\\" TO \\"ghost_role\\";": pq: role "ghost_role" does not exist',
      }),
    ]);
    expect(await roleExists('rollback_probe')).toBe(false);
  });

  it('a scenario apply error is an Apply Error after a clean plan', async () => {
    const roles = await freshRoles('scenario-apply-error');
    const scenario: Scenario = { envs: { roles: { statements: [{ sql: 'SELECT 1;' }] } } };
    await tf.writeScenario(scenario);
    expect((await terraform(roles, PLAN)).code).toBe(2);
    await tf.writeScenario({ envs: { roles: { ...scenario.envs.roles, applyError: 'lock timeout' } } });
    const run = await terraform(roles, APPLY);
    expect(run.code).toBe(1);
    expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Apply Error: Unable to apply changes, got error: lock timeout',
    ]);
  });

  it('a profile missing from the shared config files fails like Atlas does, in plan and when applying a planfile', async () => {
    const roles = await freshRoles('aws-profile');
    await tf.writeScenario(seedScenario);
    const noProfile = { AWS_CONFIG_FILE: join(awsDir, 'empty') };
    const plan = await terraform(roles, PLAN, noProfile);
    expect(plan.code).toBe(1);
    expect(errorsOf(plan).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Atlas Plan Error: Unable to generate migration plan, got error: failed to get shared config profile, tf-sandbox',
    ]);

    // A credentials file section is enough for the Go SDK.
    const credentialsOnly = { AWS_CONFIG_FILE: join(awsDir, 'empty'), AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'config-as-credentials') };
    await writeFile(credentialsOnly.AWS_SHARED_CREDENTIALS_FILE, '[tf-sandbox]\naws_access_key_id = x\n');
    expect((await terraform(roles, PLAN, credentialsOnly)).code).toBe(2);

    // Terraform re-plans before applying, so the profile check fails in that re-plan, as
    // Atlas's own plan step would, and nothing reaches the database.
    const apply = await terraform(roles, APPLY, noProfile);
    expect(apply.code).toBe(1);
    expect(errorsOf(apply).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Atlas Plan Error: Unable to generate migration plan, got error: failed to get shared config profile, tf-sandbox',
    ]);
    expect(apply.events.some((e) => e.type === 'apply_start')).toBe(false);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running and not a zombie (PID 1 in this container may never reap an orphan). */
function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
