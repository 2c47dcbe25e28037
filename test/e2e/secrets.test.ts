import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '../support/action.js';
import { renderedText } from '../support/markdown.js';
import { interpretBothOrders } from '../support/runner-log.js';
import { DEFAULT_BRANCH, sha, startStack, type Stack } from '../support/stack.js';
import { loadSeedScenario, type Scenario } from '../support/terraform.js';

// Issue #3 (h): secrets planted in a real run appear nowhere a user, a reviewer or a later
// step can read them. The runs: a pull request whose roles plan fails with an error quoting
// the master password in connection URLs (URL-encoded, as atlas.hcl's urlescape makes it, and
// raw, as a URL parse error would print it) and the run's own STS credentials (the stand-in
// provider fills in ${env:AWS_SECRET_ACCESS_KEY}, ${env:AWS_SESSION_TOKEN} and the profile
// file's secret, as a badly-behaved tool might print them), and whose schema preflight signs
// an RDS IAM token; the bootstrap merge push that applies; and a later pull request whose preflight logs
// in with an IAM token; then a pull request whose Atlas errors print the run's STS credentials,
// the master password and SigV4 signatures in every encoding and form the redactor covers.
// Every STS credential, OIDC token, the GitHub token, the master password and every IAM token
// is then looked for in everything each run left behind.

const ALL_HCL = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];
const BASE = sha('b');
const HEAD = sha('c');
const MERGE = sha('d');
const LATER = sha('e');
const SWEEP = sha('f');

interface Seen {
  label: string;
  run: ActionRun;
  /** Bodies of the comments on the run's pull request right after the run. */
  comments: string[];
}

describe('planted secrets appear nowhere', () => {
  let stack: Stack;
  let seed: Scenario;
  const seen: Seen[] = [];

  beforeAll(async () => {
    stack = await startStack();
    seed = await loadSeedScenario();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** stdout without the ::add-mask:: commands (the runner consumes them; they are not shown). */
  const visible = (run: ActionRun): string =>
    run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');

  const password = (): { raw: string; encoded: string; core: string } => {
    const raw = stack.pg.masterPassword;
    // The harness's passwords end in "@/:" so that they need URL-encoding; the random part
    // before it must not appear even when a redaction leaves the punctuation behind.
    return { raw, encoded: encodeURIComponent(raw), core: raw.replace(/[@/:]+$/, '') };
  };

  it('a roles plan failing with the master password in connection URLs and the STS credentials in its text: the run fails and every copy is redacted', async () => {
    const { raw, encoded } = password();
    expect(encoded).not.toBe(raw);
    const where = `127.0.0.1:${stack.pg.port}/${stack.pg.database}`;
    const issuedBefore = stack.aws.sts.issued.length;
    const planError =
      `failed to connect to postgres://postgres:${encoded}@${where}?sslmode=require: connection refused; ` +
      `retried as parse "postgres://postgres:${raw}@${where}": invalid userinfo; ` +
      // Planted by the provider from its own environment and the profile file the action wrote.
      'signed with secret ${env:AWS_SECRET_ACCESS_KEY} session ${env:AWS_SESSION_TOKEN} profile secret ${profile:aws_secret_access_key} (end)';
    await stack.tf.writeScenario({ envs: { ...seed.envs, roles: { ...seed.envs['roles'], planError } } });
    stack.github.addPull({ number: 1, files: ALL_HCL, headSha: HEAD, baseSha: BASE, mergeCommitSha: MERGE, merged: true });
    const run = await stack.runPullRequest({ number: 1, headSha: HEAD, baseSha: BASE });
    const comments = stack.github.comments(1).map((c) => c.body);
    seen.push({ label: 'failing PR', run, comments });

    expect(run.exitCode).toBe(1);
    expect(comments).toHaveLength(1);
    const body = comments[0] ?? '';
    expect(body).toContain('Unable to generate migration plan, got error: Error: failed to connect to postgres://postgres:***@');
    expect(body).toContain(`postgres://postgres:***@${where}?sslmode=require: connection refused`);
    // The raw (unencoded) leg, "@/:" and all, is masked whole.
    expect(body).toContain(`retried as parse "postgres://postgres:***@${where}": invalid userinfo`);
    expect(run.stdout).toContain('postgres://postgres:***@');

    // The credentials reached the error text (non-empty: each placeholder became a registered
    // secret, now "***") and are masked in every place the run wrote it. The comment and the
    // summary do not pass through the runner's masking: the action's redactor is all there is.
    const planted = 'signed with secret *** session *** profile secret *** (end)';
    expect(body).toContain(planted);
    expect(run.summary).toContain(planted);
    expect(run.stdout).toContain(planted);
    const runCreds = stack.aws.sts.issued.slice(issuedBefore);
    expect(runCreds.length).toBeGreaterThan(0);
    for (const c of runCreds) {
      for (const [place, text] of [
        ['comment', body],
        ['summary', run.summary],
        ['stdout', visible(run)],
        ['stderr', run.stderr],
        ...Object.entries(run.outputs),
      ]) {
        expect(text, place).not.toContain(c.secretAccessKey);
        expect(text, place).not.toContain(c.sessionToken);
        expect(text, place).not.toContain(encodeURIComponent(c.secretAccessKey));
      }
    }
    // The provider planned with the profile the action wrote: the run's own access key.
    const rolesPlans = (await stack.tf.readCalls()).filter((c) => c.rpc === 'PlanResourceChange' && c.env === 'roles');
    expect(runCreds.map((c) => c.accessKeyId)).toContain(rolesPlans.at(-1)?.accessKeyId);
    // The schema preflight ran (atlas_migrator does not exist yet and the failed roles plan
    // created nothing), so an RDS IAM token was signed in this run: its mask was registered.
    expect(run.stdout).toMatch(/^::add-mask::.*X-Amz-Signature=/m);
  });

  it('the bootstrap merge push applies with the scenario fixed', async () => {
    await stack.tf.writeScenario(seed);
    stack.github.addCompare(BASE, MERGE, ALL_HCL);
    const run = await stack.runPush({ before: BASE, after: MERGE, ref: `refs/heads/${DEFAULT_BRANCH}` });
    seen.push({ label: 'merge push', run, comments: stack.github.comments(1).map((c) => c.body) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['converged']).toBe('true');
  });

  it('a later pull request logs in with an RDS IAM token in the preflight', async () => {
    stack.github.addPull({ number: 2, files: ['hcl/schema/schema.pg.hcl'], headSha: LATER, baseSha: MERGE });
    const checksBefore = stack.pg.iam?.verifications.length ?? 0;
    const issuedBefore = stack.aws.sts.issued.length;
    const run = await stack.runPullRequest({ number: 2, headSha: LATER, baseSha: MERGE });
    // The cluster verified real tokens: the preflight's and the schema plan's, both signed
    // with this run's credentials.
    const runKeys = stack.aws.sts.issued.slice(issuedBefore).map((c) => c.accessKeyId);
    const checks = stack.pg.iam?.verifications.slice(checksBefore) ?? [];
    expect(checks.length).toBeGreaterThanOrEqual(2);
    for (const c of checks) {
      expect(c).toMatchObject({ user: 'atlas_migrator', ok: true });
      expect(runKeys).toContain(c.accessKeyId);
    }
    seen.push({ label: 'later PR', run, comments: stack.github.comments(2).map((c) => c.body) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('IAM-token preflight passed: atlas_migrator');
    expect(run.stdout).toMatch(/^::add-mask::.*X-Amz-Signature=/m);
  });

  it('a pull request whose Atlas errors print every secret in every encoding and form: no piece of any survives anywhere, the text around each does', async () => {
    const pw = stack.pg.masterPassword;
    // Secrets the action never sees, recognised only by the text around them.
    const spaced = `${randomBytes(12).toString('base64url')} with "spaces" and 'quotes'`;
    const signature = randomBytes(32).toString('hex');
    const querySignature = randomBytes(32).toString('hex');
    // The Atlas Cloud token ariga/setup-atlas exports to every later step of the job.
    const atlasToken = `aci_${randomBytes(24).toString('base64url')}`;
    const key = (form = ''): string => `\${profile:aws_secret_access_key${form && `|${form}`}}`;
    const token = (form = ''): string => `\${profile:aws_session_token${form && `|${form}`}}`;
    const where = `127.0.0.1:${stack.pg.port}/${stack.pg.database}`;
    const forms = [
      // The run's STS credentials (registered secrets), as encoders print them.
      key(),
      key('url'),
      key('url-lower'),
      key('url-twice'),
      ...['base64', 'base64url'].flatMap((a) => [0, 1, 2].map((n) => key(`${a}-${n}`))),
      key('json-slash'),
      key('json-u002f'),
      token(),
      token('url'),
      token('base64-1'),
      token('base64url-2'),
      token('json-u002f'),
      `wrapped: ${token('wrap')}`,
      `env: \${env:AWS_SECRET_ACCESS_KEY} \${env:AWS_SESSION_TOKEN|url-lower}`,
      // ATLAS_TOKEN, as the provider's environment has it (terraform passes it on to the CLI).
      'atlas token: ${env:ATLAS_TOKEN}',
      '${env:ATLAS_TOKEN|url}',
      '${env:ATLAS_TOKEN|base64-2}',
      '${env:ATLAS_TOKEN|wrap}',
      // The master password, which only Atlas reads (from Secrets Manager), in the shapes that name it.
      `password=${pw}`,
      `{"password":"${pw}"}`,
      `"{\\"password\\":\\"${pw}\\"}"`,
      `PGPASSWORD=${pw}`,
      `DB_PASSWORD=${pw}`,
      `config: {Host:db.internal Password:${pw} Database:appdb}`,
      `dsn: postgres:${pw}@tcp(127.0.0.1:5432)/appdb`,
      `url: postgres://postgres:${pw}@${where}?sslmode=require`,
      `url: postgres://postgres:${encodeURIComponent(pw)}@${where}`,
      `url: postgres://postgres:${encodeURIComponent(pw).toLowerCase()}@${where}`,
      `json: "postgres:\\/\\/postgres:${pw.replace(/\//g, '\\/')}@${where.replace(/\//g, '\\/')}"`,
      `url: postgres://app:${spaced}@db.internal:5432/appdb`,
      // SigV4: a header and a JSON-escaped presigned URL.
      `Authorization: AWS4-HMAC-SHA256 Credential=\${profile:aws_access_key_id}/20250101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      `"https://sts.amazonaws.com/?Action=GetCallerIdentity\\u0026X-Amz-Security-Token=${token('url')}\\u0026X-Amz-Signature=${querySignature}"`,
    ];
    const text = forms.map((f, i) => `sweep#${i} ${f} after#${i}`).join('\n');
    await stack.tf.writeScenario({
      envs: { roles: { ...seed.envs['roles'], planError: text }, schema: { ...seed.envs['schema'], inspectError: text } },
    });
    stack.github.addPull({ number: 3, files: ALL_HCL, headSha: SWEEP, baseSha: MERGE });
    const issuedBefore = stack.aws.sts.issued.length;
    const run = await stack.runPullRequest({ number: 3, headSha: SWEEP, baseSha: MERGE }, { env: { ATLAS_TOKEN: atlasToken } });
    const comments = stack.github.comments(3).map((c) => c.body);
    seen.push({ label: 'sweep PR', run, comments });
    expect(run.exitCode).toBe(1);
    expect(comments).toHaveLength(1);
    const comment = comments[0] ?? '';

    const runCreds = stack.aws.sts.issued.slice(issuedBefore);
    expect(runCreds.length).toBeGreaterThan(0);
    const secrets = [
      ...runCreds.flatMap((c) => [c.accessKeyId, c.secretAccessKey, c.sessionToken]),
      pw,
      spaced,
      signature,
      querySignature,
      atlasToken,
    ];
    const pieces = secretPieces(secrets);
    const views = interpretBothOrders(run.stdout, run.stderr);
    const places: [string, string][] = [
      ...views.map((v, i): [string, string] => [`runner view #${i}`, v.visibleLog]),
      ...views.flatMap((v, i) => v.annotations.map((a, j): [string, string] => [`runner view #${i} annotation #${j}`, a.message])),
      ['stdout without its ::add-mask:: lines', visible(run)],
      ['stderr', run.stderr],
      ['comment', comment],
      ['summary', run.summary],
      ...Object.entries(run.outputs).map(([name, value]): [string, string] => [`output ${name}`, value]),
      ...run.runnerTempFiles.map((f): [string, string] => [`RUNNER_TEMP/${f.path}`, f.content]),
    ];
    const leaks = places.flatMap(([place, t]) => foundPieces(t, pieces).map((p) => `${place}: ${JSON.stringify(p)}`));
    expect(leaks).toEqual([]);

    // Each planted form reached the comment, the summary and the log, masked, with the text around it intact.
    for (const [place, t] of [
      ['comment', renderedText(comment)],
      ['summary', renderedText(run.summary)],
      ['log', views[0]?.visibleLog ?? ''],
    ]) {
      for (const i of forms.keys()) {
        const between = new RegExp(`sweep#${i} ([\\s\\S]*?) after#${i}(?!\\d)`).exec(t ?? '');
        expect(between?.[1], `${place}: sweep#${i}`).toContain('***');
      }
    }
    const line = (form: string): string => `sweep#${forms.indexOf(form)}`;
    expect(renderedText(comment)).toContain(
      `${line(`url: postgres://postgres:${pw}@${where}?sslmode=require`)} url: postgres://postgres:***@${where}?sslmode=require after`,
    );
    expect(renderedText(comment)).toContain(
      `${line(`url: postgres://app:${spaced}@db.internal:5432/appdb`)} url: postgres://app:***@db.internal:5432/appdb after`,
    );
  });

  it('no secret in any run: stdout (but its ::add-mask:: lines), stderr, comments, summary, outputs, RUNNER_TEMP', () => {
    expect(seen.map((s) => s.label)).toEqual(['failing PR', 'merge push', 'later PR', 'sweep PR']);
    const { raw, encoded, core } = password();
    const credentials = stack.aws.sts.issued;
    // Every run assumed a role, and nothing else handed out credentials.
    expect(credentials.length).toBeGreaterThanOrEqual(seen.length);
    expect(stack.aws.oidc.issuedTokens.length).toBeGreaterThanOrEqual(seen.length);
    const secrets: [string, string][] = [
      ...credentials.flatMap((c, i): [string, string][] => [
        [`access key id #${i}`, c.accessKeyId],
        [`secret access key #${i}`, c.secretAccessKey],
        [`secret access key #${i} (URL-encoded)`, encodeURIComponent(c.secretAccessKey)],
        [`session token #${i}`, c.sessionToken],
        [`session token #${i} (URL-encoded)`, encodeURIComponent(c.sessionToken)],
      ]),
      ...stack.aws.oidc.issuedTokens.map((t, i): [string, string] => [`OIDC token #${i}`, t]),
      ...stack.aws.oidc.issuedTokens.map((t, i): [string, string] => [`OIDC token #${i} signature`, t.split('.')[2] ?? t]),
      ['GitHub token', stack.github.actionsToken],
      ['master password', raw],
      ['master password (URL-encoded)', encoded],
      ['master password (random part)', core],
    ];
    // RDS IAM tokens are signed inside the action; their signed parts must not survive anywhere.
    const iamToken = /X-Amz-(Signature|Security-Token|Credential)=(?!\*\*\*)/;

    const leaks: string[] = [];
    for (const { label, run, comments } of seen) {
      const places: [string, string][] = [
        [
          'stdout',
          run.stdout
            .split('\n')
            .filter((l) => !l.startsWith('::add-mask::'))
            .join('\n'),
        ],
        ['stderr', run.stderr],
        ['summary', run.summary],
        ...comments.map((c, i): [string, string] => [`comment #${i}`, c]),
        ...Object.entries(run.outputs).map(([name, value]): [string, string] => [`output ${name}`, value]),
        ...run.runnerTempFiles.map((f): [string, string] => [`RUNNER_TEMP/${f.path}`, f.content]),
      ];
      for (const [place, text] of places) {
        for (const [what, secret] of secrets) if (text.includes(secret)) leaks.push(`${label}: ${what} in ${place}`);
        if (iamToken.test(text)) leaks.push(`${label}: an RDS IAM token in ${place}`);
      }
      // The temporary AWS profile files (and the plan files) are gone when the run ends.
      expect(
        run.runnerTempFiles.map((f) => f.path).filter((p) => /(^|\/)(credentials|config)(\.|$)|\.tfplan$/.test(p)),
        label,
      ).toEqual([]);
      expect(run.runnerTempFiles, label).toEqual([]);
    }
    expect(leaks).toEqual([]);

    // Positive control: the secrets were really present in these runs, registered as masks
    // with the runner (so the search above looked for the right strings).
    const masks = seen.flatMap((s) =>
      s.run.stdout
        .split('\n')
        .filter((l) => l.startsWith('::add-mask::'))
        .map((l) => l.slice('::add-mask::'.length)),
    );
    for (const c of credentials) {
      expect(masks).toContain(c.accessKeyId);
      expect(masks).toContain(c.secretAccessKey);
      expect(masks).toContain(c.sessionToken);
    }
    for (const t of stack.aws.oidc.issuedTokens) expect(masks).toContain(t);
    expect(masks).toContain(stack.github.actionsToken);
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});

/** Every run of 8 characters of each secret, and of the encodings the sweep plants it in (base64 without the groups it shares with its neighbours). */
function secretPieces(secrets: string[]): Set<string> {
  const pieces = new Set<string>();
  for (const s of secrets) {
    const url = encodeURIComponent(s);
    const json = JSON.stringify(s).slice(1, -1);
    const forms = [
      s,
      url,
      url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      encodeURIComponent(url),
      json.replace(/\//g, '\\/'),
      json.replace(/\//g, '\\u002f'),
      ...(['base64', 'base64url'] as const).flatMap((a) =>
        [0, 1, 2].map((n) =>
          Buffer.from('#'.repeat(n) + s)
            .toString(a)
            .slice(4, -4),
        ),
      ),
    ];
    for (const f of forms) for (let i = 0; i + 8 <= f.length; i++) pieces.add(f.slice(i, i + 8));
  }
  return pieces;
}

function foundPieces(text: string, pieces: Set<string>): string[] {
  const found = new Set<string>();
  for (let i = 0; i + 8 <= text.length; i++) if (pieces.has(text.slice(i, i + 8))) found.add(text.slice(Math.max(0, i - 20), i + 28));
  return [...found];
}
