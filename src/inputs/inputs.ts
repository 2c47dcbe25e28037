import * as core from '@actions/core';
import {
  CONTROL,
  DB_USER,
  ENVIRONMENT,
  PROFILE_NAME,
  REGION,
  SESSION_NAME,
  parseDuration,
  parseEndpoint,
  parseRoleArn,
  quote,
  regionPartition,
} from './input-rules.js';
import { DEFAULT_GATED_CLASSES, log, registerSecret, type Inputs, type ModeInput } from '../core/index.js';
import { readApprovers, readGatedClasses, readLintSkip, readRolesPaths, type Bad } from './input-lists.js';
import { readDirectory } from './workspace.js';

// Reads every input once, validates all of them before anything talks to AWS or runs
// Terraform, and reports every bad input in one error so a user fixes the workflow in one go.

/** Input names as action.yml spells them. The only place they are written down. */
export const INPUT = {
  awsRegion: 'aws-region',
  roleToAssume: 'role-to-assume',
  applyRoleToAssume: 'apply-role-to-assume',
  audience: 'audience',
  roleSessionName: 'role-session-name',
  roleDurationSeconds: 'role-duration-seconds',
  awsProfile: 'aws-profile',
  rolesWorkingDirectory: 'roles-working-directory',
  schemaWorkingDirectory: 'schema-working-directory',
  rolesPaths: 'roles-paths',
  mode: 'mode',
  githubToken: 'github-token',
  comment: 'comment',
  lockTimeout: 'lock-timeout',
  dbEndpoint: 'db-endpoint',
  dbName: 'db-name',
  dbUser: 'db-user',
  masterUser: 'master-user',
  rolesOnApply: 'roles-on-apply',
  environment: 'environment',
  destructiveLabel: 'destructive-label',
  gatedClasses: 'gated-classes',
  approvers: 'approvers',
  requireReviewedPlan: 'require-reviewed-plan',
  driftIssue: 'drift-issue',
  failOnDrift: 'fail-on-drift',
  lintSkip: 'lint-skip',
  factsTimeoutMs: 'facts-timeout',
  impactScanLimit: 'impact-scan-limit',
} as const satisfies Record<keyof Inputs, string>;

/**
 * Defaults applied when an input is empty. The runner fills action.yml defaults in, but the
 * action is also started without them (tests, `node dist/index.js`), so they live here too.
 */
export const DEFAULTS = {
  audience: 'sts.amazonaws.com',
  roleDurationSeconds: 3600,
  rolesWorkingDirectory: 'terraform/roles',
  schemaWorkingDirectory: 'terraform/schema',
  mode: 'auto' as ModeInput,
  comment: true,
  lockTimeout: '5m',
  dbUser: 'atlas_migrator',
  masterUser: 'postgres',
  rolesOnApply: 'changed' as Inputs['rolesOnApply'],
  destructiveLabel: '',
  gatedClasses: DEFAULT_GATED_CLASSES.join(', '),
  requireReviewedPlan: true,
  driftIssue: true,
  failOnDrift: false,
  factsTimeoutMs: '5s',
  impactScanLimit: 1_000_000,
} as const;

const MODES: readonly ModeInput[] = ['auto', 'plan', 'apply'];
const ROLES_ON_APPLY: readonly Inputs['rolesOnApply'][] = ['changed', 'always'];
const MIN_DURATION = 900;
const MAX_DURATION = 43200;
/** -lock-timeout: long enough to queue behind another run, short of holding a runner for hours. */
const MAX_LOCK_TIMEOUT_SECONDS = 3600;
/** facts-timeout: the impact facts are a few catalog queries; a minute is already generous. */
const MAX_FACTS_TIMEOUT_SECONDS = 60;
/** GitHub label names are at most 50 characters. */
const MAX_LABEL_LENGTH = 50;

/** All bad inputs of one run; `problems` holds one sentence per input. */
export class InputError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      problems.length === 1
        ? (problems[0] ?? '')
        : `${problems.length} action inputs are invalid:\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

export function getInputs(): Inputs {
  const problems: string[] = [];
  const bad = (name: string, value: string, expected: string): void => {
    problems.push(`Input "${name}" must be ${expected}; got ${quote(value)}`);
  };
  const get = (name: string): string => core.getInput(name);

  // The token is a secret from the moment it is read; it never appears in a message.
  const githubToken = get(INPUT.githubToken);
  registerSecret(githubToken);
  if (!githubToken) {
    // The value is never echoed: it is a credential even when malformed.
    problems.push(
      `Input "${INPUT.githubToken}" is empty; it is needed to read the changed files and to post the comment. Leave it unset to use \${{ github.token }}, or pass a token with contents: read and pull-requests: write`,
    );
  }

  const awsRegion = get(INPUT.awsRegion);
  if (!awsRegion) {
    problems.push(`Input "${INPUT.awsRegion}" is required (an AWS region such as us-east-1); got ""`);
  } else if (!REGION.test(awsRegion)) {
    bad(INPUT.awsRegion, awsRegion, 'an AWS region such as us-east-1');
  }

  const roleToAssume = get(INPUT.roleToAssume);
  const applyRoleInput = get(INPUT.applyRoleToAssume);
  for (const [name, value] of [
    [INPUT.roleToAssume, roleToAssume],
    [INPUT.applyRoleToAssume, applyRoleInput],
  ] as const) {
    if (!value) continue;
    const arn = parseRoleArn(value);
    if (!arn) {
      bad(name, value, `an IAM role ARN such as arn:aws:iam::123456789012:role/atlas-ci in a real partition, or empty`);
    } else if (REGION.test(awsRegion) && arn.partition !== regionPartition(awsRegion)) {
      bad(
        name,
        value,
        `a role in partition ${regionPartition(awsRegion)}, the partition of aws-region ${awsRegion} (arn:${regionPartition(awsRegion)}:iam::…)`,
      );
    }
  }

  const audience = get(INPUT.audience) || DEFAULTS.audience;
  if (audience.length > 255 || /\s/.test(audience) || CONTROL.test(audience)) {
    bad(INPUT.audience, audience, 'a client id of the IAM OIDC provider without spaces, such as sts.amazonaws.com');
  }

  const roleSessionName = get(INPUT.roleSessionName) || defaultSessionName();
  if (!SESSION_NAME.test(roleSessionName)) {
    bad(INPUT.roleSessionName, roleSessionName, '2 to 64 characters of letters, digits and +=,.@_-');
  }

  const roleDurationSeconds = readDuration(get(INPUT.roleDurationSeconds), bad);

  const awsProfile = get(INPUT.awsProfile);
  if (awsProfile && !PROFILE_NAME.test(awsProfile)) {
    bad(INPUT.awsProfile, awsProfile, 'a profile name of at most 64 characters without whitespace, [, ], #, ; or =');
  }

  const rolesWorkingDirectory = readDirectory(
    INPUT.rolesWorkingDirectory,
    get(INPUT.rolesWorkingDirectory) || DEFAULTS.rolesWorkingDirectory,
    problems,
  );
  const schemaWorkingDirectory = readDirectory(
    INPUT.schemaWorkingDirectory,
    get(INPUT.schemaWorkingDirectory) || DEFAULTS.schemaWorkingDirectory,
    problems,
  );

  if (rolesWorkingDirectory === schemaWorkingDirectory) {
    problems.push(
      `Inputs "${INPUT.rolesWorkingDirectory}" and "${INPUT.schemaWorkingDirectory}" must name two different Terraform roots; both are ${quote(rolesWorkingDirectory)}`,
    );
  }

  const rolesPaths = readRolesPaths(INPUT.rolesPaths, get(INPUT.rolesPaths), rolesWorkingDirectory, bad);

  const modeRaw = get(INPUT.mode) || DEFAULTS.mode;
  const mode = MODES.find((m) => m === modeRaw.toLowerCase());
  if (!mode) bad(INPUT.mode, modeRaw, `one of ${MODES.join(', ')}`);

  const comment = readBoolean(INPUT.comment, DEFAULTS.comment, bad);

  const rolesOnApplyRaw = get(INPUT.rolesOnApply) || DEFAULTS.rolesOnApply;
  const rolesOnApply = ROLES_ON_APPLY.find((v) => v === rolesOnApplyRaw.toLowerCase());
  if (!rolesOnApply) bad(INPUT.rolesOnApply, rolesOnApplyRaw, `one of ${ROLES_ON_APPLY.join(', ')}`);

  const lockTimeout = get(INPUT.lockTimeout) || DEFAULTS.lockTimeout;
  const lockSeconds = parseDuration(lockTimeout);
  if (lockSeconds === undefined || lockSeconds > MAX_LOCK_TIMEOUT_SECONDS) {
    bad(INPUT.lockTimeout, lockTimeout, 'a Terraform duration with a unit of at most 1h, such as 5m, 30s or 1h');
  }

  const { factsTimeoutMs, impactScanLimit } = readImpactInputs(get, bad);

  const dbEndpoint = get(INPUT.dbEndpoint);
  const dbName = get(INPUT.dbName);
  const dbUser = get(INPUT.dbUser) || DEFAULTS.dbUser;
  if (dbEndpoint && !parseEndpoint(dbEndpoint)) {
    bad(INPUT.dbEndpoint, dbEndpoint, 'host:port with a numeric port, such as mydb.xxxx.us-east-1.rds.amazonaws.com:5432, or empty');
  }
  if (dbEndpoint && !dbName) {
    problems.push(
      `Input "${INPUT.dbName}" is required when "${INPUT.dbEndpoint}" is set (the database the IAM-token preflight connects to); got ""`,
    );
  }
  if (dbName && (Buffer.byteLength(dbName) > 63 || CONTROL.test(dbName))) {
    bad(INPUT.dbName, dbName, 'a PostgreSQL database name of at most 63 bytes without control characters');
  }
  if (!DB_USER.test(dbUser)) {
    bad(INPUT.dbUser, dbUser, 'a PostgreSQL user name of at most 63 characters (letters, digits, _ $ . -), such as atlas_migrator');
  }
  const masterUser = get(INPUT.masterUser) || DEFAULTS.masterUser;
  if (!DB_USER.test(masterUser)) {
    bad(
      INPUT.masterUser,
      masterUser,
      "the RDS instance's master user name (letters, digits, _ $ . -, at most 63 characters), such as postgres",
    );
  } else if (masterUser === dbUser) {
    bad(
      INPUT.masterUser,
      masterUser,
      `a user other than "${INPUT.dbUser}" (the roles root connects as the master user with its password, the schema root as ${INPUT.dbUser} with an IAM token)`,
    );
  }

  const environment = get(INPUT.environment);
  if (environment && !ENVIRONMENT.test(environment)) {
    bad(
      INPUT.environment,
      environment,
      'the database\'s name in letters, digits, ".", "_" and "-" (at most 63), such as staging or billing-prod, or empty',
    );
  }

  const destructiveLabel = core.getInput(INPUT.destructiveLabel, { trimWhitespace: false }) ?? '';
  const labelInput = process.env[`INPUT_${INPUT.destructiveLabel.toUpperCase()}`];
  const label = labelInput === undefined ? DEFAULTS.destructiveLabel : destructiveLabel;
  if (label.length > MAX_LABEL_LENGTH || label.trim() !== label || CONTROL.test(label)) {
    bad(
      INPUT.destructiveLabel,
      label,
      `a GitHub label name of at most ${MAX_LABEL_LENGTH} characters without surrounding spaces, or empty (the default) for no label requirement`,
    );
  }
  const gatedClasses = readGatedClasses(INPUT.gatedClasses, get(INPUT.gatedClasses), bad);
  const approvers = readApprovers(INPUT.approvers, get(INPUT.approvers), bad);
  const requireReviewedPlan = readBoolean(INPUT.requireReviewedPlan, DEFAULTS.requireReviewedPlan, bad);
  const driftIssue = readBoolean(INPUT.driftIssue, DEFAULTS.driftIssue, bad);
  const failOnDrift = readBoolean(INPUT.failOnDrift, DEFAULTS.failOnDrift, bad);
  const lintSkip = readLintSkip(INPUT.lintSkip, get(INPUT.lintSkip), bad);

  if (problems.length > 0) throw new InputError(problems);

  const inputs: Inputs = {
    awsRegion,
    roleToAssume,
    applyRoleToAssume: applyRoleInput || roleToAssume,
    audience,
    roleSessionName,
    roleDurationSeconds,
    awsProfile,
    rolesWorkingDirectory,
    schemaWorkingDirectory,
    rolesPaths,
    mode: mode ?? DEFAULTS.mode,
    githubToken,
    comment,
    lockTimeout,
    dbEndpoint,
    dbName,
    dbUser,
    masterUser,
    rolesOnApply: rolesOnApply ?? DEFAULTS.rolesOnApply,
    environment,
    destructiveLabel: label,
    gatedClasses,
    approvers,
    requireReviewedPlan,
    driftIssue,
    failOnDrift,
    lintSkip,
    factsTimeoutMs,
    impactScanLimit,
  };
  log.debug(`Inputs: ${JSON.stringify({ ...inputs, githubToken: githubToken ? '(set)' : '(empty)' })}`);
  return inputs;
}

/** facts-timeout (a duration up to 1m) and impact-scan-limit (a whole number of rows). */
function readImpactInputs(
  get: (name: string) => string,
  bad: (name: string, value: string, expected: string) => void,
): {
  factsTimeoutMs: number;
  impactScanLimit: number;
} {
  const timeout = get(INPUT.factsTimeoutMs) || DEFAULTS.factsTimeoutMs;
  const seconds = parseDuration(timeout);
  if (seconds === undefined || seconds <= 0 || seconds > MAX_FACTS_TIMEOUT_SECONDS) {
    bad(INPUT.factsTimeoutMs, timeout, 'a duration with a unit, above 0 and at most 1m, such as 5s, 500ms or 30s');
  }
  const limitText = get(INPUT.impactScanLimit) || String(DEFAULTS.impactScanLimit);
  const limit = /^\d{1,12}$/.test(limitText.replace(/_/g, '')) ? Number(limitText.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(limit)) bad(INPUT.impactScanLimit, limitText, 'a whole number of rows, such as 1000000, or 0 to scan no table');
  return {
    factsTimeoutMs: Math.round((seconds ?? 5) * 1000),
    impactScanLimit: Number.isSafeInteger(limit) ? limit : DEFAULTS.impactScanLimit,
  };
}

/** STS session names allow [\w+=,.@-]{2,64}; run ids are digits, so this is mostly a guard. */
function defaultSessionName(): string {
  const runId = process.env['GITHUB_RUN_ID'];
  const attempt = process.env['GITHUB_RUN_ATTEMPT'];
  const name = ['rds-atlas-action', runId, runId ? attempt : undefined].filter(Boolean).join('-');
  return name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

function readDuration(raw: string, bad: Bad): number {
  if (!raw) return DEFAULTS.roleDurationSeconds;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= MIN_DURATION && value <= MAX_DURATION)) {
    bad(INPUT.roleDurationSeconds, raw, `a whole number of seconds from ${MIN_DURATION} to ${MAX_DURATION}`);
    return DEFAULTS.roleDurationSeconds;
  }
  return value;
}

function readBoolean(name: string, fallback: boolean, bad: Bad): boolean {
  const raw = core.getInput(name);
  if (!raw) return fallback;
  try {
    return core.getBooleanInput(name);
  } catch {
    bad(name, raw, 'one of true, True, TRUE, false, False, FALSE');
    return fallback;
  }
}
