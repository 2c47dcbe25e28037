import { INPUT } from '../inputs/index.js';

// Pure: what an STS or OIDC failure means and what the user should change. No I/O here, so
// every message can be tested without a server.

export const OIDC_ISSUER_HOST = 'token.actions.githubusercontent.com';

export const PERMISSIONS_BLOCK = ['permissions:', '  id-token: write', '  contents: read', '  pull-requests: write'].join('\n');

/** Context an STS error message needs. Never holds the token itself. */
export interface AssumeContext {
  roleArn: string;
  /** The input that named the role: role-to-assume (plan) or apply-role-to-assume (apply). */
  roleInput: string;
  audience: string;
  durationSeconds: number;
  claims: TokenClaims;
}

export interface TokenClaims {
  sub?: string;
  aud?: string;
}

/**
 * Reads `sub` and `aud` from a JWT's payload without verifying it: the values only go into an
 * error message, and STS is the one that decides. The token itself is never returned.
 */
export function decodeTokenClaims(jwt: string): TokenClaims {
  const payload = jwt.split('.')[1];
  if (!payload) return {};
  try {
    const json: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof json !== 'object' || json === null) return {};
    const { sub, aud } = json as Record<string, unknown>;
    const claims: TokenClaims = {};
    if (typeof sub === 'string') claims.sub = sub;
    if (typeof aud === 'string') claims.aud = aud;
    else if (Array.isArray(aud)) claims.aud = aud.filter((a) => typeof a === 'string').join(', ');
    return claims;
  } catch {
    return {};
  }
}

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? err : {};
}

/**
 * The STS error code as the service spells it in its XML (`AccessDenied`, `Throttling`,
 * `InvalidIdentityToken`, ...). The SDK puts it in `Code` and names its exception classes
 * with an `Exception` suffix, which is dropped so both spellings compare equal.
 */
export function stsErrorCode(err: unknown): string {
  const e = shape(err);
  // Network failures carry only Node's errno code (ECONNREFUSED, ...) and the name "Error".
  const raw = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : '';
  return raw.endsWith('Exception') ? raw.slice(0, -'Exception'.length) : raw;
}

export function errorText(err: unknown): string {
  const e = shape(err);
  if (typeof e.message === 'string' && e.message) return e.message;
  return String(err);
}

const RETRYABLE_CODES = new Set([
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequests',
  'IDPCommunicationError',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'TimeoutError',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/** Decisions that cannot change on a retry (trust policy, audience, duration) are never retryable. */
const NEVER_RETRY = new Set([
  'AccessDenied',
  'InvalidIdentityToken',
  'ValidationError',
  'IDPRejectedClaim',
  'ExpiredToken',
  'MalformedPolicyDocument',
  'RegionDisabled',
]);

export function isRetryableStsError(err: unknown): boolean {
  const code = stsErrorCode(err);
  if (NEVER_RETRY.has(code)) return false;
  if (RETRYABLE_CODES.has(code)) return true;
  const e = shape(err);
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** The 12-digit account of an IAM role ARN; undefined when there is none (ambient credentials). */
export function roleAccount(roleArn: string): string | undefined {
  return /^arn:aws[-a-z]*:iam::(\d{12}):/.exec(roleArn)?.[1];
}

function accountOf(roleArn: string): string {
  return roleAccount(roleArn) ?? '<account-id>';
}

function partitionOf(roleArn: string): string {
  return /^arn:(aws[-a-z]*):/.exec(roleArn)?.[1] ?? 'aws';
}

function trustPolicyStatement(ctx: AssumeContext): string {
  const provider = `arn:${partitionOf(ctx.roleArn)}:iam::${accountOf(ctx.roleArn)}:oidc-provider/${OIDC_ISSUER_HOST}`;
  const sub = ctx.claims.sub ?? 'repo:<org>/<repo>:<context>';
  return [
    '{',
    '  "Effect": "Allow",',
    `  "Principal": { "Federated": "${provider}" },`,
    '  "Action": "sts:AssumeRoleWithWebIdentity",',
    '  "Condition": {',
    `    "StringEquals": { "${OIDC_ISSUER_HOST}:aud": "${ctx.audience}" },`,
    `    "StringLike": { "${OIDC_ISSUER_HOST}:sub": "${sub}" }`,
    '  }',
    '}',
  ].join('\n');
}

/** `repo:OWNER/REPO:…`, or with immutable subject claims `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`. */
const SUBJECT = /^repo:([^/:@]+)(?:@(\d+))?\/([^/:@]+)(?:@(\d+))?:/;

/**
 * Which form of `sub` the token carried, and what that means for the trust policy: GitHub
 * gives repositories created or renamed on or after 2026-07-15 the immutable form, and a
 * policy written for one form refuses the other.
 */
export function subjectForm(sub: string | undefined): string {
  const m = sub === undefined ? null : SUBJECT.exec(sub);
  if (!m) {
    return 'This sub does not start with repo:OWNER/REPO: the organisation or repository customises its OIDC subject claim template, and the trust policy must match that template.';
  }
  const [, owner, ownerId, repo, repoId] = m;
  if (ownerId && repoId) {
    return `This sub is in the immutable form (repo:OWNER@OWNER_ID/REPO@REPO_ID:…; owner ID ${ownerId}, repository ID ${repoId}), which GitHub uses for repositories created or renamed on or after 2026-07-15: a trust policy that names repo:${owner}/${repo}:… without the IDs refuses it.`;
  }
  return `This sub is in the name form (repo:OWNER/REPO:…). Repositories created or renamed on or after 2026-07-15 get the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID:… instead, and a trust policy written only for that form refuses this one.`;
}

/** One message per failure mode: what was attempted, what STS said, what to change. */
export function explainStsError(err: unknown, ctx: AssumeContext, attempts = 1): string {
  const code = stsErrorCode(err);
  const text = errorText(err);
  const head = `Could not assume role ${ctx.roleArn} (input ${ctx.roleInput}) with OIDC: ${code ? `${code}: ` : ''}${text}`;

  if (code === 'AccessDenied') {
    return [
      head,
      `The role's trust policy does not accept this run's GitHub OIDC token, whose claims are:`,
      `  sub = ${ctx.claims.sub ?? '(could not be read from the token)'}`,
      `  aud = ${ctx.claims.aud ?? '(could not be read from the token)'}`,
      subjectForm(ctx.claims.sub),
      `Fix: the trust policy of ${ctx.roleArn} must allow ${OIDC_ISSUER_HOST}:sub = "${ctx.claims.sub ?? '<sub above>'}" and ${OIDC_ISSUER_HOST}:aud = "${ctx.audience}", for example:`,
      trustPolicyStatement(ctx),
      'Pull requests present sub "repo:ORG/REPO:pull_request"; runs on a branch (push, schedule, workflow_dispatch) "repo:ORG/REPO:ref:refs/heads/<branch>"; a job with an environment "repo:ORG/REPO:environment:<name>", whatever the event. With immutable subject claims the repository part is "ORG@ORG_ID/REPO@REPO_ID" instead of "ORG/REPO".',
    ].join('\n');
  }
  if (code === 'InvalidIdentityToken' && /No OpenIDConnect provider found/i.test(text)) {
    return [
      head,
      `Fix: account ${accountOf(ctx.roleArn)} has no IAM OIDC identity provider for https://${OIDC_ISSUER_HOST}. Create it once per account, with "${ctx.audience}" as its audience (client ID):`,
      `  aws iam create-open-id-connect-provider --url https://${OIDC_ISSUER_HOST} --client-id-list ${ctx.audience}`,
    ].join('\n');
  }
  if (code === 'InvalidIdentityToken' && /audience/i.test(text)) {
    return [
      head,
      `Fix: the token's audience is "${ctx.audience}" (the \`${INPUT.audience}\` input) but the IAM OIDC provider for ${OIDC_ISSUER_HOST} in account ${accountOf(ctx.roleArn)} does not list it among its client IDs (audiences). Either add it:`,
      `  aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn arn:${partitionOf(ctx.roleArn)}:iam::${accountOf(ctx.roleArn)}:oidc-provider/${OIDC_ISSUER_HOST} --client-id ${ctx.audience}`,
      `or set the \`${INPUT.audience}\` input to one the provider lists (the usual one is sts.amazonaws.com).`,
    ].join('\n');
  }
  if (code === 'ValidationError' && /DurationSeconds|MaxSessionDuration/i.test(text)) {
    const roleName = ctx.roleArn.split('/').pop() ?? '<role-name>';
    return [
      head,
      `Fix: ${INPUT.roleDurationSeconds} is ${ctx.durationSeconds}, more than the role's maximum session duration. Lower the \`${INPUT.roleDurationSeconds}\` input, or raise the role's MaxSessionDuration (up to 43200):`,
      `  aws iam update-role --role-name ${roleName} --max-session-duration ${ctx.durationSeconds}`,
    ].join('\n');
  }
  if (code === 'ExpiredToken') {
    return `${head}\nThe GitHub OIDC token was already expired when STS checked it, even after fetching a fresh one. Check the runner's clock.`;
  }
  if (attempts > 1) {
    return `${head} (gave up after ${attempts} attempts; this looked transient, so re-running the job may succeed)`;
  }
  return head;
}

/** The job was not given an OIDC token: only the workflow's permissions can fix that. */
export function missingOidcMessage(roleArn: string, roleInput: string): string {
  return [
    `Could not assume role ${roleArn} (input ${roleInput}) with OIDC: this job has no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set).`,
    'Fix: allow the workflow to request one by adding this block to the workflow, or to the job (a job-level `permissions:` replaces the workflow-level one entirely):',
    '',
    PERMISSIONS_BLOCK,
    '',
    'Pull requests from forks never receive an OIDC token; the action skips those runs.',
  ].join('\n');
}
