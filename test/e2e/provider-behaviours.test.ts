import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { headings, links, renderedText, renderHtml } from '../support/markdown.js';
import { interpretRunnerOutput, type Annotation } from '../support/runner-log.js';
import { ROLES_SQL } from '../support/seed-sql.js';
import { DEFAULT_BRANCH, sha, startStack, type Observed, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';

// What the real ariga/atlas provider does that a user meets, reproduced by the stand-in (see
// test/support/atlas-provider/README.md), and what the action makes of it: the comment, the
// job summary, the log's annotations and the exit code of `node dist/index.js`. One stack, in
// order: a first run that Atlas refuses, the same PR planned, the merge that bootstraps the
// database, then the failures of an existing database and of the runner's Atlas CLI.

const BASE = sha('b');
const HEAD = sha('c');
const MERGE = sha('d');
const SEED_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const GUIDE = 'https://atlasgo.io/terraform-provider#working-with-an-existing-database';
/** What Atlas's postgres driver says when the schema env's login is refused. */
const LOGIN_REFUSED = 'postgres: scanning system variables: pq: password authentication failed for user "atlas_migrator"';

describe("the real provider's behaviours, as a user of the action sees them", () => {
  let stack: Stack;
  let seed: Scenario;
  let clis: string;
  beforeAll(async () => {
    stack = await startStack();
    seed = await loadSeedScenario();
    clis = await mkdtemp(path.join(os.tmpdir(), 'atlas-clis-'));
    stack.github.addPull({ number: 1, files: SEED_FILES, headSha: HEAD, baseSha: BASE, mergeCommitSha: MERGE, merged: true });
    stack.github.addCompare(BASE, MERGE, SEED_FILES);
  });
  afterAll(async () => {
    await stack?.stop();
    if (clis) await rm(clis, { recursive: true, force: true });
  });

  const body = (pr: number): string => stack.github.comments(pr).at(-1)?.body ?? '';
  const annotations = (run: ActionRun, level: Annotation['level']): string[] =>
    interpretRunnerOutput(run.stdout, run.stderr)
      .annotations.filter((a) => a.level === level)
      .map((a) => a.message);
  const occurrences = (text: string, part: string): number => text.split(part).length - 1;
  /** The comment's 💡 lines, as Markdown. */
  const hints = (markdown: string): string[] => markdown.split('\n').filter((l) => l.startsWith('- 💡 '));
  /** An executable `atlas` (or other name) in its own directory; returns the directory. */
  const fakeCli = async (dir: string, script: string, name = 'atlas'): Promise<string> => {
    const bin = path.join(clis, dir);
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, name), script);
    await chmod(path.join(bin, name), 0o755);
    return bin;
  };
  const BROKEN = '#!/bin/sh\necho "Error: this build is broken" >&2\nexit 1\n';

  it('first run with a role made outside Atlas: "Unrecognized schema resources" shown once, with the external = true hint and the guide link; exit 1', async () => {
    // A DBA created legacy_app by hand; the roles HCL does not declare it, so Atlas plans to
    // drop it, and its first-run check refuses that.
    await stack.pg.adminQuery('CREATE ROLE "legacy_app" WITH LOGIN');
    const firstRun = structuredClone(seed);
    firstRun.envs['roles']?.statements?.push({
      query: `SELECT format('DROP ROLE "%s";', rolname) FROM pg_roles WHERE rolname = 'legacy_app'`,
    });
    await stack.tf.writeScenario(firstRun);
    try {
      const o = await stack.observe(() => stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE }));
      const { run } = o;
      expect(run.exitCode, run.stdout).toBe(1);
      expect(o.planned).toContain('roles');
      const errors = annotations(run, 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('roles: plan failed: Unrecognized schema resources');

      const markdown = body(1);
      const shown = renderedText(markdown);
      expect(shown).toContain('❌ Plan failed for roles');
      // The failed roles plan still listed CREATE ROLE "atlas_migrator": the schema root is the
      // bootstrap's deferred root, not a second failure with a misleading IAM checklist.
      expect(shown).not.toContain('Plan failed for roles and schema');
      expect(shown).toContain('Deferred: planned after the bootstrap');
      expect(shown).toContain('CREATE ROLE "atlas_migrator" WITH LOGIN;');
      expect(occurrences(shown, 'Unrecognized schema resources')).toBe(1);
      expect(shown).toContain('Unrecognized schema resources (atlas_schema.roles)');
      expect(shown).toContain('- DROP ROLE "legacy_app";');
      expect(shown).toContain(
        'declare what already exists: the RDS roles (rds_iam, rds_superuser, … and the master user) as external = true in the roles HCL, and any table, view, function or role created outside Atlas',
      );
      expect(links(markdown)).toContainEqual({ href: GUIDE, text: 'working with an existing database' });
      const summary = renderedText(run.summary);
      expect(occurrences(summary, 'Unrecognized schema resources')).toBe(1);
      expect(summary).toContain('as external = true in the roles HCL');

      // A plan changes nothing: the hand-made role is still there, no seed role was created.
      expect(await stack.pg.query(`SELECT rolname FROM pg_roles WHERE rolname IN ('legacy_app', 'atlas_migrator')`)).toEqual([
        { rolname: 'legacy_app' },
      ]);
    } finally {
      await stack.pg.adminQuery('DROP ROLE "legacy_app"');
    }
  });

  it('no update check by default: the action sets ATLAS_NO_UPDATE_NOTIFIER for terraform, so a pinned provider reports no Update Available', async () => {
    await stack.tf.writeScenario({
      ...seed,
      vercheck: { latest: { Version: '0.10.4', Link: 'https://github.com/ariga/terraform-provider-atlas/releases/tag/v0.10.4' } },
    });
    const run = await stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('Update Available');
    for (const markdown of [body(1), run.summary]) {
      expect(renderedText(markdown)).not.toContain('Update Available');
      expect(renderedText(markdown)).toContain('Warnings (1), including the expected “dev_url is unset”');
    }
  });

  it('Update Available (the job sets ATLAS_NO_UPDATE_NOTIFIER itself, empty) and dev_url is unset: not in the headline or the annotations, collapsed under Warnings with their notes, in a defined order; the Atlas version in the footer and the summary', async () => {
    await stack.tf.writeScenario({
      ...seed,
      vercheck: { latest: { Version: '0.10.4', Link: 'https://github.com/ariga/terraform-provider-atlas/releases/tag/v0.10.4' } },
    });
    // The runner's CLI is another release than the stand-in's default: the report names the one that planned.
    // The job's own ATLAS_NO_UPDATE_NOTIFIER (empty: the stand-in then checks, as it reads the
    // variable) is left as the job set it.
    const run = await stack.runPullRequest(
      { number: 1, headSha: HEAD, baseSha: BASE },
      { env: { ATLAS_STANDIN_CLI_VERSION: 'v1.2.2', ATLAS_NO_UPDATE_NOTIFIER: '' } },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(run.stdout).toContain('Warning: Update Available');
    expect(annotations(run, 'warning')).toEqual([]);
    expect(annotations(run, 'error')).toEqual([]);
    expect(run.stdout).toMatch(/^Atlas CLI v1\.2\.2$/m);

    for (const markdown of [body(1), run.summary]) {
      const headline = headings(markdown).find((h) => h.level === 3)?.text ?? '';
      expect(headline).toBe(
        '✅ Plan: 4 statements in roles · schema deferred: planned and applied on merge without a PR review of its SQL',
      );
      const collapsed = [...renderHtml(markdown).matchAll(/<details>[\s\S]*?<\/details>/g)].map((m) => m[0]);
      const warnings = collapsed.find((d) => d.includes('Warnings (2)')) ?? '';
      expect(renderedText(warnings)).toBe(
        'Warnings (2), including the expected “Update Available”, “dev_url is unset” ' +
          'Update Available — the ariga/atlas provider has a newer version; not a problem for this run. ' +
          'dev_url is unset — expected: this flow plans against the live database without a dev database.',
      );
      // Nowhere else: the rest of the report does not mention them.
      const outside = renderedText(markdown.replace(/<details>[\s\S]*?<\/details>/g, ''));
      expect(outside).not.toMatch(/Update Available|dev_url/);
      expect(renderedText(markdown)).toContain('Atlas v1.2.2 · rds-atlas-action');
    }
  });

  it('Inspect Error on the refresh (the schema login refused): the same IAM checklist as the same refusal in a plan error', async () => {
    await stack.tf.writeScenario(seed);
    const merge = await stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` });
    expect(merge.exitCode, merge.stdout).toBe(0);
    expect(merge.outputs['converged']).toBe('true');

    // atlas_migrator leaves rds_iam (revoked by the master user, who granted it): RDS no longer
    // takes its IAM token. Without db-endpoint there is no preflight, so the provider's refresh
    // (`schema inspect`) is the first login and the first thing to fail.
    stack.github.addPull({ number: 2, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('e'), baseSha: MERGE });
    const pr2 = () => stack.runPullRequest({ number: 2, headSha: sha('e'), baseSha: MERGE }, { inputs: { 'db-endpoint': '' } });
    await stack.pg.query('REVOKE "rds_iam" FROM "atlas_migrator"');
    let inspect: Observed;
    try {
      inspect = await stack.observe(pr2);
    } finally {
      await stack.pg.query('GRANT "rds_iam" TO "atlas_migrator"');
    }
    expect(inspect.run.exitCode, inspect.run.stdout).toBe(1);
    expect(inspect.planned).toEqual([]);
    expect(annotations(inspect.run, 'error')).toEqual([
      `schema: plan failed: Inspect Error: Unable to inspect, got error: Error: ${LOGIN_REFUSED}`,
    ]);
    const inspectBody = body(2);
    const shown = renderedText(inspectBody);
    expect(shown).toContain('❌ Plan failed for schema');
    expect(shown).toContain(`Inspect Error (atlas_schema.app) Unable to inspect, got error: Error: ${LOGIN_REFUSED}`);
    const checklist = hints(inspectBody);
    expect(renderedText(checklist.join('\n'))).toContain('atlas_migrator must be a member of rds_iam: GRANT rds_iam TO "atlas_migrator";');
    expect(renderedText(checklist.join('\n'))).toContain('IAM database authentication must be enabled on the instance');
    expect(renderedText(inspect.run.summary)).toContain('GRANT rds_iam TO "atlas_migrator";');

    // The same refusal met by a dry run (Atlas Plan Error): the same checklist, word for word.
    await stack.tf.writeScenario({ envs: { ...seed.envs, schema: { ...seed.envs['schema'], planError: LOGIN_REFUSED } } });
    try {
      const plan = await pr2();
      expect(plan.exitCode, plan.stdout).toBe(1);
      expect(renderedText(body(2))).toContain(
        `Atlas Plan Error (atlas_schema.app) Unable to generate migration plan, got error: Error: ${LOGIN_REFUSED}`,
      );
      expect(hints(body(2))).toEqual(checklist);
    } finally {
      await stack.tf.writeScenario(seed);
    }
  });

  it('Check atlas version failure: a provider block whose binary_path names a broken CLI fails the root with the hint, while the action’s own check of PATH passed', async () => {
    const broken = path.join(await fakeCli('binary-path', BROKEN, 'atlas-old'), 'atlas-old');
    const mainTf = path.join(stack.workspace, 'terraform/roles/main.tf');
    const original = await readFile(mainTf, 'utf8');
    await writeFile(mainTf, original.replace('provider "atlas" {}', `provider "atlas" {\n  binary_path = "${broken}"\n}`));
    stack.github.addPull({ number: 3, files: ['terraform/roles/main.tf'], headSha: sha('f'), baseSha: MERGE });
    let run: ActionRun;
    try {
      run = await stack.runPullRequest({ number: 3, headSha: sha('f'), baseSha: MERGE });
    } finally {
      await writeFile(mainTf, original);
    }
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.stdout.indexOf('Atlas CLI v1.2.3')).toBeLessThan(run.stdout.indexOf('$ terraform'));
    expect(annotations(run, 'error')).toEqual(['roles: plan failed: Check atlas version failure: Error: this build is broken']);
    const markdown = body(3);
    const shown = renderedText(markdown);
    expect(shown).toContain('❌ Plan failed for roles');
    expect(shown).toContain('Check atlas version failure (provider["registry.terraform.io/ariga/atlas"]) Error: this build is broken');
    expect(renderedText(hints(markdown).join('\n'))).toContain(
      "the official build's atlas on PATH, or the file its provider block's binary_path names",
    );
    expect(shown).toContain('remove binary_path or point it at a working Atlas CLI');
    expect(shown).toContain('Atlas v1.2.3 · rds-atlas-action');
    expect(renderedText(run.summary)).toContain('Check atlas version failure');
  });

  it('an atlas on PATH that the provider cannot use (it fails, or it is the community build): the action’s own check stops the run before AWS and Terraform', async () => {
    const failing = await fakeCli('failing', BROKEN);
    // The open-source build prints "atlas community version …" (ariga/atlas cmdapi); atlasexec
    // reads only "atlas version v…", so the provider would fail every plan with "unexpected
    // output format". Its other commands are the stand-in's, so the login step works.
    const community = await fakeCli(
      'community',
      [
        '#!/bin/sh',
        'if [ "$1" = version ]; then',
        "  printf 'atlas community version v1.2.3\\nhttps://github.com/ariga/atlas/releases/tag/v1.2.3\\n'",
        '  exit 0',
        'fi',
        `exec '${path.join(stack.tf.atlasBin, 'atlas')}' "$@"`,
        '',
      ].join('\n'),
    );
    stack.github.addPull({ number: 4, files: ['hcl/roles/roles.pg.hcl'], headSha: sha('a'), baseSha: MERGE });
    const cases = [
      { bin: failing, atlasCli: 'logged-out' as const, says: '"atlas version" exited with 1: Error: this build is broken.' },
      {
        bin: community,
        atlasCli: 'logged-in' as const,
        says: '"atlas version" printed "atlas community version v1.2.3", which the ariga/atlas provider cannot read',
      },
    ];
    for (const c of cases) {
      const o = await stack.observe(() =>
        stack.runPullRequest(
          { number: 4, headSha: sha('a'), baseSha: MERGE },
          { atlasCli: c.atlasCli, env: { PATH: `${c.bin}:${stack.tf.env['PATH'] ?? ''}` } },
        ),
      );
      expect(o.run.exitCode, o.run.stdout).toBe(1);
      expect(o.oidc).toEqual([]);
      expect(o.sts).toEqual([]);
      expect(o.planned).toEqual([]);
      expect(o.run.stdout).not.toContain('$ terraform');
      const errors = annotations(o.run, 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(c.says);
      expect(errors[0]).toContain('Add `ariga/setup-atlas@v0` with `cloud-token: ${{ secrets.ATLAS_CLOUD_TOKEN }}` before this action');
      const shown = renderedText(body(4));
      expect(shown).toContain(`❌ Plan failed: ${c.says}`);
      expect(renderedText(o.run.summary)).toContain(c.says);
    }
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
