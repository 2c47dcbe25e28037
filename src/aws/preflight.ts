import pg from 'pg';
import { iamAuthChecklist, sslHints, unreachableHints } from './hints.js';
import { errorMessage } from '../core/index.js';
import type { AwsSession } from './credentials.js';
import { endpointParts, signRdsToken } from './rds-token.js';
import { roleAccount } from './sts-errors.js';

// Before the schema root runs, prove that the migration user can log in with an IAM token the
// way Atlas will (TLS, token as password), so the failure names its cause instead of surfacing
// as "PAM authentication failed" deep inside a Terraform diagnostic.

export interface PreflightOptions {
  /** host:port */
  endpoint: string;
  database: string;
  user: string;
  region: string;
  session: AwsSession;
  /** The roles root of this run creates the user (first bootstrap): it cannot log in yet. */
  createdInThisRun: boolean;
  /** Connect timeout; 10 s unless a test needs less. */
  connectTimeoutMs?: number;
}

export interface PreflightResult {
  status: 'ok' | 'skipped' | 'failed';
  message: string;
  hints: string[];
}

/** Logs nothing itself: the caller shows the message (a notice when skipped) and the hints. */
export async function preflightIamAuth(opts: PreflightOptions): Promise<PreflightResult> {
  const target = `${opts.user}@${opts.endpoint}/${opts.database}`;
  if (opts.createdInThisRun) {
    const message = `IAM-token preflight skipped: "${opts.user}" was created by the roles root of this run (first bootstrap), so the schema root's own login is its first IAM login; an IAM failure shows there, with the same checklist.`;
    return { status: 'skipped', message, hints: [] };
  }

  let config: pg.ClientConfig;
  try {
    config = await rdsIamClientConfig(opts);
  } catch (err) {
    return {
      status: 'failed',
      message: `IAM-token preflight for ${target} failed: ${errorMessage(err)}`,
      hints: ['The action needs AWS credentials to sign the token: set `role-to-assume`, or provide credentials in an earlier step.'],
    };
  }

  const client = new pg.Client(config);
  // A socket error after connect() resolved must not crash the process.
  client.on('error', () => undefined);

  try {
    await client.connect();
    const rows = await client.query<{ current_user: string; in_rds_iam: boolean }>(
      "SELECT current_user, pg_has_role(current_user, 'rds_iam', 'MEMBER') AS in_rds_iam",
    );
    return judgeLogin(rows.rows[0], opts);
  } catch (err) {
    return diagnoseConnectError(err, { ...opts, roleArn: opts.session.roleArn });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Where and as whom to log in with an IAM token: the preflight's, and the live-facts reads'. */
export type IamLogin = Pick<PreflightOptions, 'endpoint' | 'database' | 'user' | 'region' | 'session' | 'connectTimeoutMs'>;

/**
 * The connection the way Atlas logs in: a fresh RDS IAM token as the password, over TLS.
 * Throws when the token cannot be signed (no credentials). One builder for every IAM login.
 */
export async function rdsIamClientConfig(opts: IamLogin): Promise<pg.ClientConfig> {
  const token = await signRdsToken({
    endpoint: opts.endpoint,
    user: opts.user,
    region: opts.region,
    credentials: opts.session.credentials(),
  });
  const { host, port } = endpointParts(opts.endpoint);
  return {
    host,
    port,
    database: opts.database,
    user: opts.user,
    password: token,
    // libpq sslmode=require: encrypt, but do not verify the certificate. pg's own parser maps
    // a connection string's sslmode=require to full verification, hence the object.
    ssl: { rejectUnauthorized: false },
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    query_timeout: 10_000,
  };
}

/** Pure: the login worked; is the user one RDS will accept IAM tokens for? */
export function judgeLogin(
  row: { current_user: string; in_rds_iam: boolean } | undefined,
  ctx: Pick<ConnectContext, 'endpoint' | 'database' | 'user'>,
): PreflightResult {
  if (!row?.in_rds_iam) {
    return {
      status: 'failed',
      message: `IAM-token preflight for ${ctx.user}@${ctx.endpoint}/${ctx.database}: connected as "${row?.current_user ?? ctx.user}", which is not a member of rds_iam, so RDS will not accept its IAM tokens.`,
      hints: [
        `Grant it in the roles HCL (role "${ctx.user}" { member_of = [role.rds_iam] }), which plans GRANT rds_iam TO "${ctx.user}"; then apply the roles root.`,
      ],
    };
  }
  return {
    status: 'ok',
    message: `IAM-token preflight passed: ${row.current_user} logged in to ${ctx.endpoint}/${ctx.database} over TLS with an IAM token and is a member of rds_iam.`,
    hints: [],
  };
}

export interface ConnectContext {
  endpoint: string;
  database: string;
  user: string;
  region: string;
  roleArn: string;
}

/** Pure: a failed connection or query → its likely cause and the fixes. */
export function diagnoseConnectError(err: unknown, ctx: ConnectContext): PreflightResult {
  const text = errorMessage(err);
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const target = `${ctx.user}@${ctx.endpoint}/${ctx.database}`;
  const head = `IAM-token preflight for ${target} failed: ${text}`;
  const account = roleAccount(ctx.roleArn);

  // RDS's PAM refusal of a token is SQLSTATE 28000 (only password methods use 28P01), so match the text.
  if (code === '28P01' || /\b(?:PAM|LDAP|RADIUS|password) authentication failed/i.test(text)) {
    return {
      status: 'failed',
      message: `${head}\nThe database refused the IAM token for "${ctx.user}".`,
      hints: iamAuthChecklist(ctx.user, ctx.region, account),
    };
  }
  // "no pg_hba.conf entry for ..., no encryption" (rds.force_ssl) or "pg_hba.conf rejects
  // connection for ..., no encryption" (an explicit hostnossl reject rule).
  const noTlsRule = /pg_hba\.conf/i.test(text) && /no encryption|SSL off/i.test(text);
  if (noTlsRule || /server does not support SSL|SSL is not enabled on the server/i.test(text)) {
    return { status: 'failed', message: `${head}\nThe connection was refused for lack of TLS.`, hints: sslHints() };
  }
  if (/no pg_hba\.conf entry/i.test(text)) {
    return {
      status: 'failed',
      message: `${head}\nThe server has no rule admitting this user from the runner's address.`,
      hints: [
        'On RDS this usually means the instance is not configured for IAM authentication of this user; check the checklist below.',
        ...iamAuthChecklist(ctx.user, ctx.region, account),
      ],
    };
  }
  if (
    /^(ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET)$/.test(String(code)) ||
    /timeout|timed out|Connection terminated unexpectedly/i.test(text)
  ) {
    return { status: 'failed', message: `${head}\nThe database could not be reached.`, hints: unreachableHints(ctx.endpoint) };
  }
  if (code === '3D000') {
    return {
      status: 'failed',
      message: `${head}\nThe database "${ctx.database}" does not exist on this instance.`,
      hints: ['Set the `db-name` input to the database that atlas.hcl connects to (TF_VAR_database_name).'],
    };
  }
  if (/role "rds_iam" does not exist/i.test(text)) {
    return {
      status: 'failed',
      message: `${head}\nThis server has no rds_iam role: it is not an RDS PostgreSQL instance, so IAM authentication cannot work here.`,
      hints: ['Point db-endpoint at the RDS instance, or leave db-endpoint empty to skip the preflight.'],
    };
  }
  return { status: 'failed', message: head, hints: [] };
}
