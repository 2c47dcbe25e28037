import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPostStep, type ActionRun } from '../support/action.js';
import { ACTIONS_BOT } from '../support/github-api.js';
import { headings, links, renderedText } from '../support/markdown.js';
import { ROLES_SQL } from '../support/seed-sql.js';
import { interpretRunnerOutput } from '../support/runner-log.js';
import { DEFAULT_BRANCH, OWNER, REPO, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';

// Faults a real run meets, told the way a user sees them (exit code, outputs, job summary,
// the PR comment, PostgreSQL): the report is never lost and never lies, terraform gets only
// what it needs, and the post step cleans up what a killed main step left. One stack, runs in
// order: the first merge bootstraps the database, later tests build on it.

const BASE = sha('b');
const ALL_HCL = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const MARKER = '<!-- rds-atlas-action:v1 roles=terraform/roles schema=terraform/schema -->';
/** The workflow runs of the harness's repository (GITHUB_RUN_ID is 4242 in every run). */
const RUNS = `https://github.com/${OWNER}/${REPO}/actions/runs`;
const OUTPUT_NAMES = [
  'mode',
  'roles-changed',
  'roles-sql',
  'schema-sql',
  'converged',
  'comment-url',
  'destructive-sql',
  'drift',
  'lint',
  'impact',
  'access-changes',
];
/** What terraform, and so every provider and `external` program of a pull request, must not see. */
const WITHHELD =
  /^(GITHUB_(ENV|OUTPUT|PATH|STATE|STEP_SUMMARY|TOKEN)|INPUT_.*|ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)|ACTIONS_RUNTIME_TOKEN)$/;

describe('faults: the report is never lost and never lies', () => {
  let stack: Stack;
  let seed: Scenario;
  let scratch: string;
  beforeAll(async () => {
    stack = await startStack();
    seed = await loadSeedScenario();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'runner-files-'));
  });
  afterAll(async () => {
    await stack?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** A merged PR changing `files`, merged as `mergeSha`. */
  const mergedPull = (number: number, mergeSha: string, files: string[]): void => {
    stack.github.addPull({ number, files, headSha: sha('e'), baseSha: BASE, mergeCommitSha: mergeSha, merged: true });
    stack.github.addCompare(BASE, mergeSha, files);
  };
  const push = (mergeSha: string, extra = {}): Promise<ActionRun> =>
    stack.runPush({ before: BASE, after: mergeSha, ref: `refs/heads/${DEFAULT_BRANCH}` }, extra);
  const headline = (markdown: string): string => headings(markdown).find((h) => h.level === 3)?.text ?? '';
  const onlyComment = (pr: number): { body: string; url: string } => {
    const comments = stack.github.comments(pr);
    expect(comments).toHaveLength(1);
    return { body: comments[0]?.body ?? '', url: comments[0]?.html_url ?? '' };
  };
  const roleExists = async (name: string): Promise<boolean> =>
    (await stack.pg.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name])).length === 1;

  // ── re-run of a successful apply, and terraform's environment (observed on its first merge) ──

  const RERUN_PR = 51;
  const RERUN_MERGE = sha('d');
  let firstMerge: ActionRun;
  let firstMergeEnvNames: string[][] = [];

  it("re-run of a successful apply (attempt 2, same commit): the comment keeps showing what was applied and links attempt 1; the re-run's summary says nothing was left; one comment", async () => {
    mergedPull(RERUN_PR, RERUN_MERGE, ALL_HCL);
    const calls0 = (await stack.tf.readCalls()).length;
    // Everything a runner gives a step that terraform must not get (GITHUB_ENV, GITHUB_PATH,
    // GITHUB_STATE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and INPUT_* come from runAction).
    firstMerge = await push(RERUN_MERGE, {
      env: { ACTIONS_RUNTIME_TOKEN: 'runtime-token-not-for-terraform', GITHUB_TOKEN: 'ghs_not_for_terraform' },
    });
    firstMergeEnvNames = (await stack.tf.readCalls())
      .slice(calls0)
      .filter((c) => c.rpc === 'ConfigureProvider')
      .map((c) => c.envNames ?? []);
    expect(firstMerge.exitCode, firstMerge.stdout).toBe(0);
    const first = onlyComment(RERUN_PR);
    expect(headline(first.body)).toBe('✅ Applied and converged — 6 statements in roles and schema');
    expect(headline(firstMerge.summary)).toBe('✅ Applied and converged — 6 statements in roles and schema');
    const runLink = (markdown: string): string | undefined => links(markdown).find((l) => l.text === 'workflow run')?.href;
    expect(runLink(first.body)).toBe(`${RUNS}/4242/attempts/1`);

    // GitHub's "Re-run all jobs": same run id and commit, the next attempt.
    const again = await push(RERUN_MERGE, { env: { GITHUB_RUN_ATTEMPT: '2' } });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs['converged']).toBe('true');
    expect(again.stdout).not.toContain('terraform apply');
    expect(headline(again.summary)).toBe('✅ Nothing to apply — database converged');
    expect(runLink(again.summary)).toBe(`${RUNS}/4242/attempts/2`);
    expect(again.stdout).toContain(
      `The comment on #${RERUN_PR} keeps showing the apply of commit ${RERUN_MERGE.slice(0, 7)} (${RUNS}/4242/attempts/1); this re-run had nothing left to apply.`,
    );
    const second = onlyComment(RERUN_PR);
    expect(second.url).toBe(first.url);
    // What was applied stays on the pull request, with the attempt that applied it.
    expect(second.body).toBe(first.body);
    expect(headline(second.body)).toBe('✅ Applied and converged — 6 statements in roles and schema');
    expect(renderedText(second.body)).toContain(ROLES_SQL[0]);
    expect(runLink(second.body)).toBe(`${RUNS}/4242/attempts/1`);
    expect(renderedText(second.body)).not.toContain('Nothing to apply');
  });

  it("terraform's environment: providers see none of the runner's file commands, inputs or tokens, and the file commands stay untouched", () => {
    // One ConfigureProvider per provider process: the roles and schema roots' plans, applies
    // and verify plans.
    expect(firstMergeEnvNames.length).toBeGreaterThanOrEqual(6);
    for (const names of firstMergeEnvNames) {
      expect(names.filter((n) => WITHHELD.test(n))).toEqual([]);
      // It does see what the step's `env:` gives terraform: the check could fail.
      expect(names).toEqual(expect.arrayContaining(['TF_VAR_endpoint', 'GITHUB_REPOSITORY', 'AWS_CONFIG_FILE']));
      // Set by the action (the job did not): no update check, no network call, at every start.
      expect(names).toContain('ATLAS_NO_UPDATE_NOTIFIER');
    }
    // Nothing wrote to the variables, PATH or post-step state of later steps.
    expect(firstMerge.fileCommands).toEqual({ env: '', path: '', state: '' });
  });

  // ── kill after commit ──

  it('kill after commit: terraform dies after the SQL committed; the check plan shows nothing pending, so the headline says it was applied', async () => {
    const pr = 52;
    const mergeSha = sha('5');
    const lateSql = 'CREATE ROLE "late_writer" WITH LOGIN;';
    const s = structuredClone(seed);
    const roles = s.envs['roles'] ?? {};
    s.envs['roles'] = {
      ...roles,
      statements: [...(roles.statements ?? []), { sql: lateSql, present: "SELECT 1 FROM pg_roles WHERE rolname = 'late_writer'" }],
      killTerraformAfterCommit: true,
    };
    await stack.tf.writeScenario(s);
    mergedPull(pr, mergeSha, ['hcl/roles/roles.pg.hcl']);
    try {
      const run = await push(mergeSha);
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.stdout).toContain('terraform was terminated by signal SIGKILL');
      // The action asked the database what stuck: a plan after the failure.
      expect(run.stdout).toContain('::group::roles: terraform plan (after the failed apply)');
      expect(await roleExists('late_writer')).toBe(true);

      const expected = '❌ Apply failed at roles/apply — the SQL of roles was committed, then Terraform failed, schema was not';
      const appliedLine =
        'What was applied: roles: failed during apply — a plan after the failure shows nothing pending: the SQL was committed, but Terraform failed afterwards · schema: not run because roles failed';
      const { body } = onlyComment(pr);
      for (const [where, md] of [
        ['comment', body],
        ['summary', run.summary],
      ] as const) {
        expect(headline(md), where).toBe(expected);
        expect(renderedText(md), where).toContain(appliedLine);
        expect(renderedText(md), where).not.toMatch(/nothing was applied|nothing from this root was (applied|committed)/i);
      }
      expect(run.outputs['converged']).toBe('false');
      expect(run.outputs['roles-sql']).toBe(lateSql);
    } finally {
      await stack.tf.writeScenario(seed);
    }
    // The next merge finds the role in place (no SQL) and stores the resource: converged.
    const next = await push(mergeSha);
    expect(next.exitCode, next.stdout).toBe(0);
    expect(next.outputs['converged']).toBe('true');
  });

  // ── silent terraform ──

  /**
   * A shell script named terraform, first on PATH: the real binary for everything but `plan`.
   * No `terraform-bin` beside it, so it is not taken for setup-terraform's wrapper: the action
   * runs it as terraform, as it would any wrapper a workflow puts first on PATH.
   */
  const wrapTerraform = async (name: string, onPlan: string): Promise<Record<string, string>> => {
    const real = (process.env['PATH'] ?? '')
      .split(path.delimiter)
      .map((d) => path.join(d, 'terraform'))
      .find((f) => !f.startsWith(scratch) && existsSync(f));
    expect(real, 'terraform on PATH').toBeTruthy();
    const dir = path.join(scratch, name);
    await mkdir(dir);
    const script = path.join(dir, 'terraform');
    await writeFile(script, `#!/bin/sh\nif [ "$1" = plan ]; then\n${onPlan}\n  exit 0\nfi\nexec '${real}' "$@"\n`);
    await chmod(script, 0o755);
    return { PATH: `${dir}${path.delimiter}${stack.tf.env['PATH'] ?? ''}` };
  };

  it('silent terraform: a plan that exits 0 with no output fails the run; never "no changes"', async () => {
    const pr = 53;
    stack.github.addPull({ number: pr, files: ALL_HCL, headSha: sha('6'), baseSha: BASE });
    const run = await stack.runPullRequest({ number: pr, headSha: sha('6'), baseSha: BASE }, { env: await wrapTerraform('silent', '  :') });
    expect(run.exitCode, run.stdout).toBe(1);
    const why = 'exited with code 0 without printing its machine-readable output (no "version" event in the -json stream)';
    const errors = interpretRunnerOutput(run.stdout, run.stderr).annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(`roles: plan failed: terraform plan ${why}`);
    const { body } = onlyComment(pr);
    for (const md of [body, run.summary]) {
      expect(headline(md)).toBe('❌ Plan failed for roles and schema');
      expect(renderedText(md)).toContain(why);
      expect(renderedText(md)).not.toMatch(/no changes|converged/i);
    }
    expect(run.outputs['roles-sql']).toBe('');
    expect(run.outputs['schema-sql']).toBe('');
  });

  it('silent terraform: a plan that exits 0 printing plain text ("No changes.") fails the merge; never "converged"', async () => {
    const pr = 54;
    const mergeSha = sha('7');
    mergedPull(pr, mergeSha, ALL_HCL);
    const lie = "  echo 'No changes. Your infrastructure matches the configuration.'";
    const run = await push(mergeSha, { env: await wrapTerraform('plain-text', lie) });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs['converged']).toBe('false');
    expect(run.stdout).not.toContain('terraform apply');
    const { body } = onlyComment(pr);
    for (const md of [body, run.summary]) {
      expect(headline(md)).toBe('❌ Apply failed at roles/plan — nothing was applied');
      expect(renderedText(md)).toContain('terraform plan exited with code 0 without printing its machine-readable output');
      expect(renderedText(md)).not.toMatch(/Nothing to apply|converged —|, converged/);
    }
  });

  // ── hung GitHub API, and two racing runs in its wait ──
  // The hung run spends ~45 s waiting on a server that never answers; two runs racing on
  // another pull request fill that wait instead of following it. All three are pull-request
  // plans (a stack's OIDC issuer signs the sub of the run started last, so only runs of one
  // kind may overlap), none edits the workspace or the scenario, and the hung run writes
  // nothing to GitHub (it never gets an answer), so none sees another.

  /**
   * A terraform first on PATH whose `plan` runs the real one, then waits until every run named
   * in `runs` has finished a plan (a file each in `barrier`): the racing runs enter their
   * comment phase together, however unevenly a loaded machine ran them so far.
   */
  const planBarrier = async (run: string, runs: string[], barrier: string): Promise<Record<string, string>> => {
    const real = (process.env['PATH'] ?? '')
      .split(path.delimiter)
      .map((d) => path.join(d, 'terraform'))
      .find((f) => !f.startsWith(scratch) && existsSync(f));
    expect(real, 'terraform on PATH').toBeTruthy();
    const dir = path.join(scratch, `barrier-${run}`);
    await mkdir(dir);
    const waiting = runs.map((r) => `[ ! -e '${path.join(barrier, r)}' ]`).join(' || ');
    const script = [
      '#!/bin/sh',
      'if [ "$1" = plan ]; then',
      `  '${real}' "$@"; code=$?`,
      `  : > '${path.join(barrier, run)}'`,
      `  while ${waiting}; do sleep 0.05; done`,
      '  exit $code',
      'fi',
      `exec '${real}' "$@"`,
      '',
    ].join('\n');
    await writeFile(path.join(dir, 'terraform'), script);
    await chmod(path.join(dir, 'terraform'), 0o755);
    return { PATH: `${dir}${path.delimiter}${stack.tf.env['PATH'] ?? ''}` };
  };

  /**
   * Two runs racing on PR #56: both create a comment, the later one removes its own; one comment
   * remains, ours. Runs beside the hung-API case (below), which writes nothing to GitHub.
   */
  const raceOnOnePull = async (): Promise<void> => {
    const pr = 56;
    stack.github.addPull({ number: pr, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('9'), baseSha: BASE });
    // Both runs read the PR's comments before either writes: the race, every time. Each job has
    // its own GITHUB_TOKEN, so a listing retried by one run (its client gave up waiting for the
    // held one) stays held until the other run has asked too. Both plans end together first,
    // so neither run spends its comment phase's retries waiting for the other.
    const barrier = path.join(scratch, 'race-barrier');
    await mkdir(barrier);
    stack.github.holdUntil(2, { method: 'GET', path: new RegExp(`/issues/${pr}/comments$`) });
    const requests0 = stack.github.requests.length;
    const runs = await Promise.all([
      stack.runPullRequest({ number: pr, headSha: sha('9'), baseSha: BASE }, { env: await planBarrier('a', ['a', 'b'], barrier) }),
      stack.runPullRequest(
        { number: pr, headSha: sha('a'), baseSha: BASE },
        { env: await planBarrier('b', ['a', 'b'], barrier), inputs: { 'github-token': stack.github.jobToken() } },
      ),
    ]);
    for (const run of runs) expect(run.exitCode, run.stdout).toBe(0);

    const writes = stack.github.requests
      .slice(requests0)
      .filter((r) => r.method !== 'GET' && r.path.includes('/comments'))
      .map((r) => `${r.method} ${r.status}`);
    expect(writes.sort()).toEqual(['DELETE 204', 'PATCH 200', 'POST 201', 'POST 201']);
    const comments = stack.github.comments(pr);
    expect(comments).toHaveLength(1);
    const survivor = comments[0]!;
    expect(survivor.body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(survivor.user.login).toBe(ACTIONS_BOT.login);
    for (const run of runs) expect(run.outputs['comment-url']).toBe(survivor.html_url);
    expect(runs.filter((r) => r.stdout.includes('Removed 1 duplicate comment(s) of this action left by a concurrent run.'))).toHaveLength(
      1,
    );
  };

  it('hung GitHub API: the run ends ~45 s into the comment phase with exit 0, the summary and every output written, and one warning; two racing runs on one PR, in that wait: both create a comment, the later one removes its own; one comment remains, ours', async () => {
    const pr = 55;
    stack.github.addPull({ number: pr, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('8'), baseSha: BASE });
    // Every listing of the PR's comments is accepted and never answered.
    stack.github.failNext('hang', { method: 'GET', path: new RegExp(`/issues/${pr}/comments$`), times: 20 });
    const seen = stack.github.requests.length;
    const started = Date.now();
    let settled = false;
    const hung = stack.runPullRequest({ number: pr, headSha: sha('8'), baseSha: BASE }).finally(() => (settled = true));
    // The racing runs start once this run's first listing has reached GitHub: its plan, and the
    // state lock with it, is done, so no plan waits on another; from then on it only waits.
    await vi.waitFor(
      () => {
        const listed = stack.github.requests.slice(seen).some((r) => r.method === 'GET' && r.path.endsWith(`/issues/${pr}/comments`));
        if (!settled && !listed) throw new Error('the hung run is not in its comment phase yet');
      },
      { timeout: 120_000, interval: 100 },
    );
    const racing = raceOnOnePull().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const run = await hung;
    const exited = started + run.durationMs;

    expect(run.exitCode, run.stdout).toBe(0);
    expect(Object.keys(run.outputs).sort()).toEqual([...OUTPUT_NAMES].sort());
    expect(run.outputs['mode']).toBe('plan');
    expect(run.outputs['comment-url']).toBe('');
    expect(run.outputs['schema-sql']).toBe('');
    expect(headline(run.summary)).toBe('✅ Plan: no changes');
    const warnings = interpretRunnerOutput(run.stdout, run.stderr).annotations.filter((a) => a.level === 'warning');
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^Could not post the pull request comment: GitHub did not answer within 45 s\. The report is in the job summary/,
      ),
    ]);
    expect(stack.github.comments(pr)).toEqual([]);

    // Each request was given up after 10 s and retried; the phase as a whole after 45 s, and
    // the process exited right then (sockets to the hung API notwithstanding).
    const listings = stack.github.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/issues/${pr}/comments`));
    expect(listings.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < listings.length; i++) expect(listings[i]!.at - listings[i - 1]!.at).toBeGreaterThanOrEqual(10_000);
    // The phase's 45 s start when the report is written, a little before the first listing
    // reaches the server (seconds before on a loaded machine): from that listing to the exit is
    // at most 45 s plus the exit, and at least the retries above.
    const phase = exited - listings[0]!.at;
    expect(phase).toBeGreaterThanOrEqual(listings.at(-1)!.at - listings[0]!.at);
    expect(phase).toBeGreaterThan(30_000);
    expect(phase).toBeLessThan(50_000);
    expect(run.runnerTempFiles).toEqual([]);

    // The race, started in this run's wait.
    const raceError = await racing;
    if (raceError) throw raceError;
  }, 240_000);

  // ── the post step ──

  const entries = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

  it('post step after a main step killed mid-run: removes the credential files and plan directory it left, and nothing else', async () => {
    const runnerTemp = path.join(scratch, 'runner-temp-killed');
    await mkdir(path.join(runnerTemp, 'other-action'), { recursive: true });
    await writeFile(path.join(runnerTemp, 'other-action', 'keep.txt'), 'another step');
    await writeFile(path.join(runnerTemp, 'notes.txt'), 'a file of the job');

    // SIGKILL to the whole process group once terraform starts: no finally block runs.
    const run = await push(RERUN_MERGE, {
      runnerTemp,
      cancel: { when: /\$ terraform init/, signals: ['SIGKILL'], intervalMs: 0, group: true },
    });
    expect(run.exitCode).toBe(-1);
    const left = await entries(runnerTemp);
    expect(left).toEqual([
      'notes.txt',
      'other-action',
      expect.stringMatching(/^rds-atlas-aws-/),
      expect.stringMatching(/^rds-atlas-plan-/),
    ]);
    const credentials = run.runnerTempFiles.find((f) => /^rds-atlas-aws-[^/]+\/credentials$/.test(f.path));
    expect(credentials?.content).toMatch(/aws_secret_access_key = \S+/);

    const post = await runPostStep({ runnerTemp, state: run.state });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(post.stdout).toContain('Removed 2 temporary directories left by the main step.');
    expect(await entries(runnerTemp)).toEqual(['notes.txt', 'other-action']);
    expect(await readFile(path.join(runnerTemp, 'other-action', 'keep.txt'), 'utf8')).toBe('another step');
    expect(await stack.tf.leftovers()).toMatchObject({ processes: [] });
  });

  it('post step with hostile state and a symlink named like ours: only our entries directly in RUNNER_TEMP go; link targets and state paths survive', async () => {
    const runnerTemp = path.join(scratch, 'runner-temp-hostile');
    const outside = path.join(scratch, 'outside');
    await mkdir(path.join(outside, 'rds-atlas-plan-precious'), { recursive: true });
    await writeFile(path.join(outside, 'precious.txt'), 'not ours');
    await mkdir(path.join(runnerTemp, 'nested', 'rds-atlas-plan-deep'), { recursive: true });
    await mkdir(path.join(runnerTemp, 'rds-atlas-plan-ours'));
    await writeFile(path.join(runnerTemp, 'rds-atlas-plan-ours', 'roles.tfplan'), 'plan');
    await symlink(outside, path.join(runnerTemp, 'rds-atlas-x'));

    const post = await runPostStep({
      runnerTemp,
      state: { foo: '/etc', planDir: path.join(outside, 'rds-atlas-plan-precious'), credentials: path.join(outside, 'precious.txt') },
    });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(await entries(runnerTemp)).toEqual(['nested']);
    expect(await entries(path.join(runnerTemp, 'nested'))).toEqual(['rds-atlas-plan-deep']);
    // The link went as a link; what it pointed at, and every path in the state, is untouched.
    await expect(lstat(path.join(runnerTemp, 'rds-atlas-x'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await entries(outside)).toEqual(['precious.txt', 'rds-atlas-plan-precious']);
    expect(await readFile(path.join(outside, 'precious.txt'), 'utf8')).toBe('not ours');
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
