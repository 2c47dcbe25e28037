import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { renderedText } from '../support/markdown.js';
import { interpretRunnerOutput } from '../support/runner-log.js';
import { AUDIT_HCL, AUDIT_SQL, ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario, type ScenarioStatement } from '../support/terraform.js';

// The destructive/reviewed gate on the real stack, one database through a sequence of pull
// requests and merges, each run `node dist/index.js` as a runner starts it. What is asserted
// is what a user sees: the exit code, the comment as rendered, the outputs, and the rows in
// PostgreSQL. The stand-in Atlas plans what the database has and the HCL lacks as drops (a
// scenario `query` over pg_tables/pg_roles, against the HCL in the workspace at run time).

/** Issue 22: gated SQL needs an approving review by someone else with write access. */
const NEEDS_APPROVAL = '🔐 Applying this on merge needs an approving review of this plan.';

const table = (name: string): string =>
  `table "${name}" {\n  schema = schema.public\n  column "id" {\n    type = bigint\n  }\n  column "note" {\n    type = text\n    null = true\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\n`;
const createTable = (name: string): string =>
  `CREATE TABLE "public"."${name}" (\n  "id" bigint NOT NULL,\n  "note" text NULL,\n  PRIMARY KEY ("id")\n);`;
const dropTable = (name: string): string => `DROP TABLE "public"."${name}";`;

const LEGACY_ROLE_SQL = 'CREATE ROLE "app_legacy" WITH LOGIN;';
const DROP_LEGACY_ROLE = 'DROP ROLE "app_legacy";';
const GRANT_PROBE = SCHEMA_SQL[1] ?? '';
/** Access-reducing, and rated safe (so applied without the label) before issue 17. */
const READ_ONLY_SQL = 'ALTER ROLE "app_reader" SET default_transaction_read_only = on;';
const READ_ONLY_REASON =
  'makes every new session of role "app_reader" read-only (default_transaction_read_only = on): its writes fail from the next login on';

const FILES = {
  legacyTable: 'hcl/schema/legacy.pg.hcl',
  legacyRole: 'hcl/roles/legacy.pg.hcl',
  events: 'hcl/schema/events.pg.hcl',
  audit: 'hcl/schema/audit.pg.hcl',
  metrics: 'hcl/schema/metrics.pg.hcl',
  readOnly: 'hcl/roles/read-only.pg.hcl',
  schemaMain: 'terraform/schema/main.tf',
};

/** Statements a table of this test's HCL plans while the database lacks it. */
function creates(name: string): ScenarioStatement {
  return {
    sql: createTable(name),
    when: [`table "${name}"`],
    present: `SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = '${name}'`,
  };
}

const sqlList = (names: string[]): string => names.map((n) => `'${n}'`).join(', ');
const READ_ONLY_PRESENT = `SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'app_reader' AND 'default_transaction_read_only=on' = ANY (s.setconfig)`;

describe('the reviewed/destructive gate, end to end', () => {
  let stack: Stack;
  let seed: Scenario;

  /** What is declared in the workspace's HCL under `dir` (block labels of the given kinds). */
  async function declared(dir: string, kinds: string[]): Promise<string[]> {
    const names: string[] = [];
    for (const file of await readdir(path.join(stack.workspace, dir))) {
      const text = await readFile(path.join(stack.workspace, dir, file), 'utf8');
      for (const m of text.matchAll(new RegExp(`^(?:${kinds.join('|')}) "([^"]+)"`, 'gm'))) names.push(m[1] ?? '');
    }
    return names;
  }

  /**
   * The scenario for the HCL now in the workspace: the seed's statements, the test's tables
   * and role, and drops of what the database has that the HCL lacks (app_* roles, tables in
   * public), as Atlas plans them.
   */
  async function syncScenario(): Promise<void> {
    const tables = await declared('hcl/schema', ['table']);
    const users = await declared('hcl/roles', ['user', 'role']);
    await stack.tf.writeScenario({
      envs: {
        roles: {
          statements: [
            ...(seed.envs['roles']?.statements ?? []),
            { sql: LEGACY_ROLE_SQL, when: ['user "app_legacy"'], present: `SELECT 1 FROM pg_roles WHERE rolname = 'app_legacy'` },
            { sql: READ_ONLY_SQL, when: ['default_transaction_read_only = on'], present: READ_ONLY_PRESENT },
            {
              query: `SELECT format('DROP ROLE "%s";', rolname) FROM pg_roles WHERE rolname LIKE 'app\\_%' AND rolname NOT IN (${sqlList(users)}) ORDER BY 1`,
            },
          ],
        },
        schema: {
          statements: [
            ...(seed.envs['schema']?.statements ?? []),
            creates('legacy'),
            creates('events'),
            creates('metrics'),
            {
              query: `SELECT format('DROP TABLE "%s"."%s";', schemaname, tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN (${sqlList(tables)}) ORDER BY tablename`,
            },
          ],
        },
      },
    });
  }

  async function edit(files: Record<string, string | null>): Promise<void> {
    for (const [rel, text] of Object.entries(files)) {
      const file = path.join(stack.workspace, rel);
      if (text === null) await rm(file);
      else await writeFile(file, text);
    }
    await syncScenario();
  }

  /** A merged pull request: head and merge commits, its files, and the compare of its merge. */
  function pull(number: number, o: { base: string; head: string; merge: string; files: string[]; removed?: string[] }): void {
    const files = [...o.files, ...(o.removed ?? []).map((filename) => ({ filename, status: 'removed' as const }))];
    stack.github.addPull({ number, files, headSha: o.head, baseSha: o.base, mergeCommitSha: o.merge, merged: true, labels: [] });
    stack.github.addCompare(o.base, o.merge, files);
  }

  /** A reviewer with write access (not the author) approves the PR, after its plan was recorded. */
  const approve = (pr: number): void => {
    stack.github.setRole('lead', 'write');
    stack.github.addReview(pr, { login: 'lead', state: 'APPROVED', commitId: sha('0') });
  };

  const merge = (before: string, after: string, inputs?: Record<string, string>): Promise<ActionRun> =>
    stack.runPush({ before, after, ref: `refs/heads/${DEFAULT_BRANCH}` }, inputs ? { inputs } : {});

  const comment = (pr: number): string => {
    const comments = stack.github.comments(pr);
    expect(comments).toHaveLength(1);
    return comments[0]?.body ?? '';
  };
  /** The headline as GitHub shows it: the first third-level heading, rendered. */
  const headline = (body: string): string => renderedText(/^### .*$/m.exec(body)?.[0] ?? '');
  const errors = (run: ActionRun): string[] =>
    interpretRunnerOutput(run.stdout, run.stderr)
      .annotations.filter((a) => a.level === 'error')
      .map((a) => a.message);
  const rows = async (name: string): Promise<number | undefined> =>
    (await stack.pg.adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "public"."${name}"`).catch(() => undefined))?.[0]?.n;
  const exists = async (name: string): Promise<boolean> =>
    (await stack.pg.adminQuery(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = $1`, [name])).length > 0;
  const roleExists = async (name: string): Promise<boolean> =>
    (await stack.pg.adminQuery(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name])).length > 0;

  beforeAll(async () => {
    seed = await loadSeedScenario();
    stack = await startStack({ scenario: seed });
    await writeFile(path.join(stack.workspace, FILES.legacyTable), table('legacy'));
    await writeFile(path.join(stack.workspace, FILES.legacyRole), 'user "app_legacy" {}\n');
    await syncScenario();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('bootstrap: the PR plans roles (schema deferred); the merge applies roles, then schema unreviewed because it only adds', async () => {
    const files = ['hcl/roles/roles.pg.hcl', 'hcl/schema/schema.pg.hcl', FILES.legacyTable, FILES.legacyRole];
    pull(1, { base: sha('0'), head: sha('1'), merge: sha('a'), files });
    const plan = await stack.runPullRequest({ number: 1, headSha: sha('1'), baseSha: sha('0') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(plan.outputs['roles-sql']).toBe([...ROLES_SQL, LEGACY_ROLE_SQL].join('\n'));
    expect(plan.outputs['destructive-sql']).toBe('');

    const run = await merge(sha('0'), sha('a'));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['schema-sql']).toBe([...SCHEMA_SQL, createTable('legacy')].join('\n'));
    expect(run.stdout.indexOf('schema: terraform apply')).toBeGreaterThan(run.stdout.indexOf('roles: terraform apply'));
    const shown = renderedText(comment(1));
    expect(headline(comment(1))).toBe('✅ Applied and converged — 8 statements in roles and schema');
    // roles was planned in the PR and matches; schema was deferred, so it had no review and is
    // applied only because nothing in it is destructive.
    expect(shown).toContain('✅ Matches the SQL reviewed in the pull request.');
    expect(shown).toContain('ℹ️ Not reviewed in a pull request: applied because nothing in it is of a gated class (see gated-classes).');
    expect(await roleExists('app_legacy')).toBe(true);
    await stack.pg.adminQuery(`INSERT INTO "public"."legacy" (id, note) VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    expect(await rows('legacy')).toBe(3);
  });

  it('a PR dropping a table with rows: the headline flags it, it is listed with its reason, destructive-sql has it, the comment says an approval will be needed', async () => {
    await edit({ [FILES.legacyTable]: null });
    pull(2, { base: sha('a'), head: sha('2'), merge: sha('b'), files: [], removed: [FILES.legacyTable] });
    const run = await stack.runPullRequest({ number: 2, headSha: sha('2'), baseSha: sha('a') });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['schema-sql']).toBe(dropTable('legacy'));
    expect(run.outputs['destructive-sql']).toBe(dropTable('legacy'));
    const body = comment(2);
    expect(headline(body)).toBe('⚠️ Plan: 1 statement in schema · 1 destructive');
    const shown = renderedText(body);
    expect(shown).toContain(`⚠️ Destructive (1) schema: ${dropTable('legacy')} — drops table "public"."legacy" and every row in it`);
    expect(shown).toContain(
      `${NEEDS_APPROVAL} The root with destructive SQL is applied only if this pull request is approved by someone other than its author who has write, maintain or admin access to this repository`,
    );
    expect(await rows('legacy')).toBe(3);
  });

  it('its merge without an approval: schema held back, nothing applied, the run fails, the rows are still there; the comment says what was held and how to approve', async () => {
    const o = await stack.observe(() => merge(sha('a'), sha('b')));
    const { run } = o;
    expect(run.exitCode, run.stdout).toBe(1);
    expect(o.applied).toEqual([]);
    expect(errors(run)).toEqual([
      'schema: held back by the gate (destructive SQL without an approval); nothing of it or of the roots after it was applied',
    ]);
    expect(run.outputs['destructive-sql']).toBe(dropTable('legacy'));
    expect(run.outputs['converged']).toBe('false');
    expect(await rows('legacy')).toBe(3);

    const body = comment(2);
    expect(headline(body)).toBe('❌ Apply held back at schema: destructive SQL without an approval — nothing was applied');
    const shown = renderedText(body);
    expect(shown).toContain(`⚠️ Destructive (1) schema: ${dropTable('legacy')} — drops table "public"."legacy" and every row in it`);
    expect(shown).toContain('✋ schema: held back, nothing applied');
    expect(shown).toContain(
      `Destructive SQL needs an approval. This plan has 1 destructive statement (listed above), and #2 has no approving review.`,
    );
    expect(shown).toContain(
      'To approve: someone other than the author, with write, maintain or admin access (or listed in approvers), approves #2 on GitHub; then re-run this job (this run → “Re-run all jobs”). It is re-planned and applied only if its SQL is still the reviewed plan.',
    );
    expect(shown).toContain(
      `Planned SQL (held back, not applied) -- ⚠️ DESTRUCTIVE: drops table "public"."legacy" and every row in it ${dropTable('legacy')}`,
    );
    // The plan reviewers saw stays on the comment, collapsed, with its commit.
    expect(body).toMatch(
      new RegExp(`<details><summary>Reviewed plan — pull request #2 at commit ${sha('2').slice(0, 7)}: 1 statement</summary>`),
    );
    expect(shown).toContain(
      `Reviewed plan — pull request #2 at commit ${sha('2').slice(0, 7)}: 1 statement schema — 1 statement ${dropTable('legacy')}`,
    );
  });

  it('with an approval by a writer added after the merge, re-running the same merge applies the drop: the rows are gone, converged', async () => {
    approve(2);
    const o = await stack.observe(() => merge(sha('a'), sha('b')));
    const { run } = o;
    expect(run.exitCode, run.stdout).toBe(0);
    expect(o.applied).toEqual(['schema']);
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['destructive-sql']).toBe(dropTable('legacy'));
    expect(await exists('legacy')).toBe(false);
    const body = comment(2);
    expect(headline(body)).toBe('✅ Applied and converged — 1 statement in schema · 1 destructive');
    const shown = renderedText(body);
    expect(shown).toContain('✅ Matches the SQL reviewed in the pull request; destructive SQL approved by lead (');
    expect(shown).toContain(`Reviewed plan — pull request #2 at commit ${sha('2').slice(0, 7)}: 1 statement`);
    // The held run is in the comment's history.
    expect(shown).toContain('apply: ❌ Apply held back at schema: destructive SQL without an approval — nothing was applied');
  });

  it('a held roles root stops the schema root after it: a PR dropping a role and adding a table, merged without an approval, applies neither', async () => {
    await edit({ [FILES.legacyRole]: null, [FILES.events]: table('events') });
    pull(3, { base: sha('b'), head: sha('3'), merge: sha('c'), files: [FILES.events], removed: [FILES.legacyRole] });
    const plan = await stack.runPullRequest({ number: 3, headSha: sha('3'), baseSha: sha('b') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(plan.outputs['roles-sql']).toBe(DROP_LEGACY_ROLE);
    expect(plan.outputs['schema-sql']).toBe(createTable('events'));
    expect(plan.outputs['destructive-sql']).toBe(DROP_LEGACY_ROLE);
    expect(headline(comment(3))).toBe('⚠️ Plan: 2 statements across 2 roots · 1 destructive');
    expect(renderedText(comment(3))).toContain(NEEDS_APPROVAL);

    const o = await stack.observe(() => merge(sha('b'), sha('c')));
    const { run } = o;
    expect(run.exitCode, run.stdout).toBe(1);
    expect(o.applied).toEqual([]);
    // The schema root was never even planned.
    expect(o.planned).toEqual(['roles']);
    expect(await roleExists('app_legacy')).toBe(true);
    expect(await exists('events')).toBe(false);
    const body = comment(3);
    expect(headline(body)).toBe('❌ Apply held back at roles: destructive SQL without an approval — nothing was applied');
    const shown = renderedText(body);
    expect(shown).toContain(
      'What was applied: roles: held back, nothing applied (1 statement planned) · schema: not run because roles was held back',
    );
    expect(shown).toContain(
      '⛔ Not run because roles was held back. In apply mode the roots run in order and stop at the first one that fails, is held back or does not converge.',
    );
    expect(shown).toContain(
      `Destructive SQL needs an approval. This plan has 1 destructive statement (listed above), and #3 has no approving review.`,
    );
    expect(run.outputs['schema-sql']).toBe('');

    approve(3);
    const approved = await stack.observe(() => merge(sha('b'), sha('c')));
    expect(approved.run.exitCode, approved.run.stdout).toBe(0);
    expect(approved.applied).toEqual(['roles', 'schema']);
    expect(await roleExists('app_legacy')).toBe(false);
    expect(await exists('events')).toBe(true);
    expect(headline(comment(3))).toBe('✅ Applied and converged — 2 statements in roles and schema · 1 destructive');
  });

  it('a table made by hand between the PR plan and the merge: the merge refuses with "changed since review", shows what was added, the table survives; restoring the database and re-running applies', async () => {
    await edit({ [FILES.audit]: AUDIT_HCL });
    pull(4, { base: sha('c'), head: sha('4'), merge: sha('d'), files: [FILES.audit] });
    const plan = await stack.runPullRequest({ number: 4, headSha: sha('4'), baseSha: sha('c') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(plan.outputs['schema-sql']).toBe(AUDIT_SQL);
    expect(headline(comment(4))).toBe('✅ Plan: 1 statement in schema');
    expect(renderedText(comment(4))).not.toContain('needs an approving review');

    await stack.pg.query(`CREATE TABLE "public"."scratch" (id int); INSERT INTO "public"."scratch" VALUES (42)`);
    const o = await stack.observe(() => merge(sha('c'), sha('d')));
    const { run } = o;
    expect(run.exitCode, run.stdout).toBe(1);
    expect(o.applied).toEqual([]);
    expect(run.outputs['schema-sql']).toBe([AUDIT_SQL, dropTable('scratch')].join('\n'));
    expect(run.outputs['destructive-sql']).toBe(dropTable('scratch'));
    expect(errors(run)).toEqual([
      'schema: held back by the gate (SQL changed since review; destructive SQL without an approval); nothing of it or of the roots after it was applied',
    ]);
    expect(await rows('scratch')).toBe(1);
    expect(await exists('audit_log')).toBe(false);
    const body = comment(4);
    expect(headline(body)).toBe(
      '❌ Apply held back at schema: its SQL changed since review, and destructive SQL without an approval — nothing was applied',
    );
    const shown = renderedText(body);
    expect(shown).toContain(
      `The SQL changed since review. #4 showed 1 statement at commit ${sha('4').slice(0, 7)}; the merge plans 2 statements. The database or the HCL moved between the review and the merge.`,
    );
    expect(shown).toContain(`Added since review (1): ${dropTable('scratch')}`);
    expect(shown).toContain(
      'To proceed: if the database was changed by hand, put it back and re-run this job; otherwise open a pull request (an empty commit is enough) so the SQL planned now is shown and reviewed in its comment, and merge it.',
    );
    expect(shown).toContain(`Reviewed plan — pull request #4 at commit ${sha('4').slice(0, 7)}: 1 statement`);

    // Recovery as the comment says: put the database back, re-run the job.
    await stack.pg.query(`DROP TABLE "public"."scratch"`);
    const rerun = await merge(sha('c'), sha('d'));
    expect(rerun.exitCode, rerun.stdout).toBe(0);
    expect(rerun.outputs['converged']).toBe('true');
    expect(await exists('audit_log')).toBe(true);
    expect(renderedText(comment(4))).toContain('✅ Matches the SQL reviewed in the pull request.');
  });

  it('a PR renaming atlas_schema.app: flagged as destroying the resource; its merge without an approval leaves every object in place', async () => {
    const mainTf = path.join(stack.workspace, FILES.schemaMain);
    const original = await readFile(mainTf, 'utf8');
    const renamed = original.replace('resource "atlas_schema" "app"', 'resource "atlas_schema" "main"');
    expect(renamed).not.toBe(original);
    const objects = async (): Promise<string[]> =>
      (
        await stack.pg.adminQuery<{ name: string }>(
          `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' UNION ALL SELECT rolname FROM pg_roles WHERE rolname IN ('atlas_migrator', 'app_reader') ORDER BY 1`,
        )
      ).map((r) => r.name);
    const before = await objects();
    expect(before).toEqual(['app_reader', 'atlas_migrator', 'audit_log', 'events', 'validation_probe']);
    await stack.pg.adminQuery(`INSERT INTO "public"."events" (id, note) VALUES (1, 'kept')`);
    await edit({ [FILES.schemaMain]: renamed });
    try {
      pull(5, { base: sha('d'), head: sha('5'), merge: sha('e'), files: [FILES.schemaMain] });
      const plan = await stack.runPullRequest({ number: 5, headSha: sha('5'), baseSha: sha('d') });
      expect(plan.exitCode, plan.stdout).toBe(0);
      const body = comment(5);
      expect(headline(body)).toBe('⚠️ Plan: 3 statements in schema · 1 resource destroyed · 3 destructive');
      const shown = renderedText(body);
      expect(shown).toContain(
        "schema: Terraform will destroy atlas_schema.app: the provider runs atlas schema clean, which drops every object in the env's scope.",
      );
      // What `atlas schema clean` drops in the schema env's scope: every table.
      const clean = ['audit_log', 'events', 'validation_probe'].map(dropTable);
      expect(plan.outputs['destructive-sql']).toBe(clean.join('\n'));
      for (const statement of clean) expect(shown).toContain(`schema: ${statement} — drops table`);
      expect(shown).toContain(NEEDS_APPROVAL);

      const o = await stack.observe(() => merge(sha('d'), sha('e')));
      const { run } = o;
      expect(run.exitCode, run.stdout).toBe(1);
      expect(o.applied).toEqual([]);
      expect(await objects()).toEqual(before);
      expect(await rows('events')).toBe(1);
      const merged = comment(5);
      expect(headline(merged)).toBe('❌ Apply held back at schema: destructive SQL without an approval — nothing was applied');
      expect(run.outputs['destructive-sql']).toBe(clean.join('\n'));
      expect(renderedText(merged)).toContain(
        `Destructive SQL needs an approval. This plan destroys atlas_schema.app and has 3 destructive statements (listed above), and #5 has no approving review.`,
      );
    } finally {
      await edit({ [FILES.schemaMain]: original });
    }
  });

  it('require-reviewed-plan: false applies SQL the PR did not show (here a grant revoked by hand), still classified', async () => {
    await edit({ [FILES.metrics]: table('metrics') });
    pull(6, { base: sha('e'), head: sha('6'), merge: sha('f'), files: [FILES.metrics] });
    const plan = await stack.runPullRequest({ number: 6, headSha: sha('6'), baseSha: sha('e') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(plan.outputs['schema-sql']).toBe(createTable('metrics'));

    await stack.pg.adminQuery(`REVOKE SELECT ON "public"."validation_probe" FROM "app_reader"`);
    const run = await merge(sha('e'), sha('f'), { 'require-reviewed-plan': 'false' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['schema-sql']).toBe([GRANT_PROBE, createTable('metrics')].join('\n'));
    expect(run.outputs['converged']).toBe('true');
    const granted = await stack.pg.adminQuery<{ ok: boolean }>(
      `SELECT has_table_privilege('app_reader', 'public.validation_probe', 'SELECT') AS ok`,
    );
    expect(granted).toEqual([{ ok: true }]);
    const body = comment(6);
    expect(headline(body)).toBe('✅ Applied and converged — 2 statements in schema');
    const shown = renderedText(body);
    expect(shown).toContain('ℹ️ Applied without comparing with a reviewed plan (require-reviewed-plan: false).');
    // The overview still shows the class of what was applied.
    expect(shown).toContain('schema ✅ applied, converged 2 safe');
    expect(shown).toContain(`Reviewed plan — pull request #6 at commit ${sha('6').slice(0, 7)}: 1 statement`);
  });

  it('a push without a pull request: destructive SQL no PR showed is held; once only additive SQL is left, it is applied as "not reviewed in a pull request"', async () => {
    await edit({ [FILES.metrics]: null });
    // metrics is now dropped by the HCL: without a PR, that drop is never applied.
    stack.github.addCompare(sha('f'), sha('7'), [{ filename: FILES.metrics, status: 'removed' }]);
    const held = await merge(sha('f'), sha('7'));
    expect(held.exitCode, held.stdout).toBe(1);
    expect(held.outputs['destructive-sql']).toBe(dropTable('metrics'));
    expect(await exists('metrics')).toBe(true);
    const heldText = renderedText(held.summary);
    expect(headline(held.summary)).toBe('❌ Apply held back at schema: destructive SQL that no pull request showed — nothing was applied');
    expect(heldText).toContain(`No reviewed plan on record: commit ${sha('7').slice(0, 7)} belongs to no pull request (a direct push).`);
    expect(heldText).toContain('Destructive SQL that no pull request showed is never applied automatically.');
    expect(heldText).toContain(
      'To apply it: open a pull request so this SQL is planned and shown in its comment, have it approved, and merge.',
    );

    // The next push restores metrics and adds a table: only additive SQL is left.
    await edit({ [FILES.metrics]: table('metrics'), [FILES.legacyTable]: table('legacy') });
    stack.github.addCompare(sha('7'), sha('8'), [FILES.metrics, FILES.legacyTable]);
    const run = await merge(sha('7'), sha('8'));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['schema-sql']).toBe(createTable('legacy'));
    expect(run.outputs['converged']).toBe('true');
    expect(await exists('legacy')).toBe(true);
    expect(headline(run.summary)).toBe('✅ Applied and converged — 1 statement in schema');
    expect(renderedText(run.summary)).toContain(
      'ℹ️ Not reviewed in a pull request: applied because nothing in it is of a gated class (see gated-classes).',
    );
  });

  it('an access-reducing ALTER ROLE … SET default_transaction_read_only = on needs an approval like a drop: listed in the PR, held on merge without it, applied with it', async () => {
    const readOnly = async (): Promise<boolean> => (await stack.pg.adminQuery(READ_ONLY_PRESENT)).length > 0;
    await edit({ [FILES.readOnly]: '# app_reader: default_transaction_read_only = on\n' });
    pull(9, { base: sha('8'), head: sha('9'), merge: sha('9a'), files: [FILES.readOnly] });
    const plan = await stack.runPullRequest({ number: 9, headSha: sha('9'), baseSha: sha('8') });
    expect(plan.exitCode, plan.stdout).toBe(0);
    expect(plan.outputs['roles-sql']).toBe(READ_ONLY_SQL);
    expect(headline(comment(9))).toBe('⚠️ Plan: 1 statement in roles · 1 access-reducing');
    const planned = renderedText(comment(9));
    expect(planned).toContain(`⚠️ Access-reducing (1) roles: ${READ_ONLY_SQL} — ${READ_ONLY_REASON}`);
    expect(planned).toContain(
      `${NEEDS_APPROVAL} The root with access-reducing SQL is applied only if this pull request is approved by someone other than its author`,
    );

    const held = await stack.observe(() => merge(sha('8'), sha('9a')));
    expect(held.run.exitCode, held.run.stdout).toBe(1);
    expect(held.applied).toEqual([]);
    expect(errors(held.run)).toEqual([
      'roles: held back by the gate (access-reducing SQL without an approval); nothing of it or of the roots after it was applied',
    ]);
    expect(await readOnly()).toBe(false);
    const body = comment(9);
    expect(headline(body)).toBe('❌ Apply held back at roles: access-reducing SQL without an approval — nothing was applied');
    const shown = renderedText(body);
    expect(shown).toContain(
      `Access-reducing SQL needs an approval. This plan has 1 access-reducing statement (listed above), and #9 has no approving review. access-reducing: ${READ_ONLY_SQL} — ${READ_ONLY_REASON}`,
    );
    expect(shown).toContain(`Planned SQL (held back, not applied) -- ⚠️ ACCESS-REDUCING: ${READ_ONLY_REASON} ${READ_ONLY_SQL}`);

    approve(9);
    const approved = await stack.observe(() => merge(sha('8'), sha('9a')));
    expect(approved.run.exitCode, approved.run.stdout).toBe(0);
    expect(approved.applied).toEqual(['roles']);
    expect(approved.run.outputs['converged']).toBe('true');
    expect(await readOnly()).toBe(true);
    expect(headline(comment(9))).toBe('✅ Applied and converged — 1 statement in roles · 1 access-reducing');
    expect(renderedText(comment(9))).toContain('✅ Matches the SQL reviewed in the pull request; access-reducing SQL approved by lead (');
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
