import { syncDriftIssue } from './drift.js';
import {
  editedByOthers,
  listOurs,
  upsertComment,
  COMMENT_MAX_LENGTH,
  pullsForCommit,
  type GitHub,
  type OurComment,
} from '../github/index.js';
import { errorMessage, log, redact, type HistoryEntry, type Inputs, type RepoRef, type ReviewedPlan } from '../core/index.js';
import { renderComment, headline, type RenderOptions } from '../report/index.js';
import { OUTPUT, setOutputs } from './outputs.js';
import { writeSummary } from './summary.js';
import { markOthersStale } from './stale.js';
import { decodeData, encodeData, keepsText, reviewedRoot, withHistory, type CommentData } from '../review/index.js';
import type { Report } from '../roots/index.js';
import type { ActionIO } from './io.js';

// Where the report goes, in an order that never loses it: the job summary and the outputs
// first (files on the runner), then the PR comment (network, bounded in time). The failure
// message (setFailed) comes last and is the only error annotation of a failed run.

/** The whole comment phase, however many requests and retries it takes. */
export const COMMENT_PHASE_TIMEOUT_MS = 45_000;

export interface PublishContext {
  io: ActionIO;
  inputs: Inputs;
  report: Report;
  gh: GitHub | undefined;
  /** Our token's login, when known; undefined skips the comment (it could not be owned safely). */
  tokenIdentity: () => Promise<string>;
  marker: string;
  /** Our comments per pull request, listed while Terraform ran (see listOursEarly). */
  listed?: ReadonlyMap<number, EarlyListing>;
}

/** Our comments on one pull request and who last edited the oldest of them, asked for early. */
export interface EarlyListing {
  comments: Promise<OurComment[]>;
  /** Who other than this action last edited `comments[0]` (see editedByOthers); "an unknown user" when GitHub did not say. */
  editor: Promise<string | undefined>;
}

/**
 * Starts listing our comments on the run's pull requests, and asking who last edited the one we
 * keep, while Terraform runs: two round trips fewer between the last plan and the comment.
 * The editor is asked after the listing, as at publish time: an edit made after the listing is
 * seen as someone else's, so the record carried forward is always one whose last editor was
 * checked. A later edit is overwritten by the update, as it would be a moment later. `prs`: the
 * pull request of a PR run, or those the merge's review lookup found (a push whose pull requests
 * are still unknown looks them up when it publishes).
 */
export function listOursEarly(
  gh: GitHub,
  repo: RepoRef,
  prs: readonly number[],
  marker: string,
  tokenIdentity: () => Promise<string>,
): Map<number, EarlyListing> {
  const listed = new Map<number, EarlyListing>();
  for (const pr of prs) {
    const comments = tokenIdentity().then((identity) => listOurs(gh, repo, pr, marker, identity));
    const editor = comments.then(async (ours) => (ours[0] ? lastEditor(gh, ours[0], await tokenIdentity()) : undefined));
    // Awaited when publishing, which lists again when this failed; a run that ends before publishing leaves them.
    comments.catch(() => undefined);
    editor.catch(() => undefined);
    listed.set(pr, { comments, editor });
  }
  return listed;
}

/** Who other than this action last edited `comment`; "an unknown user" when GitHub did not say. */
function lastEditor(gh: GitHub, comment: OurComment, tokenIdentity: string): Promise<string | undefined> {
  return editedByOthers(gh, comment, tokenIdentity).catch(() => 'an unknown user');
}

export async function publish(p: PublishContext): Promise<void> {
  const { report, inputs } = p;
  const options = renderOptions(p);
  log.info(`Result: ${headline(report)}`);
  await writeSummary(p.io, report, options);
  setOutputs(p.io, report, { commentUrl: '' });

  if (inputs.comment && p.gh) {
    const gh = p.gh;
    const url = await withDeadline(postComments(gh, p, options), COMMENT_PHASE_TIMEOUT_MS).catch((err: unknown) => {
      log.warning(
        `Could not post the pull request comment: ${errorMessage(err)}. The report is in the job summary and the outputs. If the token lacks access, add "pull-requests: write" to the workflow's permissions.`,
      );
      return '';
    });
    // Outputs written twice keep the last value: the URL replaces the empty one.
    if (url) p.io.setOutput(OUTPUT.commentUrl, url);
    await withDeadline(markOthersStale(gh, p), COMMENT_PHASE_TIMEOUT_MS).catch((err: unknown) =>
      log.warning(`Could not mark other plans as stale: ${errorMessage(err)}.`),
    );
  }

  if (report.context.drift && inputs.driftIssue && p.gh) {
    const d = { gh: p.gh, inputs, report, tokenIdentity: p.tokenIdentity, options };
    await withDeadline(syncDriftIssue(d), COMMENT_PHASE_TIMEOUT_MS).catch((err: unknown) => {
      log.warning(
        `Could not open, update or close the drift issue: ${errorMessage(err)}. The result is in the job summary and the "drift" output. The workflow needs "issues: write" permission.`,
      );
    });
  }
}

function renderOptions(p: PublishContext): RenderOptions {
  const { context } = p.report;
  const server = process.env['GITHUB_SERVER_URL'] || 'https://github.com';
  return {
    marker: p.marker,
    commitUrl: `${server}/${context.repo.owner}/${context.repo.repo}/commit/${context.sha}`,
    destructiveLabel: p.inputs.destructiveLabel,
    gatedClasses: p.inputs.gatedClasses,
    approvers: p.inputs.approvers,
  };
}

async function postComments(gh: GitHub, p: PublishContext, options: RenderOptions): Promise<string> {
  const { context } = p.report;
  let numbers = context.pullNumbers;
  if (numbers.length === 0 && context.eventName === 'push') {
    // A merge already asked GitHub which pull requests the commit belongs to.
    numbers = p.report.review?.pullNumbers ?? (await pullsForCommit(gh, context.repo, context.sha));
    if (numbers.length === 0) log.info(`No pull request is associated with ${context.sha.slice(0, 7)}: no comment to update.`);
  }
  if (numbers.length === 0) return '';
  const tokenIdentity = await p.tokenIdentity();
  let url = '';
  for (const number of numbers) {
    // An early listing that failed is asked again now.
    const early = p.listed?.get(number);
    const listed = early ? await early.comments.catch(() => undefined) : undefined;
    const comment = await upsertComment(
      gh,
      context.repo,
      number,
      p.marker,
      tokenIdentity,
      async (previous) => {
        // A record someone else edited last is not carried forward (it could launder an edit).
        // With the early listing, `previous` is its oldest comment, whose editor it asked for.
        const editor = previous ? await (early && listed ? early.editor : lastEditor(gh, previous, tokenIdentity)) : undefined;
        const trusted = editor ? undefined : previous;
        if (editor)
          log.warning(
            `The comment on #${number} was last edited by ${editor}, not by this action: its earlier record is not carried forward.`,
          );
        const applied = trusted ? appliedEarlier(p.report, decodeData(trusted.body, p.marker).current) : undefined;
        if (applied) {
          log.info(
            `The comment on #${number} keeps showing the apply of commit ${applied.commit.slice(0, 7)} (${applied.runUrl}); this re-run had nothing left to apply.`,
          );
          return undefined;
        }
        return body(p, options, number, trusted);
      },
      listed ? Promise.resolve(listed) : undefined,
    );
    log.info(`${comment.created ? 'Posted' : 'Updated'} the plan comment on #${number}: ${comment.url}`);
    if (comment.removedDuplicates > 0)
      log.info(`Removed ${comment.removedDuplicates} duplicate comment(s) of this action left by a concurrent run.`);
    url ||= comment.url;
  }
  return url;
}

/**
 * The successful apply our comment shows, when this run is a re-run of it (same commit) that
 * found nothing left to apply: the comment then keeps what was applied, and the attempt that
 * applied it, rather than trading them for "Nothing to apply". The headline is ours (the
 * comment is ours and nobody else edited it); only a successful apply's starts with "✅ Applied".
 */
function appliedEarlier(report: Report, shown: HistoryEntry | undefined): HistoryEntry | undefined {
  const { context, roots } = report;
  if (!shown || context.mode !== 'apply' || shown.mode !== 'apply' || shown.commit !== context.sha) return undefined;
  if (!shown.headline.startsWith('✅ Applied')) return undefined;
  const nothingApplied =
    !report.fatal && roots.length > 0 && roots.every((r) => !r.applied && (r.outcome === 'converged' || r.outcome === 'skipped'));
  return nothingApplied ? shown : undefined;
}

/** The comment for one PR: this run's report with the record carried over from our previous comment. */
async function body(p: PublishContext, options: RenderOptions, pr: number, previous: OurComment | undefined): Promise<string> {
  const before: CommentData = previous ? decodeData(previous.body, p.marker) : { history: [] };
  const report = { ...p.report, history: before.current ? withHistory(before.history, before.current) : before.history };
  const data: CommentData = { history: report.history, current: entry(p.report) };
  const reviewed = p.report.context.eventName === 'pull_request' ? await reviewedPlan(p.report, pr) : before.reviewed;
  if (reviewed) data.reviewed = reviewed;
  // A merge that found the record lost says so in the record too: a re-run must hold again.
  const lost = reviewed ? undefined : (p.report.review?.recordLost ?? before.recordLost);
  if (lost) data.recordLost = lost;
  // The merge shows the plan reviewers saw, from the record it was gated on. When the gate found
  // no trusted record, the comment does not show one either: headline and details agree.
  if (p.report.context.mode === 'apply' && p.report.review && before.reviewed && !p.report.review.reviewed && !p.report.review.recordLost) {
    report.review = { ...p.report.review, reviewed: before.reviewed };
  }
  return renderComment(report, { ...options, data: encodeData(data), maxLength: COMMENT_MAX_LENGTH });
}

function entry(report: Report): HistoryEntry {
  return {
    at: new Date().toISOString(),
    mode: report.context.mode,
    headline: redact(headline(report)).slice(0, 300),
    commit: report.context.sha,
    runUrl: report.context.runUrl,
  };
}

/** What this pull request's reviewers are shown, per root that was planned. */
async function reviewedPlan(report: Report, pr: number): Promise<ReviewedPlan> {
  const roots: ReviewedPlan['roots'] = {};
  for (const root of report.roots) {
    if (root.outcome !== 'planned' && root.outcome !== 'no-changes') continue;
    // Text is kept only when it carries no registered secret (the record must match the fingerprint).
    const statements = root.plannedStatements;
    const keep = keepsText(statements) && statements.every((s) => redact(s) === s);
    roots[root.root] = await reviewedRoot(statements, keep);
  }
  return { pr, commit: report.context.sha, runUrl: report.context.runUrl, at: new Date().toISOString(), roots };
}

/** Rejects when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`GitHub did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
