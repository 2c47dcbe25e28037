import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT,
  DEFAULT_ROLE_ARN,
  startAwsEndpoints,
  type AwsEndpoints,
  type IssuedCredentials,
} from '../support/aws-endpoints.js';
import { startSecretsManager, type SecretsManagerServer } from '../support/secrets-manager.js';
import { PROVIDER_ENTRY, SEED_FIXTURE } from '../support/terraform.js';

// The loopback Secrets Manager speaks GetSecretValue over JSON 1.1 and authenticates callers
// like AWS: SigV4 with an access key the loopback STS issued, unexpired, with its own session
// token and a signature its secret reproduces. Requests are signed here with the real
// @smithy/signature-v4 (what every AWS SDK client uses), and through the stand-in Atlas
// provider's own atlas.hcl resolution.

const REGION = 'us-east-1';
const OTHER_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/someone-else`;
const MASTER = { username: 'postgres', password: `p${randomBytes(12).toString('base64url')} @/:+&` };
let aws: AwsEndpoints;
let sm: SecretsManagerServer;
let creds: IssuedCredentials;

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const keys = (c: IssuedCredentials): Creds => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  sessionToken: c.sessionToken,
});

async function assumeRole(): Promise<IssuedCredentials> {
  const sts = new STSClient({ region: REGION, endpoint: aws.sts.url, maxAttempts: 1 });
  try {
    await sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: DEFAULT_ROLE_ARN, RoleSessionName: 'sm-test', WebIdentityToken: aws.oidc.mint() }),
    );
  } finally {
    sts.destroy();
  }
  return aws.sts.issued.at(-1) as IssuedCredentials;
}

beforeAll(async () => {
  aws = await startAwsEndpoints();
  sm = await startSecretsManager({ credentials: () => aws.sts.issued, region: REGION });
  sm.putSecret('rds-master', JSON.stringify(MASTER));
  sm.putSecret('other-team', '{"x":1}', { allowedRoleArns: [OTHER_ROLE] });
  creds = await assumeRole();
});
afterAll(async () => {
  await sm?.stop();
  await aws?.stop();
});

interface Reply {
  status: number;
  errorType: string | undefined;
  body: Record<string, unknown>;
}

/** GetSecretValue signed with SigV4; `tamper` changes the request after signing. */
async function getSecretValue(
  secretId: string,
  o: {
    credentials?: Creds;
    region?: string;
    applyChecksum?: boolean;
    tamper?: (r: { headers: Record<string, string>; body: string }) => void;
  } = {},
): Promise<Reply> {
  const url = new URL(sm.url);
  const body = JSON.stringify({ SecretId: secretId });
  const signed = await new SignatureV4({
    service: 'secretsmanager',
    region: o.region ?? REGION,
    credentials: o.credentials ?? keys(creds),
    sha256: Sha256,
    applyChecksum: o.applyChecksum ?? true,
  }).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
  });
  const req = { headers: { ...(signed.headers as Record<string, string>) }, body };
  o.tamper?.(req);
  return new Promise((resolve, reject) => {
    const r = request(url, { method: 'POST', headers: req.headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          errorType: res.headers['x-amzn-errortype'] as string | undefined,
          body: JSON.parse(text) as Record<string, unknown>,
        }),
      );
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

const apiError = (code: string, message: string): Reply => ({
  status: 400,
  errorType: `${code}:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/`,
  body: { __type: code, message },
});

describe('loopback Secrets Manager', () => {
  it('returns the secret to a caller signing with STS-issued credentials', async () => {
    const reply = await getSecretValue('rds-master');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      Name: 'rds-master',
      ARN: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds-master-[0-9a-f]{6}$/) as unknown,
      SecretString: JSON.stringify(MASTER),
      VersionId: expect.any(String) as unknown,
      CreatedDate: expect.any(Number) as unknown,
    });
    // Also by ARN, as gocloud accepts either.
    expect((await getSecretValue(String(reply.body['ARN']))).body['SecretString']).toBe(JSON.stringify(MASTER));
    expect(sm.requests.at(-1)).toEqual({
      target: 'secretsmanager.GetSecretValue',
      secretId: String(reply.body['ARN']),
      accessKeyId: creds.accessKeyId,
      status: 200,
    });
  });

  it('UnrecognizedClientException for an access key STS never issued, or a foreign session token', async () => {
    const stranger = { accessKeyId: 'ASIA' + 'Z'.repeat(16), secretAccessKey: 'x'.repeat(40), sessionToken: 'y'.repeat(40) };
    const invalid = apiError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    expect(await getSecretValue('rds-master', { credentials: stranger })).toEqual(invalid);
    expect(await getSecretValue('rds-master', { credentials: { ...keys(creds), sessionToken: 'IQoJb3JpZ2luX2Vj-not-the-one' } })).toEqual(
      invalid,
    );
  });

  it('InvalidSignatureException for a wrong secret key, a body changed after signing, or another region', async () => {
    const mismatch = apiError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    expect(await getSecretValue('rds-master', { credentials: { ...keys(creds), secretAccessKey: 'wrong'.repeat(8) } })).toEqual(mismatch);
    // A body swapped after signing: caught by the payload hash the SDK signs...
    const swapped = (r: { headers: Record<string, string>; body: string }): void => {
      r.body = JSON.stringify({ SecretId: 'rds-master' }).replace('rds-master', 'rds-mastex');
    };
    expect(await getSecretValue('rds-master', { tamper: swapped })).toEqual({
      ...mismatch,
      body: { ...mismatch.body, message: "The provided 'x-amz-content-sha256' header does not match what was computed." },
    });
    // ...and, when the client signs no payload hash header, by the signature itself.
    expect((await getSecretValue('rds-master', { applyChecksum: false })).status).toBe(200);
    expect(await getSecretValue('rds-master', { applyChecksum: false, tamper: swapped })).toEqual(mismatch);
    expect((await getSecretValue('rds-master', { region: 'eu-west-1' })).body['__type']).toBe('InvalidSignatureException');
  });

  it('ExpiredTokenException once the credential has expired', async () => {
    const shortLived = await assumeRole();
    expect((await getSecretValue('rds-master', { credentials: keys(shortLived) })).status).toBe(200);
    shortLived.expiration = new Date(Date.now() - 1_000);
    expect(await getSecretValue('rds-master', { credentials: keys(shortLived) })).toEqual(
      apiError('ExpiredTokenException', 'The security token included in the request is expired'),
    );
  });

  it('ResourceNotFoundException for a missing secret; AccessDeniedException for a secret the role may not read', async () => {
    expect(await getSecretValue('no-such-secret')).toEqual(
      apiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
    );
    const denied = await getSecretValue('other-team');
    expect(denied.status).toBe(400);
    expect(denied.body['__type']).toBe('AccessDeniedException');
    expect(String(denied.body['message'])).toContain(
      `User: ${creds.assumedRoleArn} is not authorized to perform: secretsmanager:GetSecretValue on resource: other-team`,
    );
  });

  it('records who asked for what, never a secret value or key', () => {
    const text = JSON.stringify(sm.requests);
    expect(sm.requests.length).toBeGreaterThan(8);
    expect(text).not.toContain(MASTER.password);
    for (const c of aws.sts.issued) {
      expect(text).not.toContain(c.secretAccessKey);
      expect(text).not.toContain(c.sessionToken);
    }
  });
});

describe("the stand-in provider's atlas.hcl resolution against it", () => {
  type ResolveEnvUrl = (o: {
    envName: string;
    config: string;
    vars: Record<string, unknown>;
    credentials: Creds;
    env?: NodeJS.ProcessEnv;
  }) => Promise<string>;
  let resolveEnvUrl: ResolveEnvUrl;
  const config = readFileSync(`${SEED_FIXTURE}/atlas.hcl`, 'utf8');
  const vars = {
    endpoint: '127.0.0.1:5999',
    database_name: 'appdb',
    region: REGION,
    master_secret_name: 'rds-master',
    migrator_username: 'atlas_migrator',
    aws_profile: 'tf-sandbox',
  };
  const env = (): NodeJS.ProcessEnv => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url });

  beforeAll(async () => {
    const mod = (await import(pathToFileURL(PROVIDER_ENTRY.replace(/main\.mjs$/, 'atlas-hcl.mjs')).href)) as {
      resolveEnvUrl: ResolveEnvUrl;
    };
    resolveEnvUrl = mod.resolveEnvUrl;
  });

  it('roles: reads the master secret with the credentials and builds the URL with urlescape(password)', async () => {
    const url = await resolveEnvUrl({ envName: 'roles', config, vars, credentials: keys(creds), env: env() });
    // Go's url.QueryEscape: space → "+", "@/:+&" percent-encoded.
    const escaped = MASTER.password.replace(' ', '+').replace('@', '%40').replace('/', '%2F').replace(':', '%3A').replace(/\+&$/, '%2B%26');
    expect(url).toBe(`postgres://postgres:${escaped}@127.0.0.1:5999/appdb?sslmode=require`);
    expect(sm.requests.at(-1)).toMatchObject({ secretId: 'rds-master', accessKeyId: creds.accessKeyId, status: 200 });
  });

  it('roles: a credential the service rejects fails with the service error, as the Go SDK reports it', async () => {
    const stranger = { accessKeyId: 'ASIA' + 'Y'.repeat(16), secretAccessKey: 'x'.repeat(40) };
    await expect(resolveEnvUrl({ envName: 'roles', config, vars, credentials: stranger, env: env() })).rejects.toThrow(
      /^data\.runtimevar\.master_secret: runtimevar \(code=Unknown\): operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: [0-9a-f-]+, api error UnrecognizedClientException: The security token included in the request is invalid\.$/,
    );
  });

  it('schema: an RDS IAM token for migrator_username at the endpoint, signed with the credentials', async () => {
    const url = new URL(await resolveEnvUrl({ envName: 'schema', config, vars, credentials: keys(creds), env: env() }));
    expect(url.username).toBe('atlas_migrator');
    expect(`${url.host}${url.pathname}${url.search}`).toBe('127.0.0.1:5999/appdb?sslmode=require');
    const token = decodeURIComponent(url.password);
    expect(token).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:5999/\\?Action=connect&DBUser=atlas_migrator&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${creds.accessKeyId}%2F\\d{8}%2Fus-east-1%2Frds-db%2Faws4_request&`,
      ),
    );
  });
});
