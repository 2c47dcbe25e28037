import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { close, listen, readBody } from './http.js';
import { decodeJwt, GITHUB_ISSUER, type OidcIssuer } from './oidc-issuer.js';

// Loopback stand-in for AWS STS (AWS_ENDPOINT_URL_STS): the real XML wire format, so the real
// @aws-sdk/client-sts parses it, with trust rules, session limits and injectable faults.
// No secret or session token is ever written to a log here.

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_ROLE_ARN = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-ci`;
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface StsRole {
  arn: string;
  /**
   * Trust rule on the token's `sub`, `*` as wildcard, like `token.actions.githubusercontent.com:sub` in StringLike;
   * a list allows any of them, as a list of values in a policy condition does.
   */
  subjectPattern?: string | string[];
  /** The role's trust policy as a function of the token's claims (e.g. a documented policy); checked as well as subjectPattern. */
  trusts?: (claims: { sub: string; aud: string }) => boolean;
  /** Seconds; AWS's default MaxSessionDuration is one hour. */
  maxSessionDuration?: number;
}

export type StsFault =
  | 'AccessDenied'
  | 'Throttling'
  | 'ExpiredTokenException'
  | 'InvalidIdentityToken'
  | 'IncorrectAudience'
  | 'IDPCommunicationError'
  | 'ValidationError'
  | 'InternalFailure';

export interface StsRequest {
  action: string;
  roleArn?: string;
  roleSessionName?: string;
  durationSeconds?: number;
  sub?: string;
  aud?: string;
  status: number;
  errorCode?: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  roleArn: string;
  sessionName: string;
  assumedRoleArn: string;
}

export interface StsServer {
  url: string;
  roles: Map<string, StsRole>;
  addRole(role: StsRole): void;
  /** When set, credentials expire after this many seconds whatever the requested duration. */
  credentialLifetimeSeconds: number | undefined;
  failNext(fault: StsFault, times?: number): void;
  requests: StsRequest[];
  issued: IssuedCredentials[];
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export interface StsOptions {
  /** Tokens must carry this issuer's signature; without it tokens are only decoded. */
  issuer?: OidcIssuer;
  accountId?: string;
  /** Client IDs registered on the IAM OIDC provider. */
  audiences?: string[];
  roles?: StsRole[];
}

type StsError = { status: number; code: string; message: string; type?: 'Sender' | 'Receiver' };

const FAULTS: Record<StsFault, StsError> = {
  AccessDenied: { status: 403, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
  Throttling: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  ExpiredTokenException: {
    status: 400,
    code: 'ExpiredTokenException',
    message: 'Token expired: current date/time must be before the expiration date/time',
  },
  InvalidIdentityToken: {
    status: 400,
    code: 'InvalidIdentityToken',
    message: `No OpenIDConnect provider found in your account for ${GITHUB_ISSUER}`,
  },
  IncorrectAudience: { status: 400, code: 'InvalidIdentityToken', message: 'Incorrect token audience' },
  IDPCommunicationError: {
    status: 400,
    code: 'IDPCommunicationError',
    message:
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  },
  ValidationError: {
    status: 400,
    code: 'ValidationError',
    message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  },
  InternalFailure: { status: 500, code: 'InternalFailure', message: 'An internal error occurred.', type: 'Receiver' },
};

export async function startSts(opts: StsOptions = {}): Promise<StsServer> {
  const account = opts.accountId ?? DEFAULT_ACCOUNT;
  const audiences = opts.audiences ?? ['sts.amazonaws.com'];
  const roles = new Map<string, StsRole>();
  for (const r of opts.roles ?? [{ arn: DEFAULT_ROLE_ARN }]) roles.set(r.arn, r);
  const faults: StsFault[] = [];
  const requests: StsRequest[] = [];
  const issued: IssuedCredentials[] = [];
  const state = { credentialLifetimeSeconds: undefined as number | undefined };

  const assume = (p: URLSearchParams, rec: StsRequest): string | StsError => {
    const roleArn = p.get('RoleArn') ?? '';
    const session = p.get('RoleSessionName') ?? '';
    const duration = Number(p.get('DurationSeconds') ?? 3600);
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
      return validation(
        `Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    if (duration < 900)
      return validation(
        `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
      );
    const token = p.get('WebIdentityToken') ?? '';
    const claims = opts.issuer ? opts.issuer.verify(token) : decodeJwt(token);
    if (!claims)
      return {
        status: 400,
        code: 'InvalidIdentityToken',
        message:
          'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
      };
    rec.sub = claims.sub;
    rec.aud = String(claims.aud);
    if (claims.iss !== GITHUB_ISSUER)
      return { ...FAULTS.InvalidIdentityToken, message: `No OpenIDConnect provider found in your account for ${String(claims.iss)}` };
    if (!audiences.includes(String(claims.aud))) return FAULTS.IncorrectAudience;
    const now = Math.floor(Date.now() / 1000);
    if (Number(claims.exp) <= now) {
      return {
        ...FAULTS.ExpiredTokenException,
        message: `Token expired: current date/time ${now} must be before the expiration date/time${String(claims.exp)}`,
      };
    }
    const role = roles.get(roleArn);
    const allowed = role?.subjectPattern === undefined ? undefined : [role.subjectPattern].flat();
    if (!role || (allowed && !allowed.some((p) => globMatch(p, claims.sub)))) return FAULTS.AccessDenied;
    if (role.trusts && !role.trusts({ sub: claims.sub, aud: String(claims.aud) })) return FAULTS.AccessDenied;
    if (duration > (role.maxSessionDuration ?? 3600)) return FAULTS.ValidationError;

    const creds = newCredentials(account, roleArn, session, state.credentialLifetimeSeconds ?? duration);
    issued.push(creds);
    return `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NS}">
  <AssumeRoleWithWebIdentityResult>
    <Audience>${xml(String(claims.aud))}</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>AROA${randomId(17)}:${xml(session)}</AssumedRoleId>
      <Arn>${xml(creds.assumedRoleArn)}</Arn>
    </AssumedRoleUser>
    <Provider>arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com</Provider>
    <Credentials>
      <AccessKeyId>${creds.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${creds.secretAccessKey}</SecretAccessKey>
      <SessionToken>${creds.sessionToken}</SessionToken>
      <Expiration>${creds.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>${xml(claims.sub)}</SubjectFromWebIdentityToken>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`;
  };

  const callerIdentity = (req: IncomingMessage): string | StsError => {
    // The signature is not verified; the access key id says which session is calling.
    const keyId = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const creds = issued.find((c) => c.accessKeyId === keyId);
    if (!creds) return { status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
    return `<GetCallerIdentityResponse xmlns="${STS_NS}">
  <GetCallerIdentityResult>
    <Arn>${xml(creds.assumedRoleArn)}</Arn>
    <UserId>AROA${randomId(17)}:${xml(creds.sessionName)}</UserId>
    <Account>${account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const params = new URLSearchParams(req.method === 'POST' ? body : new URL(req.url ?? '/', 'http://x').search);
    const action = params.get('Action') ?? '';
    const rec: StsRequest = { action, status: 0 };
    const roleArn = params.get('RoleArn');
    const session = params.get('RoleSessionName');
    if (roleArn !== null) rec.roleArn = roleArn;
    if (session !== null) rec.roleSessionName = session;
    if (params.has('DurationSeconds')) rec.durationSeconds = Number(params.get('DurationSeconds'));
    requests.push(rec);

    const fault = faults.shift();
    let result: string | StsError;
    if (fault) {
      if (action === 'AssumeRoleWithWebIdentity') {
        const claims = decodeJwt(params.get('WebIdentityToken') ?? '');
        if (claims) Object.assign(rec, { sub: claims.sub, aud: String(claims.aud) });
      }
      result = FAULTS[fault];
    } else if (action === 'AssumeRoleWithWebIdentity') result = assume(params, rec);
    else if (action === 'GetCallerIdentity') result = callerIdentity(req);
    else
      result = {
        status: 400,
        code: 'InvalidAction',
        message: `Could not find operation ${action} for version ${params.get('Version') ?? ''}`,
      };

    if (typeof result === 'string') {
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
      res.end(result);
      return;
    }
    rec.status = result.status;
    rec.errorCode = result.code;
    const requestId = randomUUID();
    res.writeHead(result.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(`<ErrorResponse xmlns="${STS_NS}">
  <Error>
    <Type>${result.type ?? 'Sender'}</Type>
    <Code>${result.code}</Code>
    <Message>${xml(result.message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`);
  };

  const { server, base } = await listen((req, res) => void handler(req, res).catch(() => res.destroy()));
  return {
    url: base,
    roles,
    addRole: (r) => void roles.set(r.arn, r),
    get credentialLifetimeSeconds() {
      return state.credentialLifetimeSeconds;
    },
    set credentialLifetimeSeconds(v) {
      state.credentialLifetimeSeconds = v;
    },
    failNext: (fault, times = 1) => faults.push(...Array<StsFault>(times).fill(fault)),
    requests,
    issued,
    env: () => ({ AWS_ENDPOINT_URL_STS: base }),
    stop: () => close(server),
  };
}

function validation(detail: string): StsError {
  return { status: 400, code: 'ValidationError', message: `1 validation error detected: ${detail}` };
}

function newCredentials(account: string, roleArn: string, session: string, lifetime: number): IssuedCredentials {
  const roleName = roleArn.split('/').pop() ?? 'role';
  return {
    accessKeyId: `ASIA${randomId(16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    // Real session tokens start with this prefix; secret scanners (and our leak checks) know it.
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(240).toString('base64')}`,
    expiration: new Date(Date.now() + lifetime * 1000),
    roleArn,
    sessionName: session,
    assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`,
  };
}

/** StringLike semantics: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

function randomId(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(n), (b) => alphabet[b % 32]).join('');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
