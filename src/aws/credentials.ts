import * as core from '@actions/core';
import { log, outcome, registerSecret, settle, type Inputs, type Mode } from '../core/index.js';
import { INPUT } from '../inputs/index.js';
import { makeProfileDir, removeProfileFiles, writeProfileFiles, type ProfileFiles, type StaticCredentials } from './profile-files.js';
import {
  decodeTokenClaims,
  errorText,
  explainStsError,
  isRetryableStsError,
  missingOidcMessage,
  stsErrorCode,
  type AssumeContext,
} from './sts-errors.js';
import { backoffMs, sleep } from './backoff.js';

// The one module that talks to GitHub's OIDC service and AWS STS. The credentials it gets are
// handed to Terraform child processes through env() only: nothing is exported to later steps
// and process.env is never modified.

export type { StaticCredentials } from './profile-files.js';

export interface AwsSession {
  /** Variables for Terraform child processes only; never exported to later steps. */
  env(): Record<string, string>;
  /** The assumed role; '' when the credentials already in the environment are used. */
  roleArn: string;
  /** The assumed credentials, for signing RDS tokens in-process; undefined for ambient credentials. */
  credentials(): StaticCredentials | undefined;
  /** When the credentials expire within `withinMs` (default 15 min): new OIDC token, assume again, rewrite profile files. */
  refreshIfExpiring(withinMs?: number): Promise<boolean>;
  /** Removes the temporary profile files. Idempotent; callers call it in `finally`. */
  close(): Promise<void>;
}

/** Knobs for tests; production uses the defaults. */
export interface AwsSessionOptions {
  /** First backoff delay; doubled per attempt, with jitter. */
  retryBaseMs?: number;
  /** Total STS attempts for transient errors (throttling, 5xx, network, IdP communication). */
  maxAttempts?: number;
  now?: () => number;
}

export const DEFAULT_REFRESH_WITHIN_MS = 15 * 60 * 1000;
const DEFAULT_RETRY_BASE_MS = 200;
const DEFAULT_MAX_ATTEMPTS = 4;

export async function openAwsSession(inputs: Inputs, mode: Mode, options: AwsSessionOptions = {}): Promise<AwsSession> {
  const roleArn = mode === 'apply' ? inputs.applyRoleToAssume : inputs.roleToAssume;
  const roleInput = mode === 'apply' ? INPUT.applyRoleToAssume : INPUT.roleToAssume;
  const now = options.now ?? Date.now;
  const region = inputs.awsRegion;
  const profile = inputs.awsProfile;

  if (!roleArn) return openAmbientSession(region, profile);

  const assume = (): Promise<StaticCredentials> =>
    assumeWithOidc(
      { roleArn, roleInput, audience: inputs.audience, durationSeconds: inputs.roleDurationSeconds, claims: {} },
      inputs.roleSessionName,
      region,
      options,
    );

  let creds = await assume();
  const files = profile ? await writeProfile(profile, region, creds) : undefined;
  let closed = false;

  // In plan mode the two roots' plans run side by side, so two refreshes can be asked for
  // together; they share one assume and one rewrite of the profile files (two writers would
  // race on the files).
  let refreshing: Promise<boolean> | undefined;
  const refresh = async (withinMs: number): Promise<boolean> => {
    const expiresAt = creds.expiration?.getTime();
    if (expiresAt === undefined || expiresAt - now() > withinMs) return false;
    log.info(
      `The credentials of ${roleArn} expire at ${new Date(expiresAt).toISOString()}; assuming the role again with a fresh OIDC token.`,
    );
    creds = await assume();
    if (files) await writeProfileFiles(files, profile, region, creds);
    return true;
  };

  const session: AwsSession = {
    roleArn,
    env: () => ({
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
      ...regionEnv(region),
      ...(files ? filesEnv(files) : {}),
    }),
    credentials: () => creds,
    async refreshIfExpiring(withinMs = DEFAULT_REFRESH_WITHIN_MS) {
      if (closed) throw new Error('The AWS session was already closed; open a new one.');
      refreshing ??= refresh(withinMs).finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    async close() {
      closed = true;
      if (files) await removeProfileFiles(files);
    },
  };
  return session;
}

/** Writes the credentials as AWS profile `profile` into temporary files; removes them again if that fails. */
async function writeProfile(profile: string, region: string, creds: StaticCredentials): Promise<ProfileFiles> {
  let files: ProfileFiles | undefined;
  try {
    files = await makeProfileDir();
    await writeProfileFiles(files, profile, region, creds);
    log.info(
      `Wrote the assumed credentials as AWS profile "${profile}" for Terraform and Atlas (temporary files, removed at the end of the run).`,
    );
    warnAboutOtherProfile(profile);
    return files;
  } catch (err) {
    if (files) await removeProfileFiles(files);
    throw new Error(`Could not write the temporary AWS profile "${profile}": ${errorText(err)}`, { cause: err });
  }
}

function regionEnv(region: string): Record<string, string> {
  return { AWS_REGION: region, AWS_DEFAULT_REGION: region };
}

// AWS_PROFILE is deliberately not set: the seed's atlas.hcl names its profile explicitly, and
// setting it would change the default profile of every other AWS tool the roots run.
function filesEnv(files: ProfileFiles): Record<string, string> {
  return { AWS_CONFIG_FILE: files.configFile, AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile };
}

function warnAboutOtherProfile(profile: string): void {
  const other = process.env['AWS_PROFILE'];
  if (other && other !== profile) {
    log.warning(
      `AWS_PROFILE is "${other}" but the temporary AWS config only holds profile "${profile}" (input ${INPUT.awsProfile}); tools that use AWS_PROFILE will not find "${other}". Unset AWS_PROFILE or set ${INPUT.awsProfile}: ${other}.`,
    );
  }
}

/** No role: Terraform uses whatever credentials the job already has. */
async function openAmbientSession(region: string, profile: string): Promise<AwsSession> {
  const env = process.env;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  let files: ProfileFiles | undefined;

  if (profile && accessKeyId && secretAccessKey) {
    registerSecret(accessKeyId);
    registerSecret(secretAccessKey);
    registerSecret(env['AWS_SESSION_TOKEN']);
    const creds: StaticCredentials = { accessKeyId, secretAccessKey };
    if (env['AWS_SESSION_TOKEN']) creds.sessionToken = env['AWS_SESSION_TOKEN'];
    files = await makeProfileDir();
    try {
      await writeProfileFiles(files, profile, region, creds);
    } catch (err) {
      await removeProfileFiles(files);
      throw new Error(`Could not write the temporary AWS profile "${profile}": ${errorText(err)}`, { cause: err });
    }
    log.info(`No role to assume: wrote the job's AWS_ACCESS_KEY_ID credentials as AWS profile "${profile}" for Terraform and Atlas.`);
    warnAboutOtherProfile(profile);
  } else if (profile) {
    log.debug(
      `No role to assume and no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment: leaving the shared AWS config alone; profile "${profile}" must already exist there.`,
    );
  } else {
    log.debug('No role to assume: Terraform uses the AWS credentials already in the environment.');
  }

  return {
    roleArn: '',
    env: () => ({ ...regionEnv(region), ...(files ? filesEnv(files) : {}) }),
    credentials: () => undefined,
    refreshIfExpiring: () => Promise.resolve(false),
    async close() {
      if (files) await removeProfileFiles(files);
    },
  };
}

/** Checked before calling anything: without these variables the job was not granted id-token: write. */
function requireOidcRequest(ctx: AssumeContext): void {
  if (!process.env['ACTIONS_ID_TOKEN_REQUEST_URL'] || !process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']) {
    throw new Error(missingOidcMessage(ctx.roleArn, ctx.roleInput));
  }
}

async function fetchOidcToken(ctx: AssumeContext): Promise<string> {
  requireOidcRequest(ctx);
  let token: string;
  try {
    token = await core.getIDToken(ctx.audience);
  } catch (err) {
    throw new Error(`Could not get a GitHub OIDC token (audience "${ctx.audience}") to assume ${ctx.roleArn}: ${errorText(err)}`, {
      cause: err,
    });
  }
  registerSecret(token);
  return token;
}

/**
 * OIDC token → AssumeRoleWithWebIdentity. Transient failures are retried here with jittered
 * exponential backoff; the SDK's own retries are off (maxAttempts: 1) so that the attempt
 * count and the delays are ours alone and an AccessDenied is never sent twice.
 */
async function assumeWithOidc(
  base: AssumeContext,
  sessionName: string,
  region: string,
  options: AwsSessionOptions,
): Promise<StaticCredentials> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const baseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  requireOidcRequest(base);
  // The STS client (most of the AWS SDK in the bundle, needless when the credentials come from the
  // environment) loads on first use. Node loads that chunk synchronously, so the OIDC request
  // asked for first only gets its DNS lookup done meanwhile (docs/benchmarks.md).
  const asked = settle(fetchOidcToken(base));
  const { AssumeRoleWithWebIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
  let token = await outcome(asked);
  let ctx: AssumeContext = { ...base, claims: decodeTokenClaims(token) };
  let freshTokenTried = false;

  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await client.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: ctx.roleArn,
            RoleSessionName: sessionName,
            WebIdentityToken: token,
            DurationSeconds: ctx.durationSeconds,
          }),
        );
        const creds = toStatic(out.Credentials, ctx.roleArn);
        log.info(
          `Assumed ${ctx.roleArn} (${ctx.roleInput}) as ${out.AssumedRoleUser?.Arn ?? 'an assumed-role session'}; credentials expire at ${creds.expiration?.toISOString() ?? 'an unknown time'}.`,
        );
        log.debug(`OIDC token claims presented: sub=${ctx.claims.sub ?? '?'} aud=${ctx.claims.aud ?? '?'}`);
        return creds;
      } catch (err) {
        const code = stsErrorCode(err);
        // The token lives five minutes; one that expired in transit is replaced once.
        if (code === 'ExpiredToken' && !freshTokenTried) {
          freshTokenTried = true;
          log.info('STS said the OIDC token had expired; requesting a fresh one and trying once more.');
          token = await fetchOidcToken(base);
          ctx = { ...base, claims: decodeTokenClaims(token) };
          continue;
        }
        if (isRetryableStsError(err) && attempt < maxAttempts) {
          const delay = backoffMs(attempt, baseMs);
          log.info(
            `STS AssumeRoleWithWebIdentity failed (${code || errorText(err)}), attempt ${attempt} of ${maxAttempts}; retrying in ${delay} ms.`,
          );
          await sleep(delay);
          continue;
        }
        throw new Error(explainStsError(err, ctx, attempt), { cause: err });
      }
    }
  } finally {
    client.destroy();
  }
}

function toStatic(
  c:
    | {
        AccessKeyId?: string | undefined;
        SecretAccessKey?: string | undefined;
        SessionToken?: string | undefined;
        Expiration?: Date | undefined;
      }
    | undefined,
  roleArn: string,
): StaticCredentials {
  // Registered before anything else can see them.
  registerSecret(c?.AccessKeyId);
  registerSecret(c?.SecretAccessKey);
  registerSecret(c?.SessionToken);
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new Error(`Could not assume role ${roleArn} with OIDC: STS answered without credentials.`);
  }
  const creds: StaticCredentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
  if (c.SessionToken) creds.sessionToken = c.SessionToken;
  if (c.Expiration) creds.expiration = c.Expiration;
  return creds;
}
