import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literalForms } from '../../src/core/redact/encodings.js';
import type { ActionRun } from '../support/action.js';
import { DEFAULT_ACCOUNT } from '../support/aws-endpoints.js';
import { pullRequestEvent } from '../support/events.js';
import { emphasis, headings, images, links, mentions, references, renderedText } from '../support/markdown.js';
import { interpretBothOrders, type RunnerCommand, type RunnerView } from '../support/runner-log.js';
import { ROLES_SQL as SEED_ROLES_SQL } from '../support/seed-sql.js';
import { OWNER, REPO, sha, startStack, type Stack } from '../support/stack.js';
import type { Scenario } from '../support/terraform.js';

// Issue points 1, 2 and 8 end to end: text the action did not author — SQL, Atlas diagnostics,
// terraform's raw stderr, changed-file names, a branch name, GitHub API error bodies, values
// the hints quote — planted in a real run of `node dist/index.js`, and what a user sees:
// the job log through the model of the runner's command parser, the comment and the job
// summary as rendered Markdown, the outputs, the files left in RUNNER_TEMP. Every planted
// string says "planted", so anything it could have turned into (a heading, a link, an
// annotation) is found by that word.

const P = 'planted';
/** Lines the runner would act on if printed bare: v2 after TrimStart, v1 anywhere, ICU-ignorable characters before `::`. */
const COMMAND_LINES = [
  `::error::${P} v2 error`,
  '::add-mask::DROP',
  '::set-output name=mode::apply',
  `::save-state name=${P}::1`,
  '::stop-commands::x',
  `##[error]${P} v1 error`,
  '##[stop-commands]x',
  `echo ##[set-output name=drift;]true`,
  `  ::warning::${P} indented`,
  `:\u00ad:error::${P} soft hyphen`,
  `\u2066::notice::${P} isolate`,
];
/** Prose GitHub would turn into pings, references, links, images, emphasis, HTML. */
const MARKDOWN = `@octo-org/admins @octocat #1 octo-org/octo-repo#2 **${P} bold** _${P} em_ ~~${P} del~~ [${P} link](https://evil.example/l) ![${P} image](https://evil.example/i.png) <img src="https://evil.example/h.png"> https://evil.example/bare www.evil.example </details>`;
const HEADING = `# ${P} fake heading`;
const STATUS = `### ✅ ${P} status: applied, all good`;

/** Roles SQL: a comment string that tries every command and then to close the fence. */
const ROLES_SQL = [
  `COMMENT ON ROLE "app_reader" IS '${P} comment\n${COMMAND_LINES.join('\n')}\n\`\`\`\n${HEADING}\n${MARKDOWN}\n~~~\n</details>';`,
  `COMMENT ON ROLE "atlas_migrator" IS 'owner: \u202E${P}_nimda\u202C \u2066${P} isolate\u2069';`,
];
/** Schema SQL: a function body with the command lines and lines shaped like GITHUB_OUTPUT entries. */
const SCHEMA_SQL = [
  `CREATE FUNCTION "public"."${P}"() RETURNS text LANGUAGE sql AS $$\n  SELECT '${P} body'\n${COMMAND_LINES.join('\n')}\nmode<<EOF\napply\nEOF\nroles-changed=false\n$$;`,
];
const HOSTILE_SCENARIO: Scenario = {
  envs: { roles: { statements: ROLES_SQL.map((sql) => ({ sql })) }, schema: { statements: SCHEMA_SQL.map((sql) => ({ sql })) } },
};

const HOSTILE_FILE = `hcl/roles/${P} ::error::${P}-file ##[error]${P}-file @octo-org/admins **${P} bold** [${P} link](https://evil.example/f) ![i](https://evil.example/f.png) #1 <b>x</b>.pg.hcl`;
const HOSTILE_BRANCH = `refs/heads/${P}/::error::${P}-branch ##[error]${P}-branch @octo-org/admins **${P} bold** [${P} link](https://evil.example/b) #1`;
const API_MESSAGE = `${P} api message ::error::${P}-api\n##[error]${P}-api\n::add-mask::DROP\n${HEADING}\n${STATUS}\n${MARKDOWN}`;
/** Terraform echoes an unknown flag (up to its first "=") in plain text on stderr. */
const RAW_FLAG = `-${P}-raw ::error::${P}-raw\n::add-mask::DROP\n::stop-commands::x\n##[error]${P}-raw-v1\n${HEADING}\n@octo-org/admins **${P} bold** [${P} link](https://evil.example/r) ![i](https://evil.example/r.png)`;
/** An Atlas error: every command, the fence breakers, and values the hints quote back. */
const DIAGNOSTIC = [
  `${P} diagnostic`,
  ...COMMAND_LINES,
  '```',
  HEADING,
  STATUS,
  MARKDOWN,
  `failed to get shared config profile, @octo-org/admins**${P}-hint**[h](https://evil.example/h)`,
  `PAM authentication failed for user "\`@octocat\`**${P}-user**"`,
].join('\n');

const ANY_REF_ROLE = `arn:aws:iam::${DEFAULT_ACCOUNT}:role/atlas-plan-any-ref`;
const OUTPUT_NAMES = [
  'access-changes',
  'comment-url',
  'converged',
  'destructive-sql',
  'drift',
  'impact',
  'lint',
  'mode',
  'roles-changed',
  'roles-sql',
  'schema-sql',
];
const TOKEN = /^rds-atlas-[0-9a-f]{32}$/;
/** The action's own links: the workflow run, the commit, Atlas's guide. */
const OWN_LINK = new RegExp(
  `^https://github\\.com/${OWNER}/${REPO}/(?:actions/runs/4242(?:/attempts/\\d+)?|commit/[0-9a-f]{40})$|^https://atlasgo\\.io/`,
);

describe('untrusted text stays inert, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ scenario: HOSTILE_SCENARIO });
    stack.aws.sts.addRole({ arn: ANY_REF_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:*` });
    // What an earlier roles apply left: the schema env logs in as atlas_migrator, so both roots plan.
    for (const sql of SEED_ROLES_SQL) await stack.pg.query(sql);
    // The push below is to PR #1's head commit, so its comment would go there.
    stack.github.addPull({ number: 1, files: [HOSTILE_FILE, 'hcl/roles/roles.pg.hcl'], headSha: sha('c'), baseSha: sha('b') });
    stack.github.addPull({ number: 2, files: ['hcl/roles/roles.pg.hcl'], headSha: sha('e'), baseSha: sha('b') });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Every form of every secret the stack handed out, and of the RDS IAM tokens the run signed: what `add-mask` may carry. */
  const secretForms = (view: RunnerView): Set<string> => {
    const maskData = view.commands.filter((c) => c.name === 'add-mask').map((c) => c.data);
    const iamTokens = maskData.filter((d) => /^[\w.:-]+\/\?Action=connect&DBUser=[^&]+&X-Amz-/.test(d));
    const secrets = [
      stack.github.actionsToken,
      ...stack.aws.oidc.issuedTokens,
      ...stack.aws.sts.issued.flatMap((c) => [c.accessKeyId, c.secretAccessKey, c.sessionToken]),
      ...iamTokens,
    ];
    return new Set(secrets.flatMap((s) => literalForms(s).map((f) => f.text)));
  };

  /**
   * The log as the runner reads it, in both interleavings of the two streams: the only
   * commands are the action's own, nothing is left paused, nothing set an output or state,
   * no planted value became a mask, and each planted line is shown as text.
   */
  const expectInertLog = (run: ActionRun, o: { annotations: RegExp; visible: string[] }): RunnerView => {
    const views = interpretBothOrders(run.stdout, run.stderr);
    for (const view of views) {
      const forms = secretForms(view);
      const opened: string[] = [];
      const foreign = view.commands.filter((c: RunnerCommand) => {
        if (c.resume) return !(TOKEN.test(c.name) && c.name === opened.at(-1));
        switch (c.name) {
          case 'add-mask':
            return !forms.has(c.data);
          case 'stop-commands':
            opened.push(c.data);
            return !TOKEN.test(c.data);
          case 'group':
          case 'endgroup':
          case 'debug':
            return false;
          case 'error':
          case 'warning':
          case 'notice':
            return !o.annotations.test(c.data);
          default:
            return true;
        }
      });
      expect(
        foreign.map((c) => `[${c.stream}] ${c.line}`),
        'commands the action did not write',
      ).toEqual([]);
      expect(view.failures).toEqual([]);
      expect(view.pausedAtEnd).toBe(false);
      expect(view.outputs).toEqual({});
      expect(view.state).toEqual({});
      expect(view.masks.filter((m) => !forms.has(m) && !TOKEN.test(m))).toEqual([]);
      for (const line of o.visible) expect(view.visibleLog, line).toContain(line);
    }
    // Every bracket the action opened was closed by its own token.
    const [view] = views;
    const brackets = view!.commands.filter((c) => c.name === 'stop-commands').length;
    expect(view!.commands.filter((c) => c.resume)).toHaveLength(brackets);
    return view!;
  };

  /** The comment or summary as rendered: nothing planted became live Markdown, and it reads as the planted text. */
  const expectInertMarkdown = (md: string, visible: string[]): void => {
    expect(mentions(md)).toEqual([]);
    expect(references(md)).toEqual([]);
    expect(images(md)).toEqual([]);
    expect(links(md).filter((l) => !OWN_LINK.test(l.href))).toEqual([]);
    expect(
      links(md).some((l) => OWN_LINK.test(l.href)),
      "the action's own links are found",
    ).toBe(true);
    expect(headings(md).filter((h) => h.text.includes(P))).toEqual([]);
    expect(emphasis(md).filter((e) => e.includes(P))).toEqual([]);
    expect(md).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    const shown = renderedText(md);
    // Bidirectional controls are shown as markers (⟪U+2066⟫), whitespace as rendered.
    const asShown = (v: string): string =>
      v
        .replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `⟪U+${c.charCodeAt(0).toString(16).toUpperCase()}⟫`)
        .replace(/\s+/g, ' ')
        .trim();
    for (const v of visible) expect(shown, v).toContain(asShown(v));
  };

  it('a pull request planning hostile SQL, with a hostile changed-file name: inert log, inert comment and summary, SQL outputs verbatim', async () => {
    const run = await stack.runPullRequest({ number: 1, headSha: sha('c'), baseSha: sha('b') });
    expect(run.exitCode, run.stdout).toBe(0);

    expectInertLog(run, { annotations: /^$/, visible: [...COMMAND_LINES.map((l) => l.trim()), HOSTILE_FILE] });

    const comments = stack.github.comments(1);
    expect(comments).toHaveLength(1);
    const comment = comments[0]!.body;
    for (const md of [comment, run.summary]) {
      expectInertMarkdown(md, [`Why it ran: ${HOSTILE_FILE} and 1 other file`, ...COMMAND_LINES.map((l) => l.trim()), HEADING, MARKDOWN]);
      // The fence held: the planted heading and Markdown are inside one SQL block.
      expect(renderedText(md)).toContain(`${P} comment`);
      // Trojan Source: shown as markers and flagged.
      expect(renderedText(md)).toContain(`owner: ⟪U+202E⟫${P}_nimda⟪U+202C⟫ ⟪U+2066⟫${P} isolate⟪U+2069⟫`);
      expect(renderedText(md)).toContain('This SQL contains bidirectional control characters');
    }

    // Outputs carry the SQL exactly, bidi characters included; the GITHUB_OUTPUT-shaped lines in
    // the function body stayed inside their value.
    expect(Object.keys(run.outputs).sort()).toEqual(OUTPUT_NAMES);
    expect(run.outputs['roles-sql']).toBe(ROLES_SQL.join('\n'));
    expect(run.outputs['schema-sql']).toBe(SCHEMA_SQL.join('\n'));
    expect(run.outputs['mode']).toBe('plan');
    expect(run.outputs['roles-changed']).toBe('true');
    expect(run.outputs['comment-url']).toBe(comments[0]!.html_url);
    expect(run.runnerTempFiles).toEqual([]);
  });

  it('a push to a hostile branch, terraform printing a hostile flag on stderr, GitHub answering with hostile error messages: all of it inert', async () => {
    const before = sha('b');
    const after = sha('c'); // PR #1's head: the comment goes there, and listing its comments fails
    stack.github.failNext(404, { method: 'GET', path: /\/compare\//, message: API_MESSAGE });
    stack.github.failNext(403, { method: 'GET', path: /\/issues\/1\/comments$/, message: API_MESSAGE });
    const commentsBefore = stack.github.comments(1).map((c) => c.body);
    const run = await stack.runPush(
      { before, after, ref: HOSTILE_BRANCH },
      { inputs: { 'role-to-assume': ANY_REF_ROLE }, env: { TF_CLI_ARGS_plan: `"${RAW_FLAG}"` } },
    );
    expect(run.exitCode).toBe(1);
    // The listing failed, so the comment was neither posted nor edited.
    expect(stack.github.comments(1).map((c) => c.body)).toEqual(commentsBefore);

    const view = expectInertLog(run, {
      annotations: /^(?:Could not compare |Could not post the pull request comment: |roles: plan failed: )/,
      visible: [`Mode: plan. A push to ${HOSTILE_BRANCH} only plans`, '::add-mask::DROP', `##[error]${P}-raw-v1`, `##[error]${P}-api`],
    });
    // The API's message reached both warnings as their text, and terraform's stderr the one error.
    const apiText = `${P} api message ::error::${P}-api\n##[error]${P}-api\n::add-mask::DROP\n${HEADING}\n`;
    expect(view.annotations.map((a) => a.level)).toEqual(['warning', 'warning', 'error']);
    const [compare, comment, error] = view.annotations.map((a) => a.message);
    expect(compare).toContain(`Could not compare ${before.slice(0, 7)}...${after.slice(0, 7)}: ${apiText}`);
    expect(comment).toContain(`Could not post the pull request comment: ${apiText}`);
    expect(error).toMatch(/^roles: plan failed: terraform plan exited with code 1: /);
    expect(error).toContain(`flag provided but not defined: -${P}-raw ::error::${P}-raw\n`);

    expectInertMarkdown(run.summary, [
      `Mode: plan — A push to ${HOSTILE_BRANCH} only plans`,
      `could not compare ${before.slice(0, 7)}...${after.slice(0, 7)} (${P} api message ::error::${P}-api`,
      `flag provided but not defined: -${P}-raw ::error::${P}-raw`,
      `##[error]${P}-raw-v1`,
    ]);
    expect(run.outputs['mode']).toBe('plan');
    expect(Object.keys(run.outputs).sort()).toEqual(OUTPUT_NAMES);
    expect(run.runnerTempFiles).toEqual([]);
  });

  it('a pull request whose Atlas error carries hostile text and hostile values for the hints: inert in log, comment and summary', async () => {
    await stack.tf.writeScenario({ envs: { ...HOSTILE_SCENARIO.envs, roles: { statements: [], planError: DIAGNOSTIC } } });
    const run = await stack.runPullRequest({ number: 2, headSha: sha('e'), baseSha: sha('b') });
    expect(run.exitCode).toBe(1);

    const view = expectInertLog(run, {
      annotations: /^roles: plan failed: Atlas Plan Error: /,
      visible: COMMAND_LINES.map((l) => l.trim()),
    });
    expect(view.annotations.filter((a) => a.level === 'error')).toHaveLength(1);

    const comment = stack.github.comments(2)[0]?.body ?? '';
    for (const md of [comment, run.summary]) {
      expectInertMarkdown(md, [
        'Atlas Plan Error',
        `Unable to generate migration plan, got error: Error: ${P} diagnostic`,
        ...COMMAND_LINES.map((l) => l.trim()),
        HEADING,
        STATUS,
        MARKDOWN,
        // The hints quote the values back, as code.
        `atlas.hcl asks for AWS profile @octo-org/admins**${P}-hint**[h](https://evil.example/h) but the action wrote tf-sandbox`,
        `IAM authentication for \`@octocat\`**${P}-user** failed.`,
      ]);
    }
    expect(run.outputs['roles-sql']).toBe('');
    expect(run.outputs['schema-sql']).toBe(SCHEMA_SQL.join('\n'));
    expect(run.runnerTempFiles).toEqual([]);
  });

  it('pull_request_target is refused before any request: one error that says why and names pull_request', async () => {
    const callsBefore = (await stack.tf.readCalls()).length;
    const o = await stack.observe(() =>
      stack.runEvent(
        'pull_request_target',
        pullRequestEvent({ number: 3, headSha: sha('f'), baseSha: sha('b'), owner: OWNER, repo: REPO }),
      ),
    );
    expect(o.run.exitCode).toBe(1);
    const [view] = interpretBothOrders(o.run.stdout, o.run.stderr);
    expect(view!.annotations).toHaveLength(1);
    const [error] = view!.annotations;
    expect(error?.level).toBe('error');
    expect(error?.message).toMatch(/refuses to run on pull_request_target/);
    expect(error?.message).toMatch(/secrets and a write token/);
    expect(error?.message).toContain('Use "on: pull_request"');
    expect(o.gh).toEqual([]);
    expect(o.sts).toEqual([]);
    expect(o.oidc).toEqual([]);
    expect((await stack.tf.readCalls()).length).toBe(callsBefore);
    expect(o.run.stdout).not.toMatch(/\$ terraform|Mode: /);
    expect(o.run.summary).toBe('');
    expect(o.run.runnerTempFiles).toEqual([]);
  });

  it('leaves no provider process or socket behind', async () => {
    expect(await stack.tf.leftovers()).toEqual({ processes: [], sockets: [] });
  });
});
