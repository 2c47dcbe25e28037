import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { DEFAULT_BRANCH, OWNER, PLAN_ROLE, REPO, sha, startStack, type Stack } from '../support/stack.js';
import { headings, renderedText } from '../support/markdown.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';
import { AUDIT_HCL, AUDIT_SQL } from '../support/seed-sql.js';

// Inputs and outcomes nothing else drives through `node dist/index.js`: a Terraform-only
// change on merge, comment: false, ambient AWS credentials, custom roles-paths and working
// directories, GitHub API hiccups, and an IAM authentication failure. One stack, in order:
// the first test bootstraps the database the later ones plan against.

const MAIN = `refs/heads/${DEFAULT_BRANCH}`;
const SEED_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const PAM_ERROR = 'pq: PAM authentication failed for user "atlas_migrator"';

describe('modes, inputs and failure paths through the bundled action', () => {
  let stack: Stack;
  let seed: Scenario;
  beforeAll(async () => {
    stack = await startStack();
    seed = await loadSeedScenario();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const observe = (start: () => Promise<ActionRun>) => stack.observe(start);

  /** A merged pull request and its merge push, as GitHub reports them. */
  function mergedPull(number: number, files: string[], base: string, merge: string): void {
    stack.github.addPull({ number, files, headSha: sha(`${number}`), baseSha: base, mergeCommitSha: merge, merged: true });
    stack.github.addCompare(base, merge, files);
  }
  const writeWorkspace = async (rel: string, text: string) => writeFile(path.join(stack.workspace, rel), text);

  it('a whitespace-only HCL change on merge: database converged, Terraform state differs (warning); the next push is plain converged', async () => {
    mergedPull(21, SEED_FILES, sha('a'), sha('b'));
    const bootstrap = await stack.runPush({ before: sha('a'), after: sha('b'), ref: MAIN });
    expect(bootstrap.exitCode, bootstrap.stdout).toBe(0);
    expect(bootstrap.outputs['converged']).toBe('true');

    const rolesFile = 'hcl/roles/roles.pg.hcl';
    const original = await readFile(path.join(stack.workspace, rolesFile), 'utf8');
    await writeWorkspace(
      rolesFile,
      original.replace('role "rds_ad" {\n  external = true\n}', 'role "rds_ad" {\n    external   =   true\n\n}\n'),
    );
    mergedPull(22, [rolesFile], sha('b'), sha('c'));
    const o = await observe(() => stack.runPush({ before: sha('b'), after: sha('c'), ref: MAIN }));
    const { run } = o;
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['mode']).toBe('apply');
    expect(run.outputs['converged']).toBe('true');
    expect(run.outputs['roles-sql']).toBe('');
    expect(run.stdout).toMatch(/^::warning::roles: database converged, Terraform state differs/m);
    expect(run.stdout).not.toMatch(/^::error::/m);
    const body = stack.github.comments(22)[0]?.body ?? '';
    expect(body).toContain('⚠️ Database converged, Terraform state differs (roles)');
    expect(body).toContain('The apply updated the state without touching the database');
    // Only the roles resource's stored text changed: one apply RPC, no SQL run.
    expect(o.applied).toEqual(['roles']);
    expect(run.summary).toContain('Database converged, Terraform state differs');
    expect(await stack.pg.query(`SELECT 1 FROM pg_roles WHERE rolname = 'atlas_migrator'`)).toHaveLength(1);

    const again = await stack.runPush({ before: sha('b'), after: sha('c'), ref: MAIN });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs['converged']).toBe('true');
    expect(again.stdout).not.toContain('::warning::');
    expect(again.stdout).not.toContain('terraform apply');
    const updated = stack.github.comments(22);
    expect(updated).toHaveLength(1);
    expect(updated[0]?.body).toContain('### ✅ Nothing to apply — database converged');
    // The earlier result is kept, collapsed, as history; the headline is the new one.
    expect(headings(updated[0]?.body ?? '').some((h) => h.text.includes('Terraform state differs'))).toBe(false);
    expect(updated[0]?.body).toMatch(
      /<details><summary>Earlier results \(1\)<\/summary>[\s\S]*Database converged, Terraform state differs[\s\S]*<\/details>/,
    );
  });

  it('comment: false on a pull request: no comment request at all; summary and outputs complete', async () => {
    await writeWorkspace('hcl/schema/audit.pg.hcl', AUDIT_HCL);
    try {
      stack.github.addPull({ number: 30, files: ['hcl/schema/audit.pg.hcl'], headSha: sha('d'), baseSha: sha('c') });
      const o = await observe(() =>
        stack.runPullRequest({ number: 30, headSha: sha('d'), baseSha: sha('c') }, { inputs: { comment: 'false' } }),
      );
      expect(o.run.exitCode, o.run.stdout).toBe(0);
      expect(o.run.outputs).toMatchObject({
        mode: 'plan',
        'roles-changed': 'false',
        'roles-sql': '',
        'schema-sql': AUDIT_SQL,
        converged: '',
        'comment-url': '',
      });
      expect(o.gh.filter((r) => r.path.includes('/comments') || r.method !== 'GET')).toEqual([]);
      expect(stack.github.comments(30)).toEqual([]);
      expect(o.run.summary).toContain(AUDIT_SQL);
      expect(renderedText(o.run.summary)).toContain('Pull request #30 only plans');
    } finally {
      await rm(path.join(stack.workspace, 'hcl/schema/audit.pg.hcl'), { force: true });
    }
  });

  it('ambient credentials (no role inputs): no OIDC token, no AssumeRole; the profile is written from the job’s keys. GitHub hiccups on its comment: a secondary rate limit on the listing and a 502 on the POST are retried; one comment', async () => {
    // An earlier step of the job (say configure-aws-credentials) assumed a role already.
    const sts = new STSClient({ region: 'us-east-1', endpoint: stack.aws.sts.url });
    const token = stack.aws.oidc.mint({ sub: `repo:${OWNER}/${REPO}:pull_request` });
    const { Credentials: creds } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: PLAN_ROLE, RoleSessionName: 'earlier-step', WebIdentityToken: token }),
    );
    sts.destroy();
    const keys = {
      AWS_ACCESS_KEY_ID: creds?.AccessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: creds?.SecretAccessKey ?? '',
      AWS_SESSION_TOKEN: creds?.SessionToken ?? '',
    };
    expect(Object.values(keys).every(Boolean)).toBe(true);

    stack.github.addPull({ number: 31, files: ['hcl/roles/grants.pg.hcl'], headSha: sha('e'), baseSha: sha('c') });
    // The same run meets GitHub hiccups on its comment (one run for both: e2e time matters).
    const comments = /\/issues\/31\/comments$/;
    stack.github.failNext('secondary-rate-limit', { method: 'GET', path: comments });
    stack.github.failNext(502, { method: 'POST', path: comments });
    const o = await observe(() =>
      stack.runPullRequest(
        { number: 31, headSha: sha('e'), baseSha: sha('c') },
        {
          inputs: { 'role-to-assume': '', 'apply-role-to-assume': '', 'aws-profile': 'tf-sandbox' },
          env: keys,
        },
      ),
    );
    const { run } = o;
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(o.oidc).toEqual([]);
    expect(o.sts.filter((r) => r.action.startsWith('AssumeRole'))).toEqual([]);
    expect(run.stdout).toContain('No role to assume: wrote the job\'s AWS_ACCESS_KEY_ID credentials as AWS profile "tf-sandbox"');
    // Both roots reached the provider, which refuses to plan when the profile is missing.
    expect(o.planned).toEqual(['roles', 'schema']);
    expect(run.stdout).not.toContain('failed to get shared config profile');
    expect(run.outputs['roles-changed']).toBe('true');
    expect(stack.github.comments(31)[0]?.body).toMatch(/Plan: no changes/);
    // The keys are masked (::add-mask::, which the runner swallows) and never printed otherwise.
    const visible = [
      ...run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')),
      run.stderr,
      run.summary,
      JSON.stringify(run.outputs),
    ].join('\n');
    for (const secret of [keys.AWS_SECRET_ACCESS_KEY, keys.AWS_SESSION_TOKEN]) expect(visible).not.toContain(secret);
    // The profile files were temporary.
    expect(run.runnerTempFiles.filter((f) => f.content.includes(keys.AWS_ACCESS_KEY_ID))).toEqual([]);

    // The hiccups: retried, and one comment.
    const calls = o.gh.filter((r) => comments.test(r.path)).map((r) => `${r.method} ${r.status}`);
    // After creating, the run lists again to catch a comment a concurrent run created.
    expect(calls).toEqual(['GET 403', 'GET 200', 'POST 502', 'POST 201', 'GET 200']);
    expect(run.stdout).toMatch(/GitHub secondary rate limit on GET .*issues\/31\/comments.*retrying in 1s/);
    const posted = stack.github.comments(31);
    expect(posted).toHaveLength(1);
    expect(run.outputs['comment-url']).toBe(posted[0]?.html_url);
  });

  it('custom roles-paths and working directories: the roles root runs only for files matching the custom glob', async () => {
    const ws = stack.workspace;
    await mkdir(path.join(ws, 'infra/roles'), { recursive: true });
    await mkdir(path.join(ws, 'infra/schema'), { recursive: true });
    for (const f of ['main.tf', 'variables.tf']) {
      const roles = await readFile(path.join(ws, 'terraform/roles', f), 'utf8');
      await writeFile(path.join(ws, 'infra/roles', f), roles.split('../../hcl/roles').join('../../db/roles'));
      await cp(path.join(ws, 'terraform/schema', f), path.join(ws, 'infra/schema', f));
    }
    await cp(path.join(ws, 'hcl/roles'), path.join(ws, 'db/roles'), { recursive: true });
    await writeWorkspace('db/roles/writer.pg.hcl', 'user "app_writer" {}\n');
    const writerSql = 'CREATE ROLE "app_writer" WITH LOGIN;';
    const roles = seed.envs['roles'] ?? {};
    await stack.tf.writeScenario({
      envs: {
        ...seed.envs,
        roles: {
          ...roles,
          statements: [
            ...(roles.statements ?? []),
            { sql: writerSql, when: ['user "app_writer"'], present: `SELECT 1 FROM pg_roles WHERE rolname = 'app_writer'` },
          ],
        },
      },
    });
    const inputs = { 'roles-paths': 'db/roles/**', 'roles-working-directory': 'infra/roles', 'schema-working-directory': 'infra/schema' };
    try {
      // A file the default roles-paths would match, but the custom glob does not.
      stack.github.addPull({ number: 32, files: ['hcl/roles/roles.pg.hcl', 'atlas.hcl'], headSha: sha('f'), baseSha: sha('c') });
      const skipped = await observe(() => stack.runPullRequest({ number: 32, headSha: sha('f'), baseSha: sha('c') }, { inputs }));
      expect(skipped.run.exitCode, skipped.run.stdout).toBe(0);
      expect(skipped.run.outputs['roles-changed']).toBe('false');
      expect(skipped.planned).toEqual(['schema']);
      const body = stack.github.comments(32)[0]?.body ?? '';
      expect(body).toContain('<!-- rds-atlas-action:v1 roles=infra/roles schema=infra/schema -->');
      expect(body).toContain('no file matching roles-paths changed in this pull request');

      stack.github.addPull({ number: 33, files: ['db/roles/writer.pg.hcl'], headSha: sha('1f'), baseSha: sha('c') });
      const ran = await observe(() => stack.runPullRequest({ number: 33, headSha: sha('1f'), baseSha: sha('c') }, { inputs }));
      expect(ran.run.exitCode, ran.run.stdout).toBe(0);
      expect(ran.run.outputs['roles-changed']).toBe('true');
      // Only infra/roles reads db/roles, where app_writer is declared.
      expect(ran.run.outputs['roles-sql']).toBe(writerSql);
      expect(ran.planned).toEqual(['roles', 'schema']);
      expect(stack.github.comments(33)[0]?.body).toContain('db/roles/writer.pg.hcl changed in this pull request');
      expect(await stack.pg.query(`SELECT 1 FROM pg_roles WHERE rolname = 'app_writer'`)).toEqual([]);
    } finally {
      await stack.tf.writeScenario(seed);
    }
  });

  it('an IAM authentication failure of the schema env fails the run and the comment carries the IAM checklist', async () => {
    const schema = seed.envs['schema'] ?? {};
    await stack.tf.writeScenario({ envs: { ...seed.envs, schema: { ...schema, planError: PAM_ERROR } } });
    try {
      stack.github.addPull({ number: 35, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('35a'), baseSha: sha('c') });
      const run = await stack.runPullRequest({ number: 35, headSha: sha('35a'), baseSha: sha('c') });
      expect(run.exitCode).not.toBe(0);
      expect(run.stdout).toMatch(/^::error::.*PAM authentication failed for user/m);
      const body = stack.github.comments(35)[0]?.body ?? '';
      expect(body).toContain(PAM_ERROR);
      const shown = renderedText(body);
      expect(shown).toContain('GRANT rds_iam TO "atlas_migrator";');
      expect(shown).toMatch(/rds-db:connect on arn:aws:rds-db:us-east-1:\d{12}:dbuser:<DbiResourceId>\/atlas_migrator/);
      expect(shown).toContain('not the instance name');
      expect(shown).toContain('IAM database authentication must be enabled on the instance');
      expect(run.summary).toContain('GRANT rds_iam TO "atlas_migrator";');
    } finally {
      await stack.tf.writeScenario(seed);
    }
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
