import { Signer } from '@aws-sdk/rds-signer';
import { registerSecret } from '../redact.js';
import type { StaticCredentials } from './profile-files.js';

// An RDS IAM auth token is a SigV4-presigned "connect" URL without its scheme, valid for 15
// minutes. It is the password: it is masked (raw and URL-encoded) before it is returned.

export interface RdsTokenRequest {
  /** host:port of the instance, as the client will connect to it. */
  endpoint: string;
  user: string;
  region: string;
  /** undefined: the SDK's default chain (the credentials already in the environment). */
  credentials: StaticCredentials | undefined;
}

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port" → parts; the port defaults to PostgreSQL's 5432. IPv6 literals go in brackets. */
export function parseEndpoint(endpoint: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(endpoint.trim());
  const port = m?.[2] === undefined ? 5432 : Number(m[2]);
  if (!m?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Input "db-endpoint" must be host:port (e.g. mydb.abc123.us-east-1.rds.amazonaws.com:5432); got "${endpoint}"`);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export async function signRdsToken(req: RdsTokenRequest): Promise<string> {
  const { host, port } = parseEndpoint(req.endpoint);
  const signer = new Signer({
    hostname: host,
    port,
    username: req.user,
    region: req.region,
    ...(req.credentials ? { credentials: req.credentials } : {}),
  });
  let token: string;
  try {
    token = await signer.getAuthToken();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Could not sign an RDS IAM token for ${req.user}@${host}:${port} in ${req.region}: ${why}`);
  }
  registerSecret(token);
  return token;
}
