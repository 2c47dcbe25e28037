import { describe, expect, it } from 'vitest';
import { hintsFor, iamAuthChecklist } from '../../src/aws/hints.js';
import { mentions, renderedText } from '../support/markdown.js';

/** The hints as a reader sees them in the comment: a rendered Markdown list. */
const shown = (hints: string[]): string => renderedText(hints.map((h) => `- ${h}`).join('\n'));

const ctx = { awsProfile: '', dbUser: 'atlas_migrator', region: 'us-east-1' };

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
