import { randomUUID } from 'node:crypto';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { log, redact } from '../core/index.js';
import { INPUT } from '../inputs/index.js';
import { yieldWithoutTimers } from './limiter-turns.js';
import { httpClientFetch } from './transport.js';

// The one place the action builds a GitHub client. Everything that talks to GitHub receives
// a GitHub from here, so retries and rate-limit handling are the same for every call.

export type GitHub = ReturnType<typeof getOctokit>;

/**
 * Login of comments written with the workflow's GITHUB_TOKEN.
 * @internal The github tests write comments as this user.
 */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/**
 * A request gives up when its socket stays silent this long. A GitHub API that accepts the
 * connection and never answers must not hold the job until its timeout: the report is already
 * in the summary and outputs.
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Rate-limited requests are retried this many times, then the error surfaces. */
export const RATE_LIMIT_RETRIES = 2;
/** A primary limit can reset an hour away; holding the job that long helps nobody. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 300;

export interface GitHubClientOptions {
  /** Defaults to GITHUB_API_URL read now (not when @actions/github was loaded), else api.github.com. */
  baseUrl?: string;
}

export function createGitHub(token: string, options: GitHubClientOptions = {}): GitHub {
  // The rate limiter both plugins schedule every request through, without its 1 ms pauses.
  yieldWithoutTimers();
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const what = `${request.method} ${redact(request.url)}`;
      if (retryCount >= RATE_LIMIT_RETRIES || retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
        log.warning(`GitHub ${kind} rate limit on ${what}; giving up after ${retryCount} retries (retry-after ${retryAfter}s).`);
        return false;
      }
      log.warning(`GitHub ${kind} rate limit on ${what}; retrying in ${retryAfter}s (retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES}).`);
      return true;
    };

  const base = {
    // @actions/github reads GITHUB_API_URL once at import time; reading it here as well means
    // a client built after the environment is set (tests, GHES wrappers) still honours it.
    baseUrl: options.baseUrl ?? (process.env['GITHUB_API_URL'] || 'https://api.github.com'),
    request: { fetch: httpClientFetch(REQUEST_TIMEOUT_MS) },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => log.warning(message),
      error: (message: string) => log.error(message),
    },
    retry: {
      retries: 3,
      // 4xx answers are final (validation, auth, not found); 403/429 rate limits are retried by
      // the throttling plugin, which honours retry-after (the GraphQL reads below have none: a
      // rate-limited read fails, and its caller then does not trust the comment's record).
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
  };
  const client = getOctokit(
    token,
    {
      ...base,
      throttle: {
        // The plugin's write/notification queues are process-wide and keyed by this id. The
        // action builds one client per run; distinct ids keep separate clients (tests, two
        // tokens) from pacing each other.
        id: randomUUID(),
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
      },
    },
    retry,
    throttling,
  );
  // The throttling plugin cannot tell a GraphQL query from a mutation, so it puts every GraphQL
  // call in its write queue: one per second, shared with the comment's POST/PATCH. The action's
  // only GraphQL calls are reads (who last edited a comment), which GitHub's guidance does not
  // ask to pace; through the queue they cost every run a second before its comment, two on a
  // merge. They go through a client with the same retries, timeout and URL but no write queue.
  client.graphql = getOctokit(token, base, retry).graphql;
  return client;
}

/** A GitHub login: a user's, or a bot user's with REST's `[bot]` suffix. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/**
 * The login that owns comments written with this client's token, as REST names comment
 * authors. GraphQL's `viewer` answers for every kind of token: a personal token's user, and
 * for an installation token (the workflow's GITHUB_TOKEN, a GitHub App's token) the
 * installation's bot user, `github-actions[bot]` or `<app-slug>[bot]`. REST cannot: GET /user
 * refuses installation tokens, and GET /app needs the App's JWT.
 */
export async function tokenIdentity(gh: GitHub): Promise<string> {
  let login: unknown;
  try {
    const result: { viewer?: { login?: unknown } | null } = await gh.graphql('query { viewer { login } }');
    login = result.viewer?.login;
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Could not find out whom ${INPUT.githubToken} belongs to (the GraphQL query for its viewer answered ${typeof status === 'number' ? status : 'with an error'}: ${redact(message)}). ` +
        `Check that ${INPUT.githubToken} is a valid token for this repository.`,
      { cause: err },
    );
  }
  if (typeof login !== 'string' || !LOGIN.test(login)) {
    throw new Error(
      `Could not find out whom ${INPUT.githubToken} belongs to: GitHub's answer for its viewer has no valid login (${redact(JSON.stringify(login ?? null)).slice(0, 100)}).`,
    );
  }
  return login;
}
