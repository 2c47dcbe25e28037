import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { headings, renderedText } from '../support/markdown.js';
import { interpretRunnerOutput, type Annotation } from '../support/runner-log.js';
import { DEFAULT_BRANCH, sha, startStack, type Observed, type RunExtra, type Stack } from '../support/stack.js';
import { loadSeedScenario } from '../support/terraform.js';

// The HCL guardrails (src/lint/) through `node dist/index.js`: an error stops the run before
// any AWS or Terraform work, with an annotation at the offending line and a comment saying
// why; a warning is reported and the plan goes on; lint-skip switches a rule off, and an
// unknown rule id in it is an input error. One stack, in order.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SEED_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const REPORTING = 'hcl/schema/reporting.pg.hcl';
const REPORTING_HCL = '# Reporting access, added by this pull request.\n\nuser "report_writer" {}\n';
const SCHEMA = 'hcl/schema/schema.pg.hcl';
const REVOKE_PUBLIC = 'REVOKE USAGE ON SCHEMA "public" FROM PUBLIC;';

interface LintFinding {
  rule: string;
  severity: string;
  file: string;
  line: number;
  message: string;
}

describe('HCL guardrails on pull requests', () => {
  let stack: Stack;
  let seedSchemaHcl: string;
  beforeAll(async () => {
    stack = await startStack();
    seedSchemaHcl = await readFile(path.join(stack.workspace, SCHEMA), 'utf8');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const annotations = (run: ActionRun, level: Annotation['level']): Annotation[] =>
    interpretRunnerOutput(run.stdout, run.stderr).annotations.filter((a) => a.level === level);
  const lintOutput = (run: ActionRun): LintFinding[] => JSON.parse(run.outputs['lint'] ?? 'null') as LintFinding[];
  const body = (pr: number): string => stack.github.comments(pr).at(-1)?.body ?? '';
  /** Pull request #1 with REPORTING (a user block in schema HCL) added for the one run. */
  const runWithReportingUser = async (extra?: RunExtra): Promise<ActionRun> => {
    await writeFile(path.join(stack.workspace, REPORTING), REPORTING_HCL);
    try {
      return await stack.runPullRequest({ number: 1, headSha: sha('1'), baseSha: sha('0') }, extra);
    } finally {
      await rm(path.join(stack.workspace, REPORTING));
    }
  };
  const withoutPublicUsage = (): string => seedSchemaHcl.replace(/permission \{\s*to\s*= PUBLIC[^}]*\}\n*/, '');
  const ROLES = 'hcl/roles/roles.pg.hcl';
  /** The roles HCL with user dbadmin made a member of rds_iam (an ordinary IAM user unless master-user names it). */
  const withDbadmin = (seedRoles: string): string => `${seedRoles}\nuser "dbadmin" {\n  member_of = [role.rds_iam]\n}\n`;

  /**
   * PR #1's run, shared by the cases below that read it (e2e time matters): REPORTING added,
   * dbadmin in the roles HCL under the default master-user, and step debug logging on.
   */
  let reportingRun: Observed;

  it('a PR adding a user block to schema HCL fails before OIDC, STS and Terraform: one annotation at that line, the lint output, and a comment that says why', async () => {
    stack.github.addPull({ number: 1, files: [REPORTING, ROLES], headSha: sha('1'), baseSha: sha('0') });
    const roles = path.join(stack.workspace, ROLES);
    const seedRoles = await readFile(roles, 'utf8');
    await writeFile(roles, withDbadmin(seedRoles));
    try {
      reportingRun = await stack.observe(() => runWithReportingUser({ env: { RUNNER_DEBUG: '1' } }));
    } finally {
      await writeFile(roles, seedRoles);
    }
    const o = reportingRun;
    const { run } = o;
    expect(run.exitCode, run.stdout).toBe(1);
    expect(o.oidc).toEqual([]);
    expect(o.sts).toEqual([]);
    expect(o.planned).toEqual([]);
    expect(run.stdout).not.toContain('$ terraform');
    expect(run.outputs['mode']).toBe('plan');

    const errors = annotations(run, 'error');
    const atLine = errors.filter((a) => a.properties['file'] !== undefined);
    expect(atLine).toHaveLength(1);
    expect(atLine[0]?.properties).toEqual({ file: REPORTING, line: '3', title: 'rds-atlas-action: schema-has-roles' });
    expect(atLine[0]?.message).toMatch(
      /^user "report_writer" is declared in HCL that the schema root reads\. .*Move the block to the roles HCL .*\(schema-has-roles\)$/,
    );
    // The run's own failure, once, after the report is written.
    expect(errors.map((a) => a.message)).toContain(
      'The HCL guardrails found 1 error (see "Checks"); nothing was planned and no AWS credentials were requested. Fix them, or switch a rule off with the lint-skip input.',
    );
    expect(errors).toHaveLength(2);

    expect(lintOutput(run)).toEqual([
      {
        rule: 'schema-has-roles',
        severity: 'error',
        file: REPORTING,
        line: 3,
        message: expect.stringContaining('user "report_writer" is declared in HCL that the schema root reads') as string,
      },
    ]);

    for (const markdown of [body(1), run.summary]) {
      expect(headings(markdown).map((h) => h.text)).toEqual(
        expect.arrayContaining(['❌ Checks failed: 1 error in the HCL — nothing was planned', 'Checks · 1 error']),
      );
      const shown = renderedText(markdown);
      expect(shown).toContain(
        `❌ schema-has-roles at ${REPORTING}:3: user "report_writer" is declared in HCL that the schema root reads. If the schema state sees role definitions, Atlas may plan role SQL while connected as atlas_migrator`,
      );
      expect(shown).toContain('Move the block to the roles HCL (the roles root, terraform/roles)');
    }
  });

  it('a merge whose roots keep their state in the checkout (no backend, no override file) fails before OIDC and STS, annotated on each main.tf', async () => {
    const backends = ['terraform/roles/backend.tf', 'terraform/schema/backend.tf'];
    const saved = await Promise.all(backends.map((f) => readFile(path.join(stack.workspace, f), 'utf8')));
    await Promise.all(backends.map((f) => rm(path.join(stack.workspace, f))));
    try {
      const o = await stack.observe(() =>
        stack.runPush({ before: sha('0'), after: sha('b'), ref: `refs/heads/${DEFAULT_BRANCH}` }, { backendOverride: false }),
      );
      const { run } = o;
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.outputs['mode']).toBe('apply');
      expect(o.oidc).toEqual([]);
      expect(o.sts).toEqual([]);
      expect(o.planned).toEqual([]);
      expect(run.stdout).not.toContain('$ terraform');
      const atFile = annotations(run, 'error').filter((a) => a.properties['file'] !== undefined);
      expect(atFile.map((a) => a.properties)).toEqual([
        { file: 'terraform/roles/main.tf', line: '1', title: 'rds-atlas-action: state-backend' },
        { file: 'terraform/schema/main.tf', line: '1', title: 'rds-atlas-action: state-backend' },
      ]);
      expect(atFile[0]?.message).toContain(
        "declares no remote state backend (no backend or cloud block in its .tf files, override files included), so Terraform keeps its state in terraform/roles/terraform.tfstate inside the runner's checkout, which is deleted when the job ends. This apply's state would be lost with it",
      );
      expect(atFile[0]?.message).toContain('Declare a remote backend in terraform/roles');
    } finally {
      await Promise.all(backends.map((f, i) => writeFile(path.join(stack.workspace, f), saved[i] ?? '')));
    }
  });

  it('with step debug logging on, the failure carries a stack trace that points at src/ (dist/ has source maps)', async () => {
    const { run } = reportingRun;
    expect(run.exitCode).toBe(1);
    const log = interpretRunnerOutput(run.stdout, run.stderr, { stepDebug: true }).visibleLog.split('\n');
    const start = log.findIndex((l) => l.startsWith('##[debug]Stack: Error: The HCL guardrails found 1 error'));
    expect(start, log.join('\n')).toBeGreaterThanOrEqual(0);
    const frame = log.slice(start + 1).find((l) => l.includes(' at execute '));
    const [, file, line] = /\((\/[^()]+\/src\/run\/main\.ts):(\d+):\d+\)$/.exec(frame ?? '') ?? [];
    expect(file, frame).toBe(path.join(REPO, 'src/run/main.ts'));
    // The position is the statement that threw, in the TypeScript source.
    expect((await readFile(path.join(REPO, 'src/run/main.ts'), 'utf8')).split('\n')[Number(line) - 1]).toContain('throw new Error(');
  });

  it('a warning-only PR plans as usual: exit 0, a warning annotation at the line, the comment shows the warning next to the REVOKE it predicts', async () => {
    // Bootstrap the database first, so the schema root plans on the next pull request.
    stack.github.addPull({ number: 9, files: SEED_FILES, headSha: sha('9'), baseSha: sha('0'), mergeCommitSha: sha('a'), merged: true });
    stack.github.addCompare(sha('0'), sha('a'), SEED_FILES);
    const merge = await stack.runPush({ before: sha('0'), after: sha('a'), ref: `refs/heads/${DEFAULT_BRANCH}` });
    expect(merge.exitCode, merge.stdout).toBe(0);
    expect(lintOutput(merge)).toEqual([]);

    // The PR drops the PUBLIC USAGE permission: with permissions = true Atlas plans the REVOKE.
    const seed = await loadSeedScenario();
    await stack.tf.writeScenario({
      envs: {
        ...seed.envs,
        schema: {
          statements: [
            ...(seed.envs['schema']?.statements ?? []),
            { sql: REVOKE_PUBLIC, present: "SELECT 1 WHERE NOT has_schema_privilege('public', 'public', 'USAGE')" },
          ],
        },
      },
    });
    await writeFile(path.join(stack.workspace, SCHEMA), withoutPublicUsage());
    stack.github.addPull({ number: 2, files: [SCHEMA], headSha: sha('2'), baseSha: sha('a') });
    const o = await stack.observe(() => stack.runPullRequest({ number: 2, headSha: sha('2'), baseSha: sha('a') }));
    const { run } = o;
    expect(run.exitCode, run.stdout).toBe(0);
    expect(o.planned).toEqual(['schema']);
    expect(run.outputs['schema-sql']).toBe(REVOKE_PUBLIC);
    expect(annotations(run, 'error')).toEqual([]);
    const warnings = annotations(run, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.properties).toEqual({ file: SCHEMA, line: '1', title: 'rds-atlas-action: public-default-revoked' });
    expect(warnings[0]?.message).toContain('so Atlas will plan REVOKE USAGE ON SCHEMA "public" FROM PUBLIC');
    expect(lintOutput(run)).toEqual([
      {
        rule: 'public-default-revoked',
        severity: 'warning',
        file: SCHEMA,
        line: 1,
        message: expect.stringContaining('schema "public" is declared and env "schema" inspects permissions') as string,
      },
    ]);
    const markdown = body(2);
    expect(headings(markdown).map((h) => h.text)).toContain('Checks · 1 warning');
    const shown = renderedText(markdown);
    expect(shown).toContain(`⚠️ public-default-revoked at ${SCHEMA}:1: schema "public" is declared`);
    expect(shown).toContain('Declare the default: permission { to = PUBLIC, for = schema.public, privileges = [USAGE] }');
    expect(markdown).toContain(REVOKE_PUBLIC);
    expect(renderedText(run.summary)).toContain(`⚠️ public-default-revoked at ${SCHEMA}:1`);
  });

  it('lint-skip of that rule: no warning anywhere, the same plan', async () => {
    const run = await stack.runPullRequest(
      { number: 2, headSha: sha('2'), baseSha: sha('a') },
      { inputs: { 'lint-skip': 'public-default-revoked' } },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['schema-sql']).toBe(REVOKE_PUBLIC);
    expect(annotations(run, 'warning')).toEqual([]);
    expect(lintOutput(run)).toEqual([]);
    const markdown = body(2);
    expect(headings(markdown).map((h) => h.text)).not.toContain('Checks · 1 warning');
    expect(renderedText(markdown)).not.toContain('public-default-revoked');
    expect(markdown).toContain(REVOKE_PUBLIC);
  });

  it('an unknown rule id in lint-skip: an input error before anything else, nothing called', async () => {
    const comments = stack.github.comments(2).map((c) => c.body);
    const o = await stack.observe(() =>
      stack.runPullRequest(
        { number: 2, headSha: sha('2'), baseSha: sha('a') },
        { inputs: { 'lint-skip': 'public-default-revoked\nno-such-rule' } },
      ),
    );
    expect(o.run.exitCode).toBe(1);
    expect(annotations(o.run, 'error').map((a) => a.message)).toEqual([
      'Input "lint-skip" names unknown rule ids: "no-such-rule". rds-atlas-action\'s docs/guardrails.md lists the rule ids.',
    ]);
    expect(o.gh).toEqual([]);
    expect(o.oidc).toEqual([]);
    expect(o.sts).toEqual([]);
    expect(o.planned).toEqual([]);
    expect(o.run.stdout).not.toContain('HCL guardrails');
    expect(stack.github.comments(2).map((c) => c.body)).toEqual(comments);
    await writeFile(path.join(stack.workspace, SCHEMA), seedSchemaHcl);
  });

  it('master-user names the master user the roles rules guard: made a member of rds_iam, it fails before AWS; as an ordinary user it does not', async () => {
    const roles = path.join(stack.workspace, ROLES);
    const seedRoles = await readFile(roles, 'utf8');
    await writeFile(roles, withDbadmin(seedRoles));
    stack.github.addPull({ number: 3, files: [ROLES], headSha: sha('3'), baseSha: sha('0') });
    try {
      const o = await stack.observe(() =>
        stack.runPullRequest({ number: 3, headSha: sha('3'), baseSha: sha('0') }, { inputs: { 'master-user': 'dbadmin' } }),
      );
      expect(o.run.exitCode, o.run.stdout).toBe(1);
      expect(o.sts).toEqual([]);
      expect(o.planned).toEqual([]);
      const found = lintOutput(o.run).filter((f) => f.severity === 'error');
      expect(found.map((f) => `${f.rule} ${f.file}`).sort()).toEqual([
        'master-in-rds-iam hcl/roles/roles.pg.hcl',
        'rds-role-not-external hcl/roles/roles.pg.hcl',
      ]);
      expect(found.find((f) => f.rule === 'master-in-rds-iam')?.message).toContain(
        'The master user "dbadmin" is made a member of rds_iam.',
      );
      expect(renderedText(body(3))).toContain('The master user "dbadmin" is made a member of rds_iam.');

      // Under the default (postgres), dbadmin is one more IAM user: no error from these rules.
      // PR #1's run had this roles HCL under the default master-user.
      expect(lintOutput(reportingRun.run).filter((f) => f.rule === 'master-in-rds-iam' || f.rule === 'rds-role-not-external')).toEqual([]);
    } finally {
      await writeFile(roles, seedRoles);
    }
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
