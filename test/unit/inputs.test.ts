import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INPUT, InputError, getInputs } from '../../src/inputs/index.js';
import { resetSecretsForTest } from '../../src/core/redact/index.js';

// Inputs are read through the real @actions/core getInput, i.e. from INPUT_* variables
// exactly as the runner sets them (the name upper-cased, dashes kept).

const envKey = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
const saved = { ...process.env };
let workspace: string;

function setInputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) process.env[envKey(name)] = value;
}

function inputError(values: Record<string, string>): InputError {
  setInputs(values);
  try {
    getInputs();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected getInputs() to throw an InputError');
}

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-test-'));
  fs.mkdirSync(path.join(workspace, 'terraform', 'roles'), { recursive: true });
  fs.mkdirSync(path.join(workspace, 'terraform', 'schema'), { recursive: true });
  fs.mkdirSync(path.join(workspace, 'db', 'roles'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'atlas.hcl'), '');
  process.env['GITHUB_WORKSPACE'] = workspace;
  process.env['GITHUB_RUN_ID'] = '1234567890';
  process.env['GITHUB_RUN_ATTEMPT'] = '2';
  setInputs({ [INPUT.awsRegion]: 'us-east-1', [INPUT.githubToken]: 'ghs_defaultTokenOfTheJob0123' });
});

afterEach(() => {
  vi.restoreAllMocks();
  resetSecretsForTest();
  fs.rmSync(workspace, { recursive: true, force: true });
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('getInputs defaults', () => {
  it('fills every input the workflow left out', () => {
    expect(getInputs()).toEqual({
      awsRegion: 'us-east-1',
      roleToAssume: '',
      applyRoleToAssume: '',
      audience: 'sts.amazonaws.com',
      roleSessionName: 'rds-atlas-action-1234567890-2',
      roleDurationSeconds: 3600,
      awsProfile: '',
      rolesWorkingDirectory: 'terraform/roles',
      schemaWorkingDirectory: 'terraform/schema',
      rolesPaths: ['hcl/roles/**', 'atlas.hcl', 'terraform/roles/**'],
      mode: 'auto',
      githubToken: 'ghs_defaultTokenOfTheJob0123',
      comment: true,
      lockTimeout: '5m',
      dbEndpoint: '',
      dbName: '',
      dbUser: 'atlas_migrator',
      masterUser: 'postgres',
      rolesOnApply: 'changed',
      environment: '',
      destructiveLabel: '',
      gatedClasses: ['destructive', 'access-widening', 'access-reducing', 'session', 'unknown'],
      approvers: [],
      requireReviewedPlan: true,
      driftIssue: true,
      failOnDrift: false,
      lintSkip: [],
      factsTimeoutMs: 5000,
      impactScanLimit: 1_000_000,
    });
  });

  it('derives the session name from the run, without a run id outside Actions', () => {
    delete process.env['GITHUB_RUN_ID'];
    expect(getInputs().roleSessionName).toBe('rds-atlas-action');
  });

  it('defaults the roles-paths to the chosen roles working directory', () => {
    setInputs({ [INPUT.rolesWorkingDirectory]: './db/roles/' });
    const inputs = getInputs();
    expect(inputs.rolesWorkingDirectory).toBe('db/roles');
    expect(inputs.rolesPaths).toEqual(['hcl/roles/**', 'atlas.hcl', 'db/roles/**']);
  });

  it('falls back to role-to-assume for apply runs', () => {
    setInputs({ [INPUT.roleToAssume]: 'arn:aws:iam::123456789012:role/atlas-ci' });
    expect(getInputs().applyRoleToAssume).toBe('arn:aws:iam::123456789012:role/atlas-ci');
  });
});

describe('getInputs with every input set', () => {
  it('reads and normalises valid values', () => {
    setInputs({
      [INPUT.awsRegion]: 'us-gov-west-1',
      [INPUT.roleToAssume]: 'arn:aws-us-gov:iam::123456789012:role/path/atlas-plan',
      [INPUT.applyRoleToAssume]: 'arn:aws-us-gov:iam::123456789012:role/atlas-apply',
      [INPUT.audience]: 'sts.amazonaws.com',
      [INPUT.roleSessionName]: 'my.session@ci',
      [INPUT.roleDurationSeconds]: '900',
      [INPUT.awsProfile]: 'tf-sandbox',
      [INPUT.rolesWorkingDirectory]: path.join(workspace, 'db', 'roles'),
      [INPUT.schemaWorkingDirectory]: 'terraform/schema',
      [INPUT.rolesPaths]: 'hcl/roles/**\n\n  ./atlas.hcl  \n!hcl/roles/README.md\n',
      [INPUT.mode]: 'Apply',
      [INPUT.githubToken]: 'ghs_0123456789abcdefABCDEF',
      [INPUT.comment]: 'FALSE',
      [INPUT.lockTimeout]: '90s',
      [INPUT.dbEndpoint]: 'mydb.abc123.us-east-1.rds.amazonaws.com:5432',
      [INPUT.dbName]: 'appdb',
      [INPUT.dbUser]: 'migrator',
      [INPUT.masterUser]: 'dbadmin',
      [INPUT.rolesOnApply]: 'Always',
      [INPUT.environment]: 'billing-prod',
      [INPUT.destructiveLabel]: 'db: drop ok',
      [INPUT.gatedClasses]: ' destructive,behaviour-change ',
      [INPUT.approvers]: '@dba-lead, Release-Bot[bot]\nDBA-lead',
      [INPUT.requireReviewedPlan]: 'false',
      [INPUT.driftIssue]: 'False',
      [INPUT.failOnDrift]: 'true',
      [INPUT.lintSkip]: 'public-default-revoked\n\n  provider-version \n',
      [INPUT.factsTimeoutMs]: '1500ms',
      [INPUT.impactScanLimit]: '250000',
    });
    expect(getInputs()).toEqual({
      awsRegion: 'us-gov-west-1',
      roleToAssume: 'arn:aws-us-gov:iam::123456789012:role/path/atlas-plan',
      applyRoleToAssume: 'arn:aws-us-gov:iam::123456789012:role/atlas-apply',
      audience: 'sts.amazonaws.com',
      roleSessionName: 'my.session@ci',
      roleDurationSeconds: 900,
      awsProfile: 'tf-sandbox',
      rolesWorkingDirectory: 'db/roles',
      schemaWorkingDirectory: 'terraform/schema',
      rolesPaths: ['hcl/roles/**', 'atlas.hcl', '!hcl/roles/README.md'],
      mode: 'apply',
      githubToken: 'ghs_0123456789abcdefABCDEF',
      comment: false,
      lockTimeout: '90s',
      dbEndpoint: 'mydb.abc123.us-east-1.rds.amazonaws.com:5432',
      dbName: 'appdb',
      dbUser: 'migrator',
      masterUser: 'dbadmin',
      rolesOnApply: 'always',
      environment: 'billing-prod',
      destructiveLabel: 'db: drop ok',
      gatedClasses: ['destructive', 'behaviour-change'],
      approvers: ['dba-lead', 'Release-Bot[bot]'],
      requireReviewedPlan: false,
      driftIssue: false,
      failOnDrift: true,
      lintSkip: ['public-default-revoked', 'provider-version'],
      factsTimeoutMs: 1500,
      impactScanLimit: 250_000,
    });
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('accepts comment: %s like core.getBooleanInput', (raw, expected) => {
    setInputs({ [INPUT.comment]: raw });
    expect(getInputs().comment).toBe(expected);
  });

  it('accepts the region forms AWS uses', () => {
    for (const region of [
      'eu-central-1',
      'ap-southeast-2',
      'cn-north-1',
      'us-isob-east-1',
      'us-gov-east-1',
      'eusc-de-east-1',
      'eu-isoe-west-1',
      'us-isof-south-1',
      'mx-central-1',
      'ap-southeast-7',
    ]) {
      setInputs({ [INPUT.awsRegion]: region });
      expect(getInputs().awsRegion).toBe(region);
    }
  });

  it('accepts the duration bounds and lock-timeout units', () => {
    for (const [duration, timeout] of [
      ['43200', '500ms'],
      ['900', '10s'],
      ['3600', '1h'],
      ['3600', '59m30s'],
      ['3600', '0s'],
    ] as const) {
      setInputs({ [INPUT.roleDurationSeconds]: duration, [INPUT.lockTimeout]: timeout });
      const inputs = getInputs();
      expect(inputs.roleDurationSeconds).toBe(Number(duration));
      expect(inputs.lockTimeout).toBe(timeout);
    }
  });

  it('accepts a bracketed IPv6 endpoint', () => {
    setInputs({ [INPUT.dbEndpoint]: '[::1]:5432', [INPUT.dbName]: 'appdb' });
    expect(getInputs().dbEndpoint).toBe('[::1]:5432');
  });

  it('keeps the token out of the debug line that lists the inputs', () => {
    const token = 'ghp_secretTokenValue1234567890';
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    setInputs({ [INPUT.githubToken]: token });
    getInputs();
    const debugLines = written.filter((l) => l.startsWith('::debug::'));
    expect(debugLines.join('')).toContain('"githubToken":"(set)"');
    expect(debugLines.join('')).not.toContain(token);
  });
});

describe('getInputs validation', () => {
  it('rejects an empty github-token with the fix, without echoing anything', () => {
    const err = inputError({ [INPUT.githubToken]: '' });
    expect(err.problems).toEqual([
      'Input "github-token" is empty; it is needed to read the changed files and to post the comment. Leave it unset to use ${{ github.token }}, or pass a token with contents: read and pull-requests: write',
    ]);
  });

  it('rejects a master-user that is no PostgreSQL user name, or is the db-user', () => {
    expect(inputError({ [INPUT.masterUser]: 'db admin' }).problems).toEqual([
      'Input "master-user" must be the RDS instance\'s master user name (letters, digits, _ $ . -, at most 63 characters), such as postgres; got "db admin"',
    ]);
    expect(inputError({ [INPUT.masterUser]: 'atlas_migrator' }).problems).toEqual([
      'Input "master-user" must be a user other than "db-user" (the roles root connects as the master user with its password, the schema root as db-user with an IAM token); got "atlas_migrator"',
    ]);
  });

  it('rejects roles-on-apply outside changed, always, and a profile name with =', () => {
    const err = inputError({ [INPUT.rolesOnApply]: 'sometimes', [INPUT.awsProfile]: 'a=b' });
    expect(err.problems).toEqual([
      'Input "aws-profile" must be a profile name of at most 64 characters without whitespace, [, ], #, ; or =; got "a=b"',
      'Input "roles-on-apply" must be one of changed, always; got "sometimes"',
    ]);
  });

  it.each([
    [INPUT.awsRegion, '', 'Input "aws-region" is required (an AWS region such as us-east-1); got ""'],
    [INPUT.awsRegion, 'US-EAST-1', 'Input "aws-region" must be an AWS region such as us-east-1; got "US-EAST-1"'],
    [INPUT.awsRegion, 'us-east', 'Input "aws-region" must be an AWS region such as us-east-1; got "us-east"'],
    [
      INPUT.roleToAssume,
      'arn:aws:iam::12345:role/x',
      'Input "role-to-assume" must be an IAM role ARN such as arn:aws:iam::123456789012:role/atlas-ci in a real partition, or empty; got "arn:aws:iam::12345:role/x"',
    ],
    [
      INPUT.applyRoleToAssume,
      'atlas-ci',
      'Input "apply-role-to-assume" must be an IAM role ARN such as arn:aws:iam::123456789012:role/atlas-ci in a real partition, or empty; got "atlas-ci"',
    ],
    [
      INPUT.roleToAssume,
      'arn:aws-mars:iam::123456789012:role/x',
      'Input "role-to-assume" must be an IAM role ARN such as arn:aws:iam::123456789012:role/atlas-ci in a real partition, or empty; got "arn:aws-mars:iam::123456789012:role/x"',
    ],
    [
      INPUT.roleToAssume,
      'arn:aws-cn:iam::123456789012:role/x',
      'Input "role-to-assume" must be a role in partition aws, the partition of aws-region us-east-1 (arn:aws:iam::…); got "arn:aws-cn:iam::123456789012:role/x"',
    ],
    [
      INPUT.audience,
      'sts amazonaws',
      'Input "audience" must be a client id of the IAM OIDC provider without spaces, such as sts.amazonaws.com; got "sts amazonaws"',
    ],
    [
      INPUT.dbUser,
      'atlas migrator',
      'Input "db-user" must be a PostgreSQL user name of at most 63 characters (letters, digits, _ $ . -), such as atlas_migrator; got "atlas migrator"',
    ],
    [
      INPUT.environment,
      'prod env',
      'Input "environment" must be the database\'s name in letters, digits, ".", "_" and "-" (at most 63), such as staging or billing-prod, or empty; got "prod env"',
    ],
    [
      INPUT.destructiveLabel,
      'x'.repeat(51),
      `Input "destructive-label" must be a GitHub label name of at most 50 characters without surrounding spaces, or empty (the default) for no label requirement; got "${'x'.repeat(51)}"`,
    ],
    [
      INPUT.approvers,
      'octo-org/dba',
      'Input "approvers" must be GitHub logins separated by commas; teams (org/team) are not supported because the workflow token cannot read team membership: list the members; got "octo-org/dba"',
    ],
    [
      INPUT.approvers,
      'alice, bad login',
      'Input "approvers" must be GitHub logins separated by commas, such as alice, bob; got "bad login"',
    ],
    [
      INPUT.gatedClasses,
      'destructive, acess-reducing',
      'Input "gated-classes" must be statement classes separated by commas (destructive, access-widening, access-reducing, session, unknown, behaviour-change, locking), or all (any SQL), or none (no class needs the label); got "acess-reducing"',
    ],
    [
      INPUT.gatedClasses,
      'none, destructive',
      'Input "gated-classes" must be none on its own, not in a list; or statement classes separated by commas (destructive, access-widening, access-reducing, session, unknown, behaviour-change, locking), or all (any SQL), or none (no class needs the label); got "none"',
    ],
    [INPUT.requireReviewedPlan, 'yes', 'Input "require-reviewed-plan" must be one of true, True, TRUE, false, False, FALSE; got "yes"'],
    [
      INPUT.lintSkip,
      'Bad Rule',
      'Input "lint-skip" must be guardrail rule ids, one per line, such as public-default-revoked; got "Bad Rule"',
    ],
    [
      INPUT.roleSessionName,
      'has space',
      'Input "role-session-name" must be 2 to 64 characters of letters, digits and +=,.@_-; got "has space"',
    ],
    [
      INPUT.roleSessionName,
      'x'.repeat(65),
      `Input "role-session-name" must be 2 to 64 characters of letters, digits and +=,.@_-; got "${'x'.repeat(65)}"`,
    ],
    [
      INPUT.roleSessionName,
      'y'.repeat(500),
      // A long value is quoted only far enough to recognise it.
      `Input "role-session-name" must be 2 to 64 characters of letters, digits and +=,.@_-; got "${'y'.repeat(100)}…"`,
    ],
    [INPUT.roleDurationSeconds, '899', 'Input "role-duration-seconds" must be a whole number of seconds from 900 to 43200; got "899"'],
    [INPUT.roleDurationSeconds, '43201', 'Input "role-duration-seconds" must be a whole number of seconds from 900 to 43200; got "43201"'],
    [INPUT.roleDurationSeconds, '1h', 'Input "role-duration-seconds" must be a whole number of seconds from 900 to 43200; got "1h"'],
    [
      INPUT.awsProfile,
      'tf sandbox',
      'Input "aws-profile" must be a profile name of at most 64 characters without whitespace, [, ], #, ; or =; got "tf sandbox"',
    ],
    [
      INPUT.awsProfile,
      'prod]',
      'Input "aws-profile" must be a profile name of at most 64 characters without whitespace, [, ], #, ; or =; got "prod]"',
    ],
    [INPUT.mode, 'deploy', 'Input "mode" must be one of auto, plan, apply; got "deploy"'],
    [INPUT.comment, 'yes', 'Input "comment" must be one of true, True, TRUE, false, False, FALSE; got "yes"'],
    [
      INPUT.lockTimeout,
      '5 minutes',
      'Input "lock-timeout" must be a Terraform duration with a unit of at most 1h, such as 5m, 30s or 1h; got "5 minutes"',
    ],
    [
      INPUT.lockTimeout,
      '300',
      'Input "lock-timeout" must be a Terraform duration with a unit of at most 1h, such as 5m, 30s or 1h; got "300"',
    ],
    [
      INPUT.lockTimeout,
      '2h',
      'Input "lock-timeout" must be a Terraform duration with a unit of at most 1h, such as 5m, 30s or 1h; got "2h"',
    ],
    [
      INPUT.lockTimeout,
      '61m',
      'Input "lock-timeout" must be a Terraform duration with a unit of at most 1h, such as 5m, 30s or 1h; got "61m"',
    ],
    [
      INPUT.factsTimeoutMs,
      '5',
      'Input "facts-timeout" must be a duration with a unit, above 0 and at most 1m, such as 5s, 500ms or 30s; got "5"',
    ],
    [
      INPUT.factsTimeoutMs,
      '2m',
      'Input "facts-timeout" must be a duration with a unit, above 0 and at most 1m, such as 5s, 500ms or 30s; got "2m"',
    ],
    [
      INPUT.impactScanLimit,
      '1e6',
      'Input "impact-scan-limit" must be a whole number of rows, such as 1000000, or 0 to scan no table; got "1e6"',
    ],
    [
      INPUT.impactScanLimit,
      '-5',
      'Input "impact-scan-limit" must be a whole number of rows, such as 1000000, or 0 to scan no table; got "-5"',
    ],
    [
      INPUT.rolesPaths,
      'hcl/roles/**\n../other/**',
      'Input "roles-paths" must be globs relative to the repository root, one per line (no leading / and no ..); got "../other/**"',
    ],
    [
      INPUT.rolesPaths,
      '/abs/**',
      'Input "roles-paths" must be globs relative to the repository root, one per line (no leading / and no ..); got "/abs/**"',
    ],
  ])('rejects %s = %j', (name, value, message) => {
    const err = inputError({ [name]: value });
    expect(err.problems).toEqual([message]);
    expect(err.message).toBe(message);
  });

  it('rejects a working directory that escapes the workspace', () => {
    const err = inputError({ [INPUT.rolesWorkingDirectory]: '../outside' });
    expect(err.problems).toEqual([
      `Input "roles-working-directory" must be a directory inside the workspace ${workspace}; got "../outside"`,
    ]);
  });

  it('refuses a working directory that resolves outside the workspace through a symlink, and accepts a real directory named ..x', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-test-'));
    try {
      fs.symlinkSync(outside, path.join(workspace, 'linked'));
      const err = inputError({ [INPUT.rolesWorkingDirectory]: 'linked' });
      expect(err.problems).toEqual([
        `Input "roles-working-directory" resolves (through a symbolic link) to ${JSON.stringify(fs.realpathSync(outside))}, outside the workspace ${workspace}; point it at a real directory of the repository`,
      ]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
    fs.mkdirSync(path.join(workspace, '..x', 'roles'), { recursive: true });
    setInputs({ [INPUT.rolesWorkingDirectory]: '..x/roles' });
    expect(getInputs().rolesWorkingDirectory).toBe('..x/roles');
  });

  it('requires two different working directories', () => {
    const err = inputError({ [INPUT.rolesWorkingDirectory]: './terraform/schema/', [INPUT.schemaWorkingDirectory]: 'terraform/schema' });
    expect(err.problems).toEqual([
      'Inputs "roles-working-directory" and "schema-working-directory" must name two different Terraform roots; both are "terraform/schema"',
    ]);
  });

  it.each([
    ['destructive, behaviour-change', ['destructive', 'behaviour-change']],
    ['access-reducing\ndestructive\ndestructive', ['access-reducing', 'destructive']],
    ['all', ['destructive', 'access-widening', 'access-reducing', 'session', 'unknown', 'behaviour-change', 'locking', 'safe']],
    ['none', []],
    ['', ['destructive', 'access-widening', 'access-reducing', 'session', 'unknown']],
  ])('reads gated-classes %j', (raw, classes) => {
    setInputs({ [INPUT.gatedClasses]: raw });
    expect(getInputs().gatedClasses).toEqual(classes);
  });

  it('requires no label by default (issue 22: the label is only an optional second key)', () => {
    expect(getInputs().destructiveLabel).toBe('');
    setInputs({ [INPUT.destructiveLabel]: 'allow-destructive-sql' });
    expect(getInputs().destructiveLabel).toBe('allow-destructive-sql');
  });

  it('rejects a working directory that does not exist, or is a file', () => {
    const err = inputError({ [INPUT.schemaWorkingDirectory]: 'terraform/missing', [INPUT.rolesWorkingDirectory]: 'atlas.hcl' });
    expect(err.problems).toEqual([
      `Input "roles-working-directory" must be an existing directory relative to the workspace ${workspace} (did the checkout step run?); got "atlas.hcl"`,
      `Input "schema-working-directory" must be an existing directory relative to the workspace ${workspace} (did the checkout step run?); got "terraform/missing"`,
    ]);
  });

  it('rejects an endpoint without a numeric port, and requires db-name with an endpoint', () => {
    const err = inputError({ [INPUT.dbEndpoint]: 'mydb.example.com:pg' });
    expect(err.problems).toEqual([
      'Input "db-endpoint" must be host:port with a numeric port, such as mydb.xxxx.us-east-1.rds.amazonaws.com:5432, or empty; got "mydb.example.com:pg"',
      'Input "db-name" is required when "db-endpoint" is set (the database the IAM-token preflight connects to); got ""',
    ]);
  });

  it('rejects a port out of range', () => {
    const err = inputError({ [INPUT.dbEndpoint]: 'mydb:70000', [INPUT.dbName]: 'appdb' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toContain('Input "db-endpoint" must be host:port');
  });

  it('reports every bad input together in one error, one line each', () => {
    const token = 'ghp_doNotLeakThisToken0123456789';
    const err = inputError({
      [INPUT.awsRegion]: 'mars-1',
      [INPUT.mode]: 'deploy',
      [INPUT.roleDurationSeconds]: '60',
      [INPUT.comment]: 'maybe',
      [INPUT.githubToken]: token,
    });
    expect(err.problems).toEqual([
      'Input "aws-region" must be an AWS region such as us-east-1; got "mars-1"',
      'Input "role-duration-seconds" must be a whole number of seconds from 900 to 43200; got "60"',
      'Input "mode" must be one of auto, plan, apply; got "deploy"',
      'Input "comment" must be one of true, True, TRUE, false, False, FALSE; got "maybe"',
    ]);
    expect(err.message).toBe(`4 action inputs are invalid:\n${err.problems.map((p) => `- ${p}`).join('\n')}`);
    expect(err.message).not.toContain(token);
  });
});
