import type { ApprovalLookup, PermissionFact, ReviewFact } from '../core/index.js';

// Whether the merged pull request was approved for the SQL being applied: a pure function of
// what GitHub said (reviews, the author, each approver's permission), the allowed-approvers
// input and the reviewed record (the commit and time the plan was recorded), so every row is a
// unit test. The gate asks it only for SQL of a gated class, and only once the plan is known
// to be the reviewed one (same fingerprint), so "approved on that commit or after that record"
// means "approved while this SQL was the plan shown".
//
// | a reviewer's latest decisive review                     | counts? | finding when not      |
// | none (no review, or only COMMENTED)                     | —       | no approval           |
// | APPROVED by the PR's author                             | no      | author                |
// | APPROVED on another commit, before the plan was recorded | no      | stale                 |
// | APPROVED, permission write/maintain/admin               | yes     | —                     |
// | APPROVED, login in `approvers`                          | yes     | —                     |
// | APPROVED, permission read/triage/none                   | no      | no-write              |
// | APPROVED, permission unreadable                         | no      | permission-unknown    |
// | DISMISSED (GitHub rewrites a dismissed review's state)  | no      | dismissed             |
// | CHANGES_REQUESTED after an APPROVED                     | no      | changes-requested     |
// A reviewer's decisive reviews are APPROVED, CHANGES_REQUESTED and DISMISSED, in submit
// order; COMMENTED and PENDING change nothing, as on GitHub's own review status.

/** Permission levels that may approve (GitHub's `permission`: maintain reads as write). */
const WRITE_PERMISSIONS = new Set(['admin', 'write']);
/** Roles that may approve (GitHub's `role_name`). */
const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);
/** At most this many approvers' permissions are asked (newest first): a bound on requests. */
export const MAX_PERMISSION_LOOKUPS = 10;

/** Why one reviewer's review does not approve this SQL. */
export type ApprovalFinding =
  | { kind: 'author'; login: string; at: string }
  | { kind: 'stale'; login: string; at: string; commit: string }
  | { kind: 'no-write'; login: string; at: string; permission: string }
  | { kind: 'permission-unknown'; login: string; at: string; why: string }
  | { kind: 'dismissed'; login: string; at: string }
  | { kind: 'changes-requested'; login: string; at: string; approvedAt: string };

export type ApprovalVerdict =
  | { approved: true; by: { login: string; at: string }[] }
  /** `why`: GitHub could not be read; findings then are empty. */
  | { approved: false; findings: ApprovalFinding[]; why?: string };

export interface ApprovalInput {
  lookup: ApprovalLookup | undefined;
  /** The approvers input: logins that may approve whatever their repository permission. */
  approvers: readonly string[];
  /** The commit whose plan the comment recorded, and when it recorded it. */
  reviewedCommit: string;
  reviewedAt: string;
}

/** Decides whether any review approves the recorded plan (see the table above). */
export function decideApproval(input: ApprovalInput): ApprovalVerdict {
  const { lookup } = input;
  if (!lookup) return { approved: false, findings: [], why: 'the merged pull request is not known' };
  if (lookup.kind === 'unknown') return { approved: false, findings: [], why: lookup.why };
  const allowed = new Set(input.approvers.map(norm));
  const recordedAt = seconds(input.reviewedAt);
  const by: { login: string; at: string }[] = [];
  const findings: ApprovalFinding[] = [];
  for (const { last, approval } of latestByReviewer(lookup.reviews)) {
    const login = last.login;
    const at = last.submittedAt;
    if (last.state === 'DISMISSED') findings.push({ kind: 'dismissed', login, at });
    else if (last.state === 'CHANGES_REQUESTED') {
      if (approval) findings.push({ kind: 'changes-requested', login, at, approvedAt: approval.submittedAt });
    } else if (norm(login) === norm(lookup.author)) findings.push({ kind: 'author', login, at });
    else if (last.commitId !== input.reviewedCommit && !(seconds(at) >= recordedAt))
      findings.push({ kind: 'stale', login, at, commit: last.commitId });
    else {
      const denied = permissionFinding(lookup.permissions[norm(login)], allowed.has(norm(login)));
      if (denied === undefined) by.push({ login, at });
      else
        findings.push(
          denied.kind === 'unknown'
            ? { kind: 'permission-unknown', login, at, why: denied.why }
            : { kind: 'no-write', login, at, permission: denied.permission },
        );
    }
  }
  return by.length > 0 ? { approved: true, by } : { approved: false, findings };
}

/**
 * Logins whose permission decides the approval: the newest reviewers whose latest decisive
 * review is APPROVED, other than the author and those the approvers input names, lowercased.
 */
export function permissionsNeeded(reviews: readonly ReviewFact[], author: string, approvers: readonly string[]): string[] {
  const skip = new Set([norm(author), ...approvers.map(norm)]);
  return latestByReviewer(reviews)
    .filter((r) => r.last.state === 'APPROVED' && !skip.has(norm(r.last.login)))
    .reverse()
    .slice(0, MAX_PERMISSION_LOOKUPS)
    .map((r) => norm(r.last.login));
}

function permissionFinding(
  fact: PermissionFact | undefined,
  listed: boolean,
): undefined | { kind: 'unknown'; why: string } | { kind: 'denied'; permission: string } {
  if (listed) return undefined;
  if (!fact) return { kind: 'unknown', why: `only the newest ${MAX_PERMISSION_LOOKUPS} approvers' permissions are checked` };
  if (fact.error !== undefined) return { kind: 'unknown', why: fact.error };
  if (WRITE_PERMISSIONS.has(fact.permission ?? '') || WRITE_ROLES.has(fact.roleName ?? '')) return undefined;
  return { kind: 'denied', permission: fact.roleName || fact.permission || 'none' };
}

/** Per reviewer (oldest first by their latest review): the latest decisive review, and the approval it followed. */
function latestByReviewer(reviews: readonly ReviewFact[]): { last: ReviewFact; approval: ReviewFact | undefined }[] {
  const decisive = reviews
    .filter((r) => r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED' || r.state === 'DISMISSED')
    .sort((a, b) => seconds(a.submittedAt) - seconds(b.submittedAt) || a.id - b.id);
  const byLogin = new Map<string, { last: ReviewFact; approval: ReviewFact | undefined }>();
  for (const review of decisive) {
    const key = norm(review.login);
    const approval = review.state === 'APPROVED' ? review : byLogin.get(key)?.approval;
    byLogin.delete(key);
    byLogin.set(key, { last: review, approval: review.state === 'DISMISSED' ? undefined : approval });
  }
  return [...byLogin.values()];
}

/** GitHub logins compare without case. */
function norm(login: string): string {
  return login.toLowerCase();
}

/**
 * Whole seconds since the epoch: GitHub gives submitted_at in whole seconds, the record keeps
 * milliseconds, so an approval in the record's own second counts as after it. NaN when absent.
 */
function seconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}
