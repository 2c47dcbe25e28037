import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ActionRun } from '../test/support/action.js';
import { scheduleEvent } from '../test/support/events.js';
import { DEFAULT_BRANCH, OWNER, PLAN_ROLE, REPO, sha, startStack, type Stack } from '../test/support/stack.js';
import { APPROVER, DROPPED_COLUMN, editFollowUpHcl, followUpScenario, handMadeChange, HAND_MADE_COLUMN } from './changes.js';
import { renderPage } from './html.js';
import { renderTerminal, type TerminalOptions } from './terminal.js';

// The story a team lives with the action, run for real on this machine: each step starts
// `node dist/index.js` as a runner would (test/support/stack.ts), then shows what GitHub
// would show afterwards — the pull request's comment, or the drift issue — in the terminal
// and as demo-out/NN-step.{md,html}. A step that does not end the way the story says throws.

export interface DemoOptions {
  outDir: string;
  terminal: TerminalOptions;
  print: (text: string) => void;
  /** Aborting stops PostgreSQL and the servers at once: the run in flight then fails and ends. */
  signal?: AbortSignal;
}

export interface StepRecord {
  /** demo-out/<file>.{md,html} */
  file: string;
  exitCode: number;
}

const MAIN = `refs/heads/${DEFAULT_BRANCH}`;
// Not sha('0'): a push whose `before` is all zeros created the branch.
const BOOTSTRAP = { number: 1, base: sha('a'), head: sha('b'), merge: sha('c') };
const FOLLOW_UP = { number: 2, base: BOOTSTRAP.merge, head: sha('d'), merge: sha('e') };
const SEED_FILES = ['hcl/roles/roles.pg.hcl', 'hcl/roles/grants.pg.hcl', 'hcl/schema/schema.pg.hcl'];

export async function runDemo(o: DemoOptions): Promise<StepRecord[]> {
  await prepareOutDir(o.outDir);
  o.print('Starting PostgreSQL and the loopback GitHub, OIDC, STS and Secrets Manager servers…');
  const started = performance.now();
  const stack = await startStack();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stack.stop());
  o.signal?.addEventListener('abort', () => void stop(), { once: true });
  try {
    if (o.signal?.aborted) throw new Error('interrupted');
    o.print(`Ready in ${seconds(performance.now() - started)}. Repository ${OWNER}/${REPO}, seed layout from examples/seed/.`);
    return await story(stack, o);
  } finally {
    await stop();
  }
}

async function story(stack: Stack, o: DemoOptions): Promise<StepRecord[]> {
  const steps: StepRecord[] = [];
  const show = async (s: Shown): Promise<void> => {
    steps.push(await showStep(o, s));
  };
  const comment = (pr: number): string => stack.github.comments(pr)[0]?.body ?? '';

  // (1) The bootstrap pull request: the seed's roles and schema HCL.
  stack.github.addPull({ ...pullSpec(BOOTSTRAP), files: SEED_FILES, title: 'Bootstrap database roles and schema' });
  stack.github.addCompare(BOOTSTRAP.base, BOOTSTRAP.merge, SEED_FILES);
  let run = await stack.runPullRequest({ number: 1, headSha: BOOTSTRAP.head, baseSha: BOOTSTRAP.base });
  expectExit(run, 0, 'the bootstrap pull request');
  await show({
    file: '01-bootstrap-pr',
    title: 'Step 1/5 · The bootstrap pull request #1 is planned',
    intro: 'A pull request adds the seed HCL: two roles, their grants, one table. The action plans it and comments.',
    event: 'pull_request #1',
    run,
    where: 'commented on pull request #1',
    markdown: comment(1),
  });

  // (2) Its merge: roles, then schema, applied and verified.
  run = await stack.runPush({ before: BOOTSTRAP.base, after: BOOTSTRAP.merge, ref: MAIN });
  expectExit(run, 0, 'the bootstrap merge');
  // The application starts writing: the rows make the later DROP COLUMN cost something.
  await stack.pg.adminQuery('INSERT INTO public.validation_probe (id) VALUES (1), (2), (3)');
  await show({
    file: '02-bootstrap-merge',
    title: 'Step 2/5 · Pull request #1 is merged: roles, then schema, applied',
    intro: 'The push to main applies what the pull request showed; the same comment is updated.',
    event: `push to ${DEFAULT_BRANCH}`,
    run,
    where: 'updated its comment on pull request #1',
    markdown: comment(1),
    after: ['Meanwhile the application writes 3 rows to public.validation_probe.'],
  });

  // (3) A follow-up pull request: one table added, one column dropped.
  const files = await editFollowUpHcl(stack.workspace);
  await stack.tf.writeScenario(await followUpScenario());
  stack.github.addPull({ ...pullSpec(FOLLOW_UP), files, title: 'Add audit_log, drop validation_probe.created_at' });
  stack.github.addCompare(FOLLOW_UP.base, FOLLOW_UP.merge, files);
  run = await stack.runPullRequest({ number: 2, headSha: FOLLOW_UP.head, baseSha: FOLLOW_UP.base });
  expectExit(run, 0, 'the follow-up pull request');
  await show({
    file: '03-follow-up-pr',
    title: `Step 3/5 · Pull request #2 adds a table and drops a column`,
    intro: `hcl/schema/audit.pg.hcl adds table audit_log; schema.pg.hcl drops column ${DROPPED_COLUMN} of validation_probe.`,
    event: 'pull_request #2',
    run,
    where: 'commented on pull request #2',
    markdown: comment(2),
  });

  // (4) Its merge: held back without an approval, applied once a reviewer with write access approves.
  run = await stack.runPush({ before: FOLLOW_UP.base, after: FOLLOW_UP.merge, ref: MAIN });
  // Non-zero is this step's point, but only as the gate's hold, not as any failure.
  if (run.exitCode === 0 || !comment(2).includes('Apply held back')) fail(run, 'the gate did not hold back the merge without an approval');
  await show({
    file: '04a-merge-held',
    title: 'Step 4/5 · Pull request #2 is merged without an approving review: held back',
    intro: 'The merge carries a destructive statement nobody else has approved, so nothing is applied.',
    event: `push to ${DEFAULT_BRANCH}`,
    run,
    expectedFailure: true,
    where: 'updated its comment on pull request #2',
    markdown: comment(2),
  });
  stack.github.setRole(APPROVER, 'write');
  stack.github.addReview(FOLLOW_UP.number, { login: APPROVER, state: 'APPROVED', commitId: FOLLOW_UP.head });
  run = await stack.runPush({ before: FOLLOW_UP.base, after: FOLLOW_UP.merge, ref: MAIN });
  expectExit(run, 0, 'the re-run of the merge after the approval');
  const rows = await stack.pg.adminQuery<{ n: string }>('SELECT count(*) AS n FROM public.validation_probe');
  const kept = await stack.pg.adminQuery(
    `SELECT 1 FROM information_schema.columns WHERE table_name = 'validation_probe' AND column_name = '${DROPPED_COLUMN}'`,
  );
  await show({
    file: '04b-merge-approved',
    title: `Step 4/5 · ${APPROVER}, who has write access, approves #2 and re-runs the merge: applied`,
    intro: 'Same merge, same reviewed SQL; an approving review by someone other than the author is what the gate asks for.',
    event: `push to ${DEFAULT_BRANCH}, re-run`,
    run,
    where: 'updated its comment on pull request #2',
    markdown: comment(2),
    after: [
      `Database now: public.validation_probe has ${rows[0]?.n ?? '?'} rows and ${kept.length === 0 ? 'no' : 'still a'} column ${DROPPED_COLUMN}; public.audit_log exists.`,
    ],
  });

  // (5) The nightly drift check after someone changed production by hand.
  const handMade = await handMadeChange(stack);
  // The seed workflow runs its scheduled check with the plan role, so that role trusts main's
  // ref too; the run checks out main's head.
  stack.aws.sts.addRole({ arn: PLAN_ROLE, subjectPattern: `repo:${OWNER}/${REPO}:*` });
  run = await stack.runEvent('schedule', scheduleEvent({ cron: '17 3 * * *' }), { env: { GITHUB_SHA: FOLLOW_UP.merge } });
  expectExit(run, 0, 'the nightly drift check');
  const issue = stack.github.issues().find((i) => i.state === 'open');
  if (!issue) fail(run, 'the nightly drift check opened no drift issue');
  await show({
    file: '05-nightly-drift',
    title: 'Step 5/5 · The nightly drift check finds a hand-made change',
    intro: `By hand, in production: ${handMade.join('; ')}. The scheduled run plans main's HCL against the database.`,
    event: 'schedule (17 3 * * *)',
    run,
    where: `opened issue #${issue.number} “${issue.title}”`,
    markdown: issue.body,
    after: [`Re-applying main's HCL would drop ${HAND_MADE_COLUMN} and grant SELECT back; the issue says how to settle it either way.`],
  });
  return steps;
}

interface Shown {
  file: string;
  title: string;
  intro: string;
  event: string;
  run: ActionRun;
  expectedFailure?: boolean;
  where: string;
  markdown: string;
  after?: string[];
}

async function showStep(o: DemoOptions, s: Shown): Promise<StepRecord> {
  const { outDir, print, terminal } = o;
  // Interrupted: the run just ended because its servers were stopped; it shows nothing real.
  if (o.signal?.aborted) throw new Error('interrupted');
  const bar = '━'.repeat(Math.max(3, terminal.width - s.title.length - 4));
  const bold = (t: string): string => (terminal.color ? `\x1b[1m${t}\x1b[22m` : t);
  const exit = s.expectedFailure ? `exit ${s.run.exitCode}, the failure this step is about` : `exit ${s.run.exitCode}`;
  print('');
  print(bold(`━━ ${s.title} ${bar}`));
  print(s.intro);
  print(`$ node dist/index.js   # ${s.event} · ${exit} · ${seconds(s.run.durationMs)}`);
  print(`github-actions[bot] ${s.where}:`);
  print('');
  print(
    renderTerminal(s.markdown, { ...terminal, width: terminal.width - 2 })
      .split('\n')
      .map((line) => (line ? `  ${line}` : ''))
      .join('\n'),
  );
  for (const line of s.after ?? []) print(`\n${line}`);
  await writeFile(path.join(outDir, `${s.file}.md`), s.markdown);
  await writeFile(
    path.join(outDir, `${s.file}.html`),
    renderPage({ title: s.title, author: 'github-actions', where: s.where, markdown: s.markdown }),
  );
  return { file: s.file, exitCode: s.run.exitCode };
}

function pullSpec(p: typeof BOOTSTRAP): { number: number; headSha: string; baseSha: string; mergeCommitSha: string; merged: true } {
  return { number: p.number, headSha: p.head, baseSha: p.base, mergeCommitSha: p.merge, merged: true };
}

/** Earlier runs' files would mix with this run's: only the demo's own names are removed. */
async function prepareOutDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (/^\d\d[a-z]?-[a-z-]+\.(md|html)$/.test(name)) await rm(path.join(dir, name));
  }
}

function expectExit(run: ActionRun, code: number, what: string): void {
  if (run.exitCode !== code) fail(run, `${what} exited with ${run.exitCode}, expected ${code}`);
}

/** A step that did not end as the story says (run.mjs prints its message, not a stack). */
class StoryError extends Error {
  override name = 'StoryError';
}

function fail(run: ActionRun, why: string): never {
  throw new StoryError(
    `The demo went off its story: ${why}.\n--- the action's log (end) ---\n${run.stdout.slice(-3_000)}\n${run.stderr.slice(-1_500)}`,
  );
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
