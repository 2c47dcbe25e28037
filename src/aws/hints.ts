import { code } from '../core/index.js';
import { ownershipHints } from './hints-ownership.js';
import { INPUT } from '../inputs/index.js';

// Pure: remedies for what Terraform, Atlas or the database printed. Each hint is safe
// Markdown: our own words and code spans, with every value taken from foreign text (a user
// name, a profile name) passed through the Markdown writer. The preflight (aws/preflight.ts)
// reuses the same checklists, so a user sees one wording wherever the failure shows.

export interface HintContext {
  /** The aws-profile input ('' when unset). */
  awsProfile: string;
  /** The db-user input (default atlas_migrator). */
  dbUser: string;
  /** The master-user input (default postgres): who owns what existed before Atlas. */
  masterUser: string;
  region: string;
  /** Account of the assumed role, when known, to spell out the rds-db:connect ARN. */
  account?: string;
}

const SETUP_ATLAS = '`ariga/setup-atlas@v0` with `cloud-token: ${{ secrets.ATLAS_CLOUD_TOKEN }}`';
const EXISTING_DATABASE_GUIDE = 'https://atlasgo.io/terraform-provider#working-with-an-existing-database';

/** Why an IAM-token login fails, most common cause first. */
export function iamAuthChecklist(user: string, region: string, account = '<account-id>'): string[] {
  return [
    `${code(user)} must be a member of rds_iam: ${code(`GRANT rds_iam TO "${user}";`)} (the roles root does this when its HCL says \`member_of = [role.rds_iam]\`, so apply the roles root first).`,
    `The IAM role must allow \`rds-db:connect\` on ${code(`arn:aws:rds-db:${region}:${account}:dbuser:<DbiResourceId>/${user}`)}. \`<DbiResourceId>\` is the instance's resource id (\`db-XXXXXXXXXXXXXXXXXXXXXXXXXX\`, from \`aws rds describe-db-instances --query "DBInstances[].DbiResourceId"\`), not the instance name.`,
    'IAM database authentication must be enabled on the instance (`aws rds modify-db-instance --db-instance-identifier <name> --enable-iam-database-authentication --apply-immediately`).',
    `The token must be signed for the same host, port and region the client connects to (the endpoint in \`TF_VAR_endpoint\` / \`${INPUT.dbEndpoint}\` and \`${INPUT.awsRegion}\`); a token for another endpoint, port, proxy or region is refused.`,
  ];
}

export function sslHints(): string[] {
  return [
    "RDS IAM authentication requires TLS: connect with `sslmode=require` (the seed's atlas.hcl URLs end in `?sslmode=require`).",
    'If the instance has `rds.force_ssl = 1`, non-TLS connections are refused; if the server does not offer TLS at all, check that the endpoint is the RDS instance and not a proxy that strips it.',
  ];
}

export function unreachableHints(endpoint: string): string[] {
  return [
    `The database at ${code(endpoint)} did not answer. Check the endpoint for typos (host and port, e.g. \`mydb.abc123.us-east-1.rds.amazonaws.com:5432\`).`,
    "The instance's security group must allow inbound TCP on its port from the runner; GitHub-hosted runners reach only publicly accessible instances, otherwise use a self-hosted runner inside the VPC.",
  ];
}

export function credentialsHints(ctx: HintContext): string[] {
  return [
    `No usable AWS credentials reached Terraform/Atlas. Set \`${INPUT.roleToAssume}\` (with \`permissions: id-token: write\`) so the action assumes a role with GitHub OIDC, or configure credentials in an earlier step.`,
    ctx.awsProfile
      ? `atlas.hcl reads credentials through profile ${code(ctx.awsProfile)}; the action writes it only when it has credentials (an assumed role, or \`AWS_ACCESS_KEY_ID\`/\`AWS_SECRET_ACCESS_KEY\` in the job).`
      : `If atlas.hcl names an AWS profile (\`profile = var.aws_profile\`), also set the \`${INPUT.awsProfile}\` input to that name.`,
  ];
}

export function expiredHints(): string[] {
  return [
    `The AWS credentials expired during the run. The action assumes the role again before a root starts when fewer than 15 minutes remain, but one root that runs longer than the session needs a larger \`${INPUT.roleDurationSeconds}\` (and the role's MaxSessionDuration).`,
  ];
}

export function lockHints(): string[] {
  return [
    'Another run holds the Terraform state lock. Give the job a `concurrency:` group per database (e.g. `concurrency: database-prod`) so runs queue instead of racing, or raise the `lock-timeout` input so this run waits longer.',
    'If no run is active, a crashed run left the lock behind: remove it with `terraform force-unlock <LOCK_ID>` (the ID is in the error).',
  ];
}

/**
 * The provider's first-run check (at plan time, while the atlas_schema resource is created)
 * refuses any planned statement that contains the text `DROP `: real drops, and column
 * changes that drop nothing, which the hint then calls a false positive.
 */
export function unrecognizedResourcesHints(falsePositive = false): string[] {
  const hints = [
    `On its first run for a database (while the \`atlas_schema\` resource is created) the provider refuses any planned statement that contains the text \`DROP \`. For objects the database has and the HCL lacks, declare what already exists: the RDS roles (\`rds_iam\`, \`rds_superuser\`, … and the master user) as \`external = true\` in the roles HCL, and any table, view, function or role created outside Atlas, in the HCL of the root that owns it. See [working with an existing database](${EXISTING_DATABASE_GUIDE}).`,
  ];
  if (falsePositive) {
    hints.push(
      'Some refused statements drop nothing (`ALTER … DROP DEFAULT`, `DROP NOT NULL` or `DROP CONSTRAINT` on a column or table that stays): the check matches the text, so this is a false positive. To get past it, make the first run match the database, and change it in a later pull request: write the HCL as the database is now (keep the default, the NOT NULL, the constraint), merge that so the resource is created, then remove them in a second pull request (the check only runs when the resource is created).',
    );
  }
  return hints;
}

export function atlasLoginHints(): string[] {
  return [
    `Roles, users and permissions (\`schema { mode { roles = true, permissions = true } }\`) are Atlas Pro features: the Atlas CLI on the runner must be logged in. Add ${SETUP_ATLAS} before this action, with the token of your Atlas Cloud organisation as a repository secret.`,
  ];
}

export function atlasCliHints(): string[] {
  return [
    `The ariga/atlas provider runs the Atlas CLI (\`atlas version\` at start, then every plan and apply): the official build's \`atlas\` on PATH, or the file its provider block's \`binary_path\` names. Add ${SETUP_ATLAS} before this action so \`atlas\` is on PATH, and remove \`binary_path\` or point it at a working Atlas CLI.`,
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
const UNRECOGNIZED = /Unrecognized schema resources/i;
/** Statements the first-run check refuses although they drop no object. */
const DROPS_NOTHING = /\bDROP (?:DEFAULT|NOT NULL|CONSTRAINT|EXPRESSION|IDENTITY)\b/;
const NEEDS_LOGIN = /requires\s+'?atlas login'?|not logged in|atlas login/i;
const NO_ATLAS_CLI = /Check atlas version failure|executable file not found in \$PATH|"atlas": executable/i;

/** Remedies for what a failed Terraform/Atlas run printed; [] when nothing is recognised. */
export function hintsFor(message: string, ctx: HintContext): string[] {
  const hints: string[] = [];

  const profile = MISSING_PROFILE.exec(message)?.[1];
  if (profile !== undefined) {
    if (!ctx.awsProfile) {
      hints.push(
        `atlas.hcl asks for AWS profile ${code(profile)}, which does not exist on the runner: set the ${code(`${INPUT.awsProfile}: ${profile}`)} input so the action writes that profile with its credentials.`,
      );
    } else if (ctx.awsProfile !== profile) {
      hints.push(
        `atlas.hcl asks for AWS profile ${code(profile)} but the action wrote ${code(ctx.awsProfile)}: set ${code(`${INPUT.awsProfile}: ${profile}`)}, or make \`TF_VAR_aws_profile\` match ${code(ctx.awsProfile)}.`,
      );
    } else {
      hints.push(
        `The action wrote profile ${code(profile)} to its temporary \`AWS_CONFIG_FILE\`, but this process did not see it: check that nothing in the job overrides \`AWS_CONFIG_FILE\` or \`AWS_SHARED_CREDENTIALS_FILE\`.`,
      );
    }
  }

  const auth = AUTH_FAILED.exec(message);
  if (auth) {
    const user = auth[1] ?? ctx.dbUser;
    hints.push(`IAM authentication for ${code(user)} failed. Check:`, ...iamAuthChecklist(user, ctx.region, ctx.account));
  }

  if (UNRECOGNIZED.test(message)) hints.push(...unrecognizedResourcesHints(DROPS_NOTHING.test(message)));
  hints.push(...ownershipHints(message, ctx));
  if (NO_ATLAS_CLI.test(message)) hints.push(...atlasCliHints());
  else if (NEEDS_LOGIN.test(message)) hints.push(...atlasLoginHints());
  if (NO_CREDENTIALS.test(message)) hints.push(...credentialsHints(ctx));
  if (EXPIRED.test(message)) hints.push(...expiredHints());
  if (STATE_LOCK.test(message)) hints.push(...lockHints());
  if (NO_SSL.test(message)) hints.push(...sslHints());
  else if (!auth && UNREACHABLE.test(message)) hints.push(...unreachableHints('the endpoint (TF_VAR_endpoint)'));

  return [...new Set(hints)];
}
