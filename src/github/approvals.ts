import { errorMessage, type ApprovalLookup, type PermissionFact, type RepoRef, type ReviewFact } from '../core/index.js';
import { permissionsNeeded } from '../review/index.js';
import type { GitHub } from './client.js';

// What GitHub says about a merged pull request's approvals: its author, its reviews and the
// repository permission of each reviewer whose latest review approves. The decision is
// review/approval.ts; here only the reads, bounded in time, and every failure kept with its
// cause so a hold can name it ("the reviews of #7 could not be read: 404 Not Found").

/**
 * The whole look-up may take this long. Less than the merge's review look-up bound (45 s in
 * run/github-answers.ts), so a hanging endpoint is named here rather than as "GitHub did not answer".
 */
export const APPROVAL_LOOKUP_TIMEOUT_MS = 30_000;
/** Reviews read at most (pages of 100): a pull request with more is held, saying so. */
const MAX_REVIEWS = 500;

/** The merged PR's author, reviews and approvers' permissions; never throws. */
export async function approvalFacts(gh: GitHub, repo: RepoRef, pr: number, approvers: readonly string[]): Promise<ApprovalLookup> {
  // The reads still waiting, so a deadline names the one GitHub did not answer (a hung
  // permission read is not "the reviews").
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ApprovalLookup>((resolve) => {
    timer = setTimeout(() => {
      const what = pending.size > 0 ? [...pending].join(', ') : `the reviews of #${pr}`;
      resolve({ kind: 'unknown', why: `GitHub did not answer the look-up of ${what} within ${APPROVAL_LOOKUP_TIMEOUT_MS / 1000} s` });
    }, APPROVAL_LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([read(gh, repo, pr, approvers, pending), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one read, listed in `pending` by what it reads while GitHub has not answered it. */
async function tracked<T>(pending: Set<string>, what: string, fn: () => Promise<T>): Promise<T> {
  pending.add(what);
  try {
    return await fn();
  } finally {
    pending.delete(what);
  }
}

async function read(gh: GitHub, repo: RepoRef, pr: number, approvers: readonly string[], pending: Set<string>): Promise<ApprovalLookup> {
  const unknown = (what: string, err: unknown): ApprovalLookup => ({
    kind: 'unknown',
    why: `${what} could not be read (${errorMessage(err)})`,
  });
  let author: string;
  let reviews: ReviewFact[];
  try {
    author = await tracked(
      pending,
      `pull request #${pr}`,
      async () => (await gh.rest.pulls.get({ ...repo, pull_number: pr })).data.user?.login ?? '',
    );
  } catch (err) {
    return unknown(`pull request #${pr}`, err);
  }
  try {
    reviews = await tracked(pending, `the reviews of #${pr}`, () => listReviews(gh, repo, pr));
  } catch (err) {
    return unknown(`the reviews of #${pr}`, err);
  }
  if (reviews.length >= MAX_REVIEWS)
    return { kind: 'unknown', why: `#${pr} has more than ${MAX_REVIEWS} reviews, more than this action reads` };
  const logins = permissionsNeeded(reviews, author, approvers);
  const permissions: Record<string, PermissionFact> = {};
  await Promise.all(
    logins.map(async (login) => {
      permissions[login] = await tracked(pending, `the repository permission of ${login}`, () => permissionOf(gh, repo, login));
    }),
  );
  return { kind: 'read', author, reviews, permissions };
}

async function listReviews(gh: GitHub, repo: RepoRef, pr: number): Promise<ReviewFact[]> {
  const reviews: ReviewFact[] = [];
  for await (const page of gh.paginate.iterator(gh.rest.pulls.listReviews, { ...repo, pull_number: pr, per_page: 100 })) {
    for (const r of page.data) {
      reviews.push({
        id: r.id,
        login: r.user?.login ?? '',
        state: r.state,
        commitId: r.commit_id ?? '',
        submittedAt: r.submitted_at ?? '',
      });
    }
    if (reviews.length >= MAX_REVIEWS) break;
  }
  return reviews.filter((r) => r.login !== '');
}

async function permissionOf(gh: GitHub, repo: RepoRef, login: string): Promise<PermissionFact> {
  try {
    const { data } = await gh.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
    const roleName = (data as { role_name?: unknown }).role_name;
    return { permission: data.permission, ...(typeof roleName === 'string' ? { roleName } : {}) };
  } catch (err) {
    // 404: not a collaborator (or the token may not ask); either way not known to have write access.
    return { error: `the permission endpoint answered ${errorMessage(err)}` };
  }
}
