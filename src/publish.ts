import * as core from '@actions/core';
import { syncDriftIssue } from './drift.js';
import type { GitHub } from './github/client.js';
import { editedByOthers, upsertComment, type OurComment } from './github/comments.js';
import { COMMENT_MAX_LENGTH } from './github/limits.js';
import { pullsForCommit } from './github/pulls.js';
import { errorMessage, log } from './log.js';
import { redact } from './redact.js';
import { renderComment } from './report/fit.js';
import { headline } from './report/headline.js';
import { OUTPUT, setOutputs } from './report/outputs.js';
import type { RenderOptions } from './report/render.js';
import { writeSummary } from './report/summary.js';
import { decodeData, encodeData, keepsText, reviewedRoot, withHistory, type CommentData } from './review.js';
import type { HistoryEntry, Inputs, Report, ReviewedPlan } from './types.js';

// Where the report goes, in an order that never loses it: the job summary and the outputs
// first (files on the runner), then the PR comment (network, bounded in time). The verdict
// (setFailed) comes last and is the only error annotation of a failed run.

/** The whole comment phase, however many requests and retries it takes. */
export const COMMENT_PHASE_TIMEOUT_MS = 45_000;

export interface PublishContext {
  inputs: Inputs;
  report: Report;
  gh: GitHub | undefined;
  /** Our token's login, when known; undefined skips the comment (it could not be owned safely). */
  identity: () => Promise<string>;
  marker: string;
}

export async function publish(p: PublishContext): Promise<void> {
  const { report, inputs } = p;
  const options = renderOptions(p);
  log.info(`Result: ${headline(report)}`);
  await writeSummary(report, options);
  setOutputs(report, { commentUrl: '' });

  if (inputs.comment && p.gh) {
    const gh = p.gh;
    const url = await withDeadline(postComments(gh, p, options), COMMENT_PHASE_TIMEOUT_MS).catch((err: unknown) => {
      log.warning(
        `Could not post the pull request comment: ${errorMessage(err)}. The report is in the job summary and the outputs. If the token lacks access, add "pull-requests: write" to the workflow's permissions.`,
      );
      return '';
    });
    // Outputs written twice keep the last value: the URL replaces the empty one.
    if (url) core.setOutput(OUTPUT.commentUrl, url);
  }

  if (report.context.drift && inputs.driftIssue && p.gh) {
    const d = { gh: p.gh, inputs, report, identity: p.identity, options };
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
  const identity = await p.identity();
  let url = '';
  for (const number of numbers) {
    const comment = await upsertComment(gh, context.repo, number, p.marker, identity, async (previous) => {
      // A record someone else edited last is not carried forward (it could launder an edit).
      const editor = previous ? await editedByOthers(gh, previous, identity).catch(() => 'an unknown user') : undefined;
      const trusted = editor ? undefined : previous;
      if (editor)
        log.warning(
          `The comment on #${number} was last edited by ${editor}, not by this action: its earlier record is not carried forward.`,
        );
      return body(p, options, number, trusted);
    });
    log.info(`${comment.created ? 'Posted' : 'Updated'} the plan comment on #${number}: ${comment.url}`);
    if (comment.removedDuplicates > 0)
      log.info(`Removed ${comment.removedDuplicates} duplicate comment(s) of this action left by a concurrent run.`);
    url ||= comment.url;
  }
  return url;
}

/** The comment for one PR: this run's report with the record carried over from our previous comment. */
function body(p: PublishContext, options: RenderOptions, pr: number, previous: OurComment | undefined): string {
  const before = previous ? decodeData(previous.body) : { history: [] };
  const report = { ...p.report, history: before.current ? withHistory(before.history, before.current) : before.history };
  const data: CommentData = { history: report.history, current: entry(p.report) };
  const reviewed = p.report.context.eventName === 'pull_request' ? reviewedPlan(p.report, pr) : before.reviewed;
  if (reviewed) data.reviewed = reviewed;
  // The merge shows the plan reviewers saw, from the record it was gated on.
  if (p.report.context.mode === 'apply' && p.report.review && before.reviewed && !p.report.review.reviewed) {
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
function reviewedPlan(report: Report, pr: number): ReviewedPlan {
  const roots: ReviewedPlan['roots'] = {};
  for (const root of report.roots) {
    if (root.outcome !== 'planned' && root.outcome !== 'no-changes') continue;
    // Text is kept only when it carries no registered secret (the record must match the fingerprint).
    const statements = root.plannedStatements;
    const keep = keepsText(statements) && statements.every((s) => redact(s) === s);
    roots[root.root] = reviewedRoot(statements, keep);
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
