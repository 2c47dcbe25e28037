import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, seedWorkspace, type ActionOptions, type ActionRun } from './action.js';
import {
  DEFAULT_ACCOUNT,
  startAwsEndpoints,
  type AwsEndpoints,
  type IssuedCredentials,
  type OidcRequest,
  type StsRequest,
} from './aws-endpoints.js';
import {
  eventEnv,
  pullRequestEvent,
  pushEvent,
  writeEvent,
  type Payload,
  type PullRequestEventOptions,
  type PushEventOptions,
} from './events.js';
import { startGitHubApi, type ApiRequest, type GitHubApi } from './github-api.js';
import pgLib from 'pg';
import { connectionConfig, startPostgres, type PgCluster } from './postgres.js';
import { startSecretsManager, type SecretsManagerServer } from './secrets-manager.js';
import { atlasLoginState } from './setup-atlas.js';
import { loadSeedScenario, prepareTerraform, type Scenario, type TerraformHarness } from './terraform.js';

// Everything a real run touches, on this machine: PostgreSQL (behind the RDS front, which
// verifies RDS IAM tokens), the GitHub API, the OIDC issuer, STS, Secrets Manager (holding the
// master secret), terraform with the stand-in Atlas provider, and a workspace with the seed's layout. The provider resolves
// its URLs like atlas.hcl, with the credentials of the profile the action writes.
// `runPullRequest` / `runPush` start `node dist/index.js` as the runner would: in a fresh
// checkout of `workspace` (the repository) every time, with Terraform state in a remote
// backend (Terraform's own `pg` backend, in a separate database of the same cluster), so
// nothing a run leaves in its checkout can make the next one pass.

export const PLAN_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan`;
export const APPLY_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-apply`;
export const OWNER = 'octo-org';
export const REPO = 'octo-repo';
export const DEFAULT_BRANCH = 'main';
export const REGION = 'us-east-1';
export const MASTER_SECRET_NAME = 'rds-master';

export interface Stack {
  pg: PgCluster;
  github: GitHubApi;
  aws: AwsEndpoints;
  /** Loopback Secrets Manager: `rds-master` holds the master user and password. */
  secrets: SecretsManagerServer;
  tf: TerraformHarness;
  /** The repository: tests edit it; each run gets a fresh copy of it as GITHUB_WORKSPACE. */
  workspace: string;
  /** Forgets every root's Terraform state (the remote backend's), e.g. between benchmark rounds. */
  resetState(): Promise<void>;
  /** The inputs every run gets unless a test overrides them. */
  inputs(): Record<string, string>;
  /** TF_VAR_* and the rest of the step's `env:`. */
  stepEnv(): Record<string, string>;
  runPullRequest(o: Omit<PullRequestEventOptions, 'owner' | 'repo'>, extra?: RunExtra): Promise<ActionRun>;
  runPush(o: Omit<PushEventOptions, 'owner' | 'repo'>, extra?: RunExtra): Promise<ActionRun>;
  runEvent(eventName: string, payload: Payload, extra?: RunExtra): Promise<ActionRun>;
  /**
   * Another database of the same repository, as a matrix workflow's `environment` sees it: its
   * own PostgreSQL cluster (behind its own RDS front), master secret, Terraform state database
   * and plan/apply roles; the GitHub, STS and Secrets Manager servers are the stack's.
   */
  addDatabase(environment: string): Promise<Database>;
  /** Runs `start` and returns what that run alone did, from every collaborator's records. */
  observe(start: () => Promise<ActionRun>): Promise<Observed>;
  stop(): Promise<void>;
}

/** A database added with `addDatabase`: one matrix entry of docs/several-databases.md's workflow. */
export interface Database {
  environment: string;
  pg: PgCluster;
  /** Its master secret (`rds-master-<environment>`), readable only with its own roles' credentials. */
  secretName: string;
  /** Trusted for pull requests and the default branch (the scheduled drift check). */
  planRole: string;
  /** Trusted for the default branch only. */
  applyRole: string;
  /** Its Terraform state database. */
  stateUrl: string;
  /**
   * The matrix job's `with:` and `env:` for this database, as a run's extra: the `environment`
   * input, its roles, endpoint and secret, and its backend configuration in `TF_CLI_ARGS_init`
   * (the stack's default PG_CONN_STR is removed, so a run that ignored it could not init).
   */
  extra(): RunExtra;
}

export interface Observed {
  run: ActionRun;
  /** Atlas envs the provider planned / applied in this run. */
  planned: string[];
  applied: string[];
  gh: ApiRequest[];
  /** GitHub requests other than GET (comment posts and edits). */
  writes: ApiRequest[];
  sts: StsRequest[];
  /** Roles successfully assumed. */
  assumed: (string | undefined)[];
  oidc: OidcRequest[];
}

export interface RunExtra {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Variables to remove from the run's environment (e.g. ACTIONS_ID_TOKEN_REQUEST_URL). */
  unset?: string[];
  /** Cancel the run mid-way, as the runner does (see runAction). */
  cancel?: ActionOptions['cancel'];
  /** A RUNNER_TEMP the test owns and keeps after the run, for runPostStep (see runAction). */
  runnerTemp?: string;
  /**
   * The runner's Atlas CLI (the stand-in): on PATH and logged in with the run's HOME, as
   * ariga/setup-atlas with `cloud-token` leaves it (default); on PATH without a login; or
   * not installed at all.
   */
  atlasCli?: 'logged-in' | 'logged-out' | 'missing';
  /** False: the checkout keeps the repository's backend as it is (no `pg` override file). */
  backendOverride?: boolean;
  /**
   * Files the commit holds beyond the workspace, written into the checkout by path (e.g. a
   * committed `.terraform.lock.hcl`, which the copy of the workspace leaves out).
   */
  checkoutFiles?: Record<string, string>;
  /** The OIDC token's `sub` for this run; default: the one GitHub gives the event without an environment. */
  sub?: string;
}

export async function startStack(opts: { scenario?: Scenario } = {}): Promise<Stack> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const github = await startGitHubApi({ owner: OWNER, repo: REPO });
    started.push(github);
    const aws = await startAwsEndpoints({
      roles: [
        { arn: PLAN_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:pull_request` },
        { arn: APPLY_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:ref:refs/heads/${DEFAULT_BRANCH}` },
      ],
    });
    started.push(aws);
    // rds_iam members log in only with an RDS IAM token signed by credentials STS issued.
    const pg = await startPostgres({ iamAuth: { credentials: () => aws.sts.issued, region: REGION } });
    started.push(pg);
    await pg.query(`CREATE DATABASE ${STATE_DATABASE}`);
    const stateUrl = pg.url(pg.masterUser, pg.masterPassword, STATE_DATABASE);
    await prepareStateDatabase(stateUrl);
    // atlas.hcl's roles env reads the master user from this secret with the profile's credentials.
    const secrets = await startSecretsManager({ credentials: () => aws.sts.issued, region: REGION });
    started.push(secrets);
    secrets.putSecret(MASTER_SECRET_NAME, JSON.stringify({ username: pg.masterUser, password: pg.masterPassword }));
    // No databaseUrls: the stand-in provider resolves both URLs like atlas.hcl does.
    const tf = await prepareTerraform({ scenario: opts.scenario ?? (await loadSeedScenario()) });
    started.push({ stop: () => tf.cleanup() });
    const ws = await seedWorkspace();
    started.push({ stop: () => ws.cleanup() });
    const eventsDir = await mkdtemp(path.join(os.tmpdir(), 'events-'));
    started.push({ stop: () => rm(eventsDir, { recursive: true, force: true }) });

    const addDatabase = async (environment: string): Promise<Database> => {
      const role = (kind: string): string => `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-${kind}-${environment}`;
      const [planRole, applyRole] = [role('plan'), role('apply')];
      const main = `repo:${OWNER}/${REPO}:ref:refs/heads/${DEFAULT_BRANCH}`;
      aws.sts.addRole({ arn: planRole, subjectPattern: [`repo:${OWNER}/${REPO}:pull_request`, main] });
      aws.sts.addRole({ arn: applyRole, subjectPattern: main });
      // Another account's database: only this environment's roles get in (IAM token, secret).
      const own = (): IssuedCredentials[] => aws.sts.issued.filter((c) => c.roleArn === planRole || c.roleArn === applyRole);
      const db = await startPostgres({ iamAuth: { credentials: own, region: REGION } });
      started.push(db);
      await db.query(`CREATE DATABASE ${STATE_DATABASE}`);
      await prepareStateDatabase(db.url(db.masterUser, db.masterPassword, STATE_DATABASE));
      const secretName = `${MASTER_SECRET_NAME}-${environment}`;
      secrets.putSecret(secretName, JSON.stringify({ username: db.masterUser, password: db.masterPassword }), {
        allowedRoleArns: [planRole, applyRole],
      });
      const dbStateUrl = db.url(db.masterUser, db.masterPassword, STATE_DATABASE);
      const endpoint = `${db.host}:${db.port}`;
      return {
        environment,
        pg: db,
        secretName,
        planRole,
        applyRole,
        stateUrl: dbStateUrl,
        extra: () => ({
          inputs: {
            environment,
            'role-to-assume': planRole,
            'apply-role-to-assume': applyRole,
            'db-endpoint': endpoint,
            'db-name': db.database,
          },
          env: {
            // docs/several-databases.md's per-environment backend configuration, for the `pg` backend.
            TF_CLI_ARGS_init: `-backend-config='conn_str=${dbStateUrl}'`,
            TF_VAR_endpoint: endpoint,
            TF_VAR_database_name: db.database,
            TF_VAR_master_secret_name: secretName,
          },
          unset: ['PG_CONN_STR'],
        }),
      };
    };

    const stack: Stack = {
      pg,
      github,
      aws,
      secrets,
      tf,
      workspace: ws.dir,
      async resetState() {
        const client = new pgLib.Client(connectionConfig(stateUrl));
        await client.connect();
        try {
          const schemas = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tfstate_%'`);
          for (const { nspname } of schemas.rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
        } finally {
          await client.end();
        }
      },
      inputs: () => ({
        'aws-region': 'us-east-1',
        'role-to-assume': PLAN_ROLE,
        'apply-role-to-assume': APPLY_ROLE,
        audience: 'sts.amazonaws.com',
        'role-session-name': '',
        'role-duration-seconds': '3600',
        'aws-profile': 'tf-sandbox',
        'roles-working-directory': 'terraform/roles',
        'schema-working-directory': 'terraform/schema',
        'roles-paths': '',
        mode: 'auto',
        'github-token': github.actionsToken,
        comment: 'true',
        'lock-timeout': '1m',
        'db-endpoint': `${pg.host}:${pg.port}`,
        'db-name': pg.database,
        'db-user': 'atlas_migrator',
      }),
      stepEnv: () => ({
        TF_VAR_endpoint: `${pg.host}:${pg.port}`,
        TF_VAR_aws_profile: 'tf-sandbox',
        TF_VAR_database_name: pg.database,
        TF_VAR_region: REGION,
        TF_VAR_master_secret_name: MASTER_SECRET_NAME,
      }),
      addDatabase,
      runPullRequest: (o, extra) => stack.runEvent('pull_request', pullRequestEvent({ ...o, owner: OWNER, repo: REPO }), extra),
      runPush: (o, extra) => stack.runEvent('push', pushEvent({ ...o, owner: OWNER, repo: REPO }), extra),
      async runEvent(eventName, payload, extra = {}) {
        const eventPath = writeEvent(eventsDir, payload, `${eventName}-${Date.now()}.json`);
        const vars = eventEnv(eventName, payload, eventPath);
        // GitHub puts the event's subject in the OIDC token's `sub`; the trust policies key on it.
        aws.oidc.claims.sub =
          extra.sub ??
          (eventName === 'pull_request' ? `repo:${OWNER}/${REPO}:pull_request` : `repo:${OWNER}/${REPO}:ref:${vars['GITHUB_REF']}`);
        const env: Record<string, string> = {
          ...tf.env,
          ...aws.env(),
          ...secrets.env(),
          GITHUB_API_URL: github.url,
          ...vars,
          ...stack.stepEnv(),
          ...extra.env,
        };
        // Terraform's pg backend reads its connection from PG_CONN_STR.
        env['PG_CONN_STR'] = stateUrl;
        for (const key of extra.unset ?? []) delete env[key];
        const atlasCli = extra.atlasCli ?? 'logged-in';
        if (atlasCli === 'missing') env['PATH'] = process.env['PATH'] ?? '';
        const checkout = await freshCheckout(ws.dir, { backendOverride: extra.backendOverride ?? true });
        for (const [rel, text] of Object.entries(extra.checkoutFiles ?? {})) await writeFile(path.join(checkout, rel), text);
        try {
          return await runAction({
            inputs: { ...stack.inputs(), ...extra.inputs },
            env,
            workspace: checkout,
            ...(extra.cancel ? { cancel: extra.cancel } : {}),
            ...(extra.runnerTemp ? { runnerTemp: extra.runnerTemp } : {}),
            ...(atlasCli === 'logged-in' ? { prepareHome: (home) => Promise.resolve(atlasLoginState(home)) } : {}),
          });
        } finally {
          await rm(checkout, { recursive: true, force: true });
        }
      },
      async observe(start) {
        const calls0 = (await tf.readCalls()).length;
        const [gh0, sts0, oidc0] = [github.requests.length, aws.sts.requests.length, aws.oidc.requests.length];
        const run = await start();
        const calls = (await tf.readCalls()).slice(calls0);
        const envs = (rpc: string): string[] => calls.filter((c) => c.rpc === rpc).map((c) => c.env ?? '');
        const gh = github.requests.slice(gh0);
        const sts = aws.sts.requests.slice(sts0);
        return {
          run,
          planned: [...new Set(envs('PlanResourceChange'))].sort(),
          applied: envs('ApplyResourceChange'),
          gh,
          // GraphQL queries are POSTs but read only.
          writes: gh.filter((r) => r.method !== 'GET' && r.path !== '/graphql'),
          sts,
          assumed: sts.filter((r) => r.status === 200).map((r) => r.roleArn),
          oidc: aws.oidc.requests.slice(oidc0),
        };
      },
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      },
    };
    return stack;
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}

const STATE_DATABASE = 'tfstate';

/**
 * Creates the one object Terraform's pg backend shares between all its schemas, the sequence
 * public.global_states_id_seq. A first `terraform init` creates it with CREATE SEQUENCE IF NOT
 * EXISTS, and two first inits at once (the action inits both roots together) can collide on it
 * (duplicate key in pg_class). The tests stand in for an S3 backend, which has no such step, so
 * the state database starts as after one init; docs/troubleshooting.md tells pg-backend users.
 */
async function prepareStateDatabase(url: string): Promise<void> {
  const client = new pgLib.Client(connectionConfig(url));
  await client.connect();
  try {
    await client.query('CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint');
  } finally {
    await client.end();
  }
}

/**
 * A copy of the repository as actions/checkout leaves it: no .terraform, no local state.
 * Every Terraform root in it (a directory with an atlas_schema resource) keeps its own files as
 * they are (the seed's `backend "s3"`) and gets a Terraform override file, `backend_override.tf`,
 * that swaps the backend for `pg` keyed by the root's path: Terraform's own mechanism, so what
 * users copy from examples/seed is what the tests run.
 */
export async function freshCheckout(repository: string, o: { backendOverride: boolean } = { backendOverride: true }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'checkout-'));
  await cp(repository, dir, {
    recursive: true,
    filter: (src) => !/(^|\/)(\.terraform|\.terraform\.lock\.hcl|terraform\.tfstate[^/]*)$/.test(src),
  });
  for (const entry of o.backendOverride ? await readdir(dir, { recursive: true, withFileTypes: true }) : []) {
    if (!entry.isFile() || !entry.name.endsWith('.tf')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (!/resource\s+"atlas_schema"/.test(await readFile(file, 'utf8'))) continue;
    const root = path.relative(dir, entry.parentPath);
    const schema = `tfstate_${root.replace(/[^A-Za-z0-9]+/g, '_')}`.toLowerCase();
    await writeFile(
      path.join(entry.parentPath, BACKEND_OVERRIDE),
      `terraform {\n  backend "pg" {\n    schema_name = "${schema}"\n  }\n}\n`,
    );
  }
  return dir;
}

/** The override file the tests put in every root (Terraform merges *_override.tf last). */
export const BACKEND_OVERRIDE = 'backend_override.tf';

/** Shorthand shas for readable tests. */
export const sha = (c: string): string => c.repeat(40).slice(0, 40);
