import { INPUT, parseEndpoint, quote, type HostPort } from '../inputs/index.js';
import { registerSecret } from '../core/index.js';
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

/** "host:port" → parts, by the same rule the db-endpoint input is validated with. */
export function endpointParts(endpoint: string): HostPort {
  const parts = parseEndpoint(endpoint.trim());
  if (!parts)
    throw new Error(
      `Input "${INPUT.dbEndpoint}" must be host:port (e.g. mydb.abc123.us-east-1.rds.amazonaws.com:5432); got ${quote(endpoint)}`,
    );
  return parts;
}

export async function signRdsToken(req: RdsTokenRequest): Promise<string> {
  const { host, port } = endpointParts(req.endpoint);
  // Loaded on first use (a run without db-endpoint and without facts phases never signs).
  const { Signer } = await import('@aws-sdk/rds-signer');
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
    throw new Error(`Could not sign an RDS IAM token for ${req.user}@${host}:${port} in ${req.region}: ${why}`, { cause: err });
  }
  registerSecret(token);
  return token;
}
