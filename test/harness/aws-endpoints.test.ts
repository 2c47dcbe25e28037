import { getIDToken } from '@actions/core';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_ARN, decodeJwt, startAwsEndpoints, type AwsEndpoints } from '../support/aws-endpoints.js';

// The real @actions/core and @aws-sdk/client-sts, configured only through the environment
// variables a runner (and the action) would use, against the loopback services.

let aws: AwsEndpoints;
const saved = { ...process.env };
const originalWrite = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  const t0 = Date.now();
  aws = await startAwsEndpoints();
  console.log(`startAwsEndpoints took ${Date.now() - t0} ms`);
  Object.assign(process.env, aws.env(), { AWS_EC2_METADATA_DISABLED: 'true' });
  // getIDToken masks the token with ::add-mask::, which vitest would print.
  process.stdout.write = (chunk: unknown, ...rest: never[]) =>
    String(chunk).startsWith('::add-mask::') ? true : originalWrite(chunk as string, ...rest);
});
afterAll(async () => {
  process.stdout.write = originalWrite;
  process.env = saved;
  await aws?.stop();
});
afterEach(() => {
  aws.oidc.requests.length = 0;
  aws.sts.requests.length = 0;
  aws.sts.credentialLifetimeSeconds = undefined;
});

function sts(): STSClient {
  // No endpoint option: the SDK must pick AWS_ENDPOINT_URL_STS up by itself.
  return new STSClient({ region: 'us-east-1', maxAttempts: 1 });
}

function assume(token: string, extra: { RoleArn?: string; DurationSeconds?: number } = {}) {
  return sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: DEFAULT_ROLE_ARN,
      RoleSessionName: 'GitHubActions-8110000001',
      WebIdentityToken: token,
      ...extra,
    }),
  );
}

describe('OIDC issuer', () => {
  it('hands @actions/core getIDToken a signed JWT with GitHub’s claims', async () => {
    const token = await getIDToken('sts.amazonaws.com');
    const claims = aws.oidc.verify(token);
    expect(claims).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'sts.amazonaws.com',
      sub: 'repo:octo-org/octo-repo:pull_request',
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      event_name: 'pull_request',
      job_workflow_ref: expect.stringContaining('.github/workflows/') as unknown,
      jti: expect.any(String) as unknown,
    });
    const now = Date.now() / 1000;
    expect(Number(claims?.exp)).toBeGreaterThan(now);
    expect(Number(claims?.nbf)).toBeLessThanOrEqual(now);
    expect(aws.oidc.requests).toEqual([{ audience: 'sts.amazonaws.com', authorized: true, status: 200 }]);
    expect(aws.oidc.requestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.+\/idtoken\?api-version=2\.0$/);
  });

  it('refuses a wrong request token with 401', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'wrong';
    try {
      await expect(getIDToken('sts.amazonaws.com')).rejects.toThrow(/Error Code : 401/);
    } finally {
      process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = aws.oidc.requestToken;
    }
    expect(aws.oidc.requests).toEqual([{ audience: 'sts.amazonaws.com', authorized: false, status: 401 }]);
  });

  it('injects faults: 500 fails the call, 503 is retried by the client', async () => {
    aws.oidc.failNext(500);
    await expect(getIDToken('sts.amazonaws.com')).rejects.toThrow(/Error Code : 500/);
    aws.oidc.failNext(503, 2);
    await expect(getIDToken('sts.amazonaws.com')).resolves.toMatch(/^ey/);
    expect(aws.oidc.requests.map((r) => r.status)).toEqual([500, 503, 503, 200]);
  });
});

describe('STS', () => {
  it('AssumeRoleWithWebIdentity via AWS_ENDPOINT_URL_STS returns credentials the SDK parses', async () => {
    const token = await getIDToken('sts.amazonaws.com');
    const out = await assume(token, { DurationSeconds: 1800 });
    const issued = aws.sts.issued.at(-1);
    expect(out.Credentials).toEqual({
      AccessKeyId: issued?.accessKeyId,
      SecretAccessKey: issued?.secretAccessKey,
      SessionToken: issued?.sessionToken,
      Expiration: expect.any(Date) as unknown,
    });
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    const lifetime = (out.Credentials!.Expiration!.getTime() - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(1790);
    expect(lifetime).toBeLessThanOrEqual(1800);
    expect(out.SubjectFromWebIdentityToken).toBe('repo:octo-org/octo-repo:pull_request');
    expect(out.Audience).toBe('sts.amazonaws.com');
    expect(out.Provider).toBe('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::123456789012:assumed-role/atlas-ci/GitHubActions-8110000001');
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(aws.sts.requests).toEqual([
      {
        action: 'AssumeRoleWithWebIdentity',
        roleArn: DEFAULT_ROLE_ARN,
        roleSessionName: 'GitHubActions-8110000001',
        durationSeconds: 1800,
        sub: 'repo:octo-org/octo-repo:pull_request',
        aud: 'sts.amazonaws.com',
        status: 200,
      },
    ]);

    const who = await new STSClient({
      region: 'us-east-1',
      credentials: {
        accessKeyId: issued!.accessKeyId,
        secretAccessKey: issued!.secretAccessKey,
        sessionToken: issued!.sessionToken,
      },
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(issued?.assumedRoleArn);
    expect(who.Account).toBe('123456789012');
  });

  it('credential lifetime can be shortened for expiry tests', async () => {
    aws.sts.credentialLifetimeSeconds = 300;
    const out = await assume(aws.oidc.mint());
    const lifetime = (out.Credentials!.Expiration!.getTime() - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(290);
    expect(lifetime).toBeLessThanOrEqual(300);
  });

  it('enforces the role trust rule on sub, the provider audience, expiry and MaxSessionDuration', async () => {
    aws.sts.addRole({ arn: 'arn:aws:iam::123456789012:role/main-only', subjectPattern: 'repo:octo-org/octo-repo:ref:refs/heads/main' });
    await expect(assume(aws.oidc.mint(), { RoleArn: 'arn:aws:iam::123456789012:role/main-only' })).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      assume(aws.oidc.mint({ sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }), {
        RoleArn: 'arn:aws:iam::123456789012:role/main-only',
      }),
    ).resolves.toBeDefined();
    await expect(assume(aws.oidc.mint({}, { audience: 'https://github.com/octo-org' }))).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
      message: 'Incorrect token audience',
    });
    await expect(assume(aws.oidc.mint({}, { lifetimeSeconds: -10 }))).rejects.toMatchObject({
      name: 'ExpiredTokenException',
      message: expect.stringMatching(/^Token expired: current date\/time \d+/) as unknown,
    });
    await expect(assume(aws.oidc.mint(), { DurationSeconds: 7200 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    const forged = aws.oidc.mint().replace(/\.[^.]+$/, '.AAAA');
    await expect(assume(forged)).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
    expect(decodeJwt(forged)?.sub).toBe('repo:octo-org/octo-repo:pull_request');
  });

  it('injects faults in the real ErrorResponse shape', async () => {
    const token = aws.oidc.mint();
    const cases = [
      ['AccessDenied', 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
      ['Throttling', 'Throttling', 400, 'Rate exceeded'],
      ['ExpiredTokenException', 'ExpiredTokenException', 400, expect.stringContaining('Token expired') as unknown],
      [
        'InvalidIdentityToken',
        'InvalidIdentityTokenException',
        400,
        'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
      ],
      ['IDPCommunicationError', 'IDPCommunicationErrorException', 400, expect.stringContaining('verification key') as unknown],
      ['InternalFailure', 'InternalFailure', 500, 'An internal error occurred.'],
    ] as const;
    for (const [fault, name, status, message] of cases) {
      aws.sts.failNext(fault);
      await expect(assume(token)).rejects.toMatchObject({ name, message, $metadata: { httpStatusCode: status } });
    }
    expect(aws.sts.requests.map((r) => r.errorCode)).toEqual([
      'AccessDenied',
      'Throttling',
      'ExpiredTokenException',
      'InvalidIdentityToken',
      'IDPCommunicationError',
      'InternalFailure',
    ]);
  });

  it('a throttled call succeeds on the SDK’s own retry', async () => {
    aws.sts.failNext('Throttling', 1);
    const client = new STSClient({ region: 'us-east-1' }); // default: 3 attempts
    const out = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: DEFAULT_ROLE_ARN,
        RoleSessionName: 'retry',
        WebIdentityToken: aws.oidc.mint(),
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(aws.sts.requests.map((r) => r.status)).toEqual([400, 200]);
  });
});
