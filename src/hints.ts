// Pure: remedies for credential and connection errors that Terraform or Atlas print. The
// preflight (aws/preflight.ts) reuses the same checklists, so a user sees one wording.

export interface HintContext {
  /** The aws-profile input ('' when unset). */
  awsProfile: string;
  /** The db-user input (default atlas_migrator). */
  dbUser: string;
  region: string;
  /** Account of the assumed role, when known, to spell out the rds-db:connect ARN. */
  account?: string;
}

/** Why an IAM-token login fails, most common cause first. */
export function iamAuthChecklist(user: string, region: string, account = '<account-id>'): string[] {
  return [
    `"${user}" must be a member of rds_iam: GRANT rds_iam TO "${user}"; (the roles root does this when its HCL says member_of = [role.rds_iam], so apply the roles root first).`,
    `The IAM role must allow rds-db:connect on arn:aws:rds-db:${region}:${account}:dbuser:<DbiResourceId>/${user}. <DbiResourceId> is the instance's resource id (db-XXXXXXXXXXXXXXXXXXXXXXXXXX, from \`aws rds describe-db-instances --query "DBInstances[].DbiResourceId"\`), not the instance name.`,
    'IAM database authentication must be enabled on the instance (`aws rds modify-db-instance --db-instance-identifier <name> --enable-iam-database-authentication --apply-immediately`).',
    'The token must be signed for the same host, port and region the client connects to (the endpoint in TF_VAR_endpoint / db-endpoint and aws-region); a token for another endpoint, port, proxy or region is refused.',
  ];
}

export function sslHints(): string[] {
  return [
    "RDS IAM authentication requires TLS: connect with sslmode=require (the seed's atlas.hcl URLs end in ?sslmode=require).",
    'If the instance has rds.force_ssl = 1, non-TLS connections are refused; if the server does not offer TLS at all, check that the endpoint is the RDS instance and not a proxy that strips it.',
  ];
}

export function unreachableHints(endpoint: string): string[] {
  return [
    `The database at ${endpoint} did not answer. Check the endpoint for typos (host and port, e.g. mydb.abc123.us-east-1.rds.amazonaws.com:5432).`,
    "The instance's security group must allow inbound TCP on its port from the runner; GitHub-hosted runners reach only publicly accessible instances, otherwise use a self-hosted runner inside the VPC.",
  ];
}

export function credentialsHints(ctx: HintContext): string[] {
  return [
    'No usable AWS credentials reached Terraform/Atlas. Set `role-to-assume` (with `permissions: id-token: write`) so the action assumes a role with GitHub OIDC, or configure credentials in an earlier step.',
    ctx.awsProfile
      ? `atlas.hcl reads credentials through profile "${ctx.awsProfile}"; the action writes it only when it has credentials (an assumed role, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the job).`
      : 'If atlas.hcl names an AWS profile (profile = var.aws_profile), also set the `aws-profile` input to that name.',
  ];
}

export function expiredHints(): string[] {
  return [
    "The AWS credentials expired during the run. The action assumes the role again before a root starts when fewer than 15 minutes remain, but one root that runs longer than the session needs a larger `role-duration-seconds` (and the role's MaxSessionDuration).",
  ];
}

export function lockHints(): string[] {
  return [
    'Another run holds the Terraform state lock. Give the job a `concurrency:` group per database (e.g. `concurrency: database-prod`) so runs queue instead of racing, or raise the `lock-timeout` input so this run waits longer.',
    'If no run is active, a crashed run left the lock behind: remove it with `terraform force-unlock <LOCK_ID>` (the ID is in the error).',
  ];
}

const MISSING_PROFILE = /failed to get shared config profile,\s*"?([^\s"',]+)/i;
// RDS refuses an IAM token with "PAM authentication failed for user"; PostgreSQL's other
// external methods (LDAP, RADIUS...) and plain passwords say "<method> authentication failed".
const AUTH_FAILED = /\b(?:PAM|LDAP|RADIUS|password) authentication failed for user "?([^\s"]+)"?/i;
const NO_CREDENTIALS =
  /NoCredentialProviders|no EC2 IMDS role found|no valid credential sources|failed to refresh cached credentials|Unable to locate credentials|Could not load credentials/i;
const EXPIRED = /ExpiredToken|security token included in the request is expired/i;
const STATE_LOCK = /Error acquiring the state lock/i;
const NO_SSL =
  /pg_hba\.conf (?:entry|rejects connection) for .*(?:no encryption|SSL off)|server does not support SSL|SSL is not enabled on the server/i;
const UNREACHABLE = /connection refused|i\/o timeout|no such host|ECONNREFUSED|ETIMEDOUT|ENOTFOUND/i;

/** Remedies for what a failed Terraform/Atlas run printed; [] when nothing is recognised. */
export function hintsFor(text: string, ctx: HintContext): string[] {
  const hints: string[] = [];

  const profile = MISSING_PROFILE.exec(text)?.[1];
  if (profile !== undefined) {
    if (!ctx.awsProfile) {
      hints.push(
        `atlas.hcl asks for AWS profile "${profile}", which does not exist on the runner: set the \`aws-profile: ${profile}\` input so the action writes that profile with its credentials.`,
      );
    } else if (ctx.awsProfile !== profile) {
      hints.push(
        `atlas.hcl asks for AWS profile "${profile}" but the action wrote "${ctx.awsProfile}": set \`aws-profile: ${profile}\`, or make TF_VAR_aws_profile match "${ctx.awsProfile}".`,
      );
    } else {
      hints.push(
        `The action wrote profile "${profile}" to its temporary AWS_CONFIG_FILE, but this process did not see it: check that nothing in the job overrides AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE.`,
      );
    }
  }

  const auth = AUTH_FAILED.exec(text);
  if (auth) {
    const user = auth[1] ?? ctx.dbUser;
    hints.push(`IAM authentication for "${user}" failed. Check:`, ...iamAuthChecklist(user, ctx.region, ctx.account));
  }

  if (NO_CREDENTIALS.test(text)) hints.push(...credentialsHints(ctx));
  if (EXPIRED.test(text)) hints.push(...expiredHints());
  if (STATE_LOCK.test(text)) hints.push(...lockHints());
  if (NO_SSL.test(text)) hints.push(...sslHints());
  else if (!auth && UNREACHABLE.test(text)) hints.push(...unreachableHints('the endpoint (TF_VAR_endpoint)'));

  return [...new Set(hints)];
}
