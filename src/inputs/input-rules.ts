// The shapes inputs must have. Pure; inputs.ts applies them and words the errors, other
// modules reuse the same rules (the endpoint parser, the profile name, the partition of a region).

/**
 * Every AWS region name: us-east-1, ap-southeast-7, us-gov-west-1, cn-north-1, us-iso-east-1,
 * us-isob-east-1, eu-isoe-west-1, us-isof-south-1, eusc-de-east-1 …
 */
export const REGION = /^(?:[a-z]{2}|us-gov|us-iso[a-z]?|eu-iso[a-z]?|eusc-[a-z]{2})-[a-z]+-\d{1,2}$/;

/** The AWS partitions that exist. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** The partition a region belongs to (its prefix decides). */
export function regionPartition(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/;

export interface RoleArn {
  partition: string;
  account: string;
  name: string;
}

/** The parts of an IAM role ARN; undefined when it is not one, or names no real partition. */
export function parseRoleArn(arn: string): RoleArn | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m?.[1] || !m[2] || !m[3] || !(PARTITIONS as readonly string[]).includes(m[1])) return undefined;
  return { partition: m[1], account: m[2], name: m[3] };
}

export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * AWS profile names as the action writes them: `[profile <name>]` in an INI file, where
 * brackets, comment starters, `=` and whitespace would corrupt the section header.
 */
export const PROFILE_NAME = /^[^\s[\]#;=]{1,64}$/;

/** The database's name as users know it, also part of the comment marker and the drift issue title. */
export const ENVIRONMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;

/** A PostgreSQL user the action connects as (≤ 63 bytes, identifier-like). */
export const DB_USER = /^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/;

const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * Seconds of a Go duration with units ("5m", "90s", "1h30m", "500ms"), as Terraform's
 * -lock-timeout parses it; undefined when it is not one. A bare number is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  GO_DURATION_PART.lastIndex = 0;
  let seconds = 0;
  let consumed = 0;
  for (let m = GO_DURATION_PART.exec(text); m; m = GO_DURATION_PART.exec(text)) {
    seconds += Number(m[1]) * (UNIT_SECONDS[m[2] ?? ''] ?? NaN);
    consumed = GO_DURATION_PART.lastIndex;
  }
  return consumed === text.length && Number.isFinite(seconds) ? seconds : undefined;
}

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port" → parts; undefined unless a host and a port 1–65535 are both there. IPv6 in brackets. */
export function parseEndpoint(endpoint: string): HostPort | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(endpoint);
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** Error messages quote at most this much of a value: enough to recognise it, not a log dump. */
const QUOTE_LIMIT = 100;

/** A value as error messages show it: JSON-quoted, shortened. */
export function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value);
}

/** Control characters (and NUL) never belong in a name. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;
