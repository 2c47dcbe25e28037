import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

// RDS IAM database authentication, on this machine. RDS checks the password of a member of
// rds_iam as a SigV4-presigned "connect" URL; PostgreSQL can hand a password to an LDAP server
// (`ldap` in pg_hba.conf, simple-bind mode), so this module is a tiny LDAP server (BindRequest
// → BindResponse, UnbindRequest; nothing else) whose only directory is "is this password a
// valid IAM token for this user, this endpoint and this region, signed with credentials our
// loopback STS issued?". The checks are the ones RDS makes; the failure PostgreSQL reports
// is `LDAP authentication failed for user "..."` where RDS says `PAM authentication failed ...`.
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

// --- the LDAP server ------------------------------------------------------------------

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

export interface IamAuthServer {
  /** Where PostgreSQL's `ldap` rule sends its simple binds. */
  host: string;
  port: number;
  /** The pg_hba.conf options of the `ldap` method for this server. */
  hbaOptions: string;
  /** Every password check, in order. */
  verifications: IamVerification[];
  /** The endpoint tokens must be signed for (the cluster's); set once PostgreSQL listens. */
  setEndpoint(host: string, port: number): void;
  stop(): Promise<void>;
}

const LDAP_HOST = '127.0.0.1';
const DN = /^cn=([^,]+),dc=rds$/;

export async function startIamAuth(opts: IamAuthOptions): Promise<IamAuthServer> {
  const verifications: IamVerification[] = [];
  let endpoint: { host: string; port: number } | undefined;
  const sockets = new Set<Socket>();

  const check = async (dn: string, password: string): Promise<IamVerification> => {
    const user = DN.exec(dn)?.[1] ?? dn;
    if (!DN.test(dn)) return { user, ok: false, reason: `unexpected bind DN ${JSON.stringify(dn)}` };
    if (!endpoint) return { user, ok: false, reason: 'the cluster endpoint is not known yet' };
    const verdict = await verifyRdsIamToken(password, { user, ...endpoint, region: opts.region }, opts.credentials);
    return verdict.ok
      ? { user, ok: true, reason: 'ok', accessKeyId: verdict.accessKeyId }
      : { user, ok: false, reason: verdict.reason, ...(verdict.accessKeyId ? { accessKeyId: verdict.accessKeyId } : {}) };
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        let message: LdapMessage | undefined;
        try {
          const parsed = readLdapMessage(pending);
          if (!parsed) break;
          message = parsed.message;
          pending = pending.subarray(parsed.length);
        } catch {
          socket.destroy(); // not LDAP: a real server drops the connection too
          return;
        }
        const m = message;
        chain = chain.then(async () => {
          if (m.op === 'unbind') {
            socket.end();
          } else if (m.op === 'bind') {
            const result = m.simple
              ? await check(m.name, m.password)
              : { user: DN.exec(m.name)?.[1] ?? m.name, ok: false, reason: 'only simple bind is supported' };
            verifications.push(result);
            socket.write(bindResponse(m.id, result.ok ? 0 : 49, result.ok ? '' : `IAM token refused: ${result.reason}`));
          } else {
            // protocolError (2) for anything but bind/unbind, then hang up.
            socket.end(bindResponse(m.id, 2, 'only BindRequest and UnbindRequest are supported'));
          }
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LDAP_HOST, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  let stopping: Promise<void> | undefined;
  return {
    host: LDAP_HOST,
    port,
    hbaOptions: `ldapserver=${LDAP_HOST} ldapport=${port} ldapprefix="cn=" ldapsuffix=",dc=rds"`,
    verifications,
    setEndpoint(host, p) {
      endpoint = { host, port: p };
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return stopping;
    },
  };
}

// --- BER, just enough of it ---------------------------------------------------------------

type LdapMessage =
  { op: 'bind'; id: number; name: string; simple: boolean; password: string } | { op: 'unbind'; id: number } | { op: 'other'; id: number };

interface Tlv {
  tag: number;
  start: number;
  end: number;
  next: number;
}

/** One TLV at `offset`, or undefined when the buffer does not hold all of it yet. */
function readTlv(buf: Buffer, offset: number): Tlv | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset] as number;
  let len = buf[offset + 1] as number;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported BER length');
    if (start + n > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  const end = start + len;
  if (end > buf.length) return undefined;
  return { tag, start, end, next: end };
}

function must(t: Tlv | undefined, tag: number): Tlv {
  if (!t || t.tag !== tag) throw new Error('malformed LDAP message');
  return t;
}

function readInt(buf: Buffer, t: Tlv): number {
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + (buf[i] as number);
  return v;
}

/** The next complete LDAPMessage and its length in bytes, or undefined when incomplete. */
function readLdapMessage(buf: Buffer): { message: LdapMessage; length: number } | undefined {
  const outer = readTlv(buf, 0);
  if (!outer) return undefined;
  if (outer.tag !== 0x30) throw new Error('not an LDAPMessage');
  const id = readInt(buf, must(readTlv(buf, outer.start), 0x02));
  const op = readTlv(buf, must(readTlv(buf, outer.start), 0x02).next);
  if (!op) throw new Error('malformed LDAP message');
  if (op.tag === 0x42) return { message: { op: 'unbind', id }, length: outer.next };
  if (op.tag !== 0x60) return { message: { op: 'other', id }, length: outer.next };
  const version = must(readTlv(buf, op.start), 0x02);
  const name = must(readTlv(buf, version.next), 0x04);
  const auth = readTlv(buf, name.next);
  if (!auth) throw new Error('malformed BindRequest');
  return {
    message: {
      op: 'bind',
      id,
      name: buf.subarray(name.start, name.end).toString('utf8'),
      simple: auth.tag === 0x80,
      password: auth.tag === 0x80 ? buf.subarray(auth.start, auth.end).toString('utf8') : '',
    },
    length: outer.next,
  };
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

function berInt(tag: number, v: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

/** LDAPMessage { messageID, bindResponse [APPLICATION 1] { resultCode, matchedDN "", diagnosticMessage } }. */
function bindResponse(id: number, resultCode: number, diagnostic: string): Buffer {
  const body = Buffer.concat([
    berInt(0x0a, resultCode),
    tlv(0x04, Buffer.alloc(0)),
    tlv(0x04, Buffer.from(diagnostic.slice(0, 200), 'utf8')),
  ]);
  return tlv(0x30, Buffer.concat([berInt(0x02, id), tlv(0x61, body)]));
}
