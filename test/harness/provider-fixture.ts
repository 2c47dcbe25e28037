// Shared set-up for the tests of the stand-in Atlas provider (a test double, see
// test/support/atlas-provider/README.md), driven by the real terraform binary on copies of the
// seed against a real PostgreSQL: atlas-provider.test.ts and atlas-provider-credentials.test.ts.
// Each file calls useProviderFixture() once and so gets its own cluster, loopback Secrets
// Manager and terraform harness (its own temp dirs and ports), so the files may run in parallel.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Signer } from '@aws-sdk/rds-signer';
import { startPostgres, type PgCluster } from '../support/postgres.js';
import { startSecretsManager, type SecretsManagerServer } from '../support/secrets-manager.js';
import { atlasLogin } from '../support/setup-atlas.js';
import {
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

export const COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const PLAN_HEADER = 'The following SQL statements will be executed:\n\n\n';
export const DEV_URL_DETAIL =
  "It is highly recommended that you use 'dev_url' to specify a dev database.\nto learn more about it, visit: https://atlasgo.io/dev-database";

export const PLAN = ['plan', '-input=false', '-no-color', '-json', '-out=tfplan', '-detailed-exitcode'];
export const APPLY = ['apply', '-input=false', '-no-color', '-json', 'tfplan'];
export const INIT = ['init', '-input=false', '-no-color'];

/** The only credentials the loopback Secrets Manager and the cluster's IAM check accept here. */
export const KEYS = {
  accessKeyId: 'ASIAPROVIDERTEST0001',
  secretAccessKey: 'provider-test-secret-0123456789abcdefghij',
  sessionToken: 'IQoJb3JpZ2luX2Vj-provider-test-session-token',
};

/** One test file's cluster, Secrets Manager and terraform harness; the fields are set in beforeAll. */
export interface ProviderFixture {
  readonly db: PgCluster;
  readonly tf: TerraformHarness;
  readonly sm: SecretsManagerServer;
  readonly seedScenario: Scenario;
  readonly awsDir: string;
  /** HOME of the terraform runs: the stand-in `atlas` CLI is logged in there. */
  readonly home: string;
  readonly timings: Record<string, number[]>;
  /** The runner's view: TF_VAR_* for the seed's variables and a shared config with tf-sandbox. */
  env: (overrides?: Record<string, string>) => Record<string, string>;
  /** Runs terraform, records its wall time, and checks no provider process or socket outlives it. */
  terraform: (cwd: string, args: string[], overrides?: Record<string, string>) => Promise<TerraformRun>;
  expectNoLeftovers: () => Promise<void>;
  roleExists: (name: string) => Promise<boolean>;
}

/**
 * Registers the file's beforeAll/afterAll (call it once, at the top level of a test file) and
 * returns the fixture; its fields are set once beforeAll has run. The functions do not use
 * `this`, so they may be destructured.
 */
export function useProviderFixture(): ProviderFixture {
  let db: PgCluster;
  let tf: TerraformHarness;
  let sm: SecretsManagerServer;
  let seedScenario: Scenario;
  let awsDir: string;
  let home: string;
  const timings: Record<string, number[]> = {};

  beforeAll(async () => {
    db = await startPostgres({ iamAuth: { credentials: () => [KEYS], region: 'us-east-1' } });
    sm = await startSecretsManager({ credentials: () => [KEYS], region: 'us-east-1' });
    sm.putSecret('rds-master', JSON.stringify({ username: db.masterUser, password: db.masterPassword }));
    seedScenario = await loadSeedScenario();
    // Most of these tests drive terraform without profile files, so the URLs are given as the
    // explicit override; "URLs resolved like atlas.hcl" (atlas-provider-credentials.test.ts)
    // clears it and uses the real chain.
    // The schema URL carries a real IAM token (valid 15 minutes), which the cluster verifies.
    const token = await new Signer({
      hostname: db.host,
      port: db.port,
      username: 'atlas_migrator',
      region: 'us-east-1',
      credentials: KEYS,
    }).getAuthToken();
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
    // Both of the seed's envs manage roles or permissions (Atlas Pro): log the CLI in, as
    // setup-atlas with a cloud-token does.
    home = join(tf.dir, 'home');
    await mkdir(home);
    await atlasLogin({ HOME: home, PATH: tf.env.PATH ?? '' });
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
      HOME: home,
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

  async function roleExists(name: string): Promise<boolean> {
    return (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length > 0;
  }

  return {
    get db() {
      return db;
    },
    get tf() {
      return tf;
    },
    get sm() {
      return sm;
    },
    get seedScenario() {
      return seedScenario;
    },
    get awsDir() {
      return awsDir;
    },
    get home() {
      return home;
    },
    timings,
    env,
    terraform,
    expectNoLeftovers,
    roleExists,
  };
}

export const summaries = (run: TerraformRun) => diagnosticsOf(run).map((d) => `${d.severity}: ${d.summary}`);
export const atlasPlans = (run: TerraformRun) => diagnosticsOf(run).filter((d) => d.summary === 'Atlas Plan');
export const sqlDetail = (sql: string[]) => PLAN_HEADER + sql.map((s) => `${s}\n`).join('');
export const errorsOf = (run: TerraformRun): UiDiagnostic[] => diagnosticsOf(run).filter((d) => d.severity === 'error');

export function runNode(extraEnv: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...extraEnv };
    delete childEnv.TF_PLUGIN_MAGIC_COOKIE;
    const child = spawn(process.execPath, [PROVIDER_ENTRY], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running and not a zombie (PID 1 in this container may never reap an orphan). */
export function alive(pid: number): boolean {
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
