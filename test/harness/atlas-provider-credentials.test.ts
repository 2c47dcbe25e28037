// The stand-in Atlas provider (a test double, see test/support/atlas-provider/README.md)
// driven by the real terraform binary on copies of the seed, against a real PostgreSQL:
// the database URLs resolved from atlas.hcl's data sources with the profile's credentials.
// The shared set-up and helpers are in provider-fixture.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copySeed, type TerraformRun } from '../support/terraform.js';
import { APPLY, atlasPlans, closedPort, errorsOf, INIT, KEYS, PLAN, useProviderFixture } from './provider-fixture.js';

const fx = useProviderFixture();
const { terraform, roleExists } = fx;

describe('URLs resolved like atlas.hcl, with the credentials of the profile', () => {
  let credsFile: string;
  /** No URL override: the provider reads the profile's keys and resolves atlas.hcl's data sources. */
  const chain = (
    keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = KEYS,
    extra: Record<string, string> = {},
  ) => ({
    ATLAS_STANDIN_URL_ROLES: '',
    ATLAS_STANDIN_URL_SCHEMA: '',
    AWS_SHARED_CREDENTIALS_FILE: credsFile,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: fx.sm.url,
    ...extra,
  });
  const writeKeys = (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    writeFile(
      credsFile,
      `[tf-sandbox]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n` +
        (keys.sessionToken ? `aws_session_token = ${keys.sessionToken}\n` : ''),
    );
  let roles: string;
  let schema: string;

  beforeAll(async () => {
    credsFile = join(fx.awsDir, 'credentials');
    const seed = await copySeed(join(fx.tf.dir, 'chain'));
    roles = join(seed, 'terraform', 'roles');
    schema = join(seed, 'terraform', 'schema');
    await fx.tf.writeScenario(fx.seedScenario);
    // This file has its own cluster, so first apply both roots of another copy of the seed (with
    // the URL override, as the seed flow in atlas-provider.test.ts does); nothing is pending after.
    const applied = await copySeed(join(fx.tf.dir, 'applied'));
    for (const root of ['roles', 'schema']) {
      const cwd = join(applied, 'terraform', root);
      expect((await terraform(cwd, INIT)).code).toBe(0);
      expect((await terraform(cwd, PLAN)).code).toBe(2);
      expect((await terraform(cwd, APPLY)).code).toBe(0);
    }
    // Both roots are applied now: atlas_migrator exists and is in rds_iam.
    expect(await roleExists('atlas_migrator')).toBe(true);
    expect((await terraform(roles, INIT)).code).toBe(0);
    expect((await terraform(schema, INIT)).code).toBe(0);
  });

  /** The Plan calls the provider recorded during fn. */
  async function planCalls(
    fn: () => Promise<TerraformRun>,
  ): Promise<{ run: TerraformRun; plans: { env?: string; accessKeyId?: string }[] }> {
    const before = (await fx.tf.readCalls()).length;
    const run = await fn();
    const plans = (await fx.tf.readCalls()).slice(before).filter((c) => c.rpc === 'PlanResourceChange');
    return {
      run,
      plans: plans.map((c) => ({ ...(c.env ? { env: c.env } : {}), ...(c.accessKeyId ? { accessKeyId: c.accessKeyId } : {}) })),
    };
  }

  it("roles: reads the master secret from Secrets Manager with the profile's keys, and records which key it used", async () => {
    await writeKeys(KEYS);
    const smBefore = fx.sm.requests.length;
    const { run, plans } = await planCalls(() => terraform(roles, PLAN, chain()));
    // A create in this fresh state; beforeAll applied everything, so no SQL is pending.
    expect(run.code, run.stderr).toBe(2);
    expect(errorsOf(run)).toEqual([]);
    expect(atlasPlans(run)).toEqual([]);
    expect(plans).toEqual([{ env: 'roles', accessKeyId: KEYS.accessKeyId }]);
    expect(fx.sm.requests.slice(smBefore)).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: 'rds-master', accessKeyId: KEYS.accessKeyId, status: 200 },
    ]);
  });

  it('schema: logs in as atlas_migrator with an RDS IAM token the cluster verifies', async () => {
    const checksBefore = fx.db.iam.verifications.length;
    const { run, plans } = await planCalls(() => terraform(schema, PLAN, chain()));
    expect(run.code, run.stderr).toBe(2);
    expect(errorsOf(run)).toEqual([]);
    expect(atlasPlans(run)).toEqual([]);
    expect(plans).toEqual([{ env: 'schema', accessKeyId: KEYS.accessKeyId }]);
    expect(fx.db.iam.verifications.slice(checksBefore)).toEqual([
      { user: 'atlas_migrator', ok: true, reason: 'ok', accessKeyId: KEYS.accessKeyId },
    ]);
  });

  it("a wrong secret key in the profile: the roles plan fails with Secrets Manager's error, the schema plan with the refused token", async () => {
    const wrong = { ...KEYS, secretAccessKey: 'not-the-secret-0123456789abcdefghijklmno' };
    await writeKeys(wrong);
    try {
      const r = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(r.run.code).toBe(1);
      expect(errorsOf(r.run).map((d) => d.summary)).toEqual(['Atlas Plan Error']);
      expect(errorsOf(r.run)[0]?.detail).toMatch(
        /^Unable to generate migration plan, got error: data\.runtimevar\.master_secret: .*api error InvalidSignatureException: The request signature we calculated does not match/,
      );
      expect(r.plans).toEqual([{ env: 'roles', accessKeyId: KEYS.accessKeyId }]);

      const checksBefore = fx.db.iam.verifications.length;
      const s = await terraform(schema, PLAN, chain());
      expect(s.code).toBe(1);
      expect(errorsOf(s).map((d) => d.summary)).toEqual(['Atlas Plan Error']);
      expect(errorsOf(s)[0]?.detail).toBe(
        'Unable to generate migration plan, got error: PAM authentication failed for user "atlas_migrator"',
      );
      expect(fx.db.iam.verifications.slice(checksBefore)).toEqual([
        expect.objectContaining({ user: 'atlas_migrator', ok: false, reason: 'signature mismatch' }),
      ]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('an access key the services never issued: UnrecognizedClientException from Secrets Manager', async () => {
    await writeKeys({ ...KEYS, accessKeyId: 'ASIAUNKNOWNKEY000001' });
    try {
      const { run, plans } = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(run.code).toBe(1);
      expect(errorsOf(run)[0]?.detail).toContain(
        'api error UnrecognizedClientException: The security token included in the request is invalid.',
      );
      expect(plans).toEqual([{ env: 'roles', accessKeyId: 'ASIAUNKNOWNKEY000001' }]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('a profile section without keys fails the way the Go SDK does', async () => {
    await writeFile(credsFile, '[tf-sandbox]\nregion = us-east-1\n');
    try {
      const { run } = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(run.code).toBe(1);
      expect(errorsOf(run).map((d) => d.detail)).toEqual([
        'Unable to generate migration plan, got error: failed to refresh cached credentials, no valid credential sources found for profile tf-sandbox',
      ]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('an unreachable database fails the plan even when no scenario statement would run', async () => {
    await fx.tf.writeScenario({ envs: { roles: {} } });
    try {
      const closed = await closedPort();
      const { run } = await planCalls(() => terraform(roles, PLAN, chain(KEYS, { TF_VAR_endpoint: `127.0.0.1:${closed}` })));
      expect(run.code).toBe(1);
      expect(errorsOf(run)[0]?.detail).toMatch(/^Unable to generate migration plan, got error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });

  it('planError placeholders are filled from the environment and the resolved profile', async () => {
    await fx.tf.writeScenario({
      envs: {
        ...fx.seedScenario.envs,
        roles: {
          planError:
            'env ${env:PLANTED_MARKER} key ${profile:aws_access_key_id} secret ${profile:aws_secret_access_key} token ${profile:aws_session_token} missing [${env:NOT_SET_ANYWHERE}]',
        },
      },
    });
    try {
      const { run } = await planCalls(() => terraform(roles, PLAN, chain(KEYS, { PLANTED_MARKER: 'marker-42' })));
      expect(run.code).toBe(1);
      expect(errorsOf(run).map((d) => d.detail)).toEqual([
        `Unable to generate migration plan, got error: env marker-42 key ${KEYS.accessKeyId} secret ${KEYS.secretAccessKey} token ${KEYS.sessionToken} missing []`,
      ]);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });
});
