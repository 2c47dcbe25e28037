import type { RepoRef } from '../core/index.js';
import type { GitHub } from './client.js';
import { bodyBelongsTo, databaseMarker } from './marker.js';

// One drift issue per database. Like the comment, an issue is ours only when its body starts
// with our drift marker and its author is our token's identity: an issue a person wrote that
// quotes the marker is never edited or closed.

/** The drift issue's hidden first line: the comment's marker with its own prefix (marker.ts). */
export function driftMarker(environment: string, rolesDir: string, schemaDir: string): string {
  return databaseMarker('drift', environment, rolesDir, schemaDir);
}

export interface OurIssue {
  number: number;
  body: string;
  url: string;
}

interface ListedIssue {
  number: number;
  body?: string | null;
  html_url: string;
  user: { login: string } | null;
  pull_request?: unknown;
}

/**
 * Our open drift issue, if any. Every open issue is read (not only a `creator` filter, whose
 * spelling for bot accounts GitHub does not document), pull requests left out.
 */
export async function findDriftIssue(gh: GitHub, repo: RepoRef, marker: string, tokenIdentity: string): Promise<OurIssue | undefined> {
  const issues: ListedIssue[] = await gh.paginate(gh.rest.issues.listForRepo, { ...repo, state: 'open', per_page: 100 });
  const ours = issues
    .filter((i) => i.pull_request === undefined && i.user?.login === tokenIdentity && bodyBelongsTo(marker, i.body ?? ''))
    .sort((a, b) => a.number - b.number);
  const first = ours[0];
  return first ? { number: first.number, body: first.body ?? '', url: first.html_url } : undefined;
}

export async function openDriftIssue(gh: GitHub, repo: RepoRef, title: string, body: string): Promise<OurIssue> {
  const { data } = await gh.rest.issues.create({ ...repo, title, body });
  return { number: data.number, body, url: data.html_url };
}

export async function updateDriftIssue(gh: GitHub, repo: RepoRef, issue: OurIssue, title: string, body: string): Promise<void> {
  await gh.rest.issues.update({ ...repo, issue_number: issue.number, title, body });
}

export async function closeDriftIssue(gh: GitHub, repo: RepoRef, issue: OurIssue, comment: string): Promise<void> {
  await gh.rest.issues.createComment({ ...repo, issue_number: issue.number, body: comment });
  await gh.rest.issues.update({ ...repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
}
