import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

// RDS IAM database authentication, on this machine. RDS checks the password of a member of
// rds_iam as a SigV4-presigned "connect" URL: is it a valid IAM token for this user, this
// endpoint and this region, signed with credentials our loopback STS issued? The RDS front
// (rds-front.ts) asks these questions at the door, as RDS does, and refuses a bad token with
// RDS's own `PAM authentication failed for user "..."`.
//
// The SigV4 plumbing here (credential lookup, SHA-256 for @smithy/signature-v4) is shared with
// the loopback Secrets Manager. No secret, token or signature is ever recorded or logged.

/** Credentials a loopback AWS service accepts: `sts.issued` entries fit this shape. */
export interface TrustedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session>, when known. */
  assumedRoleArn?: string;
}

/** Read on every check, so credentials STS issues later are known too. */
export type CredentialSource = () => readonly TrustedCredentials[];

/** SHA-256 / HMAC-SHA-256 with the interface @smithy/signature-v4 expects, on node:crypto. */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBuffer(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** yyyyMMddTHHmmssZ → Date, or undefined when malformed. */
export function parseAmzDate(s: string | null | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se));
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// --- the RDS IAM token ------------------------------------------------------------------

export interface TokenExpectation {
  /** The PostgreSQL user logging in (RDS: the DBUser the token must name). */
  user: string;
  /** The endpoint the cluster is reached at; the token must be signed for exactly this. */
  host: string;
  port: number;
  region: string;
}

export type TokenVerdict = { ok: true; accessKeyId: string } | { ok: false; reason: string; accessKeyId?: string };

const MAX_EXPIRES_SECONDS = 900;
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Checks a password as RDS checks an IAM token: `host:port/?Action=connect&DBUser=...` with
 * SigV4 query parameters for service rds-db in the expected region, signed (with the token's
 * own X-Amz-Date) by the secret of an unexpired credential from `credentials`, session token
 * included, not older than X-Amz-Expires (at most 900 s). Reasons never quote the token.
 */
export async function verifyRdsIamToken(
  token: string,
  expect: TokenExpectation,
  credentials: CredentialSource,
  now: number = Date.now(),
): Promise<TokenVerdict> {
  const at = token.indexOf('/?');
  if (at <= 0) return { ok: false, reason: 'not an IAM token (no "host:port/?" prefix)' };
  const hostPort = token.slice(0, at);
  const query = new URLSearchParams(token.slice(at + 2));
  const one = (name: string): string | undefined => {
    const all = query.getAll(name);
    return all.length === 1 ? all[0] : undefined;
  };
  const credential = (one('X-Amz-Credential') ?? '').split('/');
  const accessKeyId = credential[0] ?? '';
  const fail = (reason: string): TokenVerdict => ({ ok: false, reason, ...(accessKeyId ? { accessKeyId } : {}) });

  if (hostPort !== `${expect.host}:${expect.port}`) {
    return fail(`signed for endpoint ${hostPort}, not ${expect.host}:${expect.port}`);
  }
  if (one('Action') !== 'connect') return fail('Action is not connect');
  const dbUser = one('DBUser');
  if (dbUser !== expect.user) return fail(`signed for DBUser ${JSON.stringify(dbUser ?? '')}, not ${JSON.stringify(expect.user)}`);
  if (one('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return fail('X-Amz-Algorithm is not AWS4-HMAC-SHA256');
  if (one('X-Amz-SignedHeaders') !== 'host') return fail('X-Amz-SignedHeaders is not host');
  const [, scopeDate, scopeRegion, scopeService, terminator] = credential;
  if (credential.length !== 5 || !accessKeyId || scopeService !== 'rds-db' || terminator !== 'aws4_request') {
    return fail('X-Amz-Credential is not <key>/<date>/<region>/rds-db/aws4_request');
  }
  if (scopeRegion !== expect.region) return fail(`signed for region ${scopeRegion ?? ''}, not ${expect.region}`);
  const signedAt = parseAmzDate(one('X-Amz-Date'));
  if (!signedAt) return fail('X-Amz-Date is missing or malformed');
  if (scopeDate !== one('X-Amz-Date')?.slice(0, 8)) return fail('X-Amz-Credential date differs from X-Amz-Date');
  const expires = Number(one('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) return fail('X-Amz-Expires is not 1..900');
  if (signedAt.getTime() > now + CLOCK_SKEW_MS) return fail('X-Amz-Date is in the future');
  if (now > signedAt.getTime() + expires * 1000) return fail('the token expired');
  const signature = one('X-Amz-Signature');
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return fail('X-Amz-Signature is missing or malformed');

  const creds = credentials().find((c) => c.accessKeyId === accessKeyId);
  if (!creds) return fail('unknown access key id');
  if (creds.expiration && creds.expiration.getTime() <= now) return fail('the credentials that signed the token have expired');
  const sessionToken = one('X-Amz-Security-Token');
  if ((creds.sessionToken ?? undefined) !== sessionToken) return fail('X-Amz-Security-Token does not match the credentials');

  // Re-sign the same request with the issued secret and the token's own date and lifetime.
  const signed = await new SignatureV4({
    service: 'rds-db',
    region: expect.region,
    credentials: { accessKeyId, secretAccessKey: creds.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    sha256: NodeSha256,
  }).presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: expect.host,
      port: expect.port,
      path: '/',
      query: Object.fromEntries([...query.entries()].filter(([k]) => !k.startsWith('X-Amz-'))),
      headers: { host: hostPort },
    },
    { signingDate: signedAt, expiresIn: expires },
  );
  const expected = String(signed.query?.['X-Amz-Signature'] ?? '');
  if (!sameSignature(expected, signature)) return fail('signature mismatch');
  return { ok: true, accessKeyId };
}

// --- the verifier the RDS front asks ---------------------------------------------------------

export interface IamVerification {
  user: string;
  ok: boolean;
  /** 'ok', or why the token was refused (never the token). */
  reason: string;
  accessKeyId?: string;
}

export interface IamAuthOptions {
  /** The credentials tokens may be signed with, e.g. `() => sts.issued`. */
  credentials: CredentialSource;
  /** The region tokens must be signed for. */
  region: string;
}

export interface IamVerifier {
  /** Every token check, in order. */
  verifications: IamVerification[];
  /** Checks `token` as the password of `user` at `endpoint` (the one clients connect to), and records the verdict. */
  check(user: string, token: string, endpoint: { host: string; port: number }): Promise<IamVerification>;
}

export function createIamVerifier(opts: IamAuthOptions): IamVerifier {
  const verifications: IamVerification[] = [];
  return {
    verifications,
    async check(user, token, endpoint) {
      const verdict = await verifyRdsIamToken(token, { user, ...endpoint, region: opts.region }, opts.credentials);
      const result: IamVerification = verdict.ok
        ? { user, ok: true, reason: 'ok', accessKeyId: verdict.accessKeyId }
        : { user, ok: false, reason: verdict.reason, ...(verdict.accessKeyId ? { accessKeyId: verdict.accessKeyId } : {}) };
      verifications.push(result);
      return result;
    },
  };
}
