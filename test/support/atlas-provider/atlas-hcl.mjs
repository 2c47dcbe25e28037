// How the stand-in Atlas provider (a test double, see README.md) gets an env's database URL:
// the way the seed's atlas.hcl declares it, with the credentials of the profile it names.
//   env "roles":  data "runtimevar" "master_secret" (Secrets Manager GetSecretValue)
//                 → postgres://<username>:<urlescape(password)>@<endpoint>/<database_name>?sslmode=require
//   env "schema": data "aws_rds_token" "migrator" (an RDS IAM token signed locally)
//                 → postgres://<migrator_username>:<urlescape(token)>@<endpoint>/<database_name>?sslmode=require
// Which of the two an env uses is read from its `url` in the resource's `config` (atlas.hcl).
// Everything AWS is loaded on first use only: most provider processes never plan.
import { randomUUID } from 'node:crypto';

/**
 * @typedef {import('./aws-profile.mjs').Credentials} Credentials
 * @typedef {'master_secret' | 'rds_token'} UrlKind
 */

/**
 * Which data source the env's url in atlas.hcl reads.
 * @param {string | null} config the resource's `config` (atlas.hcl text)
 * @param {string} envName
 * @returns {UrlKind}
 */
export function urlKindOf(config, envName) {
  const block = new RegExp(`env\\s+"${envName.replace(/[^\w-]/g, '')}"\\s*\\{[^]*?\\burl\\s*=\\s*"([^"\\n]*)"`).exec(config ?? '');
  if (!block) throw new Error(`stand-in Atlas provider: atlas.hcl (the resource's config) has no env "${envName}" with a url`);
  const url = block[1] ?? '';
  if (url.includes('data.runtimevar.')) return 'master_secret';
  if (url.includes('data.aws_rds_token.')) return 'rds_token';
  throw new Error(`stand-in Atlas provider: env "${envName}" url reads neither data.runtimevar nor data.aws_rds_token: ${url}`);
}

/**
 * The env's database URL, resolved with the profile's credentials.
 * @param {{ envName: string, config: string | null, vars: Record<string, unknown>, credentials: Credentials,
 *   env?: NodeJS.ProcessEnv }} o
 * @returns {Promise<string>}
 */
export async function resolveEnvUrl({ envName, config, vars, credentials, env = process.env }) {
  const v = (/** @type {string} */ name) => {
    const value = vars[name];
    if (typeof value !== 'string' || value === '') throw new Error(`atlas.hcl: variable "${name}" is not set`);
    return value;
  };
  const endpoint = v('endpoint');
  const database = v('database_name');
  const region = v('region');
  if (urlKindOf(config, envName) === 'master_secret') {
    const secret = await getSecretValue(v('master_secret_name'), region, credentials, env);
    let parsed;
    try {
      parsed = JSON.parse(secret);
    } catch {
      throw new Error('data.runtimevar.master_secret: jsondecode: the secret is not JSON');
    }
    if (typeof parsed?.username !== 'string' || typeof parsed?.password !== 'string') {
      throw new Error('data.runtimevar.master_secret: the secret has no string "username" and "password"');
    }
    return `postgres://${parsed.username}:${urlescape(parsed.password)}@${endpoint}/${database}?sslmode=require`;
  }
  const user = v('migrator_username');
  const token = await rdsToken(endpoint, user, region, credentials);
  return `postgres://${user}:${urlescape(token)}@${endpoint}/${database}?sslmode=require`;
}

/** Atlas's urlescape (Go's url.QueryEscape). */
export function urlescape(/** @type {string} */ s) {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * data "aws_rds_token": a SigV4-presigned connect URL for host:port, user and region.
 * @param {string} endpoint host:port
 * @param {string} user
 * @param {string} region
 * @param {Credentials} credentials
 */
async function rdsToken(endpoint, user, region, credentials) {
  const m = /^(.+?)(?::(\d+))?$/.exec(endpoint);
  const hostname = m?.[1] ?? endpoint;
  const port = m?.[2] ? Number(m[2]) : 5432;
  const { Signer } = await import('@aws-sdk/rds-signer');
  return new Signer({ hostname, port, username: user, region, credentials }).getAuthToken();
}

/**
 * Secrets Manager GetSecretValue (JSON 1.1), SigV4-signed with the credentials, at
 * AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL, or the regional endpoint). A service
 * error becomes the message the Go SDK (through gocloud's runtimevar) would give Atlas.
 * @param {string} secretId
 * @param {string} region
 * @param {Credentials} credentials
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string>} the SecretString
 */
async function getSecretValue(secretId, region, credentials, env) {
  const base = new URL(env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL || `https://secretsmanager.${region}.amazonaws.com`);
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/core/checksum')]);
  const body = JSON.stringify({ SecretId: secretId });
  const signed = await new SignatureV4({ service: 'secretsmanager', region, credentials, sha256: Sha256 }).sign({
    method: 'POST',
    protocol: base.protocol,
    hostname: base.hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    path: base.pathname || '/',
    query: {},
    headers: {
      host: base.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  });
  const res = await send(base, /** @type {Record<string, string>} */ (signed.headers), body);
  let payload;
  try {
    payload = JSON.parse(res.body || '{}');
  } catch {
    payload = {};
  }
  const requestId = res.headers['x-amzn-requestid'] ?? randomUUID();
  if (res.status !== 200) {
    const code = String(res.headers['x-amzn-errortype'] ?? payload.__type ?? 'UnknownError').split(':')[0];
    const message = payload.message ?? payload.Message ?? '';
    const gocloud = code === 'ResourceNotFoundException' ? 'NotFound' : code === 'AccessDeniedException' ? 'PermissionDenied' : 'Unknown';
    throw new Error(
      `data.runtimevar.master_secret: runtimevar (code=${gocloud}): operation error Secrets Manager: GetSecretValue, ` +
        `https response error StatusCode: ${res.status}, RequestID: ${requestId}, api error ${code}: ${message}`,
    );
  }
  if (typeof payload.SecretString !== 'string') throw new Error('data.runtimevar.master_secret: the secret has no SecretString');
  return payload.SecretString;
}

/**
 * @param {URL} base
 * @param {Record<string, string>} headers
 * @param {string} body
 * @returns {Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string }>}
 */
async function send(base, headers, body) {
  const { request } = base.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(base, { method: 'POST', headers, timeout: 10_000 }, (res) => {
      const chunks = /** @type {Buffer[]} */ ([]);
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${base.origin} timed out`)));
    req.on('error', (err) =>
      reject(
        new Error(`data.runtimevar.master_secret: operation error Secrets Manager: GetSecretValue, https request failed: ${err.message}`),
      ),
    );
    req.end(body);
  });
}
