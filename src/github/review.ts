import { errorMessage, type ReviewContext, type RunContext } from '../core/index.js';
import { checkedPlan, readRecord } from '../review/index.js';
import type { GitHub } from './client.js';
import { commentsBy, editedByOthers, pullLabels, type OurComment } from './comments.js';
import { bodyBelongsTo } from './marker.js';
import { pullsForCommit } from './pulls.js';
import { approvalFacts } from './approvals.js';

// On a merge: which pull request was merged, its reviews and who may approve (approvals.ts),
// the labels it carries now when destructive-label asks for one (a re-run gets the original
// event payload, so they are read from the API), and the plan its comment showed
// reviewers. Only our own comment counts (marker at the start, our token's author, last edited
// by us), and its record only where we write it (review.ts readRecord).
//
// "Not reviewed" (the gate may apply additive SQL) is said only when GitHub shows that no plan
// of this action was ever on the pull request: the push has no PR, or the PR has no comment of
// ours that is or may have been this database's plan. Whenever the PR was planned by us but
// the record is gone, garbled, from an older version or edited by someone else, or GitHub
// could not be asked, the context says `recordLost` and the gate holds.

/** What the merge's gate needs besides the record: the label it may require, the approvers input. */
export interface ReviewOptions {
  destructiveLabel: string;
  approvers: readonly string[];
}

export async function reviewContext(
  gh: GitHub,
  context: RunContext,
  marker: string,
  tokenIdentity: string,
  options: ReviewOptions,
): Promise<ReviewContext> {
  let prs: number[];
  try {
    prs = context.pullNumbers.length > 0 ? context.pullNumbers : await pullsForCommit(gh, context.repo, context.sha);
  } catch (err) {
    return lost(`could not find the pull request of commit ${context.sha.slice(0, 7)} (${errorMessage(err)})`);
  }
  const pr = prs[0];
  if (pr === undefined)
    return { pullNumbers: [], labels: [], missing: `commit ${context.sha.slice(0, 7)} belongs to no pull request (a direct push)` };
  // Three reads side by side, each failing alone with its own cause: a label or review that
  // cannot be read is not a lost record (the comment would still show the reviewed plan).
  const approval = approvalFacts(gh, context.repo, pr, options.approvers);
  const labels = options.destructiveLabel
    ? pullLabels(gh, context.repo, pr).then(
        (names) => ({ labels: names }),
        (err: unknown) => ({ labels: [], labelsUnknown: `the labels of #${pr} could not be read (${errorMessage(err)})` }),
      )
    : Promise.resolve({ labels: [] });
  const found = await planComment(gh, context, pr, marker, tokenIdentity).catch((err: unknown) =>
    lost(`could not read the comments of pull request #${pr} (${errorMessage(err)})`),
  );
  return { pullNumbers: prs, pr, ...found, ...(await labels), approval: await approval };
}

function lost(why: string): { labels: string[]; missing: string; recordLost: string } {
  return { labels: [], missing: why, recordLost: why };
}

type Found = Pick<ReviewContext, 'reviewed' | 'missing' | 'recordLost'>;

/** The reviewed plan from our comment on `pr`, or why there is none and whether that is suspicious. */
async function planComment(gh: GitHub, context: RunContext, pr: number, marker: string, tokenIdentity: string): Promise<Found> {
  const ours = await commentsBy(gh, context.repo, pr, tokenIdentity);
  // The same test the comment upsert uses, so a comment an earlier version wrote for this
  // database is read here too (its record is then not where this version writes it: held).
  const comment = ours.find((c) => bodyBelongsTo(marker, c.body));
  if (!comment) {
    // Our plan comment may be one whose marker someone else's edit removed.
    const overwritten = await firstEditedByOthers(gh, ours, tokenIdentity);
    if (overwritten) {
      const why = `a comment of this action on #${pr} was overwritten by ${overwritten.editor}, and no plan comment for this database is left, so the plan reviewed there is unknown`;
      return { missing: why, recordLost: why };
    }
    return { missing: `pull request #${pr} has no plan comment of this action for this database` };
  }
  const editor = await editedByOthers(gh, comment, tokenIdentity);
  if (editor) {
    const why = `the plan comment on #${pr} was last edited by ${editor}, not by this action, so its record of the reviewed plan is not trusted`;
    return { missing: why, recordLost: why };
  }
  return recordOf(comment, pr, marker);
}

async function recordOf(comment: OurComment, pr: number, marker: string): Promise<Found> {
  const read = readRecord(comment.body, marker);
  const gone = (why: string): Found => ({ missing: why, recordLost: why });
  if (read.kind === 'none' || read.kind === 'unreadable')
    return gone(`the plan comment on #${pr} has no readable record of the reviewed plan where this action writes it`);
  if (read.kind === 'old')
    return gone(
      `#${pr} was planned by an older version of this action (record format ${read.version}), whose fingerprint this version does not compare with; re-run the plan of #${pr} so it is recorded again`,
    );
  const { reviewed, current, history, recordLost } = read.data;
  if (!reviewed && recordLost) return gone(recordLost);
  if (!reviewed) {
    // A comment our merge runs wrote on a PR that was never planned holds only apply results.
    const planned = [current, ...history].some((h) => h?.mode === 'plan');
    if (!planned) return { missing: `pull request #${pr} was not planned by this action for this database` };
    return gone(`the plan comment on #${pr} shows it was planned, but its record holds no reviewed plan`);
  }
  if (reviewed.pr !== pr) return gone(`the plan comment on #${pr} records a review of another pull request (#${reviewed.pr})`);
  return { reviewed: await checkedPlan(reviewed) };
}

async function firstEditedByOthers(gh: GitHub, comments: OurComment[], tokenIdentity: string): Promise<{ editor: string } | undefined> {
  for (const c of comments) {
    const editor = await editedByOthers(gh, c, tokenIdentity);
    if (editor) return { editor };
  }
  return undefined;
}
