import { errorMessage, log, type RepoRef } from '../core/index.js';
import type { GitHub } from './client.js';
import { commentsBy, editedByOthers } from './comments.js';

// After an apply, plans on other open pull requests for the same database were computed
// against the database as it was. Their comments get one line saying so. Only our own
// comments (marker at the start, our identity, not last edited by someone else), only the
// newest open pull requests, and each comment once per merge: the line carries the merge's
// commit, so a re-run finds it and leaves the comment alone; a later merge replaces it.

/** At most this many of the newest open pull requests are looked at. */
export const MAX_STALE_PULLS = 20;
const TAG = '<!-- rds-atlas-action:stale ';

export interface StaleMark {
  marker: string;
  tokenIdentity: string;
  /** The merged pull requests (never marked). */
  exclude: readonly number[];
  /** The applied commit: the line's identity. */
  sha: string;
  /** The visible line, safe Markdown the caller built. */
  line: string;
}

/** What marking did: the comments marked, and those left alone because someone else edited them. */
export interface StaleResult {
  marked: number[];
  skippedEdited: number[];
}

/** Marks our plan comments on the newest open pull requests as stale; errors per pull request are logged. */
export async function markStalePlans(gh: GitHub, repo: RepoRef, mark: StaleMark): Promise<StaleResult> {
  const { data: open } = await gh.rest.pulls.list({
    ...repo,
    state: 'open',
    sort: 'created',
    direction: 'desc',
    per_page: MAX_STALE_PULLS,
  });
  const result: StaleResult = { marked: [], skippedEdited: [] };
  for (const pr of open.slice(0, MAX_STALE_PULLS)) {
    if (mark.exclude.includes(pr.number)) continue;
    try {
      await markOne(gh, repo, pr.number, mark, result);
    } catch (err) {
      log.warning(`Could not mark the plan comment on #${pr.number} as stale: ${errorMessage(err)}.`);
    }
  }
  return result;
}

async function markOne(gh: GitHub, repo: RepoRef, pr: number, mark: StaleMark, result: StaleResult): Promise<void> {
  const comment = (await commentsBy(gh, repo, pr, mark.tokenIdentity)).find((c) => c.body.startsWith(mark.marker));
  if (!comment) return;
  const body = withStaleLine(comment.body, mark.sha, mark.line);
  if (body === undefined) return;
  if (await editedByOthers(gh, comment, mark.tokenIdentity)) {
    result.skippedEdited.push(pr);
    return;
  }
  await gh.rest.issues.updateComment({ ...repo, comment_id: comment.id, body });
  result.marked.push(pr);
}

/**
 * The body with the stale line right after the marker and the record (which must stay the
 * line under the marker); undefined when this merge's line is already there.
 */
export function withStaleLine(body: string, sha: string, line: string): string | undefined {
  const tagged = `${line} ${TAG}${sha} -->`;
  const lines = body.split('\n');
  const existing = lines.findIndex((l) => l.includes(TAG));
  if (existing >= 0) {
    if (lines[existing]?.endsWith(`${TAG}${sha} -->`)) return undefined;
    lines[existing] = tagged;
    return lines.join('\n');
  }
  const at = lines[1]?.startsWith('<!-- rds-atlas-action:data ') ? 2 : 1;
  lines.splice(at, 0, '', tagged);
  return lines.join('\n');
}
