import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { close, listen, readBody } from './http.js';
import { NodeSha256, parseAmzDate, sameSignature, type CredentialSource, type TrustedCredentials } from './iam-auth.js';

// Loopback AWS Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER): GetSecretValue over the
// real JSON 1.1 protocol, with AWS's authentication: the SigV4 Authorization header must name
// an access key id our loopback STS issued, that credential must not have expired, the session
// token must be its own, and the signature must be the one its secret produces. Requests are
// recorded (secret id, access key id, outcome); secret values and keys never are.

export const DEFAULT_SECRETS_ACCOUNT = '123456789012';

export interface SecretsRequest {
  target: string;
  secretId?: string;
  accessKeyId?: string;
  status: number;
  errorCode?: string;
}

export interface SecretOptions {
  /** When set, only credentials of these roles (assumedRoleArn's role) may read the secret. */
  allowedRoleArns?: string[];
}

export interface SecretsManagerServer {
  url: string;
  region: string;
  requests: SecretsRequest[];
  putSecret(name: string, value: string, opts?: SecretOptions): void;
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER for a spawned process. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export interface SecretsManagerOptions {
  credentials: CredentialSource;
  region?: string;
  accountId?: string;
}

interface StoredSecret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  created: Date;
  allowedRoleArns?: string[];
}
type ApiError = { status: number; code: string; message: string };

const ERR = {
  unrecognized: { status: 400, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
  expired: { status: 400, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
  badSignature: {
    status: 400,
    code: 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
  missingAuth: { status: 400, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  notFound: { status: 400, code: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
} satisfies Record<string, ApiError>;

const SIGNATURE_WINDOW_MS = 15 * 60_000;

export async function startSecretsManager(opts: SecretsManagerOptions): Promise<SecretsManagerServer> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.accountId ?? DEFAULT_SECRETS_ACCOUNT;
  const secrets = new Map<string, StoredSecret>();
  const requests: SecretsRequest[] = [];

  const authenticate = async (req: IncomingMessage, body: string, rec: SecretsRequest): Promise<TrustedCredentials | ApiError> => {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
        req.headers.authorization ?? '',
      );
    if (!auth) return ERR.missingAuth;
    const [, accessKeyId = '', , scopeRegion, service, signedHeaders = '', signature = ''] = auth;
    rec.accessKeyId = accessKeyId;
    const creds = opts.credentials().find((c) => c.accessKeyId === accessKeyId);
    if (!creds) return ERR.unrecognized;
    if (creds.expiration && creds.expiration.getTime() <= Date.now()) return ERR.expired;
    const sessionToken = header(req, 'x-amz-security-token');
    if ((creds.sessionToken ?? undefined) !== sessionToken) return ERR.unrecognized;
    if (scopeRegion !== region || service !== 'secretsmanager') {
      return { ...ERR.badSignature, message: `Credential should be scoped to a valid region and service 'secretsmanager'.` };
    }
    const signedAt = parseAmzDate(header(req, 'x-amz-date'));
    if (!signedAt) return { ...ERR.badSignature, message: 'Missing or malformed X-Amz-Date.' };
    if (Math.abs(Date.now() - signedAt.getTime()) > SIGNATURE_WINDOW_MS) {
      return { ...ERR.badSignature, message: 'Signature expired: the X-Amz-Date is more than 15 minutes away from the server time.' };
    }
    // The signer takes a signed x-amz-content-sha256 as the payload hash: it must be the body's.
    const contentSha = header(req, 'x-amz-content-sha256');
    if (contentSha !== undefined && contentSha !== createHash('sha256').update(body, 'utf8').digest('hex')) {
      return { ...ERR.badSignature, message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
    }
    // Re-sign the request as received (the headers it signed, its path and body) with the
    // issued secret and the request's own date; the signature must come out the same.
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = header(req, name) ?? '';
    const url = new URL(req.url ?? '/', 'http://x');
    const resigned = await new SignatureV4({
      service: 'secretsmanager',
      region,
      credentials: { accessKeyId, secretAccessKey: creds.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      sha256: NodeSha256,
      applyChecksum: false,
    }).sign(
      {
        method: req.method ?? 'POST',
        protocol: 'http:',
        hostname: (headers['host'] ?? '').replace(/:\d+$/, ''),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        headers,
        body,
      },
      { signingDate: signedAt },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers['authorization'] ?? ''))?.[1] ?? '';
    const expectedHeaders = /SignedHeaders=([^,]+)/.exec(String(resigned.headers['authorization'] ?? ''))?.[1] ?? '';
    if (expectedHeaders !== signedHeaders || !sameSignature(expected, signature)) return ERR.badSignature;
    return creds;
  };

  const getSecretValue = (
    input: Record<string, unknown>,
    creds: TrustedCredentials,
    rec: SecretsRequest,
  ): ApiError | Record<string, unknown> => {
    const id = typeof input['SecretId'] === 'string' ? input['SecretId'] : '';
    rec.secretId = id;
    const secret = secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);
    if (!secret) return ERR.notFound;
    const role = roleOf(creds.assumedRoleArn);
    if (secret.allowedRoleArns && !secret.allowedRoleArns.includes(role ?? '')) {
      return {
        status: 400,
        code: 'AccessDeniedException',
        message: `User: ${creds.assumedRoleArn ?? creds.accessKeyId} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      };
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: secret.versionId,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.created.getTime() / 1000,
    };
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const target = header(req, 'x-amz-target') ?? '';
    const rec: SecretsRequest = { target, status: 0 };
    requests.push(rec);
    let result: ApiError | Record<string, unknown>;
    const authed = await authenticate(req, body, rec);
    if ('status' in authed && 'code' in authed) {
      result = authed;
    } else if (target !== 'secretsmanager.GetSecretValue') {
      result = { status: 400, code: 'UnknownOperationException', message: '' };
    } else {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        input = {};
      }
      result = getSecretValue(input, authed, rec);
    }
    const requestId = randomUUID();
    if ('code' in result && 'status' in result && typeof result.status === 'number') {
      const e = result as ApiError;
      rec.status = e.status;
      rec.errorCode = e.code;
      res.writeHead(e.status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': `${e.code}:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/`,
      });
      res.end(JSON.stringify({ __type: e.code, message: e.message }));
      return;
    }
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
    res.end(JSON.stringify(result));
  };

  const { server, base } = await listen((req, res) => void handler(req, res).catch(() => res.destroy()));
  return {
    url: base,
    region,
    requests,
    putSecret(name, value, o = {}) {
      secrets.set(name, {
        name,
        arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(3).toString('hex')}`,
        value,
        versionId: randomUUID(),
        created: new Date(),
        ...(o.allowedRoleArns ? { allowedRoleArns: o.allowedRoleArns } : {}),
      });
    },
    env: () => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: base }),
    stop: () => close(server),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** arn:aws:sts::<acct>:assumed-role/<role>/<session> → arn:aws:iam::<acct>:role/<role>. */
function roleOf(assumedRoleArn: string | undefined): string | undefined {
  const m = /^arn:(aws[-a-z]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(assumedRoleArn ?? '');
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}
