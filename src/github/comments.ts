import { errorMessage, type RepoRef } from '../core/index.js';
import type { GitHub } from './client.js';
import { COMMENT_MAX_LENGTH } from './limits.js';
import { bodyBelongsTo, databaseMarker } from './marker.js';

// One sticky comment per pull request and database. A comment is ours only when its body
// *starts with* our marker AND its author is our token's identity: anyone can paste the marker
// into a comment (quoting ours), another bot can carry it, and another database's comment can
// hold this database's marker inside its SQL; none of those is ever edited.

/**
 * Hidden first line naming the database: its environment (when set) and the two roots, so two
 * databases in one repository keep two comments (marker.ts: injective, and finds the comments
 * of earlier versions where that is unambiguous).
 */
export function commentMarker(environment: string, rolesDir: string, schemaDir: string): string {
  return databaseMarker('comment', environment, rolesDir, schemaDir);
}

export interface OurComment {
  id: number;
  nodeId: string;
  body: string;
  url: string;
}

interface ListedComment {
  id: number;
  node_id: string;
  body?: string | undefined;
  html_url: string;
  user: { login: string } | null;
}

/** Every comment on the PR authored by our token's identity, whatever its body says, oldest first. */
export async function commentsBy(gh: GitHub, repo: RepoRef, pr: number, identity: string): Promise<OurComment[]> {
  const comments: ListedComment[] = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: pr, per_page: 100 });
  return comments
    .filter((c) => c.user?.login === identity)
    .map((c) => ({ id: c.id, nodeId: c.node_id, body: c.body ?? '', url: c.html_url }))
    .sort((a, b) => a.id - b.id);
}

/** Our comments for this marker on the PR, oldest first: what upsertComment starts from. */
export async function listOurs(gh: GitHub, repo: RepoRef, pr: number, marker: string, identity: string): Promise<OurComment[]> {
  return (await commentsBy(gh, repo, pr, identity)).filter((c) => bodyBelongsTo(marker, c.body));
}

export interface UpsertedComment {
  id: number;
  url: string;
  created: boolean;
  /** Our own duplicates removed (two runs raced to create the comment). */
  removedDuplicates: number;
}

/**
 * Updates our comment, or creates it; `build` makes the body from our previous comment (its
 * record carries the reviewed plan and the history), or returns undefined to leave it as it is. Two runs racing on one PR can both find
 * none and both create one: afterwards each run lists again, and the one whose comment is not
 * the oldest moves its body onto the oldest and deletes its own, so the PR ends with one comment.
 * `listed` is listOurs' answer when the caller already asked for it.
 */
export async function upsertComment(
  gh: GitHub,
  repo: RepoRef,
  pr: number,
  marker: string,
  identity: string,
  build: (previous: OurComment | undefined) => string | undefined | Promise<string | undefined>,
  listed?: Promise<OurComment[]>,
): Promise<UpsertedComment> {
  // `listed`: the same listing, asked for earlier by the caller (while Terraform ran).
  const existing = await (listed ?? listOurs(gh, repo, pr, marker, identity));
  const keep = existing[0];
  const body = await build(keep);
  if (body === undefined) {
    // The caller keeps the comment as it is (a re-run with nothing new to say).
    if (!keep) throw new Error('There is no comment to keep: build must return a body when there is no previous comment.');
    return { id: keep.id, url: keep.url, created: false, removedDuplicates: await removeDuplicates(gh, repo, existing.slice(1)) };
  }
  if (!body.startsWith(marker)) throw new Error('The comment body must start with its marker, or the next run could not find it.');
  const write = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw explain(err, what, pr, body);
    }
  };

  if (keep) {
    await write(`update comment ${keep.id} on`, () => gh.rest.issues.updateComment({ ...repo, comment_id: keep.id, body }));
    const removed = await removeDuplicates(gh, repo, existing.slice(1));
    return { id: keep.id, url: keep.url, created: false, removedDuplicates: removed };
  }

  const { data } = await write('create a comment on', () => gh.rest.issues.createComment({ ...repo, issue_number: pr, body }));
  const now = await listOurs(gh, repo, pr, marker, identity);
  const oldest = now[0];
  if (oldest && oldest.id !== data.id) {
    await write(`update comment ${oldest.id} on`, () => gh.rest.issues.updateComment({ ...repo, comment_id: oldest.id, body }));
    const removed = await removeDuplicates(
      gh,
      repo,
      now.filter((c) => c.id !== oldest.id),
    );
    return { id: oldest.id, url: oldest.url, created: false, removedDuplicates: removed };
  }
  return { id: data.id, url: data.html_url, created: true, removedDuplicates: 0 };
}

async function removeDuplicates(gh: GitHub, repo: RepoRef, duplicates: OurComment[]): Promise<number> {
  let removed = 0;
  for (const c of duplicates) {
    try {
      await gh.rest.issues.deleteComment({ ...repo, comment_id: c.id });
      removed++;
    } catch (err) {
      // Another run may have deleted it first; a duplicate left behind is cosmetic.
      if ((err as { status?: unknown }).status !== 404) throw err;
    }
  }
  return removed;
}

function explain(err: unknown, what: string, pr: number, body: string): Error {
  const status = (err as { status?: unknown }).status;
  if (status === 422 && body.length > COMMENT_MAX_LENGTH) {
    return new Error(
      `Could not ${what} pull request #${pr}: the body has ${body.length} characters and GitHub accepts at most ${COMMENT_MAX_LENGTH} ` +
        '(the report renderer should have shortened it; the full report is in the job summary).',
      { cause: err },
    );
  }
  const hint =
    status === 403 || status === 401
      ? ' Give the workflow `permissions: pull-requests: write` (fork pull requests only get a read-only token).'
      : '';
  return new Error(`Could not ${what} pull request #${pr}: ${errorMessage(err)}.${hint}`, { cause: err });
}

/** The labels on a pull request now (the event payload is stale when a job is re-run). */
export async function pullLabels(gh: GitHub, repo: RepoRef, pr: number): Promise<string[]> {
  const labels: { name: string }[] = await gh.paginate(gh.rest.issues.listLabelsOnIssue, { ...repo, issue_number: pr, per_page: 100 });
  return labels.map((l) => l.name);
}

/**
 * Whether our comment was last edited by someone other than us. GitHub lets anyone with write
 * access edit other people's comments, and REST does not say who did; GraphQL's
 * `IssueComment.editor` does (null when never edited). The record of a reviewed plan in a
 * comment someone else edited last is not trusted, and not carried forward.
 */
export async function editedByOthers(gh: GitHub, comment: OurComment, identity: string): Promise<string | undefined> {
  const result: { node: { editor: { login: string } | null } | null } = await gh.graphql(
    'query($id: ID!) { node(id: $id) { ... on IssueComment { editor { login } } } }',
    { id: comment.nodeId },
  );
  const editor = result.node?.editor?.login;
  return editor === undefined || sameActor(editor, identity) ? undefined : editor;
}

/** REST names bots `app[bot]`, GraphQL `app`. */
function sameActor(a: string, b: string): boolean {
  const norm = (login: string): string => login.replace(/\[bot\]$/i, '').toLowerCase();
  return norm(a) === norm(b);
}
