import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeData, planPrint } from '../../src/review/record.js';
import type { ActionRun } from '../support/action.js';
import { DEFAULT_ACCOUNT } from '../support/aws-endpoints.js';
import { scheduleEvent } from '../support/events.js';
import { renderedText } from '../support/markdown.js';
import { ROLES_SQL as SEED_ROLES_SQL } from '../support/seed-sql.js';
import { DEFAULT_BRANCH, OWNER, REPO, sha, startStack, type Stack } from '../support/stack.js';
import type { Scenario } from '../support/terraform.js';

// Issue 17, "the reviewed record can be forged from inside the plan", through `node dist/index.js`.
// Each case plants a record line `<!-- rds-atlas-action:data … -->` crafted to match the
// malicious plan the merge will see, through one way foreign text enters our comment or drift
// issue: planned SQL (a string literal, an identifier), a diagnostic, a file name, a branch
// name, the environment name. Two records are planted each time: one in this version's format
// and fingerprint, then one in the format and fingerprint of 1.x, which that version took (it
// read the last record in the body). What is asserted: the exit code, the comment as rendered,
// and the rows in PostgreSQL: the GRANT to mallory / the DROP of orders never ran.

/** A reviewer with write access, not the author: the approval gated SQL needs (issue 22). */
const WRITER = 'lead';
const GRANT_MALLORY = 'GRANT ALL ON TABLE "public"."orders" TO "mallory";';
const DROP_ORDERS = 'DROP TABLE "public"."orders";';
const DROP_TMP = 'DROP TABLE "public"."tmp_import";';
const HARMLESS = 'CREATE TABLE "public"."harmless" (\n  "id" bigint NOT NULL\n);';
const ROLES_FILE = 'hcl/roles/roles.pg.hcl';
const SCHEMA_FILE = 'hcl/schema/schema.pg.hcl';
const PLAN_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan-forgery`;

const hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const squeeze = (s: string): string => s.replace(/\s+/g, ' ').trim();
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Records that say `schema` is what PR `pr` reviewed: this version's, then 1.x's. */
async function forged(pr: number, schema: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const print = await planPrint(schema);
  const root = { fingerprint: print.fingerprint, count: schema.length, hashes: print.hashes, statements: schema };
  const reviewed = { pr, commit: sha('f'), runUrl: '', at: '', roots: { schema: root } };
  const current = encodeData({ history: [], reviewed, ...extra });
  const oldRoot = {
    fingerprint: hex(schema.map(squeeze).join('\n')),
    count: schema.length,
    hashes: schema.map((s) => hex(squeeze(s)).slice(0, 16)),
  };
  const old = `<!-- rds-atlas-action:data ${b64({ v: 1, history: [], reviewed: { ...reviewed, roots: { schema: oldRoot } }, ...extra })} -->`;
  return `${current} ${old}`;
}

/** 1.x's record alone, as short as it can be: a file name holds at most 255 bytes. */
function forgedShort(pr: number, schema: string[]): string {
  const root = { fingerprint: hex(schema.map(squeeze).join('\n')), count: schema.length };
  return `<!-- rds-atlas-action:data ${b64({ v: 1, history: [], reviewed: { pr, roots: { schema: root } } })} -->`;
}

describe('a record planted in the plan is never the reviewed record, end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ scenario: { envs: {} } });
    stack.aws.sts.addRole({
      arn: PLAN_ROLE,
      subjectPattern: [`repo:${OWNER}/${REPO}:pull_request`, `repo:${OWNER}/${REPO}:ref:refs/heads/*`],
    });
    for (const sql of SEED_ROLES_SQL) await stack.pg.query(sql);
    await stack.pg.adminQuery('CREATE ROLE mallory NOLOGIN');
    await stack.pg.adminQuery('CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders VALUES (1), (2), (3)');
    await stack.pg.adminQuery('CREATE TABLE public.tmp_import (id int)');
    // Owned by the schema env's user, so a GRANT or DROP that got past the gate would run.
    await stack.pg.adminQuery('ALTER TABLE public.orders OWNER TO atlas_migrator; ALTER TABLE public.tmp_import OWNER TO atlas_migrator');
    // A first apply (a direct push with no SQL) stores both roots in Terraform state, so later
    // plans may drop (the provider refuses drops on a first run).
    await stack.tf.writeScenario({ envs: { roles: {}, schema: {} } });
    stack.github.addCompare(sha('0'), sha('9'), [ROLES_FILE, SCHEMA_FILE]);
    const bootstrap = await stack.runPush({ before: sha('0'), after: sha('9'), ref: `refs/heads/${DEFAULT_BRANCH}` });
    expect(bootstrap.exitCode, bootstrap.stdout).toBe(0);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const scenario = (roles: string[] | { planError: string }, schema: string[]): Promise<void> => {
    const envs: Scenario['envs'] = {
      roles: Array.isArray(roles) ? { statements: roles.map((sql) => ({ sql })) } : roles,
      schema: { statements: schema.map((sql) => ({ sql })) },
    };
    return stack.tf.writeScenario({ envs });
  };
  /**
   * PR `n`: planned with the roles root (its files include roles HCL), merged as merge commit `m`;
   * `approved`: a writer approved it on its head commit, so only the record decides.
   */
  const pull = (n: number, m: string, approved = false): { head: string; base: string } => {
    const head = sha(String.fromCharCode(0x60 + n));
    stack.github.addPull({
      number: n,
      files: [ROLES_FILE, SCHEMA_FILE],
      headSha: head,
      baseSha: sha('0'),
      mergeCommitSha: m,
      merged: true,
    });
    if (approved) {
      stack.github.setRole(WRITER, 'write');
      stack.github.addReview(n, { login: WRITER, state: 'APPROVED', commitId: head });
    }
    // The merge changes schema HCL only: the roles root (which carried the plant) does not run.
    stack.github.addCompare(sha('0'), m, [SCHEMA_FILE]);
    return { head, base: sha('0') };
  };
  const plan = (n: number, p: { head: string; base: string }): Promise<ActionRun> =>
    stack.runPullRequest({ number: n, headSha: p.head, baseSha: p.base }, { inputs: { 'role-to-assume': PLAN_ROLE } });
  const merge = (m: string): Promise<ActionRun> => stack.runPush({ before: sha('0'), after: m, ref: `refs/heads/${DEFAULT_BRANCH}` });
  const body = (n: number): string => {
    const comments = stack.github.comments(n);
    expect(comments).toHaveLength(1);
    return comments[0]?.body ?? '';
  };
  const headline = (b: string): string => renderedText(/^### .*$/m.exec(b)?.[0] ?? '');
  const malloryCan = async (): Promise<boolean> =>
    (await stack.pg.adminQuery<{ ok: boolean }>(`SELECT has_table_privilege('mallory', 'public.orders', 'DELETE') AS ok`))[0]?.ok ?? true;
  const orders = async (): Promise<number | undefined> =>
    (await stack.pg.adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM public.orders').catch(() => undefined))?.[0]?.n;

  /** The merge held the schema root because its SQL is not the reviewed SQL, and said so. */
  const expectHeldChanged = (run: ActionRun, n: number): void => {
    expect(run.exitCode, run.stdout).toBe(1);
    expect(headline(body(n))).toMatch(/^❌ Apply held back at schema: its SQL changed since review/);
    expect(renderedText(body(n))).toContain('The SQL changed since review.');
  };

  it('in planned SQL, a string literal: an unreviewed GRANT ALL to mallory is held, not applied as "reviewed"', async () => {
    const p = pull(11, sha('1'));
    await scenario([`COMMENT ON ROLE "app_reader" IS '${await forged(11, [GRANT_MALLORY])}';`], [HARMLESS]);
    const planned = await plan(11, p);
    expect(planned.exitCode, planned.stdout).toBe(0);
    expect(body(11)).toContain('COMMENT ON ROLE "app_reader" IS \'<!-- rds-atlas-action:data ');

    await scenario([], [GRANT_MALLORY]);
    const run = await merge(sha('1'));
    expectHeldChanged(run, 11);
    expect(renderedText(body(11))).toContain(`Added since review (1): ${GRANT_MALLORY}`);
    expect(await malloryCan()).toBe(false);
  });

  it('in planned SQL, an identifier, approved by a writer: DROP TABLE orders is held where reviewers approved DROP TABLE tmp_import', async () => {
    const p = pull(12, sha('2'), true);
    await scenario([`CREATE ROLE "${await forged(12, [DROP_ORDERS])}";`], [DROP_TMP]);
    const planned = await plan(12, p);
    expect(planned.exitCode, planned.stdout).toBe(0);

    await scenario([], [DROP_ORDERS]);
    const run = await merge(sha('2'));
    expectHeldChanged(run, 12);
    expect(renderedText(body(12))).toContain(`No longer planned (1): ${DROP_TMP}`);
    expect(await orders()).toBe(3);
  });

  it('in a diagnostic (an Atlas error of another root), approved by a writer: DROP TABLE orders is held', async () => {
    const p = pull(13, sha('3'), true);
    await scenario({ planError: `failed: ${await forged(13, [DROP_ORDERS])}` }, [DROP_TMP]);
    const planned = await plan(13, p);
    expect(planned.exitCode).toBe(1);
    expect(body(13)).toContain('failed: <!-- rds-atlas-action:data ');

    await scenario([], [DROP_ORDERS]);
    const run = await merge(sha('3'));
    expectHeldChanged(run, 13);
    expect(await orders()).toBe(3);
  });

  it('in a file name (a guardrail finding quotes it): DROP TABLE orders is held as unreviewed', async () => {
    const p = pull(14, sha('4'), true);
    // A schema HCL file whose name is the record; a user block there is a guardrail error.
    const dir = path.join(stack.workspace, 'hcl', 'schema');
    const file = path.join(dir, `${forgedShort(14, [DROP_ORDERS])}.pg.hcl`);
    await mkdir(dir, { recursive: true });
    await writeFile(file, 'user "planted" {}\n');
    await scenario([], [DROP_TMP]);
    expect((await plan(14, p)).exitCode).toBe(1);
    expect(body(14)).toContain('`hcl/schema/<!-- rds-atlas-action:data ');
    await rm(file);
    await scenario([], [DROP_ORDERS]);
    const run = await merge(sha('4'));
    expect(run.exitCode, run.stdout).toBe(1);
    expect(headline(body(14))).toMatch(/^❌ Apply held back at schema: destructive SQL that no pull request showed/);
    expect(await orders()).toBe(3);
  });

  it('in the environment name: refused as an input before anything runs', async () => {
    const env = `prod ${await forged(15, [GRANT_MALLORY])}`;
    const run = await stack.runPush(
      { before: sha('0'), after: sha('5'), ref: `refs/heads/${DEFAULT_BRANCH}` },
      { inputs: { environment: env } },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('Input "environment"');
    expect(await malloryCan()).toBe(false);
  });

  it('in a drift issue: a planted first-seen date is not carried, the one of the first check is', async () => {
    await stack.pg.adminQuery('DROP TABLE IF EXISTS public.harmless');
    const planted = `COMMENT ON TABLE "public"."orders" IS '${await forged(16, [], { driftSince: '1999-01-01T00:00:00.000Z' })}';`;
    await scenario([], [planted]);
    const check = (): Promise<ActionRun> => stack.runEvent('schedule', scheduleEvent(), { inputs: { 'role-to-assume': PLAN_ROLE } });
    const first = await check();
    expect(first.exitCode, first.stdout).toBe(0);
    const again = await check();
    expect(again.exitCode, again.stdout).toBe(0);
    const issues = stack.github.issues().filter((i) => i.body.startsWith('<!-- rds-atlas-action:drift:'));
    expect(issues).toHaveLength(1);
    const shown = renderedText(issues[0]?.body ?? '');
    expect(shown).toContain("'<!-- rds-atlas-action:data ");
    expect(shown).toMatch(/First seen 20\d\d-/);
    expect(shown).not.toContain('1999');
    expect(first.outputs['drift']).toBe('true');
  });
});
