import { errorMessage } from '../log.js';
import type { RepoRef } from '../types.js';
import { tokenIdentity, type GitHub } from './client.js';
import { COMMENT_MAX_LENGTH } from '../report/markdown.js';

// One sticky comment per pull request and database. A comment is ours only when it carries
// our marker AND was written by the identity of our token: anyone can paste the marker into
// a comment of their own (quoting ours), and we must never overwrite what they wrote.

/** GitHub rejects comment bodies longer than this (characters). */

/**
 * Hidden marker naming the two roots, so two databases in one repository keep two comments.
 * Characters that could end the HTML comment early are replaced.
 */
export function commentMarker(rolesDir: string, schemaDir: string): string {
  const safe = (dir: string): string => dir.replace(/[^\w./@+=,~-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- rds-atlas-action:v1 roles=${safe(rolesDir)} schema=${safe(schemaDir)} -->`;
}

export interface UpsertedComment {
  id: number;
  url: string;
  created: boolean;
}

export interface UpsertOptions {
  /** Login that owns our comments; found through tokenIdentity() when omitted. */
  identity?: string;
}

export async function upsertComment(
  gh: GitHub,
  repo: RepoRef,
  prNumber: number,
  marker: string,
  body: string,
  options: UpsertOptions = {},
): Promise<UpsertedComment> {
  const identity = options.identity ?? (await tokenIdentity(gh));
  // The marker is how the next run finds this comment; a body without it would orphan it.
  const text = body.includes(marker) ? body : `${marker}\n${body}`;

  const comments = await gh.paginate(gh.rest.issues.listComments, {
    owner: repo.owner,
    repo: repo.repo,
    issue_number: prNumber,
    per_page: 100,
  });
  const ours = comments
    .filter((c) => c.user?.login === identity && (c.body ?? '').includes(marker))
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  const latest = ours[ours.length - 1];

  try {
    if (latest) {
      const { data } = await gh.rest.issues.updateComment({
        owner: repo.owner,
        repo: repo.repo,
        comment_id: latest.id,
        body: text,
      });
      return { id: data.id, url: data.html_url, created: false };
    }
    const { data } = await gh.rest.issues.createComment({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: prNumber,
      body: text,
    });
    return { id: data.id, url: data.html_url, created: true };
  } catch (err) {
    const action = latest ? `update comment ${latest.id} on` : 'create a comment on';
    const status = (err as { status?: unknown }).status;
    if (status === 422 && text.length > COMMENT_MAX_LENGTH) {
      throw new Error(
        `Could not ${action} pull request #${prNumber}: the body has ${text.length} characters and GitHub accepts at most ${COMMENT_MAX_LENGTH} ` +
          '(the report renderer should have shortened it; the full report is in the job summary).',
      );
    }
    const hint =
      status === 403 || status === 401
        ? ' Give the workflow `permissions: pull-requests: write` (fork pull requests only get a read-only token).'
        : '';
    throw new Error(`Could not ${action} pull request #${prNumber}: ${errorMessage(err)}.${hint}`);
  }
}
