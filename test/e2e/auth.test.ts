import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { DEFAULT_ACCOUNT } from '../support/aws-endpoints.js';
import { APPLY_ROLE, DEFAULT_BRANCH, PLAN_ROLE, sha, startStack, type Stack } from '../support/stack.js';
import { renderedText } from '../support/markdown.js';
import { ROLES_SQL } from '../support/seed-sql.js';

// Issue #4 through the bundled action: every way getting AWS access can fail, run as
// `node dist/index.js` against the loopback OIDC issuer and STS and the throwaway PostgreSQL.
// Each failure must say what went wrong and how to fix it, and must stop the run before
// Terraform plans anything or PostgreSQL changes.

const ALL_HCL = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const PR_SUB = 'repo:octo-org/octo-repo:pull_request';
const SHORT_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan-short`;
const PERMISSIONS_BLOCK = 'permissions:\n  id-token: write\n  contents: read\n  pull-requests: write';

/** Messages of `::<kind>::` workflow commands, with @actions/core's escaping undone. */
function annotations(stdout: string, kind: 'error' | 'warning' | 'notice'): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`::${kind}::`) || l.startsWith(`::${kind} `))
    .map((l) =>
      l
        .slice(l.indexOf('::', 2) + 2)
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%'),
    );
}

/** The log a user reads: `::add-mask::` lines are commands the runner consumes, not shown. */
function visibleLog(run: ActionRun): string {
  return run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

describe('AWS access through the bundled action', () => {
  let stack: Stack;
  let prNumber = 100;

  beforeAll(async () => {
    stack = await startStack();
    stack.aws.sts.addRole({ arn: SHORT_ROLE, subjectPattern: PR_SUB, maxSessionDuration: 3600 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Roles and tables a user can see in the database: what "PostgreSQL unchanged" compares. */
  const dbState = async (): Promise<{ roles: string[]; tables: string[]; iamMembers: string[] }> => ({
    roles: (await stack.pg.query<{ n: string }>(`SELECT rolname AS n FROM pg_roles WHERE rolname !~ '^(pg_|rds)' ORDER BY 1`)).map(
      (r) => r.n,
    ),
    tables: (await stack.pg.query<{ n: string }>(`SELECT tablename AS n FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map(
      (r) => r.n,
    ),
    // Users granted rds_iam; rds_superuser's own grant (ADMIN OPTION, so the master may grant it, as on RDS) is not one.
    iamMembers: (
      await stack.pg.query<{ n: string }>(
        `SELECT u.rolname AS n FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = 'rds_iam' AND u.rolname !~ '^rds' ORDER BY 1`,
      )
    ).map((r) => r.n),
  });

  /** What the loopback services and the provider recorded during one run. */
  interface Observed {
    run: ActionRun;
    oidc: typeof stack.aws.oidc.requests;
    sts: typeof stack.aws.sts.requests;
    github: typeof stack.github.requests;
    providerCalls: Awaited<ReturnType<Stack['tf']['readCalls']>>;
    tokens: string[];
  }

  const observe = async (start: () => Promise<ActionRun>): Promise<Observed> => {
    const before = {
      oidc: stack.aws.oidc.requests.length,
      sts: stack.aws.sts.requests.length,
      github: stack.github.requests.length,
      calls: (await stack.tf.readCalls()).length,
      tokens: stack.aws.oidc.issuedTokens.length,
    };
    const run = await start();
    return {
      run,
      oidc: stack.aws.oidc.requests.slice(before.oidc),
      sts: stack.aws.sts.requests.slice(before.sts),
      github: stack.github.requests.slice(before.github),
      providerCalls: (await stack.tf.readCalls()).slice(before.calls),
      tokens: stack.aws.oidc.issuedTokens.slice(before.tokens),
    };
  };

  /** A bootstrap pull request (roles and schema HCL changed), run with the given inputs. */
  const pullRequest = (inputs: Record<string, string> = {}, extra: { unset?: string[] } = {}): Promise<Observed> => {
    const number = ++prNumber;
    const headSha = String(number).padStart(40, 'a');
    stack.github.addPull({ number, files: ALL_HCL, headSha, baseSha: sha('0') });
    return observe(() => stack.runPullRequest({ number, headSha, baseSha: sha('0') }, { inputs, ...extra }));
  };

  const commentOf = (o: Observed): string => {
    const number = Number(/\/pull\/(\d+)#/.exec(o.run.outputs['comment-url'] ?? '')?.[1] ?? prNumber);
    return stack.github
      .comments(number)
      .map((c) => c.body)
      .join('\n');
  };

  /** Terraform never ran: no provider RPC at all, no terraform command in the log. */
  const expectNothingPlanned = (o: Observed): void => {
    expect(o.providerCalls.filter((c) => c.rpc === 'PlanResourceChange')).toEqual([]);
    expect(o.providerCalls.filter((c) => c.rpc === 'ApplyResourceChange')).toEqual([]);
    expect(o.run.stdout).not.toMatch(/terraform (init|plan|apply)/);
    expect(o.run.outputs['roles-sql'] ?? '').toBe('');
    expect(o.run.outputs['schema-sql'] ?? '').toBe('');
  };

  /** The OIDC token (a bearer credential for AWS) is never shown, only registered as a mask. */
  const expectNoJwt = (o: Observed): void => {
    expect(o.tokens.length).toBeGreaterThan(0);
    const shown = [visibleLog(o.run), o.run.stderr, commentOf(o), o.run.summary, ...Object.values(o.run.outputs)].join('\n');
    for (const token of o.tokens) {
      expect(shown).not.toContain(token);
      // Not even its signature (the part a copy-paste would carry on its own).
      expect(shown).not.toContain(token.split('.')[2]);
    }
  };

  describe('fatal errors stop the run before Terraform', () => {
    let initial: Awaited<ReturnType<typeof dbState>>;
    beforeAll(async () => {
      initial = await dbState();
    });

    it('invalid inputs: one error naming every bad input, its value and the expected form; nothing called', async () => {
      const o = await pullRequest({ mode: 'deploy', 'role-to-assume': 'not-an-arn', 'role-duration-seconds': '99999' });
      expect(o.run.exitCode).toBe(1);
      const errors = annotations(o.run.stdout, 'error');
      expect(errors).toHaveLength(1);
      const error = errors[0] ?? '';
      expect(error).toContain('3 action inputs are invalid');
      expect(error).toContain('Input "mode" must be one of auto, plan, apply; got "deploy"');
      expect(error).toContain(
        'Input "role-to-assume" must be an IAM role ARN such as arn:aws:iam::123456789012:role/atlas-ci in a real partition, or empty; got "not-an-arn"',
      );
      expect(error).toContain('Input "role-duration-seconds" must be a whole number of seconds from 900 to 43200; got "99999"');
      // Nothing was contacted: no OIDC token, no STS call, not even GitHub.
      expect(o.oidc).toEqual([]);
      expect(o.sts).toEqual([]);
      expect(o.github).toEqual([]);
      expect(o.providerCalls).toEqual([]);
      expectNothingPlanned(o);
      expect(await dbState()).toEqual(initial);
    });

    it('fork pull request: exits 0 with a notice saying why; no OIDC, STS, Terraform or comment', async () => {
      const number = ++prNumber;
      const o = await observe(() =>
        stack.runPullRequest({ number, headSha: sha('f'), baseSha: sha('0'), headRepoFullName: 'someone/octo-repo' }),
      );
      expect(o.run.exitCode, o.run.stdout).toBe(0);
      const notices = annotations(o.run.stdout, 'notice');
      expect(notices).toEqual([expect.stringMatching(/^Pull request from a fork: GitHub gives it no OIDC token and a read-only token/)]);
      expect(notices[0]).toContain('Nothing was planned.');
      expect(annotations(o.run.stdout, 'error')).toEqual([]);
      expect(o.run.outputs['mode']).toBe('plan');
      expect(o.oidc).toEqual([]);
      expect(o.sts).toEqual([]);
      expect(o.github.filter((r) => r.method !== 'GET')).toEqual([]);
      expect(stack.github.comments(number)).toEqual([]);
      expect(o.providerCalls).toEqual([]);
      expectNothingPlanned(o);
      expect(await dbState()).toEqual(initial);
    });

    it('no id-token permission: fails with the exact permissions block, in the log and in the PR comment; no STS call', async () => {
      const o = await pullRequest({}, { unset: ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] });
      expect(o.run.exitCode).toBe(1);
      const errors = annotations(o.run.stdout, 'error');
      expect(errors.length).toBeGreaterThan(0);
      const expected = `Could not assume role ${PLAN_ROLE} (input role-to-assume) with OIDC: this job has no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set).`;
      for (const e of errors) {
        expect(e).toContain(expected);
        expect(e).toContain(`\n\n${PERMISSIONS_BLOCK}\n\n`);
      }
      expect(o.oidc).toEqual([]);
      expect(o.sts).toEqual([]);
      expectNothingPlanned(o);
      // The GitHub token still works, so the PR gets the same explanation.
      const comment = commentOf(o);
      expect(o.run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
      expect(comment).toContain('❌ Plan failed: Could not assume role');
      expect(comment).toContain('### ❌ Error');
      expect(comment).toContain(expected);
      expect(comment).toContain(`\n${PERMISSIONS_BLOCK}\n`);
      expect(o.run.summary).toContain(PERMISSIONS_BLOCK);
      expect(await dbState()).toEqual(initial);
    });

    it('STS AccessDenied (a PR presenting its sub to the apply role): names role, sub and aud, tried once, token never shown', async () => {
      const o = await pullRequest({ 'role-to-assume': APPLY_ROLE });
      expect(o.run.exitCode).toBe(1);
      const error = annotations(o.run.stdout, 'error').join('\n');
      expect(error).toContain(`Could not assume role ${APPLY_ROLE} (input role-to-assume) with OIDC: AccessDenied`);
      expect(error).toContain(`  sub = ${PR_SUB}`);
      expect(error).toContain('  aud = sts.amazonaws.com');
      expect(error).toContain(`"token.actions.githubusercontent.com:sub": "${PR_SUB}"`);
      // Exactly one attempt: an AccessDenied is a decision, not a hiccup.
      expect(o.sts).toEqual([
        expect.objectContaining({
          action: 'AssumeRoleWithWebIdentity',
          roleArn: APPLY_ROLE,
          status: 403,
          errorCode: 'AccessDenied',
          sub: PR_SUB,
          aud: 'sts.amazonaws.com',
        }),
      ]);
      expect(o.oidc).toHaveLength(1);
      const comment = commentOf(o);
      expect(comment).toContain(`Could not assume role ${APPLY_ROLE}`);
      expect(comment).toContain(`sub = ${PR_SUB}`);
      expectNoJwt(o);
      expectNothingPlanned(o);
      expect(await dbState()).toEqual(initial);
    });

    it("role-duration-seconds above the role's MaxSessionDuration: its own message with both fixes", async () => {
      const o = await pullRequest({ 'role-to-assume': SHORT_ROLE, 'role-duration-seconds': '7200' });
      expect(o.run.exitCode).toBe(1);
      const error = annotations(o.run.stdout, 'error').join('\n');
      expect(error).toContain(`Could not assume role ${SHORT_ROLE} (input role-to-assume) with OIDC: ValidationError`);
      expect(error).toContain(
        "Fix: role-duration-seconds is 7200, more than the role's maximum session duration. Lower the `role-duration-seconds` input",
      );
      expect(error).toContain('aws iam update-role --role-name atlas-plan-short --max-session-duration 7200');
      expect(error).not.toMatch(/trust policy/i);
      expect(o.sts).toEqual([
        expect.objectContaining({ roleArn: SHORT_ROLE, durationSeconds: 7200, status: 400, errorCode: 'ValidationError' }),
      ]);
      expect(commentOf(o)).toContain('aws iam update-role --role-name atlas-plan-short --max-session-duration 7200');
      expectNoJwt(o);
      expectNothingPlanned(o);
      expect(await dbState()).toEqual(initial);
    });

    it('an audience the IAM OIDC provider does not list: its own message naming the audience and the fix', async () => {
      const o = await pullRequest({ audience: 'something-else' });
      expect(o.run.exitCode).toBe(1);
      expect(o.oidc).toEqual([expect.objectContaining({ audience: 'something-else', status: 200 })]);
      const error = annotations(o.run.stdout, 'error').join('\n');
      expect(error).toContain(
        `Could not assume role ${PLAN_ROLE} (input role-to-assume) with OIDC: InvalidIdentityToken: Incorrect token audience`,
      );
      expect(error).toContain(`the token's audience is "something-else" (the \`audience\` input)`);
      expect(error).toContain(
        `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::${DEFAULT_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com --client-id something-else`,
      );
      expect(error).not.toMatch(/trust policy/i);
      expect(o.sts).toEqual([expect.objectContaining({ aud: 'something-else', status: 400, errorCode: 'InvalidIdentityToken' })]);
      expectNoJwt(o);
      expectNothingPlanned(o);
      expect(await dbState()).toEqual(initial);
    });
  });

  describe('transient and short-lived credentials', () => {
    it('STS throttling twice, then success: retried, the run plans normally with the plan role only', async () => {
      const initial = await dbState();
      stack.aws.sts.failNext('Throttling', 2);
      const o = await pullRequest();
      expect(o.run.exitCode, o.run.stdout).toBe(0);
      expect(o.sts.map((r) => [r.action, r.status, r.errorCode])).toEqual([
        ['AssumeRoleWithWebIdentity', 400, 'Throttling'],
        ['AssumeRoleWithWebIdentity', 400, 'Throttling'],
        ['AssumeRoleWithWebIdentity', 200, undefined],
      ]);
      expect(o.run.stdout).toContain('failed (Throttling), attempt 1 of 4; retrying in');
      expect(o.run.stdout).toContain('failed (Throttling), attempt 2 of 4; retrying in');
      expect(annotations(o.run.stdout, 'error')).toEqual([]);
      expect(o.run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
      expect(commentOf(o)).toContain(ROLES_SQL[0]);
      // A pull request assumes the plan role and never the apply role.
      expect(new Set(o.sts.map((r) => r.roleArn))).toEqual(new Set([PLAN_ROLE]));
      expect(await dbState()).toEqual(initial);
    });

    it('credentials expiring within 15 minutes are renewed (new OIDC token, AssumeRole again) before the next Terraform step; both roots, running at once, share the renewal and the run succeeds', async () => {
      const initial = await dbState();
      stack.aws.sts.credentialLifetimeSeconds = 600;
      const issuedBefore = stack.aws.sts.issued.length;
      let o: Observed;
      try {
        o = await pullRequest();
      } finally {
        stack.aws.sts.credentialLifetimeSeconds = undefined;
      }
      expect(o.run.exitCode, o.run.stdout).toBe(0);
      const assumed = o.sts.filter((r) => r.action === 'AssumeRoleWithWebIdentity');
      expect(assumed.length).toBeGreaterThanOrEqual(2);
      expect(assumed.every((r) => r.status === 200 && r.roleArn === PLAN_ROLE)).toBe(true);
      // Each renewal presents a fresh OIDC token.
      expect(o.oidc.length).toBe(assumed.length);
      expect(o.run.stdout).toMatch(
        new RegExp(`The credentials of ${PLAN_ROLE} expire at \\S+; assuming the role again with a fresh OIDC token\\.`),
      );
      // Both roots ran to the end with the renewed credentials (the roles plan reads the
      // rewritten profile file, which the stand-in provider checks like Atlas does).
      expect(o.run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
      expect(annotations(o.run.stdout, 'error')).toEqual([]);
      // The provider resolves credentials from the profile file (its keys, not just its
      // section), so its call log shows which credentials the plan really used: the key of the
      // renewal made right before `terraform plan` (the last one STS had issued by then), not
      // the first one the run wrote. (A bootstrap PR plans only the roles root.)
      const issued = stack.aws.sts.issued.slice(issuedBefore).map((c) => c.accessKeyId);
      expect(issued.length).toBe(assumed.length);
      const plans = o.providerCalls.filter((c) => c.rpc === 'PlanResourceChange');
      expect(plans.map((c) => c.env)).toEqual(['roles']);
      const log = visibleLog(o.run);
      const beforePlan = log.slice(0, log.indexOf('$ terraform plan'));
      const renewalsBeforePlan = beforePlan.split('assuming the role again with a fresh OIDC token').length - 1;
      expect(renewalsBeforePlan).toBeGreaterThanOrEqual(1);
      expect(plans[0]?.accessKeyId).toBe(issued[renewalsBeforePlan]);
      expect(plans[0]?.accessKeyId).not.toBe(issued[0]);
      expect(o.run.runnerTempFiles.filter((f) => /credentials|config/.test(f.path))).toEqual([]);
      expect(await dbState()).toEqual(initial);
    });
  });

  describe('the IAM-token preflight through the action', () => {
    const BASE = sha('1');
    const MERGE = sha('2');

    it('merge push of the bootstrap: apply role only, roles applied, preflight skipped with a notice because this run creates the user', async () => {
      const number = ++prNumber;
      stack.github.addPull({ number, files: ALL_HCL, headSha: sha('3'), baseSha: BASE, mergeCommitSha: MERGE, merged: true });
      stack.github.addCompare(BASE, MERGE, ALL_HCL);
      const o = await observe(() => stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` }));
      expect(o.run.exitCode, o.run.stdout + o.run.stderr).toBe(0);
      expect(o.run.outputs['mode']).toBe('apply');
      expect(o.run.outputs['converged']).toBe('true');
      expect(annotations(o.run.stdout, 'notice')).toContain(
        'IAM-token preflight skipped: "atlas_migrator" was created by the roles root of this run (first bootstrap), so the schema root\'s own login is its first IAM login; an IAM failure shows there, with the same checklist.',
      );
      expect(commentOf(o)).toContain('IAM-token preflight skipped');
      // The merge assumed the apply role only.
      const assumed = o.sts.filter((r) => r.action === 'AssumeRoleWithWebIdentity');
      expect(assumed.length).toBeGreaterThan(0);
      expect(new Set(assumed.map((r) => r.roleArn))).toEqual(new Set([APPLY_ROLE]));
      expect(o.oidc.every((r) => r.status === 200)).toBe(true);
      const db = await dbState();
      expect(db.roles).toEqual(expect.arrayContaining(['app_reader', 'atlas_migrator']));
      expect(db.iamMembers).toEqual(['atlas_migrator']);
      expect(db.tables).toContain('validation_probe');
    });

    it('a db-user outside rds_iam: the PR fails at the schema preflight with the IAM-auth checklist; schema not planned; no token shown', async () => {
      await stack.pg.query(`CREATE ROLE "outsider" WITH LOGIN PASSWORD 'outsider-real-password'`);
      const initial = await dbState();
      const number = ++prNumber;
      stack.github.addPull({ number, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('4'), baseSha: MERGE });
      const o = await observe(() =>
        // The guardrails would refuse an undeclared db-user before AWS; switched off to reach the preflight.
        stack.runPullRequest(
          { number, headSha: sha('4'), baseSha: MERGE },
          { inputs: { 'db-user': 'outsider', 'lint-skip': 'migrator-not-iam' } },
        ),
      );
      expect(o.run.exitCode).toBe(1);
      const target = `outsider@${stack.pg.host}:${stack.pg.port}/${stack.pg.database}`;
      const error = annotations(o.run.stdout, 'error').join('\n');
      expect(error).toContain(
        `schema: preflight failed: IAM-token preflight for ${target} failed: password authentication failed for user "outsider"`,
      );
      expect(error).toContain('The database refused the IAM token for "outsider".');

      const comment = commentOf(o);
      expect(renderedText(comment)).toContain('Error at preflight:');
      expect(comment).toContain(`IAM-token preflight for ${target} failed`);
      // The checklist: rds_iam grant, rds-db:connect with the DbiResourceId, IAM auth enabled, host/port/region.
      const rendered = renderedText(comment);
      expect(rendered).toContain('outsider must be a member of rds_iam: GRANT rds_iam TO "outsider";');
      expect(rendered).toContain(`rds-db:connect on arn:aws:rds-db:us-east-1:${DEFAULT_ACCOUNT}:dbuser:<DbiResourceId>/outsider`);
      expect(comment).toContain('--enable-iam-database-authentication');
      expect(comment).toContain('The token must be signed for the same host, port and region the client connects to');

      // The schema root never reached its plan; the roles root was not run (no roles change).
      expect(o.providerCalls.filter((c) => c.rpc === 'PlanResourceChange')).toEqual([]);
      expect(o.run.stdout).not.toContain('schema: terraform plan');
      expect(o.run.stdout).toContain('schema: terraform init');
      expect(o.run.outputs['schema-sql']).toBe('');

      // The IAM token (a presigned URL) never leaves the action, not even redacted.
      const shown = [visibleLog(o.run), o.run.stderr, comment, o.run.summary, ...Object.values(o.run.outputs)].join('\n');
      expect(shown).not.toMatch(/X-Amz-Signature=(?!\*\*\*)/);
      expect(shown).not.toMatch(/X-Amz-Credential=ASIA/);
      expect(shown).not.toContain('Action=connect');
      // The action did sign one: its mask was registered with the runner.
      expect(o.run.stdout).toMatch(/^::add-mask::.*X-Amz-Signature=/m);
      expect(await dbState()).toEqual(initial);
    });

    it('atlas_migrator after the bootstrap: the preflight logs in over TLS with an IAM token and the schema root plans', async () => {
      const number = ++prNumber;
      stack.github.addPull({ number, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('5'), baseSha: MERGE });
      const o = await observe(() => stack.runPullRequest({ number, headSha: sha('5'), baseSha: MERGE }));
      expect(o.run.exitCode, o.run.stdout).toBe(0);
      // The cluster admits TCP only through hostssl rules, so a passing preflight used TLS.
      expect(o.run.stdout).toContain(
        `IAM-token preflight passed: atlas_migrator logged in to ${stack.pg.host}:${stack.pg.port}/${stack.pg.database} over TLS with an IAM token and is a member of rds_iam.`,
      );
      expect(o.providerCalls.filter((c) => c.rpc === 'PlanResourceChange' && c.env === 'schema').length).toBeGreaterThan(0);
      expect(o.run.outputs['schema-sql']).toBe('');
      expect(new Set(o.sts.filter((r) => r.action === 'AssumeRoleWithWebIdentity').map((r) => r.roleArn))).toEqual(new Set([PLAN_ROLE]));
    });
    it('an endpoint that does not offer TLS: the preflight stops the schema root with the TLS advice', async () => {
      // Answers PostgreSQL's SSLRequest with "N", as a server without TLS (or a proxy that strips it) does.
      const sockets = new Set<Socket>();
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.once('data', () => socket.write('N'));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const number = ++prNumber;
        stack.github.addPull({ number, files: ['hcl/schema/schema.pg.hcl'], headSha: sha('6'), baseSha: MERGE });
        const o = await observe(() =>
          stack.runPullRequest({ number, headSha: sha('6'), baseSha: MERGE }, { inputs: { 'db-endpoint': `127.0.0.1:${port}` } }),
        );
        expect(o.run.exitCode).toBe(1);
        const error = annotations(o.run.stdout, 'error').join('\n');
        expect(error).toContain(
          `schema: preflight failed: IAM-token preflight for atlas_migrator@127.0.0.1:${port}/${stack.pg.database} failed:`,
        );
        expect(error).toContain('The connection was refused for lack of TLS.');
        expect(renderedText(commentOf(o))).toContain('RDS IAM authentication requires TLS: connect with sslmode=require');
        expect(o.providerCalls.filter((c) => c.rpc === 'PlanResourceChange')).toEqual([]);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
