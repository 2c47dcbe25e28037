import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsSession } from '../../src/aws/credentials.js';
import { diagnoseConnectError, judgeLogin, preflightIamAuth, type PreflightResult } from '../../src/aws/preflight.js';
import { connectionConfig, startPostgres, type PgCluster } from '../support/postgres.js';

// The preflight against a real PostgreSQL behind the RDS front: TLS only, members of rds_iam
// log in only with an RDS IAM token the front verifies (signed for this endpoint and region with
// trusted credentials) and refuses as RDS does, everyone else needs their real password.

const ROLE_ARN = 'arn:aws:iam::123456789012:role/atlas-plan';

/** Credentials the cluster trusts, as if STS had issued them; the preflight signs with them. */
const CREDENTIALS = {
  accessKeyId: 'ASIAPREFLIGHTTEST001',
  secretAccessKey: 'preflight-secret-key-0123456789abcdefghij',
  sessionToken: 'preflight-session-token-0123456789',
};

const session: AwsSession = {
  roleArn: ROLE_ARN,
  env: () => ({}),
  credentials: () => CREDENTIALS,
  refreshIfExpiring: () => Promise.resolve(false),
  close: () => Promise.resolve(),
};

let db: PgCluster;

beforeAll(async () => {
  db = await startPostgres({ iamAuth: { credentials: () => [CREDENTIALS], region: 'us-east-1' } });
  await db.query('CREATE ROLE "atlas_migrator" WITH LOGIN');
  await db.query('GRANT "rds_iam" TO "atlas_migrator"');
  await db.query(`CREATE ROLE "app_owner" WITH LOGIN PASSWORD 'app-owner-real-password'`);
});

afterAll(async () => {
  await db?.stop();
});

function run(user: string, overrides: Partial<Parameters<typeof preflightIamAuth>[0]> = {}): Promise<PreflightResult> {
  return preflightIamAuth({
    endpoint: `${db.host}:${db.port}`,
    database: db.database,
    user,
    region: 'us-east-1',
    session,
    createdInThisRun: false,
    ...overrides,
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function expectNoToken(result: PreflightResult): void {
  const text = [result.message, ...result.hints].join('\n');
  expect(text).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)=/);
  expect(text).not.toContain('Action=connect');
}

describe('preflightIamAuth', () => {
  it('passes for a member of rds_iam logging in over TLS with a token', async () => {
    const checked = db.iam.verifications.length;
    const result = await run('atlas_migrator');
    // The cluster verified the token the preflight signed (user, endpoint, region, signature).
    expect(db.iam.verifications.slice(checked)).toEqual([expect.objectContaining({ user: 'atlas_migrator', ok: true })]);
    expect(result).toEqual({
      status: 'ok',
      message: `IAM-token preflight passed: atlas_migrator logged in to 127.0.0.1:${db.port}/appdb over TLS with an IAM token and is a member of rds_iam.`,
      hints: [],
    });
  });

  it('a token signed for another region is refused by the cluster and mapped to the checklist', async () => {
    const result = await run('atlas_migrator', { region: 'eu-west-1' });
    expect(result.status).toBe('failed');
    expect(result.message).toContain('PAM authentication failed for user "atlas_migrator"');
    expect(result.message).toContain('The database refused the IAM token for "atlas_migrator".');
    expect(result.hints.join('\n')).toContain('same host, port and region');
    expect(db.iam.verifications.at(-1)).toEqual(expect.objectContaining({ user: 'atlas_migrator', ok: false }));
    expectNoToken(result);
  });

  it('maps a refused token to the IAM-auth checklist for a user outside rds_iam', async () => {
    const result = await run('app_owner');
    expect(result.status).toBe('failed');
    expect(result.message).toContain(`IAM-token preflight for app_owner@127.0.0.1:${db.port}/appdb failed:`);
    expect(result.message).toContain('password authentication failed for user "app_owner"');
    expect(result.message).toContain('The database refused the IAM token for "app_owner".');
    const hints = result.hints.join('\n');
    expect(hints).toContain('GRANT rds_iam TO "app_owner"');
    expect(hints).toContain('arn:aws:rds-db:us-east-1:123456789012:dbuser:<DbiResourceId>/app_owner');
    expect(hints).toContain('IAM database authentication must be enabled');
    expect(hints).toContain('same host, port and region');
    expectNoToken(result);
  });

  it('names the cause when the database does not exist', async () => {
    const result = await run('atlas_migrator', { database: 'nosuchdb' });
    expect(result.status).toBe('failed');
    expect(result.message).toContain('The database "nosuchdb" does not exist');
    expect(result.hints.join('\n')).toContain('`db-name`');
  });

  it('explains an unreachable endpoint', async () => {
    const port = await closedPort();
    const result = await run('atlas_migrator', { endpoint: `127.0.0.1:${port}` });
    expect(result.status).toBe('failed');
    expect(result.message).toContain('ECONNREFUSED');
    expect(result.message).toContain('The database could not be reached.');
    expect(result.hints.join('\n')).toContain('security group');
    expectNoToken(result);
  });

  it('skips, without connecting, when this run creates the user', async () => {
    const port = await closedPort();
    const result = await run('atlas_migrator', { endpoint: `127.0.0.1:${port}`, createdInThisRun: true });
    expect(result).toEqual({
      status: 'skipped',
      message:
        'IAM-token preflight skipped: "atlas_migrator" was created by the roles root of this run (first bootstrap), so the schema root\'s own login is its first IAM login; an IAM failure shows there, with the same checklist.',
      hints: [],
    });
  });
});

describe('diagnoseConnectError', () => {
  it('maps the server refusing a non-TLS connection to the sslmode advice', async () => {
    const client = new pg.Client({ ...connectionConfig(db.url('atlas_migrator', 'token')), ssl: false });
    client.on('error', () => undefined);
    const err = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.end().catch(() => undefined);
    expect(err).toBeInstanceOf(Error);

    const result = diagnoseConnectError(err, {
      endpoint: `127.0.0.1:${db.port}`,
      database: 'appdb',
      user: 'atlas_migrator',
      region: 'us-east-1',
      roleArn: ROLE_ARN,
    });
    expect(result.status).toBe('failed');
    expect(result.message).toContain('no encryption');
    expect(result.message).toContain('The connection was refused for lack of TLS.');
    expect(result.hints.join('\n')).toContain('sslmode=require');
    expect(result.hints.join('\n')).toContain('rds.force_ssl');
  });
});

describe('judgeLogin', () => {
  // The harness lets only rds_iam members in with a token, as RDS does, so a login that works
  // for a non-member cannot be produced against it; the judgement is checked on its own.
  it('fails a login whose user is not a member of rds_iam, with the grant to add', () => {
    const result = judgeLogin(
      { current_user: 'atlas_migrator', in_rds_iam: false },
      { endpoint: 'db:5432', database: 'appdb', user: 'atlas_migrator' },
    );
    expect(result.status).toBe('failed');
    expect(result.message).toContain('connected as "atlas_migrator", which is not a member of rds_iam');
    expect(result.hints.join('\n')).toContain('GRANT rds_iam TO "atlas_migrator"');
  });
});
