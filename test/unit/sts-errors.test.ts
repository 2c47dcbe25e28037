import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/aws/backoff.js';
import { renderProfileFiles } from '../../src/aws/profile-files.js';
import { decodeTokenClaims, explainStsError, isRetryableStsError, stsErrorCode } from '../../src/aws/sts-errors.js';

function jwt(payload: object): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('decodeTokenClaims', () => {
  it('reads sub and aud from the payload', () => {
    expect(decodeTokenClaims(jwt({ sub: 'repo:o/r:pull_request', aud: 'sts.amazonaws.com', iss: 'x' }))).toEqual({
      sub: 'repo:o/r:pull_request',
      aud: 'sts.amazonaws.com',
    });
    expect(decodeTokenClaims(jwt({ sub: 's', aud: ['a', 'b'] }))).toEqual({ sub: 's', aud: 'a, b' });
  });

  it('returns no claims for something that is not a JWT', () => {
    expect(decodeTokenClaims('not-a-token')).toEqual({});
    expect(decodeTokenClaims('a.!!!.c')).toEqual({});
  });
});

describe('the AccessDenied hint says which form of sub the token carried', () => {
  const denied = { name: 'AccessDenied', Code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' };
  const explain = (token: string): string =>
    explainStsError(denied, {
      roleArn: 'arn:aws:iam::123456789012:role/atlas-plan',
      roleInput: 'role-to-assume',
      audience: 'sts.amazonaws.com',
      durationSeconds: 3600,
      claims: decodeTokenClaims(token),
    });

  it('the immutable form: its IDs, and that a policy without them refuses it; the statement to paste has this sub', () => {
    const sub = 'repo:octo-org@1234/octo-repo@5678:ref:refs/heads/main';
    const message = explain(jwt({ sub, aud: 'sts.amazonaws.com' }));
    expect(message).toContain(`  sub = ${sub}\n`);
    expect(message).toContain(
      'This sub is in the immutable form (repo:OWNER@OWNER_ID/REPO@REPO_ID:…; owner ID 1234, repository ID 5678), which GitHub uses for repositories created or renamed on or after 2026-07-15: a trust policy that names repo:octo-org/octo-repo:… without the IDs refuses it.',
    );
    expect(message).toContain(`"token.actions.githubusercontent.com:sub": "${sub}"`);
  });

  it('the name form, a custom template, and the sub of each kind of job in both forms', () => {
    const named = explain(jwt({ sub: 'repo:octo-org/octo-repo:pull_request', aud: 'sts.amazonaws.com' }));
    expect(named).toContain(
      'This sub is in the name form (repo:OWNER/REPO:…). Repositories created or renamed on or after 2026-07-15 get the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID:… instead',
    );
    expect(named).toContain('a job with an environment "repo:ORG/REPO:environment:<name>", whatever the event.');
    expect(named).toContain('With immutable subject claims the repository part is "ORG@ORG_ID/REPO@REPO_ID" instead of "ORG/REPO".');
    const custom = explain(jwt({ sub: 'repo:octo-org/octo-repo:environment:prod:job_workflow_ref:x', aud: 'a' }));
    expect(custom).toContain('This sub is in the name form');
    expect(explain(jwt({ sub: 'project:acme:env:prod', aud: 'a' }))).toContain('customises its OIDC subject claim template');
  });
});

describe('STS error classification', () => {
  const sdkError = (name: string, code: string, status: number): object => ({
    name,
    Code: code,
    message: 'm',
    $metadata: { httpStatusCode: status },
  });

  it('normalises the SDK exception names to the service error codes', () => {
    expect(stsErrorCode(sdkError('ExpiredTokenException', 'ExpiredTokenException', 400))).toBe('ExpiredToken');
    expect(stsErrorCode({ name: 'IDPCommunicationErrorException' })).toBe('IDPCommunicationError');
    expect(stsErrorCode(sdkError('AccessDenied', 'AccessDenied', 403))).toBe('AccessDenied');
  });

  it('retries throttling, IdP communication, 5xx and network errors only', () => {
    expect(isRetryableStsError(sdkError('Throttling', 'Throttling', 400))).toBe(true);
    expect(isRetryableStsError(sdkError('IDPCommunicationErrorException', 'IDPCommunicationError', 400))).toBe(true);
    expect(isRetryableStsError(sdkError('InternalFailure', 'InternalFailure', 500))).toBe(true);
    expect(isRetryableStsError(sdkError('Unknown', 'Unknown', 503))).toBe(true);
    expect(isRetryableStsError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);

    expect(isRetryableStsError(sdkError('AccessDenied', 'AccessDenied', 403))).toBe(false);
    expect(isRetryableStsError(sdkError('InvalidIdentityTokenException', 'InvalidIdentityToken', 400))).toBe(false);
    expect(isRetryableStsError(sdkError('ValidationError', 'ValidationError', 400))).toBe(false);
    // Even if a proxy turned it into a 5xx, a trust-policy refusal cannot change on retry.
    expect(isRetryableStsError(sdkError('AccessDenied', 'AccessDenied', 500))).toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles per attempt and keeps at least half of the step', () => {
    expect(backoffMs(1, 200, () => 0)).toBe(100);
    expect(backoffMs(1, 200, () => 1)).toBe(200);
    expect(backoffMs(3, 200, () => 0)).toBe(400);
    expect(backoffMs(3, 200, () => 1)).toBe(800);
  });
});

describe('renderProfileFiles', () => {
  const creds = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'sek', sessionToken: 'tok' };

  it('writes a named profile the way the AWS SDKs read it', () => {
    expect(renderProfileFiles('tf-sandbox', 'us-east-1', creds)).toEqual({
      config: '[profile tf-sandbox]\nregion = us-east-1\n',
      credentials: '[tf-sandbox]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = sek\naws_session_token = tok\n',
    });
  });

  it('writes the default profile without the "profile" prefix', () => {
    expect(renderProfileFiles('default', 'eu-west-1', creds).config).toBe('[default]\nregion = eu-west-1\n');
  });

  it('refuses a name that would break the file format', () => {
    expect(() => renderProfileFiles('a]\n[b', 'us-east-1', creds)).toThrow(/Input "aws-profile"/);
  });
});
