// The stand-in Atlas CLI (test/support/atlas-cli/, a test double) and what the stand-in
// provider needs from it under the real terraform: `atlas version` in ConfigureProvider, an
// `atlas login` for the envs that manage roles or permissions (Atlas Pro), and the
// provider-level warnings (`dev_url is unset`, `Update Available`).
// The shared set-up and helpers are in provider-fixture.ts.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { atlasLogin, runAtlasCli, TEST_CLOUD_TOKEN } from '../support/setup-atlas.js';
import { copySeed, diagnosticsOf } from '../support/terraform.js';
import { ROLES_SQL } from '../support/seed-sql.js';
import { APPLY, atlasPlans, DEV_URL_DETAIL, errorsOf, INIT, PLAN, sqlDetail, summaries, useProviderFixture } from './provider-fixture.js';

const fx = useProviderFixture();
const { terraform } = fx;

/** A fresh, empty HOME (no login, no ~/.atlas). */
const freshHome = async (): Promise<string> => mkdtemp(join(fx.tf.dir, 'home-'));

/** A fresh copy of the seed with both roots initialised. */
async function freshSeed(name: string): Promise<{ seed: string; roles: string; schema: string }> {
  const seed = await copySeed(join(fx.tf.dir, name));
  const roles = join(seed, 'terraform', 'roles');
  const schema = join(seed, 'terraform', 'schema');
  for (const cwd of [roles, schema]) expect((await terraform(cwd, INIT)).code).toBe(0);
  return { seed, roles, schema };
}

describe('the stand-in atlas CLI', () => {
  it('`atlas version` prints what the official binary prints; ATLAS_STANDIN_CLI_VERSION picks the version', async () => {
    const env = { HOME: await freshHome(), PATH: fx.tf.env.PATH ?? '' };
    expect(await runAtlasCli(['version'], env)).toEqual({
      code: 0,
      stdout: 'atlas version v1.2.3\nhttps://github.com/ariga/atlas/releases/tag/v1.2.3\n',
      stderr: '',
    });
    expect((await runAtlasCli(['version'], { ...env, ATLAS_STANDIN_CLI_VERSION: 'v0.38.0' })).stdout).toBe(
      'atlas version v0.38.0\nhttps://github.com/ariga/atlas/releases/tag/v0.38.0\n',
    );
  });

  it('`atlas login --token` records a login under $HOME/.atlas without the token; `atlas logout` removes it', async () => {
    const env = { HOME: await freshHome(), PATH: fx.tf.env.PATH ?? '' };
    expect(await runAtlasCli(['whoami'], env)).toMatchObject({ code: 1, stderr: "Error: command requires 'atlas login'\n" });
    await atlasLogin(env);
    const record = await readFile(join(env.HOME, '.atlas', 'standin-login.json'), 'utf8');
    expect(record).not.toContain(TEST_CLOUD_TOKEN);
    expect((await runAtlasCli(['whoami'], env)).code).toBe(0);
    expect((await runAtlasCli(['logout'], env)).code).toBe(0);
    expect(existsSync(join(env.HOME, '.atlas', 'standin-login.json'))).toBe(false);
    expect((await runAtlasCli(['whoami'], env)).code).toBe(1);
  });

  it('says it is a test double for anything else, on stderr with exit code 1', async () => {
    const run = await runAtlasCli(['schema', 'apply', '--env', 'roles'], { HOME: await freshHome(), PATH: fx.tf.env.PATH ?? '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Error: the stand-in atlas CLI \(a test double\) does not implement "schema apply --env roles"/);
  });
});

describe('ConfigureProvider needs the Atlas CLI', () => {
  let roles: string;
  beforeAll(async () => {
    await fx.tf.writeScenario(fx.seedScenario);
    ({ roles } = await freshSeed('cli'));
  });

  it('without atlas on PATH the plan fails before anything is planned, as atlasexec reports the lookup', async () => {
    const before = (await fx.tf.readCalls()).length;
    const run = await terraform(roles, PLAN, { PATH: process.env.PATH ?? '' });
    expect(run.code).toBe(1);
    expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Failed to create client: looking up atlas-cli: exec: "atlas": executable file not found in $PATH',
    ]);
    const rpcs = (await fx.tf.readCalls()).slice(before).map((c) => c.rpc);
    expect(rpcs).toContain('ConfigureProvider');
    expect(rpcs).not.toContain('PlanResourceChange');
  });

  it('an atlas whose `atlas version` fails gives "Check atlas version failure" with its stderr', async () => {
    const bin = join(fx.tf.dir, 'broken-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'atlas'), '#!/bin/sh\necho "Error: this build is broken" >&2\nexit 1\n');
    await chmod(join(bin, 'atlas'), 0o755);
    const run = await terraform(roles, PLAN, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(run.code).toBe(1);
    expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual(['Check atlas version failure: Error: this build is broken']);
  });

  it('the runner’s CLI version decides statements limited to it: two runners can plan differently', async () => {
    const onlyNew = 'ALTER ROLE "app_reader" SET statement_timeout = 5000;';
    await fx.tf.writeScenario({
      envs: {
        ...fx.seedScenario.envs,
        roles: { statements: [...(fx.seedScenario.envs['roles']?.statements ?? []), { sql: onlyNew, cliVersions: ['v1.2.3'] }] },
      },
    });
    try {
      const current = await terraform(roles, PLAN);
      expect(atlasPlans(current).map((d) => d.detail)).toEqual([sqlDetail([...ROLES_SQL, onlyNew])]);
      const older = await terraform(roles, PLAN, { ATLAS_STANDIN_CLI_VERSION: 'v1.1.0' });
      expect(atlasPlans(older).map((d) => d.detail)).toEqual([sqlDetail(ROLES_SQL)]);
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });
});

describe('Atlas Pro: envs that manage roles or permissions need `atlas login`', () => {
  let seed: string;
  let roles: string;
  let schema: string;
  beforeAll(async () => {
    await fx.tf.writeScenario(fx.seedScenario);
    ({ seed, roles, schema } = await freshSeed('pro'));
  });

  it('without a login a create fails in both dry runs with atlasexec’s error, in the roles and the schema env', async () => {
    const home = await freshHome();
    const loginError = "Atlas Plan Error: Unable to generate migration plan, got error: command requires 'atlas login'";
    for (const cwd of [roles, schema]) {
      const run = await terraform(cwd, PLAN, { HOME: home });
      expect(run.code).toBe(1);
      expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([loginError, loginError]);
    }
  });

  it('an existing resource meets it first in the refresh, as Inspect Error', async () => {
    expect((await terraform(roles, PLAN)).code).toBe(2);
    expect((await terraform(roles, APPLY)).code).toBe(0);
    const run = await terraform(roles, PLAN, { HOME: await freshHome() });
    expect(run.code).toBe(1);
    expect(errorsOf(run).map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      "Inspect Error: Unable to inspect, got error: command requires 'atlas login'",
    ]);
  });

  it('an env whose mode has neither roles nor permissions plans without a login', async () => {
    const atlasHcl = join(seed, 'atlas.hcl');
    const original = await readFile(atlasHcl, 'utf8');
    const withoutMode = original.replace(
      /(env "schema" \{[^]*?)\n {2}schema \{\n {4}mode \{\n {6}permissions = true\n {4}\}\n {2}\}\n/,
      '$1\n',
    );
    expect(withoutMode).not.toBe(original);
    await writeFile(atlasHcl, withoutMode);
    try {
      const run = await terraform(schema, PLAN, { HOME: await freshHome() });
      expect(run.code, run.stderr).toBe(2);
      expect(errorsOf(run)).toEqual([]);
    } finally {
      await writeFile(atlasHcl, original);
    }
  });
});

describe('provider warnings', () => {
  let seed: string;
  let roles: string;
  beforeAll(async () => {
    await fx.tf.writeScenario(fx.seedScenario);
    ({ seed, roles } = await freshSeed('warnings'));
  });

  it('dev_url is unset: on the dev_url attribute, once per plan; not when the env sets dev or the resource sets dev_url', async () => {
    const plan = await terraform(roles, PLAN);
    expect(summaries(plan).filter((s) => s.includes('dev_url'))).toEqual(['warning: dev_url is unset']);
    expect(diagnosticsOf(plan).find((d) => d.summary === 'dev_url is unset')).toMatchObject({
      detail: DEV_URL_DETAIL,
      address: 'atlas_schema.roles',
    });

    const atlasHcl = join(seed, 'atlas.hcl');
    const originalHcl = await readFile(atlasHcl, 'utf8');
    await writeFile(atlasHcl, originalHcl.replace('env "roles" {\n', 'env "roles" {\n  dev = "docker://postgres/15/dev"\n'));
    try {
      const withDev = await terraform(roles, PLAN);
      expect(withDev.code, withDev.stderr).toBe(2);
      expect(summaries(withDev).filter((s) => s.includes('dev_url'))).toEqual([]);
    } finally {
      await writeFile(atlasHcl, originalHcl);
    }

    const mainTf = join(roles, 'main.tf');
    const originalTf = await readFile(mainTf, 'utf8');
    await writeFile(
      mainTf,
      originalTf.replace('  env_name = "roles"\n', '  env_name = "roles"\n  dev_url  = "docker://postgres/15/dev"\n'),
    );
    try {
      const withDevUrl = await terraform(roles, PLAN);
      expect(withDevUrl.code, withDevUrl.stderr).toBe(2);
      expect(summaries(withDevUrl).filter((s) => s.includes('dev_url'))).toEqual([]);
    } finally {
      await writeFile(mainTf, originalTf);
    }
  });

  it('Update Available: the template text, once per 24 hours per HOME, only when ~/.atlas exists and the notifier is on', async () => {
    const vercheck = {
      latest: {
        Version: '0.10.4',
        Summary: 'Bug fixes.',
        Link: 'https://github.com/ariga/terraform-provider-atlas/releases/tag/v0.10.4',
      },
      advisory: null,
    };
    await fx.tf.writeScenario({ ...fx.seedScenario, vercheck });
    try {
      const home = await freshHome();
      await atlasLogin({ HOME: home, PATH: fx.tf.env.PATH ?? '' }); // creates ~/.atlas, as setup-atlas does
      const first = await terraform(roles, PLAN, { HOME: home });
      expect(first.code, first.stderr).toBe(2);
      expect(diagnosticsOf(first).filter((d) => d.summary === 'Update Available')).toEqual([
        expect.objectContaining({
          severity: 'warning',
          detail:
            'A new version of Atlas Provider is available (0.10.4): https://github.com/ariga/terraform-provider-atlas/releases/tag/v0.10.4\n' +
            'Bug fixes.\n\nterraform {\n  required_providers {\n    atlas = {\n      version = "~> 0.10.4"\n      source  = "ariga/atlas"\n    }\n  }\n}',
        }),
      ]);
      const second = await terraform(roles, PLAN, { HOME: home });
      expect(summaries(second)).not.toContain('warning: Update Available');

      const off = await freshHome();
      await atlasLogin({ HOME: off, PATH: fx.tf.env.PATH ?? '' });
      expect(summaries(await terraform(roles, PLAN, { HOME: off, ATLAS_NO_UPDATE_NOTIFIER: '1' }))).not.toContain(
        'warning: Update Available',
      );
      // No ~/.atlas: the real check cannot write its state file and stays silent (the plan
      // then fails for want of a login, which is beside the point here).
      expect(summaries(await terraform(roles, PLAN, { HOME: await freshHome() }))).not.toContain('warning: Update Available');
    } finally {
      await fx.tf.writeScenario(fx.seedScenario);
    }
  });
});
