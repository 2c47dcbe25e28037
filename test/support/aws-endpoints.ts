import { generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// Loopback stand-ins for the two AWS-side services the action talks to: the Actions OIDC
// token service (ACTIONS_ID_TOKEN_REQUEST_URL) and STS (AWS_ENDPOINT_URL_STS). Responses
// follow the real wire formats so the real @actions/core and @aws-sdk/client-sts parse them.
// No token, secret or session token is ever written to a log here.

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_ROLE_ARN = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-ci`;
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

// --- OIDC issuer ------------------------------------------------------------------------

export type OidcClaims = Record<string, string | number | boolean> & { sub: string };

export interface OidcRequest { audience: string | undefined; authorized: boolean; status: number }

export interface OidcIssuer {
  /** For ACTIONS_ID_TOKEN_REQUEST_URL: already has `?api-version=2.0`, like the runner's. */
  requestUrl: string;
  requestToken: string;
  publicKey: KeyObject;
  /** Claims put in every token; tests may overwrite any (e.g. sub for a fork PR). */
  claims: OidcClaims;
  requests: OidcRequest[];
  issuedTokens: string[];
  /** The next `times` token requests fail with `status` (500, 503, ...). */
  failNext(status: number, times?: number): void;
  /** Signs a token directly, e.g. an expired one to present to STS. */
  mint(overrides?: Partial<OidcClaims>, opts?: { audience?: string; lifetimeSeconds?: number }): string;
  /** The token's claims when its signature is ours; undefined otherwise. */
  verify(jwt: string): OidcClaims | undefined;
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export function defaultClaims(): OidcClaims {
  return {
    sub: 'repo:octo-org/octo-repo:pull_request',
    ref: 'refs/pull/42/merge',
    sha: 'ffac537e6cbbf934b08745a378932722df287a53',
    repository: 'octo-org/octo-repo',
    repository_id: '74',
    repository_owner: 'octo-org',
    repository_owner_id: '65',
    repository_visibility: 'private',
    actor: 'octocat',
    actor_id: '12',
    run_id: '8110000001',
    run_number: '10',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    workflow: 'database',
    event_name: 'pull_request',
    ref_type: 'branch',
    head_ref: 'feature',
    base_ref: 'main',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/database.yml@refs/pull/42/merge',
  };
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const requestToken = randomBytes(24).toString('base64url');
  const faults: number[] = [];
  const requests: OidcRequest[] = [];
  const issuedTokens: string[] = [];
  const claims = defaultClaims();

  const mint: OidcIssuer['mint'] = (overrides = {}, opts = {}) => {
    const iat = Math.floor(Date.now() / 1000);
    const payload = {
      jti: randomUUID(),
      ...claims,
      aud: opts.audience ?? 'sts.amazonaws.com',
      iss: GITHUB_ISSUER,
      // GitHub's tokens: valid from 10 minutes back, for 5 minutes.
      nbf: iat - 600,
      iat,
      exp: iat + (opts.lifetimeSeconds ?? 300),
      ...overrides,
    };
    const head = b64url({ typ: 'JWT', alg: 'RS256', x5t: kid, kid });
    const body = b64url(payload);
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
    return `${head}.${body}.${sig}`;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || !url.pathname.endsWith('/idtoken')) return json(res, 404, { message: 'Not Found' });
    const audience = url.searchParams.get('audience') ?? undefined;
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const record = (status: number): void => void requests.push({ audience, authorized, status });
    const fault = faults.shift();
    if (fault !== undefined) {
      record(fault);
      return json(res, fault, { message: `Injected failure (HTTP ${fault})` });
    }
    if (!authorized) {
      record(401);
      return json(res, 401, { message: 'The user is not authorized to request an ID token.' });
    }
    // Without an audience the real service uses the repository owner's URL.
    const owner = String(claims.repository_owner);
    const token = mint({}, { audience: audience ?? `https://github.com/${owner}` });
    issuedTokens.push(token);
    record(200);
    json(res, 200, { count: 1, value: token });
  };

  const { server, base } = await listen(handler);
  const path = `/${randomBytes(6).toString('hex')}/_apis/distributedtask/hubs/Actions/plans/${randomUUID()}/jobs/${randomUUID()}/idtoken`;
  const requestUrl = `${base}${path}?api-version=2.0`;
  return {
    requestUrl,
    requestToken,
    publicKey,
    claims,
    requests,
    issuedTokens,
    failNext: (status, times = 1) => faults.push(...Array<number>(times).fill(status)),
    mint,
    verify: (jwt) => verifyJwt(jwt, publicKey),
    env: () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }),
    stop: () => close(server),
  };
}

function verifyJwt(jwt: string, key: KeyObject): OidcClaims | undefined {
  const [head, body, sig] = jwt.split('.');
  if (!head || !body || !sig) return undefined;
  try {
    return verify('sha256', Buffer.from(`${head}.${body}`), key, Buffer.from(sig, 'base64url')) ? decodeJwt(jwt) : undefined;
  } catch {
    return undefined;
  }
}

/** Payload of a JWT without checking its signature (what STS reads before validating). */
export function decodeJwt(jwt: string): OidcClaims | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as OidcClaims;
  } catch {
    return undefined;
  }
}

// --- STS ----------------------------------------------------------------------------------

export interface StsRole {
  arn: string;
  /** Trust rule on the token's `sub`, `*` as wildcard, like `token.actions.githubusercontent.com:sub` in StringLike. */
  subjectPattern?: string;
  /** Seconds; AWS's default MaxSessionDuration is one hour. */
  maxSessionDuration?: number;
}

export type StsFault =
  | 'AccessDenied' | 'Throttling' | 'ExpiredTokenException' | 'InvalidIdentityToken' | 'IncorrectAudience'
  | 'IDPCommunicationError' | 'ValidationError' | 'InternalFailure';

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
  ExpiredTokenException: { status: 400, code: 'ExpiredTokenException', message: 'Token expired: current date/time must be before the expiration date/time' },
  InvalidIdentityToken: { status: 400, code: 'InvalidIdentityToken', message: `No OpenIDConnect provider found in your account for ${GITHUB_ISSUER}` },
  IncorrectAudience: { status: 400, code: 'InvalidIdentityToken', message: 'Incorrect token audience' },
  IDPCommunicationError: { status: 400, code: 'IDPCommunicationError', message: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements" },
  ValidationError: { status: 400, code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' },
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
      return validation(`Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    if (duration < 900) return validation(`Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
    const token = p.get('WebIdentityToken') ?? '';
    const claims = opts.issuer ? opts.issuer.verify(token) : decodeJwt(token);
    if (!claims) return { status: 400, code: 'InvalidIdentityToken', message: 'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.' };
    rec.sub = claims.sub;
    rec.aud = String(claims.aud);
    if (claims.iss !== GITHUB_ISSUER) return { ...FAULTS.InvalidIdentityToken, message: `No OpenIDConnect provider found in your account for ${String(claims.iss)}` };
    if (!audiences.includes(String(claims.aud))) return FAULTS.IncorrectAudience;
    const now = Math.floor(Date.now() / 1000);
    if (Number(claims.exp) <= now) {
      return { ...FAULTS.ExpiredTokenException, message: `Token expired: current date/time ${now} must be before the expiration date/time${String(claims.exp)}` };
    }
    const role = roles.get(roleArn);
    if (!role || (role.subjectPattern && !globMatch(role.subjectPattern, claims.sub))) return FAULTS.AccessDenied;
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
    else result = { status: 400, code: 'InvalidAction', message: `Could not find operation ${action} for version ${params.get('Version') ?? ''}` };

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
    get credentialLifetimeSeconds() { return state.credentialLifetimeSeconds; },
    set credentialLifetimeSeconds(v) { state.credentialLifetimeSeconds = v; },
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

// --- both together ---------------------------------------------------------------------

export interface AwsEndpoints {
  oidc: OidcIssuer;
  sts: StsServer;
  /** ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN and AWS_ENDPOINT_URL_STS for a spawned action. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startAwsEndpoints(opts: Omit<StsOptions, 'issuer'> = {}): Promise<AwsEndpoints> {
  const oidc = await startOidcIssuer();
  const sts = await startSts({ ...opts, issuer: oidc });
  return {
    oidc,
    sts,
    env: () => ({ ...oidc.env(), ...sts.env() }),
    stop: async () => { await Promise.all([oidc.stop(), sts.stop()]); },
  };
}

// --- helpers -----------------------------------------------------------------------------

/** StringLike semantics: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

function randomId(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(n), (b) => alphabet[b % 32]).join('');
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  // Keep-alive sockets from SDK clients would otherwise hold close() open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}` };
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
