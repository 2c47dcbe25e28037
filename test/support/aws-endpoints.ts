// The two AWS-side services the action talks to, started together: the OIDC token service
// and STS. See oidc-issuer.ts and sts.ts.
import { startOidcIssuer } from './oidc-issuer.js';
import { startSts, type StsOptions } from './sts.js';
import type { OidcIssuer } from './oidc-issuer.js';
import type { StsServer } from './sts.js';

export * from './oidc-issuer.js';
export * from './sts.js';

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
    stop: async () => {
      await Promise.all([oidc.stop(), sts.stop()]);
    },
  };
}
