// The stand-in Atlas provider (a test double, see test/support/atlas-provider/README.md)
// driven by the real terraform binary on copies of the seed, against a real PostgreSQL:
// the database URLs resolved from atlas.hcl's data sources with the profile's credentials,
// once per Atlas command (a create plans with two dry runs; a later plan inspects in the
// refresh, then dry-runs), and the refresh as the first place a credential failure shows.
// The shared set-up and helpers are in provider-fixture.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copySeed, type TerraformRun } from '../support/terraform.js';
import { APPLY, atlasPlans, closedPort, errorsOf, INIT, KEYS, PLAN, useProviderFixture } from './provider-fixture.js';

const fx = useProviderFixture();
const { terraform, roleExists } = fx;

/**
 * Terraform's environment without the URL override, so the provider reads the profile's keys from
 * the credentials file `file()` names and resolves atlas.hcl's data sources; and a writer of that file.
 */
function profileChain(file: () => string) {
  const chain = (extra: Record<string, string> = {}) => ({
    ATLAS_STANDIN_URL_ROLES: '',
    ATLAS_STANDIN_URL_SCHEMA: '',
    AWS_SHARED_CREDENTIALS_FILE: file(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: fx.sm.url,
    ...extra,
  });
  const writeKeys = (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    writeFile(
      file(),
      `[tf-sandbox]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n` +
        (keys.sessionToken ? `aws_session_token = ${keys.sessionToken}\n` : ''),
    );
  return { chain, writeKeys };
}

describe('URLs resolved like atlas.hcl, with the credentials of the profile', () => {
  let credsFile: string;
  const { chain, writeKeys } = profileChain(() => credsFile);
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

  /** The Read and Plan calls the provider recorded during fn. */
  async function planCalls(
    fn: () => Promise<TerraformRun>,
  ): Promise<{ run: TerraformRun; plans: { rpc: string; env?: string; accessKeyId?: string; atlas?: string[] }[] }> {
    const before = (await fx.tf.readCalls()).length;
    const run = await fn();
    const plans = (await fx.tf.readCalls()).slice(before).filter((c) => c.rpc === 'PlanResourceChange' || c.rpc === 'ReadResource');
    return {
      run,
      plans: plans.map(({ rpc, env, accessKeyId, atlas }) => ({
        rpc,
        ...(env ? { env } : {}),
        ...(accessKeyId ? { accessKeyId } : {}),
        ...(atlas ? { atlas } : {}),
      })),
    };
  }
  const DRY_RUNS = ['schema apply --dry-run', 'schema apply --dry-run'];

  it("roles: reads the master secret from Secrets Manager with the profile's keys, and records which key it used", async () => {
    await writeKeys(KEYS);
    const smBefore = fx.sm.requests.length;
    const { run, plans } = await planCalls(() => terraform(roles, PLAN, chain()));
    // A create in this fresh state; beforeAll applied everything, so no SQL is pending.
    expect(run.code, run.stderr).toBe(2);
    expect(errorsOf(run)).toEqual([]);
    expect(atlasPlans(run)).toEqual([]);
    expect(plans).toEqual([{ rpc: 'PlanResourceChange', env: 'roles', accessKeyId: KEYS.accessKeyId, atlas: DRY_RUNS }]);
    // Each Atlas command evaluates atlas.hcl: one GetSecretValue per dry run.
    const read = { target: 'secretsmanager.GetSecretValue', secretId: 'rds-master', accessKeyId: KEYS.accessKeyId, status: 200 };
    expect(fx.sm.requests.slice(smBefore)).toEqual([read, read]);
  });

  it('schema: logs in as atlas_migrator with an RDS IAM token the cluster verifies', async () => {
    const checksBefore = fx.db.iam.verifications.length;
    const { run, plans } = await planCalls(() => terraform(schema, PLAN, chain()));
    expect(run.code, run.stderr).toBe(2);
    expect(errorsOf(run)).toEqual([]);
    expect(atlasPlans(run)).toEqual([]);
    expect(plans).toEqual([{ rpc: 'PlanResourceChange', env: 'schema', accessKeyId: KEYS.accessKeyId, atlas: DRY_RUNS }]);
    const login = { user: 'atlas_migrator', ok: true, reason: 'ok', accessKeyId: KEYS.accessKeyId };
    expect(fx.db.iam.verifications.slice(checksBefore)).toEqual([login, login]);
  });

  it("a wrong secret key in the profile: the roles plan fails with Secrets Manager's error, the schema plan with the refused token", async () => {
    const wrong = { ...KEYS, secretAccessKey: 'not-the-secret-0123456789abcdefghijklmno' };
    await writeKeys(wrong);
    try {
      const r = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(r.run.code).toBe(1);
      expect(errorsOf(r.run).map((d) => d.summary)).toEqual(['Atlas Plan Error', 'Atlas Plan Error']);
      expect(errorsOf(r.run)[0]?.detail).toMatch(
        /^Unable to generate migration plan, got error: Error: data\.runtimevar\.master_secret: .*api error InvalidSignatureException: The request signature we calculated does not match/,
      );
      expect(r.plans).toEqual([{ rpc: 'PlanResourceChange', env: 'roles', accessKeyId: KEYS.accessKeyId, atlas: DRY_RUNS }]);

      const checksBefore = fx.db.iam.verifications.length;
      const s = await terraform(schema, PLAN, chain());
      expect(s.code).toBe(1);
      const refused =
        'Unable to generate migration plan, got error: Error: postgres: scanning system variables: pq: PAM authentication failed for user "atlas_migrator"';
      expect(errorsOf(s).map((d) => `${d.summary}: ${d.detail}`)).toEqual([`Atlas Plan Error: ${refused}`, `Atlas Plan Error: ${refused}`]);
      expect(fx.db.iam.verifications.slice(checksBefore).map(({ user, ok, reason }) => ({ user, ok, reason }))).toEqual([
        { user: 'atlas_migrator', ok: false, reason: 'signature mismatch' },
        { user: 'atlas_migrator', ok: false, reason: 'signature mismatch' },
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
      expect(plans).toEqual([{ rpc: 'PlanResourceChange', env: 'roles', accessKeyId: 'ASIAUNKNOWNKEY000001', atlas: DRY_RUNS }]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('a profile section without keys fails the way the Go SDK does', async () => {
    await writeFile(credsFile, '[tf-sandbox]\nregion = us-east-1\n');
    try {
      const { run } = await planCalls(() => terraform(roles, PLAN, chain()));
      expect(run.code).toBe(1);
      const detail =
        'Unable to generate migration plan, got error: Error: failed to refresh cached credentials, no valid credential sources found for profile tf-sandbox';
      expect(errorsOf(run).map((d) => d.detail)).toEqual([detail, detail]);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('an unreachable database fails the plan even when no scenario statement would run', async () => {
    await fx.tf.writeScenario({ envs: { roles: {} } });
    try {
      const closed = await closedPort();
      const { run } = await planCalls(() => terraform(roles, PLAN, chain({ TF_VAR_endpoint: `127.0.0.1:${closed}` })));
      expect(run.code).toBe(1);
      // Go's wording through Atlas's postgres driver, as the CLI prints it.
      expect(errorsOf(run)[0]?.detail).toMatch(
        /^Unable to generate migration plan, got error: Error: postgres: scanning system variables: dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/,
      );
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
      const { run } = await planCalls(() => terraform(roles, PLAN, chain({ PLANTED_MARKER: 'marker-42' })));
      expect(run.code).toBe(1);
      const detail = `Unable to generate migration plan, got error: Error: env marker-42 key ${KEYS.accessKeyId} secret ${KEYS.secretAccessKey} token ${KEYS.sessionToken} missing []`;
      expect(errorsOf(run).map((d) => d.detail)).toEqual([detail, detail]);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });
});

describe('the refresh inspects the database (ReadResource runs `schema inspect`)', () => {
  let credsFile: string;
  let roles: string;
  let schema: string;
  const { chain, writeKeys } = profileChain(() => credsFile);

  beforeAll(async () => {
    credsFile = join(fx.awsDir, 'refresh-credentials');
    await writeKeys(KEYS);
    await fx.tf.writeScenario(fx.seedScenario);
    const seed = await copySeed(join(fx.tf.dir, 'refresh'));
    roles = join(seed, 'terraform', 'roles');
    schema = join(seed, 'terraform', 'schema');
    // The resources exist in this copy's state from here on (roles first: it creates atlas_migrator).
    for (const cwd of [roles, schema]) {
      expect((await terraform(cwd, INIT)).code).toBe(0);
      expect((await terraform(cwd, PLAN, chain())).code).toBe(2);
      expect((await terraform(cwd, APPLY, chain())).code).toBe(0);
    }
  });

  /** Read and Plan calls during fn, with the Atlas commands each ran. */
  async function calls(fn: () => Promise<TerraformRun>) {
    const before = (await fx.tf.readCalls()).length;
    const run = await fn();
    const recorded = (await fx.tf.readCalls()).slice(before).filter((c) => c.rpc === 'ReadResource' || c.rpc === 'PlanResourceChange');
    return { run, calls: recorded.map(({ rpc, accessKeyId, atlas }) => ({ rpc, accessKeyId, atlas })) };
  }

  it('a plan of an existing resource makes two Atlas calls: two Secrets Manager reads (roles), two IAM logins (schema)', async () => {
    const smBefore = fx.sm.requests.length;
    const r = await calls(() => terraform(roles, PLAN, chain()));
    expect(r.run.code, r.run.stderr).toBe(0);
    expect(r.calls).toEqual([
      { rpc: 'ReadResource', accessKeyId: KEYS.accessKeyId, atlas: ['schema inspect'] },
      { rpc: 'PlanResourceChange', accessKeyId: KEYS.accessKeyId, atlas: ['schema apply --dry-run'] },
    ]);
    expect(fx.sm.requests.slice(smBefore).map((q) => `${q.secretId} ${q.status}`)).toEqual(['rds-master 200', 'rds-master 200']);

    const checksBefore = fx.db.iam?.verifications.length ?? 0;
    const s = await calls(() => terraform(schema, PLAN, chain()));
    expect(s.run.code, s.run.stderr).toBe(0);
    expect(s.calls.map((c) => c.atlas)).toEqual([['schema inspect'], ['schema apply --dry-run']]);
    expect(fx.db.iam?.verifications.slice(checksBefore).map((v) => v.ok)).toEqual([true, true]);
  });

  it('a credential failure shows first as Inspect Error with the CLI stderr, and nothing is planned', async () => {
    await writeKeys({ ...KEYS, secretAccessKey: 'not-the-secret-0123456789abcdefghijklmno' });
    try {
      const r = await calls(() => terraform(roles, PLAN, chain()));
      expect(r.run.code).toBe(1);
      expect(errorsOf(r.run).map((d) => d.summary)).toEqual(['Inspect Error']);
      expect(errorsOf(r.run)[0]?.detail).toMatch(
        /^Unable to inspect, got error: Error: data\.runtimevar\.master_secret: runtimevar \(code=Unknown\): .*api error InvalidSignatureException: /,
      );
      expect(r.calls.map((c) => c.rpc)).toEqual(['ReadResource']);

      const s = await calls(() => terraform(schema, PLAN, chain()));
      expect(s.run.code).toBe(1);
      expect(errorsOf(s.run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
        'Inspect Error: Unable to inspect, got error: Error: postgres: scanning system variables: pq: PAM authentication failed for user "atlas_migrator"',
      ]);
      expect(s.calls.map((c) => c.rpc)).toEqual(['ReadResource']);
    } finally {
      await writeKeys(KEYS);
    }
  });

  it('a scenario inspectError fails the refresh only; planError does not reach it', async () => {
    await fx.tf.writeScenario({
      envs: { ...fx.seedScenario.envs, roles: { ...fx.seedScenario.envs['roles'], inspectError: 'inspect refused' } },
    });
    try {
      const run = await terraform(roles, PLAN, chain());
      expect(run.code).toBe(1);
      expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
        'Inspect Error: Unable to inspect, got error: Error: inspect refused',
      ]);
      await fx.tf.writeScenario({
        envs: { ...fx.seedScenario.envs, roles: { ...fx.seedScenario.envs['roles'], planError: 'dry run refused' } },
      });
      const planned = await terraform(roles, PLAN, chain());
      expect(errorsOf(planned).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
        'Atlas Plan Error: Unable to generate migration plan, got error: Error: dry run refused',
      ]);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });

  it('ATLAS_STANDIN_INSPECT_DELAY_MS is spent once per database inspection: the refresh, each dry run', async () => {
    const delay = 1_500;
    const slow = { ATLAS_STANDIN_INSPECT_DELAY_MS: String(delay) };
    const before = (await fx.tf.readCalls()).length;
    expect((await terraform(roles, PLAN, chain(slow))).code).toBe(0);
    // A create inspects twice in one call (the first-run check and the printed dry run).
    const fresh = await copySeed(join(fx.tf.dir, 'delay'));
    const freshRoles = join(fresh, 'terraform', 'roles');
    expect((await terraform(freshRoles, INIT)).code).toBe(0);
    expect((await terraform(freshRoles, PLAN, chain(slow))).code).toBe(2);
    const timed = (await fx.tf.readCalls())
      .slice(before)
      .filter((c) => c.atlas && c.rpc !== 'ConfigureProvider')
      .map((c) => ({ rpc: c.rpc, inspections: c.atlas?.length, atLeast: c.ms >= (c.atlas?.length ?? 0) * delay }));
    expect(timed).toEqual([
      { rpc: 'ReadResource', inspections: 1, atLeast: true },
      { rpc: 'PlanResourceChange', inspections: 1, atLeast: true },
      { rpc: 'PlanResourceChange', inspections: 2, atLeast: true },
    ]);
  });
});
