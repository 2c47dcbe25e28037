import { randomBytes } from 'node:crypto';
import { renderedText } from '../support/markdown.js';
import { Signer } from '@aws-sdk/rds-signer';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_ARN, startAwsEndpoints, type AwsEndpoints, type IssuedCredentials } from '../support/aws-endpoints.js';
import type { AwsSession } from '../../src/aws/credentials.js';
import { preflightIamAuth } from '../../src/aws/preflight.js';
import { verifyRdsIamToken } from '../support/iam-auth.js';
import { startPostgres, type PgCluster } from '../support/postgres.js';

// The RDS front of the throwaway PostgreSQL checks RDS IAM tokens like RDS: it asks rds_iam
// members for a cleartext password and accepts only a token signed by the real
// @aws-sdk/rds-signer with credentials the loopback STS issued, for this user, this endpoint
// (the front's 127.0.0.1:<port>) and this region. Each refusal below reaches the client the way
// RDS's does (FATAL 28000 `PAM authentication failed for user "..."`), and the verifier
// records why.

const REGION = 'us-east-1';
let aws: AwsEndpoints;
let db: PgCluster;
let creds: IssuedCredentials;

async function assumeRole(): Promise<IssuedCredentials> {
  const sts = new STSClient({ region: REGION, endpoint: aws.sts.url, maxAttempts: 1 });
  try {
    await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: DEFAULT_ROLE_ARN,
        RoleSessionName: 'iam-auth-test',
        WebIdentityToken: aws.oidc.mint(),
      }),
    );
  } finally {
    sts.destroy();
  }
  const issued = aws.sts.issued.at(-1);
  if (!issued) throw new Error('STS issued nothing');
  return issued;
}

beforeAll(async () => {
  aws = await startAwsEndpoints();
  db = await startPostgres({ iamAuth: { credentials: () => aws.sts.issued, region: REGION } });
  await db.query('CREATE ROLE "atlas_migrator" WITH LOGIN');
  await db.query('CREATE ROLE "other_iam" WITH LOGIN');
  await db.query('GRANT "rds_iam" TO "atlas_migrator", "other_iam"');
  await db.query(`CREATE ROLE "app_owner" WITH LOGIN PASSWORD 'app-owner-password'`);
  creds = await assumeRole();
});
afterAll(async () => {
  await db?.stop();
  await aws?.stop();
});

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const keys = (c: IssuedCredentials): Creds => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  sessionToken: c.sessionToken,
});

function sign(o: { user?: string; port?: number; region?: string; credentials?: Creds } = {}): Promise<string> {
  return new Signer({
    hostname: db.host,
    port: o.port ?? db.port,
    username: o.user ?? 'atlas_migrator',
    region: o.region ?? REGION,
    credentials: o.credentials ?? keys(creds),
  }).getAuthToken();
}

/** Logs in over TLS with the token as password; the outcome and the verifier's record. */
async function login(
  user: string,
  password: string,
): Promise<{ user?: string; error?: { code: string; message: string }; reason?: string }> {
  const before = db.iam.verifications.length ?? 0;
  const client = new pg.Client({ host: db.host, port: db.port, database: db.database, user, password, ssl: { rejectUnauthorized: false } });
  client.on('error', () => undefined);
  let out: { user?: string; error?: { code: string; message: string } };
  try {
    await client.connect();
    const r = await client.query<{ u: string }>('SELECT current_user AS u');
    out = { user: r.rows[0]?.u ?? '' };
  } catch (err) {
    const e = err as { code?: string; message: string };
    out = { error: { code: String(e.code), message: e.message } };
  } finally {
    await client.end().catch(() => undefined);
  }
  const checks = db.iam.verifications.slice(before) ?? [];
  const reason = checks.at(-1)?.reason;
  return { ...out, ...(reason !== undefined ? { reason } : {}) };
}

const refusedAs = (user: string) => ({ code: '28000', message: `PAM authentication failed for user "${user}"` });

describe('RDS IAM tokens at the throwaway PostgreSQL', () => {
  it('a token from @aws-sdk/rds-signer with STS-issued credentials logs in over TLS, and the check is recorded', async () => {
    const result = await login('atlas_migrator', await sign());
    expect(result).toEqual({ user: 'atlas_migrator', reason: 'ok' });
    expect(db.iam.verifications.at(-1)).toEqual({ user: 'atlas_migrator', ok: true, reason: 'ok', accessKeyId: creds.accessKeyId });
  });

  it('refuses a token signed for another user', async () => {
    expect(await login('atlas_migrator', await sign({ user: 'other_iam' }))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'signed for DBUser "other_iam", not "atlas_migrator"',
    });
  });

  it('refuses a token signed for another port', async () => {
    expect(await login('atlas_migrator', await sign({ port: db.port + 1 }))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: `signed for endpoint ${db.host}:${db.port + 1}, not ${db.host}:${db.port}`,
    });
  });

  it('refuses a token signed for another region', async () => {
    expect(await login('atlas_migrator', await sign({ region: 'eu-west-1' }))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'signed for region eu-west-1, not us-east-1',
    });
  });

  it('refuses a token signed with an access key STS never issued', async () => {
    const stranger = {
      accessKeyId: 'ASIA' + 'Q'.repeat(16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: 'IQoJb3JpZ2luX2Vj' + 'x'.repeat(40),
    };
    expect(await login('atlas_migrator', await sign({ credentials: stranger }))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'unknown access key id',
    });
  });

  it('refuses a token signed with the right key but the wrong secret, or without its session token', async () => {
    const wrongSecret = { ...keys(creds), secretAccessKey: randomBytes(30).toString('base64') };
    expect(await login('atlas_migrator', await sign({ credentials: wrongSecret }))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'signature mismatch',
    });
    const noSession = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };
    expect(await login('atlas_migrator', await sign({ credentials: noSession }))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'X-Amz-Security-Token does not match the credentials',
    });
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = await sign();
    const tampered = token.replace(
      /X-Amz-Signature=([0-9a-f]{63})([0-9a-f])/,
      (_, head: string, last: string) => `X-Amz-Signature=${head}${last === '0' ? '1' : '0'}`,
    );
    expect(tampered).not.toBe(token);
    expect(await login('atlas_migrator', tampered)).toEqual({ error: refusedAs('atlas_migrator'), reason: 'signature mismatch' });
    // The untouched token still works: the refusal was the tampering.
    expect(await login('atlas_migrator', token)).toEqual({ user: 'atlas_migrator', reason: 'ok' });
  });

  it('refuses a token signed with credentials that have since expired', async () => {
    const shortLived = await assumeRole();
    const token = await sign({ credentials: keys(shortLived) });
    expect(await login('atlas_migrator', token)).toEqual({ user: 'atlas_migrator', reason: 'ok' });
    shortLived.expiration = new Date(Date.now() - 1_000);
    expect(await login('atlas_migrator', token)).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'the credentials that signed the token have expired',
    });
  });

  it('refuses a token older than its 15 minutes, and accepts the same construction signed now', async () => {
    const presignAt = async (signingDate: Date): Promise<string> => {
      const signed = await new SignatureV4({ service: 'rds-db', region: REGION, credentials: keys(creds), sha256: Sha256 }).presign(
        {
          method: 'GET',
          protocol: 'https:',
          hostname: db.host,
          port: db.port,
          path: '/',
          query: { Action: 'connect', DBUser: 'atlas_migrator' },
          headers: { host: `${db.host}:${db.port}` },
        },
        { signingDate, expiresIn: 900 },
      );
      const query = new URLSearchParams(signed.query as Record<string, string>).toString();
      return `${db.host}:${db.port}/?${query}`;
    };
    expect(await login('atlas_migrator', await presignAt(new Date()))).toEqual({ user: 'atlas_migrator', reason: 'ok' });
    expect(await login('atlas_migrator', await presignAt(new Date(Date.now() - 16 * 60_000)))).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'the token expired',
    });
  });

  it('refuses a plain password for an rds_iam member; a user outside rds_iam still needs its real password', async () => {
    expect(await login('atlas_migrator', 'any-password-at-all')).toEqual({
      error: refusedAs('atlas_migrator'),
      reason: 'not an IAM token (no "host:port/?" prefix)',
    });
    const outsider = await login('app_owner', await sign({ user: 'app_owner' }));
    expect(outsider.error).toEqual({ code: '28P01', message: 'password authentication failed for user "app_owner"' });
    expect(outsider.reason).toBeUndefined(); // the verifier was never asked
    expect(await login('app_owner', 'app-owner-password')).toEqual({ user: 'app_owner' });
  });

  it('the master user (rds_superuser, which holds ADMIN OPTION on rds_iam) logs in with its password; no token is asked for', async () => {
    expect(await login(db.masterUser, db.masterPassword)).toEqual({ user: 'postgres' });
    expect((await login(db.masterUser, await sign({ user: db.masterUser }))).error).toEqual({
      code: '28P01',
      message: 'password authentication failed for user "postgres"',
    });
  });

  it('never records a token, a secret or a signature', () => {
    const text = JSON.stringify(db.iam.verifications);
    expect(db.iam.verifications.length).toBeGreaterThan(5);
    for (const c of aws.sts.issued) {
      expect(text).not.toContain(c.secretAccessKey);
      expect(text).not.toContain(c.sessionToken);
    }
    expect(text).not.toMatch(/X-Amz-Signature|[0-9a-f]{64}/);
  });
});

describe("the action's IAM-token preflight against the verifying cluster", () => {
  const session = (c: Creds): AwsSession => ({
    roleArn: DEFAULT_ROLE_ARN,
    env: () => ({}),
    credentials: () => c,
    refreshIfExpiring: () => Promise.resolve(false),
    close: () => Promise.resolve(),
  });
  const run = (c: Creds) =>
    preflightIamAuth({
      endpoint: `${db.host}:${db.port}`,
      database: db.database,
      user: 'atlas_migrator',
      region: REGION,
      session: session(c),
      createdInThisRun: false,
    });

  it('passes with STS-issued credentials', async () => {
    expect((await run(keys(creds))).status).toBe('ok');
  });

  it("maps the PAM refusal (SQLSTATE 28000, RDS's wording) of a token from unknown credentials to the IAM-auth checklist", async () => {
    const result = await run({ accessKeyId: 'ASIA' + 'W'.repeat(16), secretAccessKey: 'x'.repeat(40), sessionToken: 'y'.repeat(40) });
    expect(result.status).toBe('failed');
    expect(result.message).toContain('PAM authentication failed for user "atlas_migrator"');
    expect(result.message).toContain('The database refused the IAM token for "atlas_migrator".');
    expect(renderedText(result.hints.join('\n'))).toContain('must be a member of rds_iam: GRANT rds_iam TO "atlas_migrator"');
    expect(db.iam.verifications.at(-1)).toMatchObject({ user: 'atlas_migrator', ok: false, reason: 'unknown access key id' });
  });
});

describe('verifyRdsIamToken', () => {
  it('checks a token without a database: ok for a fresh token, refused once the clock passes its 15 minutes', async () => {
    const token = await sign();
    const expect_ = { user: 'atlas_migrator', host: db.host, port: db.port, region: REGION };
    const source = () => [keys(creds)];
    expect(await verifyRdsIamToken(token, expect_, source)).toEqual({ ok: true, accessKeyId: creds.accessKeyId });
    expect(await verifyRdsIamToken(token, expect_, source, Date.now() + 901_000)).toEqual({
      ok: false,
      reason: 'the token expired',
      accessKeyId: creds.accessKeyId,
    });
    const elsewhere = await verifyRdsIamToken(token, { ...expect_, host: 'localhost' }, source);
    expect(elsewhere.ok).toBe(false);
    expect(!elsewhere.ok && elsewhere.reason).toContain('signed for endpoint');
  });
});
