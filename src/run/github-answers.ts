import { detectRolesChange } from '../event/index.js';
import {
  BufferedLog,
  errorMessage,
  log,
  outcome,
  settle,
  type Settled,
  type Inputs,
  type ReviewContext,
  type RolesChange,
  type RunContext,
} from '../core/index.js';
import { reviewContext, tokenIdentity, type GitHub } from '../github/index.js';
import { withDeadline } from '../publish/index.js';

// What a run asks GitHub: did the roles change (before it plans), and on a merge, what was
// reviewed (read once, from when Terraform runs; the gate and the report both use this answer).
// Who the token is, asked at most once per run.

/** Bound for the GitHub calls a merge makes before applying (PR, reviewed plan, reviews, labels). */
const REVIEW_LOOKUP_TIMEOUT_MS = 45_000;

export interface GitHubAnswers {
  rolesChange: RolesChange;
  /** What the change detection logged, printed as its group once the guardrails have run. */
  changesLog: BufferedLog;
  /**
   * Apply mode: the merged pull request's reviewed plan and labels, looked up once, from the
   * first call (it never rejects). Only the gate needs it, after a plan, so the run starts it
   * once the inits are spawned: its requests and their work on the main thread are not on the
   * way to Terraform.
   */
  review?: () => Promise<ReviewContext>;
}

/** The token's login, asked once, on first use; a failure is delivered to every caller. */
export function tokenIdentityOnce(gh: GitHub): () => Promise<string> {
  let asked: Promise<Settled<string>> | undefined;
  return () => outcome((asked ??= settle(tokenIdentity(gh))));
}

/** What changed (asked now), and on a merge the review lookup (started by its first call); none of them throws. */
export async function askGitHub(
  inputs: Inputs,
  context: RunContext,
  gh: GitHub,
  tokenIdentity: () => Promise<string>,
  marker: string,
): Promise<GitHubAnswers> {
  const changesLog = new BufferedLog();
  let lookup: Promise<ReviewContext> | undefined;
  const review = context.mode === 'apply' ? () => (lookup ??= lookUpReview(inputs, context, gh, tokenIdentity, marker)) : undefined;
  const rolesChange = await detectRolesChange(gh, context, inputs.rolesPaths, changesLog);
  return { rolesChange, changesLog, ...(review ? { review } : {}) };
}

/** The merged pull request's reviewed plan, reviews and labels; a lookup that fails holds the apply. */
function lookUpReview(
  inputs: Inputs,
  context: RunContext,
  gh: GitHub,
  tokenIdentity: () => Promise<string>,
  marker: string,
): Promise<ReviewContext> {
  return withDeadline(
    tokenIdentity().then((login) =>
      reviewContext(gh, context, marker, login, { destructiveLabel: inputs.destructiveLabel, approvers: inputs.approvers }),
    ),
    REVIEW_LOOKUP_TIMEOUT_MS,
  ).catch((err: unknown): ReviewContext => {
    // Whether the push has a reviewed PR is unknown: held, never treated as "not reviewed".
    const why = `GitHub did not answer the look-up of the pull request and its plan comment (${errorMessage(err)})`;
    return { labels: [], missing: why, recordLost: why };
  });
}

/**
 * The review lookup as the gate and the report ask for it: the first call waits for it (starting
 * it, if Terraform has not) and logs what it found (at the first gate, or at the end when no root
 * reached a gate), later calls return the same answer.
 */
export function reviewOnce(lookup: () => Promise<ReviewContext>): () => Promise<ReviewContext> {
  let logged: Promise<ReviewContext> | undefined;
  return () =>
    (logged ??= lookup().then((review) => {
      log.info(
        review.reviewed
          ? `Reviewed plan: pull request #${review.pr ?? '?'} at ${review.reviewed.commit.slice(0, 7)}.`
          : `No reviewed plan: ${review.missing ?? 'unknown'}.`,
      );
      return review;
    }));
}
