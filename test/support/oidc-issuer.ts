import { generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { close, json, listen } from './http.js';

// Loopback stand-in for the Actions OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL): answers
// like the runner's endpoint so the real @actions/core getIDToken parses it. Tokens are
// RS256-signed with a key made at start; no token is ever written to a log here.

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export type OidcClaims = Record<string, string | number | boolean> & { sub: string };

export interface OidcRequest {
  audience: string | undefined;
  authorized: boolean;
  status: number;
}

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

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
