import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import pgLib from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { ACTIONS_BOT, type IssueComment } from '../support/github-api.js';
import { rootGroupProblems } from '../support/log-groups.js';
import { headings, renderedText } from '../support/markdown.js';
import { connectionConfig, type PgCluster } from '../support/postgres.js';
import { AUDIT_HCL, AUDIT_SQL, ROLES_SQL, SCHEMA_SQL } from '../support/seed-sql.js';
import { DEFAULT_BRANCH, sha, startStack, type Database, type RunExtra, type Stack } from '../support/stack.js';

// The workflow of docs/several-databases.md, run as GitHub would run it: one repository, one
// GitHub, two databases (staging and prod: two PostgreSQL clusters, two master secrets, two
// Terraform state databases, a plan and an apply role each, and neither database lets the
// other's roles in), and a matrix job per database with the `environment` input and its own
// backend config in TF_CLI_ARGS_init (the `pg` backend's conn_str here, the docs' S3 bucket
// there; the stack's default PG_CONN_STR is removed, so a job that lost it could not even
// init). The two jobs of one event run at the same time, as a matrix does; what must hold is
// what a reviewer sees: one comment per database on the pull request, each with its own SQL,
// and each merge job applying and reporting only its database.

const ROLES_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl'];
const FILES = [...ROLES_FILES, 'hcl/schema/schema.pg.hcl', 'hcl/schema/audit.pg.hcl'];
const PR = 21;
const BASE = sha('b');
const HEAD = sha('c');
const MERGE = sha('d');
const ROOTS = 'roles=terraform/roles schema=terraform/schema';
// The action's only GraphQL call is a query (who last edited a comment): a read, like a GET.
const isWrite = (r: { method: string; path: string }): boolean => r.method !== 'GET' && r.path !== '/graphql';
const marker = (env?: string): string => `<!-- rds-atlas-action:v1${env ? ` env=${env}` : ''} ${ROOTS} -->`;

describe('several databases: the matrix workflow with environment on one repository', () => {
  let stack: Stack;
  let staging: Database;
  let prod: Database;
  beforeAll(async () => {
    stack = await startStack();
    staging = await stack.addDatabase('staging');
    prod = await stack.addDatabase('prod');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** One job of the docs' matrix: the database's `with:`/`env:` and the inputs every job has. */
  const job = (db: Database): RunExtra => {
    const base = db.extra();
    return { ...base, inputs: { ...base.inputs, mode: 'auto', 'roles-on-apply': 'always' } };
  };
  const roleNames = async (pg: PgCluster): Promise<string[]> =>
    (await pg.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname IN ('atlas_migrator', 'app_reader') ORDER BY 1`)).map(
      (r) => r.rolname,
    );
  const tables = async (pg: PgCluster): Promise<string[]> =>
    (await pg.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map((r) => r.t);
  const stateSchemas = async (url: string): Promise<string[]> => {
    const client = new pgLib.Client(connectionConfig(url));
    await client.connect();
    try {
      const rows = await client.query<{ s: string }>(`SELECT nspname AS s FROM pg_namespace WHERE nspname LIKE 'tfstate_%' ORDER BY 1`);
      return rows.rows.map((r) => r.s);
    } finally {
      await client.end();
    }
  };
  const ours = (env?: string): IssueComment[] =>
    stack.github.comments(PR).filter((c) => c.user.login === ACTIONS_BOT.login && c.body.startsWith(marker(env)));
  const title = (c: IssueComment | undefined): string => headings(c?.body ?? '').find((h) => h.level === 2)?.text ?? '';
  const ok = (run: ActionRun): void => expect(run.exitCode, run.stdout + run.stderr).toBe(0);

  let legacy: IssueComment;
  let quote: IssueComment;

  it('(a) an earlier merge bootstrapped staging only: prod, its state and the stack default database are untouched', async () => {
    stack.github.addCompare(sha('1'), sha('2'), FILES.slice(0, 3));
    const run = await stack.runPush({ before: sha('1'), after: sha('2'), ref: `refs/heads/${DEFAULT_BRANCH}` }, job(staging));
    ok(run);
    expect(run.outputs['converged']).toBe('true');
    expect(await roleNames(staging.pg)).toEqual(['app_reader', 'atlas_migrator']);
    expect(await tables(staging.pg)).toEqual(['validation_probe']);
    expect(await roleNames(prod.pg)).toEqual([]);
    // The job's backend config put the state in staging's own state database, nowhere else.
    expect(await stateSchemas(staging.stateUrl)).toEqual(['tfstate_terraform_roles', 'tfstate_terraform_schema']);
    expect(await stateSchemas(prod.stateUrl)).toEqual([]);
    expect(await stateSchemas(stack.pg.url(stack.pg.masterUser, stack.pg.masterPassword, 'tfstate'))).toEqual([]);
    expect(stack.aws.sts.requests.filter((r) => r.status === 200).map((r) => r.roleArn)).toEqual([staging.applyRole]);
  });

  it('(b) one pull request, two jobs at once: two comments, each with its own database’s SQL and name; older comments are left alone', async () => {
    await writeFile(path.join(stack.workspace, 'hcl/schema/audit.pg.hcl'), AUDIT_HCL);
    stack.github.addPull({ number: PR, files: FILES, headSha: HEAD, baseSha: BASE, mergeCommitSha: MERGE, merged: true });
    stack.github.addCompare(BASE, MERGE, FILES);
    // The comment this repository's workflow left before it had environments (old marker) …
    legacy = {
      ...stack.github.seedComment(PR, {
        login: ACTIONS_BOT.login,
        type: 'Bot',
        body: `${marker()}\n## 🗄️ Atlas Plan · PostgreSQL roles & schema\n\n### ✅ Plan: no changes\n`,
      }),
    };
    // … and a reviewer's reply that starts with staging's marker, quoted from a comment.
    quote = { ...stack.github.seedComment(PR, { login: 'octocat', body: `${marker('staging')}\n> Plan for staging\n\nLooks fine.` }) };
    const writes0 = stack.github.requests.length;

    const [s, p] = await Promise.all([
      stack.runPullRequest({ number: PR, headSha: HEAD, baseSha: BASE }, job(staging)),
      stack.runPullRequest({ number: PR, headSha: HEAD, baseSha: BASE }, job(prod)),
    ]);
    ok(s);
    ok(p);

    // staging was bootstrapped: roles has nothing to do, the schema root plans the new table.
    expect(s.outputs['roles-sql']).toBe('');
    expect(s.outputs['schema-sql']).toBe(AUDIT_SQL);
    // prod is new: its roles root creates the schema root's login user, so schema is deferred.
    expect(p.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(p.outputs['schema-sql']).toBe('');

    const [sc] = ours('staging');
    const [pc] = ours('prod');
    expect(ours('staging')).toHaveLength(1);
    expect(ours('prod')).toHaveLength(1);
    expect(s.outputs['comment-url']).toBe(sc?.html_url);
    expect(p.outputs['comment-url']).toBe(pc?.html_url);
    expect(title(sc)).toBe('🗄️ Atlas Plan · staging · PostgreSQL roles & schema');
    expect(title(pc)).toBe('🗄️ Atlas Plan · prod · PostgreSQL roles & schema');
    expect(sc?.body).toContain(AUDIT_SQL);
    for (const statement of ROLES_SQL) expect(sc?.body).not.toContain(statement);
    for (const statement of ROLES_SQL) expect(pc?.body).toContain(statement);
    expect(pc?.body).not.toContain(AUDIT_SQL);
    expect(renderedText(pc?.body ?? '')).toContain('Deferred: planned after the bootstrap');

    // Four comments: the two old ones exactly as they were, one new per database.
    const all = stack.github.comments(PR);
    expect(all).toHaveLength(4);
    expect(all.find((c) => c.id === legacy.id)).toEqual(legacy);
    expect(all.find((c) => c.id === quote.id)).toEqual(quote);
    const writes = stack.github.requests.slice(writes0).filter(isWrite);
    expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      Array(2).fill(`POST /repos/${stack.github.owner}/${stack.github.repo}/issues/${PR}/comments`),
    );

    // The staging job planned both roots side by side; its log still shows each whole, in order.
    expect(rootGroupProblems(s.stdout)).toEqual([]);
    // A plan changes no database.
    expect(await tables(staging.pg)).toEqual(['validation_probe']);
    expect(await roleNames(prod.pg)).toEqual([]);
  });

  it('(c) a job without environment (the repository before it had several databases) updates the old comment, and only it', async () => {
    const before = stack.github.comments(PR);
    const writes0 = stack.github.requests.length;
    // The stack's own database, its default secret, roles and state: the single-database workflow.
    const run = await stack.runPullRequest({ number: PR, headSha: HEAD, baseSha: BASE });
    ok(run);
    const after = stack.github.comments(PR);
    expect(after).toHaveLength(4);
    const updated = after.find((c) => c.id === legacy.id);
    expect(updated?.body.startsWith(`${marker()}\n`)).toBe(true);
    expect(title(updated)).toBe('🗄️ Atlas Plan · PostgreSQL roles & schema');
    for (const statement of ROLES_SQL) expect(updated?.body).toContain(statement);
    expect(run.outputs['comment-url']).toBe(legacy.html_url);
    for (const c of before.filter((x) => x.id !== legacy.id)) expect(after.find((x) => x.id === c.id)).toEqual(c);
    const writes = stack.github.requests.slice(writes0).filter(isWrite);
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /repos/${stack.github.owner}/${stack.github.repo}/issues/comments/${legacy.id}`,
    ]);
  });

  it('(d) the merge, two jobs at once: each applies its own database once and updates only its own comment', async () => {
    const before = stack.github.comments(PR);
    const [sc0] = ours('staging');
    const [pc0] = ours('prod');
    const calls0 = (await stack.tf.readCalls()).length;
    const sts0 = stack.aws.sts.requests.length;
    const writes0 = stack.github.requests.length;

    const push = { before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` };
    const [s, p] = await Promise.all([stack.runPush(push, job(staging)), stack.runPush(push, job(prod))]);
    ok(s);
    ok(p);
    expect(s.outputs['converged']).toBe('true');
    expect(p.outputs['converged']).toBe('true');
    expect(s.outputs['schema-sql']).toBe(AUDIT_SQL);
    expect(p.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(p.outputs['schema-sql']).toBe([...SCHEMA_SQL, AUDIT_SQL].join('\n'));

    // Each database has exactly what the HCL declares.
    expect(await tables(staging.pg)).toEqual(['audit_log', 'validation_probe']);
    expect(await roleNames(prod.pg)).toEqual(['app_reader', 'atlas_migrator']);
    expect(await tables(prod.pg)).toEqual(['audit_log', 'validation_probe']);
    expect(await tables(stack.pg)).toEqual([]);
    // One apply per root that had SQL: staging's schema, prod's roles and schema. Nothing twice.
    const applied = (await stack.tf.readCalls())
      .slice(calls0)
      .filter((c) => c.rpc === 'ApplyResourceChange')
      .map((c) => c.env);
    expect(applied.sort()).toEqual(['roles', 'schema', 'schema']);
    expect(await stateSchemas(prod.stateUrl)).toEqual(['tfstate_terraform_roles', 'tfstate_terraform_schema']);
    // Only the two apply roles were assumed (each database lets only its own roles in).
    const assumed = stack.aws.sts.requests.slice(sts0).filter((r) => r.status === 200);
    expect(assumed.map((r) => r.roleArn).sort()).toEqual([prod.applyRole, staging.applyRole].sort());

    // Same two comments, each now the apply report of its database; everything else untouched.
    const [sc] = ours('staging');
    const [pc] = ours('prod');
    expect(sc?.id).toBe(sc0?.id);
    expect(pc?.id).toBe(pc0?.id);
    expect(s.outputs['comment-url']).toBe(sc0?.html_url);
    expect(p.outputs['comment-url']).toBe(pc0?.html_url);
    expect(title(sc)).toBe('🗄️ Atlas Apply · staging · PostgreSQL roles & schema');
    expect(title(pc)).toBe('🗄️ Atlas Apply · prod · PostgreSQL roles & schema');
    expect(renderedText(sc?.body ?? '')).toContain('Applied and converged — 1 statement in schema');
    expect(renderedText(pc?.body ?? '')).toContain('Applied and converged — 7 statements in roles and schema');
    expect(sc?.body).not.toContain(ROLES_SQL[0]);
    const after = stack.github.comments(PR);
    expect(after).toHaveLength(4);
    for (const c of before.filter((x) => x.id !== sc0?.id && x.id !== pc0?.id)) expect(after.find((x) => x.id === c.id)).toEqual(c);
    const writes = stack.github.requests.slice(writes0).filter(isWrite);
    expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [sc0?.id, pc0?.id].map((id) => `PATCH /repos/${stack.github.owner}/${stack.github.repo}/issues/comments/${id}`).sort(),
    );
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
