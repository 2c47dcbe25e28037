import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { close, listen, readBody } from './http.js';

// A loopback GitHub REST API for the endpoints the action uses, answering like GitHub:
// Link-header pagination, bot authorship for the Actions token, 401/403/404/422 bodies in
// GitHub's shape, and injectable faults. Point the action at it with GITHUB_API_URL.
// Requests are recorded without their token.

export interface FileChange {
  filename: string;
  status?: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
}

export interface PullSpec {
  number: number;
  files: (string | FileChange)[];
  headSha: string;
  baseSha: string;
  headRef?: string;
  baseRef?: string;
  mergeCommitSha?: string;
  merged?: boolean;
  title?: string;
  /** Label names on the pull request now (GET …/issues/:n/labels). */
  labels?: string[];
  /** The pull request's author (default: the PAT user, octocat). */
  author?: string;
}

/** A pull request review as GET /repos/{o}/{r}/pulls/{n}/reviews lists it. */
export interface PullReview {
  id: number;
  node_id: string;
  user: GitHubUser;
  body: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  html_url: string;
  pull_request_url: string;
  author_association: string;
  commit_id: string;
  /** Whole seconds, as GitHub gives it. */
  submitted_at: string;
}

/** A repository role: role_name of GET …/collaborators/{u}/permission. */
export type RepoRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface Issue {
  id: number;
  node_id: string;
  number: number;
  url: string;
  html_url: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  user: GitHubUser;
  labels: { name: string }[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface CompareOptions {
  status?: 'ahead' | 'behind' | 'diverged' | 'identical';
  /** Commit SHAs in the range, oldest first; defaults to just the head. */
  commits?: string[];
}

export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
}

export interface IssueComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GitHubUser;
  author_association: string;
  created_at: string;
  updated_at: string;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  bodySize: number;
  status: number;
  /** Which kind of token was presented (never the token itself). */
  auth: 'actions' | 'app' | 'pat' | 'read-only' | 'unknown' | 'none';
  /** When the request arrived (Date.now()). */
  at: number;
  /** The User-Agent header as sent. */
  userAgent: string | undefined;
}

/** A status to answer with, a secondary rate limit, or `hang`: accept the request and never answer. */
export type ApiFault = number | 'secondary-rate-limit' | 'hang';

export interface GitHubApi {
  /** For GITHUB_API_URL / getOctokit's baseUrl. */
  url: string;
  owner: string;
  repo: string;
  /** Like the job's GITHUB_TOKEN: comments as github-actions[bot], 403 on GET /user. */
  actionsToken: string;
  /**
   * A GitHub App's installation token (as actions/create-github-app-token makes): comments as
   * `appBot` (`<app-slug>[bot]`), 403 on GET /user like any installation token.
   */
  appToken: string;
  appBot: GitHubUser;
  /** A personal access token of `patUser`. */
  patToken: string;
  patUser: GitHubUser;
  /** Like GITHUB_TOKEN on a fork pull request: reads only. */
  readOnlyToken: string;
  /**
   * Another job's GITHUB_TOKEN: GitHub gives every job its own, all authenticating as
   * github-actions[bot]. Two racing runs each get one, so the server can tell them apart.
   */
  jobToken(): string;
  addPull(spec: PullSpec): void;
  addCompare(base: string, head: string, files: (string | FileChange)[], opts?: CompareOptions): void;
  comments(prNumber: number): IssueComment[];
  seedComment(prNumber: number, c: { login: string; type?: 'User' | 'Bot'; body: string }): IssueComment;
  /** A person with write access edits a comment (ours included), as GitHub allows. */
  editComment(id: number, login: string, body: string): void;
  /** Replaces the labels of a pull request (as someone adding a label in the UI). */
  setLabels(prNumber: number, labels: string[]): void;
  /**
   * Someone submits a review, now or at `submittedAt` (an earlier review); submitted_at in whole
   * seconds, as GitHub gives it.
   */
  addReview(
    prNumber: number,
    r: { login: string; state: PullReview['state']; commitId: string; body?: string; submittedAt?: Date },
  ): PullReview;
  /** A maintainer dismisses a review: GitHub rewrites its state to DISMISSED. */
  dismissReview(prNumber: number, reviewId: number): void;
  /** A user's role on the repository; users never given one read as `read` (a public repository). */
  setRole(login: string, role: RepoRole): void;
  /** Marks a pull request merged or closed (it leaves the open list). */
  closePull(prNumber: number): void;
  /** Issues (not pull requests), in creation order. */
  issues(): Issue[];
  seedIssue(i: { login: string; type?: 'User' | 'Bot'; title: string; body: string; state?: 'open' | 'closed' }): Issue;
  /**
   * The next `times` requests matching method and path fail with `fault`; `message` replaces the
   * error body's `message` (GitHub echoes user-controlled text in some errors: hostile-text tests).
   */
  failNext(fault: ApiFault, opts?: { method?: string; path?: RegExp; times?: number; message?: string }): void;
  /** Forgets the faults not yet taken (how many retries took one is the client's business). */
  clearFaults(): void;
  /**
   * Holds every request matching method and path unanswered until such requests have arrived
   * with `count` distinct tokens (jobs), then answers them all: two racing runs both read before
   * either writes. A job's retry of a held request (its client gave up waiting) is held too and
   * does not count, so how long the other job takes to arrive does not matter.
   */
  holdUntil(count: number, opts: { method?: string; path?: RegExp }): void;
  /** Holds every request matching method and path unanswered until the returned function is called. */
  hold(opts: { method?: string; path?: RegExp }): () => void;
  /**
   * Resolves once a request matching method, path and (for POST /graphql) the query's text
   * arrives from now on and has been answered: tests order a run's steps by it, not by time.
   */
  answered(opts: { method?: string; path?: RegExp; graphql?: RegExp }): Promise<void>;
  requests: ApiRequest[];
  stop(): Promise<void>;
}

export const ACTIONS_BOT: GitHubUser = { login: 'github-actions[bot]', id: 41898282, node_id: 'MDM6Qm90NDE4OTgyODI=', type: 'Bot' };
/** The bot user of the App whose installation token `appToken` is. */
export const APP_BOT_LOGIN = 'db-deploy-bot[bot]';
export const MAX_COMMENT_LENGTH = 65_536;
const DOCS = 'https://docs.github.com/rest';

/** A GitHub error response: the handler answers it with this status, JSON body and headers. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}: ${typeof body.message === 'string' ? body.message : 'GitHub API error'}`);
    this.name = 'ApiError';
  }
}

export async function startGitHubApi(opts: { owner?: string; repo?: string; patLogin?: string } = {}): Promise<GitHubApi> {
  const owner = opts.owner ?? 'octo-org';
  const repo = opts.repo ?? 'octo-repo';
  const repoId = 1296269;
  const tokens = {
    actions: `ghs_${randomBytes(18).toString('base64url')}`,
    app: `ghs_${randomBytes(18).toString('base64url')}`,
    pat: `ghp_${randomBytes(18).toString('base64url')}`,
    readOnly: `ghs_${randomBytes(18).toString('base64url')}`,
  };
  const patUser = user(opts.patLogin ?? 'octocat', 'User');
  const appBot = user(APP_BOT_LOGIN, 'Bot');
  const pulls = new Map<number, PullSpec>();
  const closedPulls = new Set<number>();
  const reviews = new Map<number, PullReview[]>();
  const roles = new Map<string, string>();
  let nextReviewId = 80_000_001;
  const compares = new Map<string, { files: FileChange[]; opts: CompareOptions }>();
  const comments = new Map<number, IssueComment[]>();
  /** Who last edited each comment (GraphQL IssueComment.editor); REST does not say. */
  const editors = new Map<number, GitHubUser>();
  const issues = new Map<number, Issue>();
  let nextIssueNumber = 1000;
  const faults: { fault: ApiFault; method?: string; path?: RegExp; times: number; message?: string }[] = [];
  const holds: { method?: string; path?: RegExp; count: number; callers: Set<string>; release: Promise<void>; open(): void }[] = [];
  /** GITHUB_TOKENs of other jobs (jobToken()): the same bot as tokens.actions. */
  const jobTokens = new Set<string>();
  const requests: ApiRequest[] = [];
  let nextCommentId = 1_900_000_001;
  let base = '';
  const repoPath = `/repos/${owner}/${repo}`;

  const newComment = (n: number, author: GitHubUser, body: string): IssueComment => {
    const id = nextCommentId++;
    const now = isoNow();
    const c: IssueComment = {
      id,
      node_id: `IC_kwDO${Buffer.from(`${repoId}:${id}`).toString('base64url')}`,
      url: `${base}${repoPath}/issues/comments/${id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${n}#issuecomment-${id}`,
      issue_url: `${base}${repoPath}/issues/${n}`,
      body,
      user: author,
      author_association: author.type === 'Bot' ? 'NONE' : 'MEMBER',
      created_at: now,
      updated_at: now,
    };
    comments.set(n, [...(comments.get(n) ?? []), c]);
    return c;
  };
  const newIssue = (author: GitHubUser, title: string, body: string, state: 'open' | 'closed' = 'open'): Issue => {
    const number = nextIssueNumber++;
    const now = isoNow();
    const issue: Issue = {
      id: 2_000_000 + number,
      node_id: `I_kwDO${Buffer.from(`${repoId}:${number}`).toString('base64url')}`,
      number,
      url: `${base}${repoPath}/issues/${number}`,
      html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
      title,
      body,
      state,
      state_reason: state === 'closed' ? 'completed' : null,
      user: author,
      labels: [],
      created_at: now,
      updated_at: now,
      closed_at: state === 'closed' ? now : null,
    };
    issues.set(number, issue);
    return issue;
  };
  const issueComments = (n: number): IssueComment[] => {
    if (!pulls.has(n) && !comments.has(n) && !issues.has(n)) throw notFound('issues/comments#list-issue-comments');
    return comments.get(n) ?? [];
  };
  const findComment = (id: number): IssueComment => {
    for (const list of comments.values()) {
      const c = list.find((x) => x.id === id);
      if (c) return c;
    }
    throw notFound('issues/comments#get-an-issue-comment');
  };

  type Ctx = {
    method: string;
    path: string;
    query: URLSearchParams;
    body: unknown;
    who: GitHubUser;
    kind: ApiRequest['auth'];
    res: ServerResponse;
  };
  const routes: [string, RegExp, (ctx: Ctx, m: RegExpExecArray) => unknown][] = [
    [
      'GET',
      /^\/user$/,
      (ctx) => {
        if (ctx.kind !== 'pat')
          throw new ApiError(403, {
            message: 'Resource not accessible by integration',
            documentation_url: `${DOCS}/users/users#get-the-authenticated-user`,
            status: '403',
          });
        return { ...ctx.who, site_admin: false, name: ctx.who.login };
      },
    ],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/, (_c, m) => pullJson(pull(Number(m[1])))],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/pulls$/,
      (ctx) => {
        // Newest first by number when sort=created&direction=desc (as the action asks).
        const state = ctx.query.get('state') ?? 'open';
        const list = [...pulls.values()]
          .map(pullJson)
          .filter((p) => state === 'all' || p['state'] === state)
          .sort((a, b) => (ctx.query.get('direction') === 'asc' ? 1 : -1) * (Number(a['number']) - Number(b['number'])));
        return paginate(ctx, list);
      },
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/reviews$/,
      (ctx, m) => {
        pull(Number(m[1]));
        return paginate(ctx, reviews.get(Number(m[1])) ?? []);
      },
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/,
      (_c, m) => {
        const login = decodeURIComponent(m[1] ?? '');
        const role = roles.get(login.toLowerCase()) ?? 'read';
        // `permission` is the legacy level: maintain reads as write, triage as read.
        const permission =
          role === 'maintain' ? 'write' : role === 'triage' ? 'read' : ['admin', 'write', 'read', 'none'].includes(role) ? role : 'write';
        return { permission, role_name: role, user: { ...user(login, 'User'), permissions: {} } };
      },
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/files$/,
      (ctx, m) =>
        paginate(
          ctx,
          pull(Number(m[1])).files.map((f) => fileJson(toChange(f))),
        ),
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)\/pulls$/,
      (ctx, m) => paginate(ctx, [...pulls.values()].filter((p) => p.headSha === m[1] || p.mergeCommitSha === m[1]).map(pullJson)),
    ],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/compare\/(.+)$/, (ctx, m) => compareJson(ctx, decodeURIComponent(m[1] ?? ''))],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/, (ctx, m) => paginate(ctx, issueComments(Number(m[1])))],
    [
      'POST',
      /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/,
      (ctx, m) => {
        const n = Number(m[1]);
        issueComments(n);
        writable(ctx);
        ctx.res.statusCode = 201;
        return newComment(n, ctx.who, validBody(ctx.body, 'issues/comments#create-an-issue-comment'));
      },
    ],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/, (_c, m) => findComment(Number(m[1]))],
    [
      'PATCH',
      /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/,
      (ctx, m) => {
        // As on GitHub, a token with write access may edit anyone's comment: only the
        // action's own checks keep it to its own.
        const c = findComment(Number(m[1]));
        writable(ctx);
        c.body = validBody(ctx.body, 'issues/comments#update-an-issue-comment');
        c.updated_at = isoNow();
        editors.set(c.id, ctx.who);
        return c;
      },
    ],
    [
      'POST',
      /^\/graphql$/,
      (ctx) => {
        // The two queries the action makes. `viewer` is the token's own user, for every kind
        // of token: a person, or an installation's bot user with REST's login
        // (`github-actions[bot]`, `<app-slug>[bot]`), where GET /user refuses installation tokens.
        const b = (ctx.body ?? {}) as { query?: unknown; variables?: { id?: unknown } };
        if (typeof b.query === 'string' && /^\s*(?:query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(b.query)) {
          return { data: { viewer: { login: ctx.who.login } } };
        }
        // Who last edited a comment: GraphQL names bot actors without the `[bot]` suffix REST uses.
        if (typeof b.query !== 'string' || !/IssueComment\s*\{\s*editor\s*\{\s*login/.test(b.query)) {
          return { errors: [{ message: 'the loopback GitHub API only answers the viewer and IssueComment editor queries' }] };
        }
        const c = [...comments.values()].flat().find((x) => x.node_id === b.variables?.id);
        if (!c) return { data: { node: null } };
        const who = editors.get(c.id);
        const editor = who ? { login: who.login.replace(/\[bot\]$/, '') } : null;
        return { data: { node: { editor } } };
      },
    ],
    [
      'DELETE',
      /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/,
      (ctx, m) => {
        const c = findComment(Number(m[1]));
        writable(ctx);
        for (const [n, list] of comments)
          comments.set(
            n,
            list.filter((x) => x.id !== c.id),
          );
        ctx.res.statusCode = 204;
        return undefined;
      },
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/labels$/,
      (ctx, m) =>
        paginate(
          ctx,
          (pull(Number(m[1])).labels ?? []).map((name, i) => ({ id: 5000 + i, name, color: 'ededed', default: false })),
        ),
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/issues$/,
      (ctx) => {
        const state = ctx.query.get('state') ?? 'open';
        const creator = ctx.query.get('creator');
        const list = [...issues.values()]
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => !creator || i.user.login === creator)
          .sort((a, b) => b.number - a.number);
        return paginate(ctx, list);
      },
    ],
    [
      'POST',
      /^\/repos\/[^/]+\/[^/]+\/issues$/,
      (ctx) => {
        writable(ctx);
        const b = (ctx.body ?? {}) as { title?: unknown; body?: unknown };
        if (typeof b.title !== 'string' || b.title === '') {
          throw new ApiError(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
            status: '422',
          });
        }
        ctx.res.statusCode = 201;
        return newIssue(ctx.who, b.title, validBody(ctx.body, 'issues/issues#create-an-issue'));
      },
    ],
    [
      'GET',
      /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)$/,
      (_c, m) => {
        const issue = issues.get(Number(m[1]));
        if (!issue) throw notFound('issues/issues#get-an-issue');
        return issue;
      },
    ],
    [
      'PATCH',
      /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)$/,
      (ctx, m) => {
        const issue = issues.get(Number(m[1]));
        if (!issue) throw notFound('issues/issues#update-an-issue');
        writable(ctx);
        const b = (ctx.body ?? {}) as { title?: unknown; body?: unknown; state?: unknown; state_reason?: unknown };
        if (typeof b.title === 'string') issue.title = b.title;
        if (typeof b.body === 'string') issue.body = validBody(ctx.body, 'issues/issues#update-an-issue');
        if (b.state === 'open' || b.state === 'closed') {
          issue.state = b.state;
          issue.closed_at = b.state === 'closed' ? isoNow() : null;
          issue.state_reason = b.state === 'closed' ? (typeof b.state_reason === 'string' ? b.state_reason : 'completed') : null;
        }
        issue.updated_at = isoNow();
        return issue;
      },
    ],
  ];

  function pull(n: number): PullSpec {
    const p = pulls.get(n);
    if (!p) throw notFound('pulls/pulls#get-a-pull-request');
    return p;
  }

  function pullJson(p: PullSpec): Record<string, unknown> {
    const repoJson = {
      id: repoId,
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: { login: owner, type: 'Organization' },
      default_branch: 'main',
    };
    const closed = p.merged || p.mergeCommitSha !== undefined || closedPulls.has(p.number);
    return {
      url: `${base}${repoPath}/pulls/${p.number}`,
      id: 1_000_000 + p.number,
      node_id: `PR_kwDO${Buffer.from(String(p.number)).toString('base64url')}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
      number: p.number,
      state: closed ? 'closed' : 'open',
      title: p.title ?? `Change ${p.number}`,
      user: p.author ? user(p.author, 'User') : patUser,
      labels: (p.labels ?? []).map((name, i) => ({ id: 5000 + i, name })),
      merged_at: p.merged ? isoNow() : null,
      closed_at: closed ? isoNow() : null,
      merge_commit_sha: p.mergeCommitSha ?? null,
      head: { label: `${owner}:${p.headRef ?? 'feature'}`, ref: p.headRef ?? 'feature', sha: p.headSha, repo: repoJson },
      base: { label: `${owner}:${p.baseRef ?? 'main'}`, ref: p.baseRef ?? 'main', sha: p.baseSha, repo: repoJson },
    };
  }

  function fileJson(f: FileChange): Record<string, unknown> {
    const sha = createHash('sha1').update(f.filename).digest('hex');
    return {
      sha,
      filename: f.filename,
      status: f.status ?? 'modified',
      additions: 1,
      deletions: 1,
      changes: 2,
      blob_url: `https://github.com/${owner}/${repo}/blob/${sha}/${f.filename}`,
      raw_url: `https://github.com/${owner}/${repo}/raw/${sha}/${f.filename}`,
      contents_url: `${base}${repoPath}/contents/${f.filename}?ref=${sha}`,
      patch: '@@ -1 +1 @@\n-old\n+new',
      ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
    };
  }

  function compareJson(ctx: Ctx, basehead: string): Record<string, unknown> {
    const entry = compares.get(basehead);
    const [b, h] = basehead.split('...');
    if (!entry || !b || !h) throw notFound('commits/commits#compare-two-commits');
    const commits = (entry.opts.commits ?? [h]).map((sha) => ({ sha, commit: { message: `commit ${sha.slice(0, 7)}` } }));
    const files = entry.files.map(fileJson);
    // Without paging parameters GitHub returns up to 250 commits and 300 files; with them,
    // both lists are paged and a Link header is sent.
    const paged = ctx.query.has('per_page') || ctx.query.has('page');
    const pageOf = <T>(items: T[], cap: number): T[] =>
      paged ? paginate(ctx, items, Math.max(commits.length, files.length)) : items.slice(0, cap);
    return {
      url: `${base}${repoPath}/compare/${basehead}`,
      html_url: `https://github.com/${owner}/${repo}/compare/${basehead}`,
      base_commit: { sha: b },
      merge_base_commit: { sha: b },
      status: entry.opts.status ?? 'ahead',
      ahead_by: entry.opts.status === 'identical' ? 0 : commits.length,
      behind_by: entry.opts.status === 'diverged' || entry.opts.status === 'behind' ? 1 : 0,
      total_commits: commits.length,
      commits: pageOf(commits, 250),
      files: pageOf(files, 300),
    };
  }

  /** GitHub's paging: per_page default 30, max 100; Link with prev/next/last/first. */
  function paginate<T>(ctx: Ctx, items: T[], total = items.length): T[] {
    const per = Math.min(100, Math.max(1, Number(ctx.query.get('per_page')) || 30));
    const page = Math.max(1, Number(ctx.query.get('page')) || 1);
    const last = Math.max(1, Math.ceil(total / per));
    const link = (p: number, rel: string): string => {
      const q = new URLSearchParams(ctx.query);
      q.set('page', String(p));
      // GitHub's links address the repository by id.
      const path = ctx.path.replace(repoPath, `/repositories/${repoId}`);
      return `<${base}${path}?${q.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev')] : []),
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
      ...(page > 1 ? [link(1, 'first')] : []),
    ];
    if (links.length) ctx.res.setHeader('link', links.join(', '));
    return items.slice((page - 1) * per, page * per);
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const u = new URL(req.url ?? '/', base);
    const path = u.pathname.replace(new RegExp(`^/repositories/${repoId}(?=/)`), repoPath);
    const method = req.method ?? 'GET';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const kind: ApiRequest['auth'] =
      token === undefined
        ? 'none'
        : token === tokens.actions || jobTokens.has(token)
          ? 'actions'
          : token === tokens.app
            ? 'app'
            : token === tokens.pat
              ? 'pat'
              : token === tokens.readOnly
                ? 'read-only'
                : 'unknown';
    const rec: ApiRequest = {
      method,
      path,
      query: Object.fromEntries(u.searchParams),
      bodySize: Buffer.byteLength(raw),
      status: 0,
      auth: kind,
      at: Date.now(),
      userAgent: req.headers['user-agent'],
    };
    requests.push(rec);
    if (!req.headers['user-agent']) {
      // GitHub rejects a request without a User-Agent header before anything else, with the
      // text/html answer its REST docs show (getting-started-with-the-rest-api#user-agent).
      rec.status = 403;
      res.writeHead(403, { 'content-type': 'text/html', connection: 'close' });
      res.end(
        'Request forbidden by administrative rules.\nPlease make sure your request has a User-Agent header.\nCheck https://developer.github.com for other possible causes.\n',
      );
      return;
    }
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('x-github-request-id', randomUUID().toUpperCase().slice(0, 23));
    res.setHeader('x-github-api-version-selected', '2022-11-28');
    let out: unknown;
    await heldBack(method, path, token ?? '');
    try {
      const taken = takeFault(method, path);
      const fault = taken?.fault;
      if (fault === 'hang') {
        rec.status = -1;
        // Accepted and never answered; the socket is destroyed when the server stops.
        return await new Promise<never>(() => undefined);
      }
      if (fault !== undefined) {
        const err = faultError(fault);
        if (taken?.message !== undefined) err.body['message'] = taken.message;
        throw err;
      }
      if (kind === 'none') throw new ApiError(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
      if (kind === 'unknown') throw new ApiError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      if (path.startsWith('/repos/') && !path.startsWith(`${repoPath}/`)) throw notFound('repos/repos#get-a-repository');
      const route = routes.find(([m, re]) => m === method && re.test(path));
      if (!route) throw notFound('');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        throw new ApiError(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      }
      const who = kind === 'pat' ? patUser : kind === 'app' ? appBot : ACTIONS_BOT;
      out = route[2]({ method, path, query: u.searchParams, body, who, kind, res }, route[1].exec(path)!);
      rec.status = res.statusCode;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.removeHeader('link');
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      res.statusCode = err.status;
      rec.status = err.status;
      out = err.body;
    }
    res.end(res.statusCode === 204 ? undefined : JSON.stringify(out));
    notifyAnswered(method, path, raw);
  };

  const waiters: { method?: string; path?: RegExp; graphql?: RegExp; resolve: () => void }[] = [];
  function notifyAnswered(method: string, path: string, raw: string): void {
    let query: string | undefined;
    try {
      query = path === '/graphql' ? String((JSON.parse(raw) as { query?: unknown }).query) : undefined;
    } catch {
      query = undefined;
    }
    for (const w of [...waiters]) {
      if (w.method && w.method !== method) continue;
      if (w.path && !w.path.test(path)) continue;
      if (w.graphql && (query === undefined || !w.graphql.test(query))) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  /** Holds matching requests until `count` distinct callers arrive (or its `open` is called). */
  function addHold(count: number, o: { method?: string; path?: RegExp }): (typeof holds)[number] {
    let open = (): void => undefined;
    const release = new Promise<void>((resolve) => (open = resolve));
    const h = {
      count,
      callers: new Set<string>(),
      release,
      open,
      ...(o.method ? { method: o.method } : {}),
      ...(o.path ? { path: o.path } : {}),
    };
    holds.push(h);
    return h;
  }

  async function heldBack(method: string, path: string, caller: string): Promise<void> {
    const h = holds.find((x) => (!x.method || x.method === method) && (!x.path || x.path.test(path)));
    if (!h) return;
    h.callers.add(caller);
    if (h.callers.size >= h.count) {
      holds.splice(holds.indexOf(h), 1);
      h.open();
    }
    await h.release;
  }

  function takeFault(method: string, path: string): { fault: ApiFault; message?: string } | undefined {
    const f = faults.find((x) => (!x.method || x.method === method) && (!x.path || x.path.test(path)));
    if (!f) return undefined;
    if (--f.times <= 0) faults.splice(faults.indexOf(f), 1);
    return f;
  }

  const { server, base: b } = await listen((req, res) => void handler(req, res).catch(() => res.destroy()));
  base = b;
  return {
    url: base,
    owner,
    repo,
    actionsToken: tokens.actions,
    appToken: tokens.app,
    appBot,
    patToken: tokens.pat,
    patUser,
    readOnlyToken: tokens.readOnly,
    jobToken: () => {
      const token = `ghs_${randomBytes(18).toString('base64url')}`;
      jobTokens.add(token);
      return token;
    },
    addPull: (spec) => void pulls.set(spec.number, { ...spec, files: spec.files.map(toChange) }),
    addCompare: (b0, h, files, o = {}) => void compares.set(`${b0}...${h}`, { files: files.map(toChange), opts: o }),
    comments: (n) => (comments.get(n) ?? []).map((c) => ({ ...c })),
    editComment: (id, login, body) => {
      const c = findComment(id);
      c.body = body;
      c.updated_at = isoNow();
      editors.set(c.id, user(login, 'User'));
    },
    seedComment: (n, c) => newComment(n, user(c.login, c.type ?? 'User'), c.body),
    setLabels: (n, labels) => {
      const p = pulls.get(n);
      if (p) p.labels = [...labels];
    },
    addReview: (n, r) => {
      const id = nextReviewId++;
      const review: PullReview = {
        id,
        node_id: `PRR_kwDO${Buffer.from(String(id)).toString('base64url')}`,
        user: user(r.login, 'User'),
        body: r.body ?? '',
        state: r.state,
        html_url: `https://github.com/${owner}/${repo}/pull/${n}#pullrequestreview-${id}`,
        pull_request_url: `${base}${repoPath}/pulls/${n}`,
        author_association: 'MEMBER',
        commit_id: r.commitId,
        submitted_at: (r.submittedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      reviews.set(n, [...(reviews.get(n) ?? []), review]);
      return { ...review };
    },
    dismissReview: (n, id) => {
      const review = (reviews.get(n) ?? []).find((r) => r.id === id);
      if (review) review.state = 'DISMISSED';
    },
    setRole: (login, role) => void roles.set(login.toLowerCase(), role),
    closePull: (n) => void closedPulls.add(n),
    issues: () => [...issues.values()].sort((a, b) => a.number - b.number).map((i) => ({ ...i })),
    seedIssue: (i) => newIssue(user(i.login, i.type ?? 'User'), i.title, i.body, i.state),
    failNext: (fault, o = {}) =>
      void faults.push({
        fault,
        times: o.times ?? 1,
        ...(o.method ? { method: o.method } : {}),
        ...(o.path ? { path: o.path } : {}),
        ...(o.message !== undefined ? { message: o.message } : {}),
      }),
    clearFaults: () => void faults.splice(0),
    holdUntil: (count, o) => void addHold(count, o),
    hold: (o) => {
      const h = addHold(Infinity, o);
      return () => {
        if (holds.includes(h)) holds.splice(holds.indexOf(h), 1);
        h.open();
      };
    },
    answered: (o) => new Promise<void>((resolve) => void waiters.push({ ...o, resolve })),
    requests,
    stop: () => close(server),
  };
}

function writable(ctx: { kind: ApiRequest['auth'] }): void {
  if (ctx.kind === 'read-only') {
    throw new ApiError(403, {
      message: 'Resource not accessible by integration',
      documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`,
      status: '403',
    });
  }
}

function validBody(body: unknown, doc: string): string {
  const text = (body as { body?: unknown } | undefined)?.body;
  if (typeof text !== 'string') {
    throw new ApiError(422, {
      message: 'Invalid request.\n\n"body" wasn\'t supplied.',
      documentation_url: `${DOCS}/${doc}`,
      status: '422',
    });
  }
  // GitHub counts characters, not UTF-16 units.
  if ([...text].length > MAX_COMMENT_LENGTH) {
    throw new ApiError(422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`,
        },
      ],
      documentation_url: `${DOCS}/${doc}`,
      status: '422',
    });
  }
  return text;
}

function faultError(fault: Exclude<ApiFault, 'hang'>): ApiError {
  if (fault === 'secondary-rate-limit') {
    return new ApiError(
      403,
      {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000:0000.',
        documentation_url:
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: '403',
      },
      { 'retry-after': '1' },
    );
  }
  if (fault === 429) {
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    return new ApiError(
      429,
      { message: 'API rate limit exceeded for installation ID 1.', documentation_url: DOCS, status: '429' },
      { 'retry-after': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
    );
  }
  return new ApiError(fault, { message: fault >= 500 ? 'Server Error' : `Injected HTTP ${fault}`, status: String(fault) });
}

function notFound(doc: string): ApiError {
  return new ApiError(404, { message: 'Not Found', documentation_url: `${DOCS}/${doc}`, status: '404' });
}

function user(login: string, type: 'User' | 'Bot'): GitHubUser {
  if (login === ACTIONS_BOT.login) return ACTIONS_BOT;
  const id = createHash('sha1').update(login).digest().readUInt32BE(0) % 100_000_000;
  return { login, id, node_id: Buffer.from(`04:${type}${id}`).toString('base64'), type };
}

function toChange(f: string | FileChange): FileChange {
  return typeof f === 'string' ? { filename: f } : f;
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
