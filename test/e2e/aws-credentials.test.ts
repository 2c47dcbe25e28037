import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAwsSession, type AwsSession } from '../../src/aws/credentials.js';
import { resetSecretsForTest } from '../../src/core/redact/index.js';
import type { Inputs, Mode } from '../../src/core/types.js';
import { DEFAULT_ACCOUNT, startAwsEndpoints, type AwsEndpoints } from '../support/aws-endpoints.js';

// The real @actions/core getIDToken and the real STS client, pointed at the loopback OIDC
// issuer (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) and STS (AWS_ENDPOINT_URL_STS).

const PLAN_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan`;
const APPLY_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-apply`;
const PR_SUB = 'repo:octo-org/octo-repo:pull_request';
const MAIN_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const FAST = { retryBaseMs: 5 };

let aws: AwsEndpoints;
let runnerTemp: string;
let savedEnv: NodeJS.ProcessEnv;
let stdout: string;
let realWrite: typeof process.stdout.write;
const sessions: AwsSession[] = [];

beforeAll(async () => {
  aws = await startAwsEndpoints({
    roles: [
      { arn: PLAN_ROLE, subjectPattern: PR_SUB },
      { arn: APPLY_ROLE, subjectPattern: MAIN_SUB, maxSessionDuration: 3600 },
    ],
  });
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(() => {
  savedEnv = { ...process.env };
  runnerTemp = mkdtempSync(join(tmpdir(), 'aws-cred-test-'));
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
  Object.assign(process.env, aws.env(), { RUNNER_TEMP: runnerTemp });
  aws.oidc.requests.length = 0;
  aws.oidc.claims.sub = PR_SUB;
  aws.sts.requests.length = 0;
  aws.sts.credentialLifetimeSeconds = undefined;
  resetSecretsForTest();
  stdout = '';
  realWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    stdout += chunk.toString();
    return true;
  };
});

afterEach(async () => {
  process.stdout.write = realWrite;
  for (const s of sessions.splice(0)) await s.close();
  rmSync(runnerTemp, { recursive: true, force: true });
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

function inputs(overrides: Partial<Inputs> = {}): Inputs {
  return {
    awsRegion: 'us-east-1',
    roleToAssume: PLAN_ROLE,
    applyRoleToAssume: APPLY_ROLE,
    audience: 'sts.amazonaws.com',
    roleSessionName: 'rds-atlas-action-8110000001-1',
    roleDurationSeconds: 3600,
    environment: '',
    destructiveLabel: 'allow-destructive-sql',
    gatedClasses: ['destructive', 'access-reducing', 'session', 'unknown'],
    approvers: [],
    requireReviewedPlan: true,
    driftIssue: true,
    failOnDrift: false,
    lintSkip: [],
    factsTimeoutMs: 5000,
    impactScanLimit: 1_000_000,
    awsProfile: '',
    rolesWorkingDirectory: 'terraform/roles',
    schemaWorkingDirectory: 'terraform/schema',
    rolesPaths: ['hcl/roles/**'],
    mode: 'auto',
    githubToken: 'ghs_unused',
    comment: true,
    lockTimeout: '5m',
    dbEndpoint: '',
    dbName: '',
    dbUser: 'atlas_migrator',
    masterUser: 'postgres',
    rolesOnApply: 'changed',
    ...overrides,
  };
}

async function open(overrides: Partial<Inputs> = {}, mode: Mode = 'plan'): Promise<AwsSession> {
  const session = await openAwsSession(inputs(overrides), mode, FAST);
  sessions.push(session);
  return session;
}

async function failure(overrides: Partial<Inputs> = {}, mode: Mode = 'plan'): Promise<string> {
  const err = await open(overrides, mode).then(
    () => new Error('expected openAwsSession to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return (err as Error).message;
}

/** Every secret the loopback services handed out since `since`: none may appear in what the user sees. */
function secretsHandedOut(since: { tokens: number; credentials: number }): string[] {
  return [
    ...aws.oidc.issuedTokens.slice(since.tokens),
    ...aws.sts.issued.slice(since.credentials).flatMap((c) => [c.accessKeyId, c.secretAccessKey, c.sessionToken]),
  ];
}

/** The job log as the user sees it: `::add-mask::` lines are commands the runner consumes. */
function visibleLog(): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

describe('assuming a role with OIDC', () => {
  it('assumes the plan role on plan runs and hands the credentials to child processes only', async () => {
    const envBefore = { ...process.env };
    const session = await open();

    expect(aws.sts.requests.map((r) => r.roleArn)).toEqual([PLAN_ROLE]);
    expect(aws.sts.requests[0]).toMatchObject({
      roleSessionName: 'rds-atlas-action-8110000001-1',
      durationSeconds: 3600,
      sub: PR_SUB,
      aud: 'sts.amazonaws.com',
    });
    const issued = aws.sts.issued.at(-1)!;
    expect(session.roleArn).toBe(PLAN_ROLE);
    expect(session.credentials()?.expiration?.getTime()).toBe(Math.floor(issued.expiration.getTime() / 1000) * 1000);
    expect(session.env()).toEqual({
      AWS_ACCESS_KEY_ID: issued.accessKeyId,
      AWS_SECRET_ACCESS_KEY: issued.secretAccessKey,
      AWS_SESSION_TOKEN: issued.sessionToken,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    expect(process.env).toEqual(envBefore);
    expect(visibleLog()).toContain(
      `Assumed ${PLAN_ROLE} (role-to-assume) as arn:aws:sts::${DEFAULT_ACCOUNT}:assumed-role/atlas-plan/rds-atlas-action-8110000001-1`,
    );
  });

  it('assumes the apply role, and only it, on apply runs', async () => {
    aws.oidc.claims.sub = MAIN_SUB;
    const session = await open({}, 'apply');
    expect(session.roleArn).toBe(APPLY_ROLE);
    expect(aws.sts.requests.map((r) => r.roleArn)).toEqual([APPLY_ROLE]);
  });

  it('masks every credential before anything reaches the log', async () => {
    const since = { tokens: aws.oidc.issuedTokens.length, credentials: aws.sts.issued.length };
    await open({ awsProfile: 'tf-sandbox' });
    await failure({ roleToAssume: APPLY_ROLE });

    const secrets = secretsHandedOut(since);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const log = visibleLog();
    for (const s of secrets) {
      expect(log).not.toContain(s);
      expect(stdout).toContain(`::add-mask::${s}`);
    }
  });
});

describe('failures, each with its own fix', () => {
  it('asks for id-token: write, without calling anything, when the job has no OIDC token', async () => {
    delete process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    const message = await failure();
    expect(message).toContain(`Could not assume role ${PLAN_ROLE} (input role-to-assume) with OIDC: this job has no GitHub OIDC token`);
    expect(message).toContain('permissions:\n  id-token: write\n  contents: read\n  pull-requests: write');
    expect(aws.oidc.requests).toHaveLength(0);
    expect(aws.sts.requests).toHaveLength(0);
  });

  it('names the role, the token’s sub and aud, and the trust policy to allow on AccessDenied, once', async () => {
    const message = await failure({ roleToAssume: APPLY_ROLE });
    expect(message).toContain(
      `Could not assume role ${APPLY_ROLE} (input role-to-assume) with OIDC: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`,
    );
    expect(message).toContain(`  sub = ${PR_SUB}\n  aud = sts.amazonaws.com`);
    expect(message).toContain(
      `token.actions.githubusercontent.com:sub = "${PR_SUB}" and token.actions.githubusercontent.com:aud = "sts.amazonaws.com"`,
    );
    expect(message).toContain(`"Federated": "arn:aws:iam::${DEFAULT_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"`);
    expect(aws.sts.requests).toHaveLength(1);
    for (const token of aws.oidc.issuedTokens) expect(message).not.toContain(token);
  });

  it('tells the user to create the OIDC provider when the account has none', async () => {
    aws.sts.failNext('InvalidIdentityToken');
    const message = await failure();
    expect(message).toContain(
      'InvalidIdentityToken: No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
    );
    expect(message).toContain(`account ${DEFAULT_ACCOUNT} has no IAM OIDC identity provider`);
    expect(message).toContain(
      'aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com',
    );
    expect(aws.sts.requests).toHaveLength(1);
  });

  it('compares the audience input with the provider’s client IDs on an incorrect audience', async () => {
    const message = await failure({ audience: 'my-custom-audience' });
    expect(aws.oidc.requests.map((r) => r.audience)).toEqual(['my-custom-audience']);
    expect(message).toContain('InvalidIdentityToken: Incorrect token audience');
    expect(message).toContain('the token\'s audience is "my-custom-audience" (the `audience` input)');
    expect(message).toContain('--client-id my-custom-audience');
    expect(aws.sts.requests).toHaveLength(1);
  });

  it('says to lower role-duration-seconds or raise MaxSessionDuration when the duration is too long', async () => {
    aws.oidc.claims.sub = MAIN_SUB;
    const message = await failure({ roleDurationSeconds: 7200 }, 'apply');
    expect(message).toContain(
      `Could not assume role ${APPLY_ROLE} (input apply-role-to-assume) with OIDC: ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
    );
    expect(message).toContain('role-duration-seconds is 7200');
    expect(message).toContain('aws iam update-role --role-name atlas-apply --max-session-duration 7200');
    expect(aws.sts.requests).toHaveLength(1);
  });

  it('reports other STS errors as they are, without retrying them', async () => {
    const message = await failure({ roleSessionName: 'x' });
    expect(message).toMatch(
      /^Could not assume role .*atlas-plan \(input role-to-assume\) with OIDC: ValidationError: 1 validation error detected: Value 'x' at 'roleSessionName'/,
    );
    expect(aws.sts.requests).toHaveLength(1);
  });

  it('fetches a fresh OIDC token once when STS says the token expired', async () => {
    aws.sts.failNext('ExpiredTokenException');
    const session = await open();
    expect(session.roleArn).toBe(PLAN_ROLE);
    expect(aws.oidc.requests).toHaveLength(2);
    expect(aws.sts.requests).toHaveLength(2);

    aws.sts.requests.length = 0;
    aws.sts.failNext('ExpiredTokenException', 2);
    const message = await failure();
    expect(message).toContain('ExpiredToken');
    expect(message).toContain("Check the runner's clock");
    expect(aws.sts.requests).toHaveLength(2);
  });
});

describe('retries', () => {
  it('retries throttling until it succeeds', async () => {
    aws.sts.failNext('Throttling', 2);
    await open();
    expect(aws.sts.requests.map((r) => r.status)).toEqual([400, 400, 200]);
    expect(visibleLog()).toContain('STS AssumeRoleWithWebIdentity failed (Throttling), attempt 1 of 4; retrying in');
  });

  it('retries IdP communication errors and 5xx', async () => {
    aws.sts.failNext('IDPCommunicationError');
    aws.sts.failNext('InternalFailure');
    await open();
    expect(aws.sts.requests.map((r) => r.errorCode ?? r.status)).toEqual(['IDPCommunicationError', 'InternalFailure', 200]);
  });

  it('gives up after four attempts, saying so', async () => {
    aws.sts.failNext('Throttling', 4);
    const message = await failure();
    expect(message).toContain(`Could not assume role ${PLAN_ROLE} (input role-to-assume) with OIDC: Throttling: Rate exceeded`);
    expect(message).toContain('gave up after 4 attempts');
    expect(aws.sts.requests).toHaveLength(4);
  });

  it('retries an unreachable STS endpoint a bounded number of times', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    process.env['AWS_ENDPOINT_URL_STS'] = `http://127.0.0.1:${port}`;

    const message = await failure();
    expect(message).toContain(`Could not assume role ${PLAN_ROLE} (input role-to-assume) with OIDC:`);
    expect(message).toContain('with OIDC: ECONNREFUSED: ');
    expect(message).toContain('gave up after 4 attempts');
    expect(visibleLog()).toContain('STS AssumeRoleWithWebIdentity failed (ECONNREFUSED), attempt 3 of 4');
    expect(visibleLog().match(/retrying in/g)).toHaveLength(3);
  });
});

describe('profile files and refresh', () => {
  it('writes 0600 profile files under RUNNER_TEMP that a real SDK reads, and removes them on close', async () => {
    const session = await open({ awsProfile: 'tf-sandbox' });
    const env = session.env();
    const config = env['AWS_CONFIG_FILE']!;
    const credentials = env['AWS_SHARED_CREDENTIALS_FILE']!;
    expect(config.startsWith(runnerTemp)).toBe(true);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    expect(readFileSync(config, 'utf8')).toBe('[profile tf-sandbox]\nregion = us-east-1\n');
    const issued = aws.sts.issued.at(-1)!;
    expect(readFileSync(credentials, 'utf8')).toBe(
      `[tf-sandbox]\naws_access_key_id = ${issued.accessKeyId}\naws_secret_access_key = ${issued.secretAccessKey}\naws_session_token = ${issued.sessionToken}\n`,
    );

    // What Atlas does: resolve the named profile from the files alone.
    expect(await callerIdentityThroughProfile(env, 'tf-sandbox')).toBe(issued.assumedRoleArn);

    await session.close();
    expect(existsSync(config)).toBe(false);
    expect(existsSync(credentials)).toBe(false);
    await session.close();
  });

  it('assumes again and rewrites the files when the credentials expire within 15 minutes', async () => {
    aws.sts.credentialLifetimeSeconds = 300;
    const session = await open({ awsProfile: 'tf-sandbox' });
    const first = session.env();

    expect(await session.refreshIfExpiring()).toBe(true);
    expect(aws.oidc.requests).toHaveLength(2);
    expect(aws.sts.requests).toHaveLength(2);
    const second = aws.sts.issued.at(-1)!;
    expect(session.env()['AWS_ACCESS_KEY_ID']).toBe(second.accessKeyId);
    expect(session.env()['AWS_ACCESS_KEY_ID']).not.toBe(first['AWS_ACCESS_KEY_ID']);
    expect(readFileSync(first['AWS_SHARED_CREDENTIALS_FILE']!, 'utf8')).toContain(`aws_access_key_id = ${second.accessKeyId}`);
    expect(session.credentials()?.expiration?.getTime()).toBe(Math.floor(second.expiration.getTime() / 1000) * 1000);
  });

  it('keeps credentials that last longer than the window', async () => {
    const session = await open();
    expect(await session.refreshIfExpiring()).toBe(false);
    expect(await session.refreshIfExpiring(2 * 3600 * 1000)).toBe(true);
    expect(aws.sts.requests).toHaveLength(2);
  });
});

describe('ambient credentials (no role)', () => {
  it('makes no OIDC or STS call and only sets the region', async () => {
    const session = await open({ roleToAssume: '', applyRoleToAssume: '' });
    expect(session.roleArn).toBe('');
    expect(session.env()).toEqual({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' });
    expect(await session.refreshIfExpiring()).toBe(false);
    expect(aws.oidc.requests).toHaveLength(0);
    expect(aws.sts.requests).toHaveLength(0);
  });

  it('writes the job’s AWS_ACCESS_KEY_ID credentials into the profile', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAAMBIENTEXAMPLE01', AWS_SECRET_ACCESS_KEY: 'ambient-secret-0123456789' });
    const session = await open({ roleToAssume: '', awsProfile: 'tf-sandbox' });
    const file = session.env()['AWS_SHARED_CREDENTIALS_FILE']!;
    expect(readFileSync(file, 'utf8')).toBe(
      '[tf-sandbox]\naws_access_key_id = AKIAAMBIENTEXAMPLE01\naws_secret_access_key = ambient-secret-0123456789\n',
    );
    expect(visibleLog()).not.toContain('ambient-secret-0123456789');
    expect(aws.sts.requests).toHaveLength(0);
  });

  it('leaves the user’s AWS config alone when there are no credentials to write', async () => {
    const session = await open({ roleToAssume: '', awsProfile: 'tf-sandbox' });
    expect(session.env()).toEqual({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' });
    expect(stdout).toContain('leaving the shared AWS config alone; profile "tf-sandbox" must already exist there');
  });
});

/** Runs the real STS client in a child that knows only the profile name and the two files. */
async function callerIdentityThroughProfile(env: Record<string, string>, profile: string): Promise<string> {
  const script = `
    import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
    const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    process.stdout.write(out.Arn ?? '');
  `;
  const childEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: runnerTemp,
    AWS_CONFIG_FILE: env['AWS_CONFIG_FILE']!,
    AWS_SHARED_CREDENTIALS_FILE: env['AWS_SHARED_CREDENTIALS_FILE']!,
    AWS_PROFILE: profile,
    AWS_ENDPOINT_URL_STS: aws.sts.url,
  };
  const { stdout: out } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: childEnv,
    cwd: process.cwd(),
  });
  return out;
}
