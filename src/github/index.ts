// github/: the one way to GitHub. The client (retries, rate limits, timeouts), our PR comment,
// pull requests, the merged PR's review, drift issues. May import core/ and review/.

/** A GitHub client as every caller receives it. */
export type { GitHub } from './client.js';
/** The one place a GitHub client is built, with the same retry and rate-limit handling for every call. */
export { createGitHub } from './client.js';
/** The login our token writes as (the actions bot for the workflow's GITHUB_TOKEN). */
export { tokenIdentity } from './client.js';
/** The hidden first line that marks our comment for one database. */
export { commentMarker } from './comments.js';
/** Our comment on a pull request. */
export type { OurComment } from './comments.js';
/** Creates or updates our one comment on a pull request, converging when two runs race. */
export { upsertComment } from './comments.js';
/** Our comments for one database on a pull request, oldest first. */
export { listOurs } from './comments.js';
/** Who edited our comment last, when that was someone else (its record is then not trusted). */
export { editedByOthers } from './comments.js';
/** The pull requests a commit belongs to. */
export { pullsForCommit } from './pulls.js';
/** What an apply run knows of the merged pull request: labels and the plan its comment showed reviewers. */
export { reviewContext } from './review.js';
/** The hidden marker of our drift issue for one database. */
export { driftMarker } from './issues.js';
/** Our open drift issue, if any. */
export { findDriftIssue } from './issues.js';
/** Opens a drift issue. */
export { openDriftIssue } from './issues.js';
/** Rewrites our drift issue's title and body. */
export { updateDriftIssue } from './issues.js';
/** Closes our drift issue with a comment saying why. */
export { closeDriftIssue } from './issues.js';
/** GitHub's limit on a comment body, in characters. */
export { COMMENT_MAX_LENGTH } from './limits.js';
/** GitHub's limit on a job summary, in bytes. */
export { SUMMARY_MAX_LENGTH } from './limits.js';
/** After an apply: marks our plan comments on the newest open pull requests for this database as stale. */
export { markStalePlans } from './stale.js';
