import { describe, expect, it } from 'vitest';
import { hintsFor, iamAuthChecklist } from '../../src/aws/hints.js';
import { mentions, renderedText } from '../support/markdown.js';

/** The hints as a reader sees them in the comment: a rendered Markdown list. */
const shown = (hints: string[]): string => renderedText(hints.map((h) => `- ${h}`).join('\n'));

const ctx = { awsProfile: '', dbUser: 'atlas_migrator', masterUser: 'postgres', region: 'us-east-1' };

// Texts as Terraform prints the Atlas provider's diagnostics (stderr / diagnostic detail).
const MISSING_PROFILE =
  'Error: Atlas Plan Error\n\n  with atlas_schema.roles,\n\nUnable to generate migration plan, got error: failed to get shared config profile, tf-sandbox';
const PAM =
  'Unable to generate migration plan, got error: postgres: scanning system variables: pq: PAM authentication failed for user "atlas_migrator"';
const PASSWORD = 'FATAL: password authentication failed for user "app_owner" (SQLSTATE 28P01)';
const LOCK =
  'Error: Error acquiring the state lock\n\nError message: ConditionalCheckFailedException: The conditional request failed\nLock Info:\n  ID: 6f1c...';

describe('hintsFor', () => {
  it('tells the user to set aws-profile to the profile atlas.hcl asked for', () => {
    const hints = hintsFor(MISSING_PROFILE, ctx);
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('set the `aws-profile: tf-sandbox` input');
    expect(shown(hints)).toContain('set the aws-profile: tf-sandbox input');
  });

  it('points at the mismatch when aws-profile names a different profile', () => {
    const hints = hintsFor(MISSING_PROFILE, { ...ctx, awsProfile: 'prod' });
    expect(shown(hints)).toContain('asks for AWS profile tf-sandbox but the action wrote prod');
  });

  it('suspects an override of the config file when the written profile is the one missing', () => {
    const hints = hintsFor(MISSING_PROFILE, { ...ctx, awsProfile: 'tf-sandbox' });
    expect(hints[0]).toContain('AWS_CONFIG_FILE');
  });

  it('gives the IAM-auth checklist for PAM failures, naming the user and the DbiResourceId ARN', () => {
    const hints = hintsFor(PAM, ctx);
    expect(shown([hints[0] ?? ''])).toBe('IAM authentication for atlas_migrator failed. Check:');
    const all = shown(hints);
    expect(all).toContain('GRANT rds_iam TO "atlas_migrator"');
    expect(all).toContain('rds-db:connect on arn:aws:rds-db:us-east-1:<account-id>:dbuser:<DbiResourceId>/atlas_migrator');
    expect(all).toContain('not the instance name');
    expect(all).toContain('IAM database authentication must be enabled');
    expect(all).toContain('same host, port and region');
  });

  it('gives the same checklist for other wordings of a refused token, and only for the user named', () => {
    // An LDAP-based token verifier refuses with this wording; SQLSTATE 28000, like RDS's PAM refusal.
    const ldap =
      'Unable to generate migration plan, got error: failed to connect to `user=atlas_migrator database=appdb`: 127.0.0.1:5432 (127.0.0.1): server error: FATAL: LDAP authentication failed for user "atlas_migrator" (SQLSTATE 28000)';
    expect(hintsFor(ldap, ctx)).toEqual(hintsFor(PAM, ctx));
    expect(shown([hintsFor(ldap.replace(/atlas_migrator/g, 'app_owner'), ctx)[0] ?? ''])).toBe(
      'IAM authentication for app_owner failed. Check:',
    );
    // Not every "authentication failed" is a refused token: a host rejection is not.
    expect(hintsFor('FATAL: authentication failed for user "x": host rejected', ctx)).toEqual([]);
  });

  it('uses the user from a password-authentication failure and the known account', () => {
    const hints = hintsFor(PASSWORD, { ...ctx, account: '123456789012' });
    expect(shown(hints)).toContain('arn:aws:rds-db:us-east-1:123456789012:dbuser:<DbiResourceId>/app_owner');
  });

  it('recognises missing and expired AWS credentials', () => {
    const none = hintsFor('Error: NoCredentialProviders: no valid providers in chain', ctx).join('\n');
    expect(none).toContain('Set `role-to-assume`');
    expect(none).toContain('also set the `aws-profile` input');
    const imds = hintsFor('failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds', ctx).join('\n');
    expect(imds).toContain('No usable AWS credentials');
    const expired = hintsFor(
      'operation error Secrets Manager: GetSecretValue, ExpiredTokenException: The security token included in the request is expired',
      ctx,
    );
    expect(expired.join('\n')).toContain('`role-duration-seconds`');
  });

  it('suggests a concurrency group or a longer lock-timeout for a held state lock', () => {
    const hints = hintsFor(LOCK, ctx).join('\n');
    expect(hints).toContain('`concurrency:` group');
    expect(hints).toContain('`lock-timeout`');
    expect(hints).toContain('terraform force-unlock');
  });

  it('recognises a connection refused for lack of TLS', () => {
    const hints = hintsFor('pq: no pg_hba.conf entry for host "10.0.0.5", user "atlas_migrator", database "appdb", no encryption', ctx);
    expect(hints.join('\n')).toContain('sslmode=require');
    expect(hints.join('\n')).toContain('rds.force_ssl');
  });

  it('recognises an unreachable database', () => {
    const hints = hintsFor('dial tcp 10.0.0.5:5432: i/o timeout', ctx).join('\n');
    expect(hints).toContain('security group');
  });

  it('returns each hint once even when the text repeats the error', () => {
    const hints = hintsFor(`${PAM}\n${PAM}`, ctx);
    expect(new Set(hints).size).toBe(hints.length);
    expect(hints).toHaveLength(1 + iamAuthChecklist('atlas_migrator', 'us-east-1').length);
  });

  it('returns nothing for errors it does not recognise', () => {
    expect(hintsFor('Error: Unsupported argument "foo"', ctx)).toEqual([]);
  });

  it('keeps authored code spans literal: <name> in a command stays <name>', () => {
    const text = shown(hintsFor(PAM, ctx));
    expect(text).toContain('aws rds modify-db-instance --db-instance-identifier <name> --enable-iam-database-authentication');
    expect(text).not.toContain('&lt;');
  });

  it('keeps a hostile value from the error text literal: no mention, no broken code span', () => {
    const hostile = 'Unable to generate migration plan, got error: failed to get shared config profile, x`@octocat';
    const hints = hintsFor(hostile, ctx);
    const md = hints.map((h) => `- ${h}`).join('\n');
    expect(mentions(md)).toEqual([]);
    expect(shown(hints)).toContain('x`@octocat');
  });

  it('tells whom a table usually belongs to, how to look the owner up and how to hand it to the migrator', () => {
    const text =
      'Atlas Apply Error: sql/migrate: executing statement "ALTER TABLE \\"public\\".\\"orders\\" ADD COLUMN \\"note\\" text NULL" from version "20260101": pq: must be owner of table orders';
    const hints = hintsFor(text, { ...ctx, masterUser: 'dbadmin' });
    expect(hints).toHaveLength(1);
    const all = shown(hints);
    expect(all).toContain('The table orders is owned by another role, not by atlas_migrator (db-user)');
    expect(all).toContain('usually the master user dbadmin (master-user)');
    expect(all).toContain(`SELECT relowner::regrole FROM pg_class WHERE relname = 'orders'; names it`);
    expect(all).toContain('GRANT "atlas_migrator" TO "dbadmin";');
    expect(all).toContain('then ALTER TABLE "orders" OWNER TO "atlas_migrator";');
  });

  it.each([
    ['ERROR: must be owner of sequence orders_id_seq (SQLSTATE 42501)', 'ALTER SEQUENCE "orders_id_seq" OWNER TO'],
    ['pq: must be owner of materialized view daily_totals', 'ALTER MATERIALIZED VIEW "daily_totals" OWNER TO'],
    ['pq: must be owner of view v_orders', 'ALTER VIEW "v_orders" OWNER TO'],
    ['pq: must be owner of function order_total', 'ALTER FUNCTION "order_total" OWNER TO'],
    ['ERROR: must be owner of schema billing (SQLSTATE 42501)', "nspname = 'billing'"],
  ])('names the object and the ALTER for %s', (text, expected) => {
    expect(shown(hintsFor(text, ctx))).toContain(expected);
  });

  it('tells which grants a schema needs when the migrator may not use it', () => {
    const hints = hintsFor('Error: pq: permission denied for schema billing', ctx);
    expect(hints).toHaveLength(1);
    const all = shown(hints);
    expect(all).toContain('atlas_migrator (db-user) may not use schema billing');
    expect(all).toContain(`SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'billing'; names its owner`);
    expect(all).toContain('usually the master user postgres');
    expect(all).toContain('GRANT CREATE, USAGE ON SCHEMA "billing" TO "atlas_migrator";');
  });

  it('keeps hostile object names literal and quotes them as SQL identifiers and strings', () => {
    const md = hintsFor("pq: must be owner of table a`b@octocat'x*y*", ctx)
      .map((h) => `- ${h}`)
      .join('\n');
    expect(mentions(md)).toEqual([]);
    const all = renderedText(md);
    expect(all).toContain("The table a`b@octocat'x*y* is owned");
    expect(all).toContain(`relname = 'a\`b@octocat''x*y*';`);
    expect(all).toContain('ALTER TABLE "a`b@octocat\'x*y*" OWNER TO');
  });

  it('explains that the first-run check is a text match: ALTER … DROP DEFAULT / NOT NULL / CONSTRAINT refused as if they dropped objects', () => {
    const detail = (statements: string[]): string =>
      'Unrecognized schema resources: The database contains resources that Atlas wants to drop because they are not defined in the HCL file on the first run.\n' +
      `\t- ${statements.join('\n- ')}\n\tTo learn how to add an existing database to a project, read:\n\thttps://atlasgo.io/terraform-provider#working-with-an-existing-database`;
    const always = shown(hintsFor(detail(['DROP ROLE "legacy_app";']), ctx));
    expect(always).toContain('any planned statement that contains the text DROP');
    const alter = shown(
      hintsFor(
        detail([
          'ALTER TABLE "public"."t" ALTER COLUMN "c" DROP DEFAULT;',
          'ALTER TABLE "public"."t" ALTER COLUMN "c" DROP NOT NULL;',
          'ALTER TABLE "public"."t" DROP CONSTRAINT "t_check";',
        ]),
        ctx,
      ),
    );
    expect(alter).toContain('a false positive');
    expect(alter).toContain('DROP DEFAULT, DROP NOT NULL or DROP CONSTRAINT');
    expect(alter).toContain('make the first run match the database, and change it in a later pull request');
    // A real drop only: no false-positive note.
    expect(always).not.toContain('a false positive');
  });

  it('explains the first-run refusal, a refused inspection, a missing Atlas login and a missing CLI', () => {
    const unrecognized = shown(
      hintsFor(
        'Unrecognized schema resources: The database contains resources that Atlas wants to drop because they are not defined in the HCL file on the first run.',
        ctx,
      ),
    );
    expect(unrecognized).toContain('external = true');
    expect(unrecognized).toContain('working with an existing database');
    const inspect = hintsFor(
      'Inspect Error: Unable to inspect, got error: Error: pq: PAM authentication failed for user "atlas_migrator"',
      ctx,
    );
    expect(inspect).toEqual(hintsFor(PAM, ctx));
    const login = shown(
      hintsFor("Atlas Plan Error: Unable to generate migration plan, got error: Error: command requires 'atlas login'", ctx),
    );
    expect(login).toContain('ariga/setup-atlas@v0 with cloud-token');
    expect(login).toContain('Atlas Pro');
    const cli = shown(hintsFor('Check atlas version failure: exec: "atlas": executable file not found in $PATH', ctx));
    expect(cli).toContain('so atlas is on PATH');
    // A provider block's binary_path is the other place the provider finds the CLI.
    expect(cli).toContain('remove binary_path or point it at a working Atlas CLI');
  });
});
