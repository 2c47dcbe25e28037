import { DEFAULT_GATED_CLASSES, registerSecret, type Inputs, type ModeInput } from '../core/index.js';
import { readApprovers, readGatedClasses, readLintSkip, readRolesPaths } from './input-lists.js';
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
} from './input-rules.js';
import { oneOf, readBoolean, readDuration, type Field } from './fields.js';
import { readDirectory } from './workspace.js';

// Every input of action.yml, one row each: its name, the default action.yml declares, and the
// parser that turns the raw text into the typed value or reports what is wrong with it. The row
// order is the order problems are listed in. Checks that relate two inputs are in cross-checks.ts.
// test/unit/contract.test.ts keeps the names and defaults equal to action.yml's.

/** Lock timeout cap: long enough to queue behind another run, short of holding a runner for hours. */
const MAX_LOCK_TIMEOUT_SECONDS = 3600;
/** facts-timeout cap: the impact facts are a few catalog queries; a minute is already generous. */
const MAX_FACTS_TIMEOUT_SECONDS = 60;
/** The stand-ins a bad facts-timeout / impact-scan-limit parses to (the run stops on the error anyway). */
const DEFAULT_FACTS_TIMEOUT_MS = 5000;
const DEFAULT_IMPACT_SCAN_LIMIT = 1_000_000;
/** GitHub label names are at most 50 characters. */
const MAX_LABEL_LENGTH = 50;
const MODES: readonly [ModeInput, ...ModeInput[]] = ['auto', 'plan', 'apply'];
const ROLES_ON_APPLY: readonly [Inputs['rolesOnApply'], ...Inputs['rolesOnApply'][]] = ['changed', 'always'];

const ROLE_ARN_RULE = 'an IAM role ARN such as arn:aws:iam::123456789012:role/atlas-ci in a real partition, or empty';
const roleArn: Field<string>['parse'] = (raw, p) => {
  if (raw && !parseRoleArn(raw)) p.bad(ROLE_ARN_RULE);
  return raw;
};

/** The table: one row per input, keyed by the Inputs field it fills. */
export const INPUT_TABLE = {
  githubToken: {
    name: 'github-token',
    // The runner fills `${{ github.token }}` in; without the runner the input is simply empty.
    parse: (raw, p) => {
      // The token is a secret from the moment it is read; it never appears in a message, even malformed.
      registerSecret(raw);
      if (!raw) {
        p.problem(
          `Input "${p.name}" is empty; it is needed to read the changed files and to post the comment. Leave it unset to use \${{ github.token }}, or pass a token with contents: read and pull-requests: write`,
        );
      }
      return raw;
    },
  },
  awsRegion: {
    name: 'aws-region',
    required: true,
    parse: (raw, p) => {
      if (!raw) p.problem(`Input "${p.name}" is required (an AWS region such as us-east-1); got ""`);
      else if (!REGION.test(raw)) p.bad('an AWS region such as us-east-1');
      return raw;
    },
  },
  roleToAssume: { name: 'role-to-assume', default: '', parse: roleArn },
  applyRoleToAssume: { name: 'apply-role-to-assume', default: '', parse: roleArn },
  audience: {
    name: 'audience',
    default: 'sts.amazonaws.com',
    parse: (raw, p) => {
      if (raw.length > 255 || /\s/.test(raw) || CONTROL.test(raw)) {
        p.bad('a client id of the IAM OIDC provider without spaces, such as sts.amazonaws.com');
      }
      return raw;
    },
  },
  roleSessionName: {
    name: 'role-session-name',
    default: '',
    parse: (raw, p) => {
      const name = raw || defaultSessionName();
      if (!SESSION_NAME.test(name)) p.bad('2 to 64 characters of letters, digits and +=,.@_-', name);
      return name;
    },
  },
  roleDurationSeconds: { name: 'role-duration-seconds', default: '3600', parse: readDuration },
  awsProfile: {
    name: 'aws-profile',
    default: '',
    parse: (raw, p) => {
      if (raw && !PROFILE_NAME.test(raw)) p.bad('a profile name of at most 64 characters without whitespace, [, ], #, ; or =');
      return raw;
    },
  },
  rolesWorkingDirectory: { name: 'roles-working-directory', default: 'terraform/roles', parse: readDirectory },
  schemaWorkingDirectory: { name: 'schema-working-directory', default: 'terraform/schema', parse: readDirectory },
  // Empty here; the default follows roles-working-directory (see cross-checks.ts).
  rolesPaths: { name: 'roles-paths', default: '', parse: readRolesPaths },
  mode: { name: 'mode', default: 'auto', parse: oneOf(MODES) },
  comment: { name: 'comment', default: 'true', parse: readBoolean },
  rolesOnApply: { name: 'roles-on-apply', default: 'changed', parse: oneOf(ROLES_ON_APPLY) },
  lockTimeout: {
    name: 'lock-timeout',
    default: '5m',
    parse: (raw, p) => {
      const seconds = parseDuration(raw);
      if (seconds === undefined || seconds > MAX_LOCK_TIMEOUT_SECONDS) {
        p.bad('a Terraform duration with a unit of at most 1h, such as 5m, 30s or 1h');
      }
      return raw;
    },
  },
  factsTimeoutMs: {
    name: 'facts-timeout',
    default: '5s',
    parse: (raw, p) => {
      const seconds = parseDuration(raw);
      if (seconds === undefined || seconds <= 0 || seconds > MAX_FACTS_TIMEOUT_SECONDS) {
        p.bad('a duration with a unit, above 0 and at most 1m, such as 5s, 500ms or 30s');
        return DEFAULT_FACTS_TIMEOUT_MS;
      }
      return Math.round(seconds * 1000);
    },
  },
  impactScanLimit: {
    name: 'impact-scan-limit',
    default: '1000000',
    parse: (raw, p) => {
      const digits = raw.replace(/_/g, '');
      const limit = /^\d{1,12}$/.test(digits) ? Number(digits) : NaN;
      if (Number.isSafeInteger(limit)) return limit;
      p.bad('a whole number of rows, such as 1000000, or 0 to scan no table');
      return DEFAULT_IMPACT_SCAN_LIMIT;
    },
  },
  dbEndpoint: {
    name: 'db-endpoint',
    default: '',
    parse: (raw, p) => {
      if (raw && !parseEndpoint(raw)) {
        p.bad('host:port with a numeric port, such as mydb.xxxx.us-east-1.rds.amazonaws.com:5432, or empty');
      }
      return raw;
    },
  },
  dbName: {
    name: 'db-name',
    default: '',
    parse: (raw, p) => {
      if (raw && (Buffer.byteLength(raw) > 63 || CONTROL.test(raw))) {
        p.bad('a PostgreSQL database name of at most 63 bytes without control characters');
      }
      return raw;
    },
  },
  dbUser: {
    name: 'db-user',
    default: 'atlas_migrator',
    parse: (raw, p) => {
      if (!DB_USER.test(raw)) p.bad('a PostgreSQL user name of at most 63 characters (letters, digits, _ $ . -), such as atlas_migrator');
      return raw;
    },
  },
  masterUser: {
    name: 'master-user',
    default: 'postgres',
    parse: (raw, p) => {
      if (!DB_USER.test(raw)) {
        p.bad("the RDS instance's master user name (letters, digits, _ $ . -, at most 63 characters), such as postgres");
      }
      return raw;
    },
  },
  environment: {
    name: 'environment',
    default: '',
    parse: (raw, p) => {
      if (raw && !ENVIRONMENT.test(raw)) {
        p.bad('the database\'s name in letters, digits, ".", "_" and "-" (at most 63), such as staging or billing-prod, or empty');
      }
      return raw;
    },
  },
  destructiveLabel: {
    name: 'destructive-label',
    default: '',
    // Read untrimmed, so a label with surrounding spaces (which never matches) is reported.
    explicitEmpty: true,
    parse: (raw, p) => {
      if (raw.length > MAX_LABEL_LENGTH || raw.trim() !== raw || CONTROL.test(raw)) {
        p.bad(
          `a GitHub label name of at most ${MAX_LABEL_LENGTH} characters without surrounding spaces, or empty (the default) for no label requirement`,
        );
      }
      return raw;
    },
  },
  gatedClasses: { name: 'gated-classes', default: DEFAULT_GATED_CLASSES.join(', '), parse: readGatedClasses },
  approvers: { name: 'approvers', default: '', parse: readApprovers },
  requireReviewedPlan: { name: 'require-reviewed-plan', default: 'true', parse: readBoolean },
  driftIssue: { name: 'drift-issue', default: 'true', parse: readBoolean },
  failOnDrift: { name: 'fail-on-drift', default: 'false', parse: readBoolean },
  lintSkip: { name: 'lint-skip', default: '', parse: readLintSkip },
} as const satisfies { [K in keyof Inputs]: Field<Inputs[K]> };

/** Input names as action.yml spells them, by the Inputs field they fill. */
export const INPUT = Object.fromEntries(Object.entries(INPUT_TABLE).map(([key, row]) => [key, row.name])) as {
  readonly [K in keyof typeof INPUT_TABLE]: (typeof INPUT_TABLE)[K]['name'];
};

/** STS session names allow [\w+=,.@-]{2,64}; run ids are digits, so this is mostly a guard. */
function defaultSessionName(): string {
  const runId = process.env['GITHUB_RUN_ID'];
  const attempt = process.env['GITHUB_RUN_ATTEMPT'];
  const name = ['rds-atlas-action', runId, runId ? attempt : undefined].filter(Boolean).join('-');
  return name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
