import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, seedWorkspace, type ActionRun } from './action.js';
import { DEFAULT_ACCOUNT, startAwsEndpoints, type AwsEndpoints } from './aws-endpoints.js';
import { eventEnv, pullRequestEvent, pushEvent, writeEvent, type Payload, type PullRequestEventOptions, type PushEventOptions } from './events.js';
import { startGitHubApi, type GitHubApi } from './github-api.js';
import { startPostgres, type PgCluster } from './postgres.js';
import { loadSeedScenario, prepareTerraform, type Scenario, type TerraformHarness } from './terraform.js';

// Everything a real run touches, on this machine: PostgreSQL, the GitHub API, the OIDC
// issuer, STS, terraform with the stand-in Atlas provider, and a workspace with the seed's
// layout. `runPullRequest` / `runPush` start `node dist/index.js` as the runner would.

export const PLAN_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan`;
export const APPLY_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-apply`;
export const OWNER = 'octo-org';
export const REPO = 'octo-repo';
export const DEFAULT_BRANCH = 'main';

export interface Stack {
  pg: PgCluster;
  github: GitHubApi;
  aws: AwsEndpoints;
  tf: TerraformHarness;
  workspace: string;
  /** The inputs every run gets unless a test overrides them. */
  inputs(): Record<string, string>;
  /** TF_VAR_* and the rest of the step's `env:`. */
  stepEnv(): Record<string, string>;
  runPullRequest(o: Omit<PullRequestEventOptions, 'owner' | 'repo'>, extra?: RunExtra): Promise<ActionRun>;
  runPush(o: Omit<PushEventOptions, 'owner' | 'repo'>, extra?: RunExtra): Promise<ActionRun>;
  runEvent(eventName: string, payload: Payload, extra?: RunExtra): Promise<ActionRun>;
  stop(): Promise<void>;
}

export interface RunExtra {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Variables to remove from the run's environment (e.g. ACTIONS_ID_TOKEN_REQUEST_URL). */
  unset?: string[];
}

export async function startStack(opts: { scenario?: Scenario } = {}): Promise<Stack> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const pg = await startPostgres();
    started.push(pg);
    const github = await startGitHubApi({ owner: OWNER, repo: REPO });
    started.push(github);
    const aws = await startAwsEndpoints({
      roles: [
        { arn: PLAN_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:pull_request` },
        { arn: APPLY_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:ref:refs/heads/${DEFAULT_BRANCH}` },
      ],
    });
    started.push(aws);
    const tf = await prepareTerraform({
      scenario: opts.scenario ?? (await loadSeedScenario()),
      databaseUrls: {
        // Real Atlas reads the master secret from Secrets Manager and signs an IAM token; the
        // stand-in provider takes its URLs from here. atlas_migrator gets in with any
        // password once it is a member of rds_iam (the cluster's stand-in for IAM auth).
        roles: pg.url(pg.masterUser, pg.masterPassword),
        schema: pg.url('atlas_migrator', 'iam-token-stand-in'),
      },
    });
    started.push({ stop: () => tf.cleanup() });
    const ws = await seedWorkspace();
    started.push({ stop: () => ws.cleanup() });
    const eventsDir = await mkdtemp(path.join(os.tmpdir(), 'events-'));
    started.push({ stop: () => rm(eventsDir, { recursive: true, force: true }) });

    const stack: Stack = {
      pg,
      github,
      aws,
      tf,
      workspace: ws.dir,
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
        TF_VAR_region: 'us-east-1',
        TF_VAR_master_secret_name: 'rds-master',
      }),
      runPullRequest: (o, extra) => stack.runEvent('pull_request', pullRequestEvent({ ...o, owner: OWNER, repo: REPO }), extra),
      runPush: (o, extra) => stack.runEvent('push', pushEvent({ ...o, owner: OWNER, repo: REPO }), extra),
      async runEvent(eventName, payload, extra = {}) {
        const eventPath = writeEvent(eventsDir, payload, `${eventName}-${Date.now()}.json`);
        const vars = eventEnv(eventName, payload, eventPath);
        // GitHub puts the event's subject in the OIDC token's `sub`; the trust policies key on it.
        aws.oidc.claims.sub =
          eventName === 'pull_request' ? `repo:${OWNER}/${REPO}:pull_request` : `repo:${OWNER}/${REPO}:ref:${vars['GITHUB_REF']}`;
        const env: Record<string, string> = {
          ...tf.env,
          ...aws.env(),
          GITHUB_API_URL: github.url,
          ...vars,
          ...stack.stepEnv(),
          ...extra.env,
        };
        for (const key of extra.unset ?? []) delete env[key];
        return runAction({ inputs: { ...stack.inputs(), ...extra.inputs }, env, workspace: ws.dir });
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

/** Shorthand shas for readable tests. */
export const sha = (c: string): string => c.repeat(40).slice(0, 40);
