import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realDeps } from '../../src/run/deps.js';
import { pullRequestEvent, pushEvent } from '../support/events.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { startPostgres, type PgCluster } from '../support/postgres.js';
import { apply, init, plan, type Script } from './fake-terraform.js';
import { runInProcess, type RunOptions } from './harness.js';

// The live facts in-process: run() with a fake Terraform, and a real PostgreSQL (behind the RDS
// front, IAM tokens checked) for the IAM preflight, the access catalog and the impact facts,
// read through the action's own openFacts. The exit status's branches from issues 20 and 21:
// a predicted failure is a ❌ headline on the pull request but not a failed step; the merge's
// re-check holds the root and fails the step; a facts read that fails is a note, never a failure.

const KEYS = { accessKeyId: 'ASIARUNFACTSTEST0001', secretAccessKey: 'run-facts-secret-0123456789abcdefghijk', sessionToken: 'run' };
const WILL_FAIL = 'ALTER TABLE "app"."people" ALTER COLUMN "email" SET NOT NULL;';
const GRANT = 'GRANT SELECT ON TABLE "app"."people" TO "app_reader";';

let api: GitHubApi;
let db: PgCluster;
let next = 300;
/** Called on every IAM-token login the database checks (set by a test that waits for one). */
let onIamLogin: (() => void) | undefined;

beforeAll(async () => {
  api = await startGitHubApi();
  db = await startPostgres({
    iamAuth: {
      credentials: () => {
        onIamLogin?.();
        return [KEYS];
      },
      region: 'us-east-1',
    },
  });
  // The action's login (an rds_iam member) may read the table and pass SELECT on, as after a roles root.
  await db.query(`CREATE ROLE atlas_migrator LOGIN; GRANT rds_iam TO atlas_migrator; CREATE ROLE app_reader LOGIN;
    CREATE SCHEMA app; CREATE TABLE app.people (id int PRIMARY KEY, email text);
    INSERT INTO app.people SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'x' END FROM generate_series(1, 500) g;
    GRANT USAGE ON SCHEMA app TO atlas_migrator; GRANT SELECT ON app.people TO atlas_migrator WITH GRANT OPTION`);
});
afterAll(async () => {
  await db?.stop();
  await api?.stop();
});

/** The inputs that point the run at the test database. */
const dbInputs = (): Record<string, string> => ({ 'db-endpoint': `${db.host}:${db.port}`, 'db-name': db.database });

function planPull(script: Script, extra: Partial<RunOptions> = {}) {
  const number = next++;
  const headSha = `${number}`.padStart(40, 'a');
  const baseSha = `${number}`.padStart(40, 'b');
  api.addPull({ number, files: ['terraform/schema/main.tf'], headSha, baseSha });
  const run = runInProcess({
    api,
    eventName: 'pull_request',
    payload: pullRequestEvent({ number, headSha, baseSha }),
    sha: headSha,
    ref: `refs/pull/${number}/merge`,
    script,
    inputs: dbInputs(),
    credentials: KEYS,
    openFacts: realDeps().openFacts,
    ...extra,
  });
  return { run, number };
}

describe('live facts, in-process', () => {
  it("plan: a statement that will fail on today's rows is a ❌ headline and an impact row, but the step succeeds; access from the live catalog", async () => {
    const { run: pending, number } = planPull({ schema: { init: init(), plan: plan('schema', [WILL_FAIL, GRANT]) } });
    const run = await pending;
    expect(run.failed, run.log).toBeUndefined();
    const comment = api.comments(number)[0]?.body ?? '';
    for (const shown of [run.summary, comment]) {
      expect(shown).toContain("will fail on today's rows in schema");
      expect(shown).toContain('SET NOT NULL on email: 50 rows have NULL in email');
      expect(shown).toContain('Computed from the live catalogs (read-only');
    }
    const impact = JSON.parse(run.outputs['impact'] ?? '[]') as { table: string; fails: string | null }[];
    expect(impact).toContainEqual(expect.objectContaining({ fails: 'SET NOT NULL on email: 50 rows have NULL in email' }));
    const access = JSON.parse(run.outputs['access-changes'] ?? '[]') as { role: string; change: string; privilege: string }[];
    expect(access).toContainEqual(expect.objectContaining({ role: 'app_reader', change: 'gains', privilege: 'SELECT' }));
  });

  it('plan: the access catalog and the impact facts cannot be read: notes in the report, the step still succeeds', async () => {
    const refused = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:5432'));
    const { run: pending, number } = planPull(
      { schema: { init: init(), plan: plan('schema', [WILL_FAIL, GRANT]) } },
      { openFacts: refused },
    );
    const run = await pending;
    expect(run.failed, run.log).toBeUndefined();
    expect(run.terraform).toEqual(['schema init', 'schema plan']);
    const comment = api.comments(number)[0]?.body ?? '';
    for (const shown of [run.summary, comment]) {
      expect(shown).toContain('**Impact:** not read: connect ECONNREFUSED 10.0.0.1:5432');
      expect(shown).toContain(
        '⚠️ Computed from the SQL alone, as if nothing existed before it: the catalog could not be read: connect ECONNREFUSED 10.0.0.1:5432',
      );
      expect(shown).not.toContain('will fail');
    }
    expect(run.outputs).toMatchObject({ impact: '[]', 'schema-sql': [WILL_FAIL, GRANT].join('\n') });
    // Computed from the SQL alone: still a JSON list, never a failure.
    expect(Array.isArray(JSON.parse(run.outputs['access-changes'] ?? ''))).toBe(true);
  });

  it("merge: the schema root's IAM preflight logs in while the roles root's verify plan runs (issue 23)", async () => {
    const n = next++;
    const before = `${n}`.padStart(40, 'd');
    const after = `${n}`.padStart(40, 'e');
    api.addCompare(before, after, ['terraform/roles/main.tf', 'terraform/schema/main.tf']);
    // After the roles apply has started, the next IAM login is the preflight's: the roles
    // verify plan answers only once it has happened. A run that started the preflight after the
    // roles root converged would never finish its verify.
    let loggedIn = (): void => undefined;
    const preflightLogin = new Promise<void>((resolve) => (loggedIn = resolve));
    const ROLE = ['CREATE ROLE "app_writer" WITH LOGIN;'];
    const run = await runInProcess({
      api,
      eventName: 'push',
      payload: pushEvent({ before, after }),
      sha: after,
      script: {
        roles: {
          init: init(),
          plan: plan('roles', ROLE),
          apply: { ...apply('roles', ROLE), before: () => void (onIamLogin = loggedIn) },
          verify: { ...plan('roles', []), wait: preflightLogin },
        },
        schema: { init: init(), plan: plan('schema', []) },
      },
      inputs: { ...dbInputs(), comment: 'false' },
      credentials: KEYS,
      openFacts: realDeps().openFacts,
    }).finally(() => (onIamLogin = undefined));
    expect(run.failed).toBeUndefined();
    expect(run.outputs).toMatchObject({ mode: 'apply', converged: 'true' });
    // Its result is still reported in the schema root's turn, after the roles root.
    const passed = run.log.indexOf('IAM-token preflight passed: atlas_migrator logged in');
    expect(passed).toBeGreaterThan(run.log.indexOf('::group::schema: IAM authentication preflight'));
    expect(run.log.indexOf('::group::schema: IAM authentication preflight')).toBeGreaterThan(
      run.log.indexOf('::group::roles: terraform plan (verify)'),
    );
  }, 60_000);

  it('merge: the re-check before the apply predicts the failure, so the root is held, not applied, and the step fails (exit: will-fail hold)', async () => {
    const n = next++;
    const before = `${n}`.padStart(40, 'd');
    const after = `${n}`.padStart(40, 'e');
    api.addCompare(before, after, ['terraform/schema/main.tf']);
    const run = await runInProcess({
      api,
      eventName: 'push',
      payload: pushEvent({ before, after }),
      sha: after,
      script: { schema: { init: init(), plan: plan('schema', [WILL_FAIL]) } },
      inputs: { ...dbInputs(), comment: 'false' },
      credentials: KEYS,
      openFacts: realDeps().openFacts,
    });
    expect(run.terraform).toEqual(['schema init', 'schema plan']);
    expect(run.failed).toContain('schema: held back by the gate (');
    expect(run.failed).toContain('it would fail on the rows in the database now');
    expect(run.log).toContain('::group::schema: impact re-check (read-only)');
    expect(run.summary).toContain('It would fail on the rows in the database now, so it was not started.');
    expect(run.summary).toContain('SET NOT NULL on email: 50 rows have NULL in email');
    expect(run.outputs).toMatchObject({ mode: 'apply', converged: 'false' });
    expect(JSON.parse(run.outputs['impact'] ?? '[]')).toContainEqual(
      expect.objectContaining({ fails: 'SET NOT NULL on email: 50 rows have NULL in email' }),
    );
  });
});
