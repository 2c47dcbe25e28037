import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedMirror } from '../support/packed-mirror.js';
import { REPORTING_HCL, REPORTING_SQL } from '../support/reporting-role.js';
import { DEFAULT_BRANCH, freshCheckout, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, PROVIDER_ADDRESS, PROVIDER_VERSION, type Scenario } from '../support/terraform.js';

// Issue 23's concurrency cases, through `node dist/index.js` on real Terraform and PostgreSQL:
// - a user's shared plugin cache (TF_PLUGIN_CACHE_DIR): cold, the schema root's init waits for
//   the roles root's (which fills the cache); warm, both inits run at once and only read it.
//   Both inits succeed, the log says which order was chosen and why, and the cache holds the
//   provider exactly as the mirror has it, nothing else;
// - a merge whose roles apply fails while the schema root's init is still running: nothing of
//   the schema root runs after its init, and the report says the schema root was not run.
// No timing is assumed: "while the init runs" is made certain by a `terraform` wrapper on PATH
// that holds the schema root's init until the roles root's apply has exited with an error.

const execFileAsync = promisify(execFile);
const FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const ROOTS = ['terraform/roles', 'terraform/schema'];

/** Every file under `dir` (relative path → sha256), for "unchanged, nothing partial" checks. */
async function fileHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

/**
 * A `terraform` for PATH that runs the real one, except that the schema root's `init` waits
 * until the roles root's `apply` has failed (a file the wrapper writes then), and records that
 * it waited. The wait has a safety bound far beyond any run, so a bug fails the test, not hangs it.
 */
async function holdingWrapper(dir: string, real: string): Promise<{ bin: string; held: string }> {
  const bin = path.join(dir, 'bin');
  const gate = path.join(dir, 'roles-apply-failed');
  const held = path.join(dir, 'schema-init-held');
  await mkdir(bin);
  await writeFile(
    path.join(bin, 'terraform'),
    [
      '#!/bin/sh',
      'here=$(pwd)',
      'if [ "$1" = init ] && [ "${here##*/}" = schema ]; then',
      '  i=0',
      `  while [ ! -e '${gate}' ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done`,
      `  [ -e '${gate}' ] && echo held > '${held}'`,
      'fi',
      `'${real}' "$@"`,
      'c=$?',
      `if [ "$1" = apply ] && [ "\${here##*/}" = roles ] && [ $c -ne 0 ]; then : > '${gate}'; fi`,
      'exit $c',
      '',
    ].join('\n'),
  );
  await chmod(path.join(bin, 'terraform'), 0o755);
  return { bin, held };
}

describe('concurrent inits with a shared plugin cache, and a roles apply failing beside the schema init', () => {
  let stack: Stack;
  let seed: Scenario;
  let tmp: string;
  let cache: string;
  /** The CLI config of these runs: the provider from a packed mirror, which Terraform caches. */
  let cliConfig: string;
  const lockFiles: Record<string, string> = {};
  const providerDir = path.join(...PROVIDER_ADDRESS.split('/'), PROVIDER_VERSION);

  beforeAll(async () => {
    seed = await loadSeedScenario();
    stack = await startStack({ scenario: seed });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'concurrency-'));
    cache = path.join(tmp, 'plugin-cache');
    await mkdir(cache);
    cliConfig = await packedMirror(stack.tf, tmp);
    // The lock files a repository commits (terraform init writes them; the checkout keeps them),
    // so the action knows which provider versions the roots need.
    const scratch = await freshCheckout(stack.workspace);
    try {
      for (const root of ROOTS) {
        await execFileAsync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
          cwd: path.join(scratch, root),
          env: { ...process.env, ...stack.tf.env, TF_CLI_CONFIG_FILE: cliConfig },
        });
        lockFiles[`${root}/.terraform.lock.hcl`] = await readFile(path.join(scratch, root, '.terraform.lock.hcl'), 'utf8');
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await stack?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** The cache holds the provider, byte for byte as the mirror's package has it, and nothing else. */
  const expectCacheIntact = async (): Promise<void> => {
    const provider = await fileHashes(path.join(stack.tf.dir, 'mirror'));
    expect(Object.keys(provider).length).toBeGreaterThan(0);
    expect(await fileHashes(cache)).toEqual(provider);
  };

  it('cold cache: the inits run one after the other, both succeed, the cache is filled whole', async () => {
    await expect(access(path.join(cache, providerDir))).rejects.toThrow();
    stack.github.addCompare(sha('1'), sha('2'), FILES);
    const run = await stack.runPush(
      { before: sha('1'), after: sha('2'), ref: `refs/heads/${DEFAULT_BRANCH}` },
      { env: { TF_PLUGIN_CACHE_DIR: cache, TF_CLI_CONFIG_FILE: cliConfig }, checkoutFiles: lockFiles },
    );

    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['converged']).toBe('true');
    expect(run.stdout).toContain(
      `schema: terraform init beside the roles root, one after the other: the plugin cache ${cache} is shared and it does not hold ${PROVIDER_ADDRESS} ${PROVIDER_VERSION} yet (the first init fills it)`,
    );
    expect(run.stdout.match(/terraform init -input=false -json -lock-timeout=\S+ +exited with code 0/g)).toHaveLength(2);
    await expectCacheIntact();
  });

  it('warm cache: both inits at once; the roles apply fails while the schema init runs, and nothing of the schema root runs after it', async () => {
    const before = await fileHashes(cache);
    await stack.tf.writeScenario({
      ...seed,
      envs: { ...seed.envs, roles: { statements: [...(seed.envs.roles?.statements ?? []), ...REPORTING_SQL] } },
    });
    const reporting = path.join(stack.workspace, 'hcl/roles/reporting.pg.hcl');
    await writeFile(reporting, REPORTING_HCL);
    const files = ['hcl/roles/reporting.pg.hcl', 'hcl/schema/schema.pg.hcl'];
    stack.github.addPull({ number: 31, files, headSha: sha('e'), baseSha: sha('2'), mergeCommitSha: sha('3'), merged: true });
    stack.github.addCompare(sha('2'), sha('3'), files);
    const { stdout: real } = await execFileAsync('sh', ['-c', 'command -v terraform'], { env: { PATH: stack.tf.env['PATH'] ?? '' } });
    const wrapper = await holdingWrapper(tmp, real.trim());
    const callsBefore = (await stack.tf.readCalls()).length;
    const run = await stack
      .runPush(
        { before: sha('2'), after: sha('3'), ref: `refs/heads/${DEFAULT_BRANCH}` },
        {
          env: {
            TF_PLUGIN_CACHE_DIR: cache,
            TF_CLI_CONFIG_FILE: cliConfig,
            PATH: `${wrapper.bin}${path.delimiter}${stack.tf.env['PATH'] ?? ''}`,
          },
          checkoutFiles: lockFiles,
        },
      )
      .finally(() => rm(reporting, { force: true }));

    expect(run.exitCode, run.stdout).not.toBe(0);
    expect(run.stdout).toContain(
      `schema: terraform init beside the roles root, at once: the plugin cache ${cache} already holds every locked provider, so both inits only read it`,
    );
    // The schema init was held until the roles apply had failed, then ran to its end.
    expect(await readFile(wrapper.held, 'utf8')).toBe('held\n');
    expect(run.stdout).toMatch(/::error::.*roles: apply failed: .*role "reporting" does not exist/);
    const schemaInit = run.stdout.split('::group::schema: terraform init (run beside the roles root)')[1]?.split('::endgroup::')[0] ?? '';
    expect(schemaInit).toMatch(/terraform init -input=false -json -lock-timeout=\S+ +exited with code 0/);

    // Nothing of the schema root after its init: no plan or apply group, no provider call.
    expect(run.stdout).not.toMatch(/schema: (terraform (?!init\b)|IAM authentication preflight|impact)/);
    const calls = (await stack.tf.readCalls()).slice(callsBefore);
    expect(calls.some((c) => c.env === 'roles' && c.rpc === 'ApplyResourceChange')).toBe(true);
    expect(calls.filter((c) => c.env === 'schema')).toEqual([]);
    expect(await stack.pg.adminQuery("SELECT 1 FROM pg_roles WHERE rolname = 'report_reader'")).toHaveLength(0);

    // The report says so: the comment of the merged PR, the summary, the outputs.
    const body = stack.github.comments(31).at(-1)?.body ?? '';
    expect(body).toContain('❌ Apply failed at roles/apply — nothing was applied');
    expect(body).toMatch(/schema: not run because roles failed/);
    expect(run.summary).toContain('schema: not run because roles failed');
    expect(run.outputs['converged']).toBe('false');

    // The warm cache was only read.
    expect(await fileHashes(cache)).toEqual(before);
    await expectCacheIntact();
  });
});
