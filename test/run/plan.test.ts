import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestEvent, scheduleEvent } from '../support/events.js';
import { decodeData, encodeData } from '../../src/review/index.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { init, plan, planError } from './fake-terraform.js';
import { runInProcess } from './harness.js';

// Plan mode in-process: run() with a fake Terraform, the loopback GitHub and recorded I/O.

const ROLES_SQL = ['CREATE ROLE "app_reader" WITH LOGIN;', 'GRANT "rds_iam" TO "app_reader";'];
const SCHEMA_SQL = ['CREATE TABLE "public"."orders" ("id" bigint NOT NULL, PRIMARY KEY ("id"));'];

let api: GitHubApi;
let next = 10;

beforeAll(async () => {
  api = await startGitHubApi();
});
afterAll(async () => {
  await api.stop();
});

/** A pull request touching `files`, planned once; returns what the run showed. */
async function planPull(
  files: string[],
  script: Parameters<typeof runInProcess>[0]['script'],
  inputs: Record<string, string> = {},
  number = next++,
  extra: Pick<Parameters<typeof runInProcess>[0], 'onOpenAws' | 'onCloseAws'> = {},
) {
  const headSha = `${number}`.padStart(40, 'a');
  const baseSha = `${number}`.padStart(40, 'b');
  api.addPull({ number, files, headSha, baseSha });
  const payload = pullRequestEvent({ number, headSha, baseSha });
  const result = await runInProcess({
    api,
    eventName: 'pull_request',
    payload,
    sha: headSha,
    ref: `refs/pull/${number}/merge`,
    script,
    inputs,
    ...extra,
  });
  return { ...result, number };
}

describe('plan mode, in-process', () => {
  it('roles changed: both roots are initialised at once (no plugin cache set), planned, and shown in the outputs, summary and comment', async () => {
    // The roles init answers only once the schema init has started: one after the other, the
    // run would never finish. Ordered by promises, not by time.
    let schemaInitStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (schemaInitStarted = resolve));
    const run = await planPull(['terraform/roles/main.tf'], {
      roles: { init: { ...init(), wait: started }, plan: plan('roles', ROLES_SQL) },
      schema: { init: { ...init(), before: schemaInitStarted }, plan: plan('schema', SCHEMA_SQL) },
    });
    expect(run.failed).toBeUndefined();
    expect([...run.terraform.slice(0, 2)].sort()).toEqual(['roles init', 'schema init']);
    expect(run.log).toContain('terraform init of both roots: at once: no plugin cache is set');
    expect([...run.terraform].sort()).toEqual(['roles init', 'roles plan', 'schema init', 'schema plan']);
    expect(run.outputs).toMatchObject({
      mode: 'plan',
      'roles-changed': 'true',
      'roles-sql': ROLES_SQL.join('\n'),
      'schema-sql': SCHEMA_SQL.join('\n'),
      converged: '',
    });
    expect(run.outputs['comment-url']).toMatch(new RegExp(`/pull/${run.number}#issuecomment-`));
    expect(run.summary).toContain('CREATE ROLE "app_reader" WITH LOGIN;');
    // No db-endpoint: access is computed from the SQL alone, and the run says why.
    expect(run.summary).toContain('the db-endpoint input is not set, so there is no connection to read the catalog with');
    expect(JSON.parse(run.outputs['access-changes'] ?? '')).toContainEqual(
      expect.objectContaining({ role: 'app_reader', change: 'gains', privilege: 'IAM LOGIN' }),
    );
    expect(api.comments(run.number)).toHaveLength(1);
    expect(api.comments(run.number)[0]?.body).toContain('CREATE TABLE "public"."orders"');
    // Each root's plan is one whole group in the log.
    expect(run.log).toContain('::group::roles: terraform init and plan');
    expect(run.log).toContain('::group::schema: terraform init and plan');
  });

  it('asks for AWS credentials while GitHub has not yet said what changed, and logs both in the usual groups', async () => {
    // GitHub answers which files changed only once the AWS session has been asked for: asked
    // one after the other, the run would never finish. Ordered by promises, not by time.
    const release = api.hold({ method: 'GET', path: /\/pulls\/\d+\/files$/ });
    let answered = false;
    const run = await planPull(
      ['terraform/roles/main.tf'],
      { roles: { init: init(), plan: plan('roles', ROLES_SQL) }, schema: { init: init(), plan: plan('schema', SCHEMA_SQL) } },
      {},
      next++,
      {
        onOpenAws: async () => {
          release();
          await api.answered({ method: 'GET', path: /\/pulls\/\d+\/files$/ }).then(() => (answered = true));
        },
      },
    );
    expect(answered).toBe(true);
    expect(run.failed).toBeUndefined();
    expect([...run.terraform].sort()).toEqual(['roles init', 'roles plan', 'schema init', 'schema plan']);
    // The AWS group is whole, then what changed, then the decision: nothing interleaves.
    const groups = [...run.log.matchAll(/^::(group::[^\n]*|endgroup::)$/gm)].map((m) => m[1]);
    expect(groups.slice(0, 6)).toEqual([
      'group::HCL guardrails',
      'endgroup::',
      'group::AWS credentials',
      'endgroup::',
      'group::Detect roles changes',
      'endgroup::',
    ]);
    expect(run.log.indexOf('Roles root: runs.')).toBeGreaterThan(run.log.indexOf('::group::Detect roles changes'));
  });

  it('roles unchanged: the roles root is not run at all, the schema root is planned', async () => {
    const run = await planPull(['terraform/schema/main.tf'], { schema: { init: init(), plan: plan('schema', SCHEMA_SQL) } });
    expect(run.failed).toBeUndefined();
    expect(run.terraform).toEqual(['schema init', 'schema plan']);
    expect(run.outputs).toMatchObject({ 'roles-changed': 'false', 'roles-sql': '', 'schema-sql': SCHEMA_SQL.join('\n') });
    expect(run.log).toContain('Roles root: skipped.');
  });

  it('a re-run lists its comment and asks who last edited it while Terraform plans, not after the plans', async () => {
    const first = await planPull(['terraform/schema/main.tf'], { schema: { init: init(), plan: plan('schema', SCHEMA_SQL) } });
    expect(api.comments(first.number)).toHaveLength(1);
    // The schema plan answers only once this run's listing of the comment and the query for its
    // last editor have been answered: asked after the plans, the run would never finish.
    const listed = api.answered({ method: 'GET', path: new RegExp(`/issues/${first.number}/comments$`) });
    const editor = api.answered({ method: 'POST', path: /^\/graphql$/, graphql: /IssueComment\s*\{\s*editor/ });
    const wait = Promise.all([listed, editor]).then(() => undefined);
    const again = await planPull(
      ['terraform/schema/main.tf'],
      { schema: { init: init(), plan: { ...plan('schema', SCHEMA_SQL), wait } } },
      {},
      first.number,
    );
    expect(again.failed).toBeUndefined();
    expect(again.log).toContain(`Updated the plan comment on #${first.number}`);
    expect(api.comments(first.number)).toHaveLength(1);
  });

  it('an edit of the comment made while Terraform plans, after its editor was checked, is overwritten, never carried forward', async () => {
    const first = await planPull(['terraform/schema/main.tf'], { schema: { init: init(), plan: plan('schema', SCHEMA_SQL) } });
    const [ours] = api.comments(first.number);
    const [marker = '', , ...rest] = ours!.body.split('\n');
    const before = decodeData(ours!.body, marker);
    expect(before.current?.headline).toBeTruthy();
    // Mallory's edit forges the record the next run carries forward (its history), and adds text.
    const forgedEntry = {
      at: '2026-01-01T00:00:00Z',
      mode: 'plan' as const,
      headline: 'FORGED BY MALLORY',
      commit: 'f'.repeat(40),
      runUrl: 'https://example.com/forged',
    };
    const forged = [marker, encodeData({ ...before, current: forgedEntry, history: [forgedEntry] }), ...rest, 'INJECTED BY MALLORY'].join(
      '\n',
    );
    const listed = api.answered({ method: 'GET', path: new RegExp(`/issues/${first.number}/comments$`) });
    const editor = api.answered({ method: 'POST', path: /^\/graphql$/, graphql: /IssueComment\s*\{\s*editor/ });
    // Someone edits the comment once the run has listed it and checked its editor.
    const edited = Promise.all([listed, editor]).then(() => api.editComment(ours!.id, 'mallory', forged));
    const again = await planPull(
      ['terraform/schema/main.tf'],
      { schema: { init: init(), plan: { ...plan('schema', SCHEMA_SQL), wait: edited } } },
      {},
      first.number,
    );
    expect(again.failed).toBeUndefined();
    const [now] = api.comments(first.number);
    expect(now?.body).not.toContain('INJECTED BY MALLORY');
    expect(now?.body).toContain('CREATE TABLE "public"."orders"');
    // What is carried is the record as listed, before the edit: the first run's result, not Mallory's.
    const after = decodeData(now!.body, marker);
    expect(after.history[0]).toEqual(before.current);
    expect(JSON.stringify(after)).not.toContain('FORGED BY MALLORY');
  });

  it("a plan that fails fails the step with the root, the step and Atlas's error (exit: failed root)", async () => {
    let closed = 0;
    const run = await planPull(['terraform/schema/main.tf'], { schema: { init: init(), plan: planError('schema') } }, {}, next++, {
      onCloseAws: () => void closed++,
    });
    // The AWS session (its temporary profile files) is closed once, failure or not.
    expect(closed).toBe(1);
    expect(run.failed).toBe(
      'schema: plan failed: Atlas Plan Error: Unable to generate migration plan, got error: failed to get shared config profile, tf-sandbox',
    );
    expect(run.summary).toContain('failed to get shared config profile');
    expect(run.outputs['schema-sql']).toBe('');
  });

  it('a failure outside the roots (the Atlas CLI missing) is the one failure: nothing is planned (exit: fatal)', async () => {
    const number = next++;
    const headSha = `${number}`.padStart(40, 'a');
    const baseSha = `${number}`.padStart(40, 'b');
    api.addPull({ number, files: ['terraform/schema/main.tf'], headSha, baseSha });
    const broken = await runInProcess({
      api,
      eventName: 'pull_request',
      payload: pullRequestEvent({ number, headSha, baseSha }),
      sha: headSha,
      script: {},
      atlasVersion: () => Promise.reject(new Error('The Atlas CLI (atlas) is not on PATH.')),
    });
    expect(broken.failed).toBe('The Atlas CLI (atlas) is not on PATH.');
    expect(broken.terraform).toEqual([]);
    expect(broken.summary).toContain('The Atlas CLI (atlas) is not on PATH.');
    expect(api.comments(number)[0]?.body).toContain('The Atlas CLI (atlas) is not on PATH.');
  });
});

describe('bad input, in-process', () => {
  it('an unknown lint-skip rule fails the step with one message naming the input, before GitHub, AWS or Terraform', async () => {
    const number = next++;
    const headSha = `${number}`.padStart(40, 'a');
    const baseSha = `${number}`.padStart(40, 'b');
    api.addPull({ number, files: ['terraform/schema/main.tf'], headSha, baseSha });
    const run = await runInProcess({
      api,
      eventName: 'pull_request',
      payload: pullRequestEvent({ number, headSha, baseSha }),
      sha: headSha,
      script: {},
      inputs: { 'lint-skip': 'no-such-rule' },
    });
    expect(run.failed).toBe(
      'Input "lint-skip" names unknown rule ids: "no-such-rule". rds-atlas-action\'s docs/guardrails.md lists the rule ids.',
    );
    expect(run.terraform).toEqual([]);
    expect(run.outputs).toEqual({});
    expect(run.summary).toBe('');
    expect(api.comments(number)).toHaveLength(0);
  });
});

describe('drift checks, in-process', () => {
  const drift = (script: Parameters<typeof runInProcess>[0]['script'], failOnDrift: string) =>
    runInProcess({
      api,
      eventName: 'schedule',
      payload: scheduleEvent(),
      sha: 'c'.repeat(40),
      script,
      inputs: { 'fail-on-drift': failOnDrift, 'drift-issue': 'false', mode: 'plan' },
    });

  it('pending SQL with fail-on-drift fails the step with the drift message (exit: drift)', async () => {
    const run = await drift(
      { roles: { init: init(), plan: plan('roles', []) }, schema: { init: init(), plan: plan('schema', SCHEMA_SQL) } },
      'true',
    );
    expect(run.outputs['drift']).toBe('true');
    expect(run.failed).toBe(
      'The database drifted from the HCL of the default branch (fail-on-drift is true); see the drift issue or the job summary for the SQL that would reconcile it.',
    );
  });

  it('pending SQL without fail-on-drift, and no SQL with it, succeed (exit: none)', async () => {
    const pending = await drift(
      { roles: { init: init(), plan: plan('roles', []) }, schema: { init: init(), plan: plan('schema', SCHEMA_SQL) } },
      'false',
    );
    expect(pending.outputs['drift']).toBe('true');
    expect(pending.failed).toBeUndefined();
    const clean = await drift(
      { roles: { init: init(), plan: plan('roles', []) }, schema: { init: init(), plan: plan('schema', []) } },
      'true',
    );
    expect(clean.outputs['drift']).toBe('false');
    expect(clean.failed).toBeUndefined();
  });
});
