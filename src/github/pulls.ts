import type { RepoRef } from '../core/index.js';
import type { GitHub } from './client.js';

// A merge push knows its commit, not its pull request. GitHub links them: the PR that was
// merged as this commit (merge, squash or rebase) has merge_commit_sha === sha.

/**
 * Pull requests the pushed commit belongs to, best match first: merged PRs whose merge commit
 * is this sha; otherwise open or merged PRs into the repository's default branch; otherwise
 * none (a direct push), which the caller reports.
 */
export async function pullsForCommit(gh: GitHub, repo: RepoRef, sha: string): Promise<number[]> {
  const pulls = await gh.paginate(gh.rest.repos.listPullRequestsAssociatedWithCommit, {
    owner: repo.owner,
    repo: repo.repo,
    commit_sha: sha,
    per_page: 100,
  });
  const mergedAsThis = pulls.filter((p) => p.merge_commit_sha === sha);
  if (mergedAsThis.length > 0) return numbers(mergedAsThis);
  return numbers(pulls.filter((p) => p.base.ref === p.base.repo.default_branch));
}

function numbers(pulls: { number: number }[]): number[] {
  return [...new Set(pulls.map((p) => p.number))].sort((a, b) => a - b);
}
