import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Event payloads for GITHUB_EVENT_PATH, built from the real webhook examples that
// @octokit/webhooks-examples ships, with only what a test needs overridden. The payloads keep
// GitHub's full structure (repository.default_branch, pull_request.head.repo.full_name, ...)
// so the action reads them exactly as it would on a runner.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are deep, loosely typed JSON
export type Payload = Record<string, any>;

export const DEFAULT_OWNER = 'octo-org';
export const DEFAULT_REPO = 'octo-repo';
const ZERO_SHA = '0'.repeat(40);

interface Definition {
  name: string;
  examples: Payload[];
}
let definitions: Definition[] | undefined;

/** A deep copy of a shipped example: the first of `event` matching `pick`. */
export function example(event: string, pick: (p: Payload) => boolean = () => true): Payload {
  definitions ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8')) as Definition[];
  const found = definitions.find((d) => d.name === event)?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no "${event}" example matching the filter`);
  return structuredClone(found);
}

interface RepoTarget {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
}

export interface PullRequestEventOptions extends RepoTarget {
  action?: string;
  number: number;
  headSha: string;
  baseSha: string;
  baseRef?: string;
  headRef?: string;
  /** "someone/octo-repo" makes it a pull request from a fork. */
  headRepoFullName?: string;
  /** For action "closed": merged with this merge commit. */
  mergeCommitSha?: string;
  /** Previous head, for "synchronize". */
  before?: string;
}

export function pullRequestEvent(o: PullRequestEventOptions): Payload {
  const action = o.action ?? 'synchronize';
  const p = retarget(
    example('pull_request', (e) => e.action === 'synchronize'),
    o,
  );
  const pr = p.pull_request;
  const full = `${p.repository.owner.login}/${p.repository.name}`;
  const baseRef = o.baseRef ?? 'main';
  const headRef = o.headRef ?? 'feature';
  p.action = action;
  p.number = o.number;
  Object.assign(p, retargetNumber({ pull_request: pr }, o.number));
  Object.assign(p.pull_request, { number: o.number, state: 'open', merged: false, merged_at: null, closed_at: null });
  p.pull_request.base = { ...p.pull_request.base, ref: baseRef, sha: o.baseSha, label: `${p.repository.owner.login}:${baseRef}` };
  p.pull_request.base.repo.default_branch = p.repository.default_branch;
  p.pull_request.head = { ...p.pull_request.head, ref: headRef, sha: o.headSha };
  const headRepo = o.headRepoFullName ?? full;
  const [headOwner = '', headName = ''] = headRepo.split('/');
  p.pull_request.head.label = `${headOwner}:${headRef}`;
  if (headRepo !== full) {
    const fork = p.pull_request.head.repo;
    Object.assign(fork, { full_name: headRepo, name: headName, fork: true, id: fork.id + 1, html_url: `https://github.com/${headRepo}` });
    fork.owner = { ...fork.owner, login: headOwner, html_url: `https://github.com/${headOwner}` };
    fork.url = `https://api.github.com/repos/${headRepo}`;
  }
  if (action === 'synchronize') {
    p.before = o.before ?? p.before;
    p.after = o.headSha;
  } else {
    delete p.before;
    delete p.after;
  }
  if (action === 'closed' && o.mergeCommitSha) {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    Object.assign(p.pull_request, { state: 'closed', merged: true, merged_at: now, closed_at: now, merge_commit_sha: o.mergeCommitSha });
  }
  return p;
}

export interface PushEventOptions extends RepoTarget {
  before: string;
  after: string;
  ref?: string;
  forced?: boolean;
}

export function pushEvent(o: PushEventOptions): Payload {
  // The shipped branch push (the others are tag pushes and deletions).
  const p = retarget(
    example('push', (e) => String(e.ref).startsWith('refs/heads/') && !e.deleted),
    o,
  );
  const full = p.repository.full_name as string;
  p.ref = o.ref ?? `refs/heads/${p.repository.default_branch}`;
  p.before = o.before;
  p.after = o.after;
  p.created = o.before === ZERO_SHA;
  p.deleted = false;
  p.forced = o.forced ?? false;
  p.base_ref = null;
  p.compare = p.created
    ? `https://github.com/${full}/commit/${o.after.slice(0, 12)}`
    : `https://github.com/${full}/compare/${o.before.slice(0, 12)}...${o.after.slice(0, 12)}`;
  p.head_commit = { ...p.head_commit, id: o.after, url: `https://github.com/${full}/commit/${o.after}`, message: 'Merge pull request' };
  p.commits = [p.head_commit];
  return p;
}

export function workflowDispatchEvent(o: RepoTarget & { ref?: string; inputs?: Record<string, string> } = {}): Payload {
  const p = retarget(example('workflow_dispatch'), o);
  p.ref = o.ref ?? `refs/heads/${p.repository.default_branch}`;
  p.inputs = o.inputs ?? {};
  return p;
}

export function mergeGroupEvent(o: RepoTarget & { headSha: string; baseSha: string; baseRef?: string; prNumber?: number }): Payload {
  const p = retarget(example('merge_group'), o);
  const base = o.baseRef ?? p.repository.default_branch;
  const n = o.prNumber ?? 1;
  Object.assign(p.merge_group, {
    head_sha: o.headSha,
    base_sha: o.baseSha,
    base_ref: `refs/heads/${base}`,
    head_ref: `refs/heads/gh-readonly-queue/${base}/pr-${n}-${o.baseSha}`,
  });
  p.merge_group.head_commit = { ...p.merge_group.head_commit, id: o.headSha };
  return p;
}

/** The package ships no schedule example; this is the runner's event file for a cron trigger. */
export function scheduleEvent(o: RepoTarget & { cron?: string } = {}): Payload {
  const repository = retarget(
    example('push', (e) => String(e.ref).startsWith('refs/heads/')),
    o,
  ).repository;
  return { schedule: o.cron ?? '0 3 * * *', repository, workflow: '.github/workflows/database.yml' };
}

/** Writes the payload as the runner does and returns the path for GITHUB_EVENT_PATH. */
export function writeEvent(dir: string, payload: Payload, name = 'event.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(payload, null, 2));
  return path;
}

/** The GITHUB_* variables the runner derives from the event, as @actions/github's context reads them. */
export function eventEnv(eventName: string, payload: Payload, eventPath: string, sha?: string): Record<string, string> {
  const repo = payload.repository as Payload;
  let ref: string;
  let headSha: string;
  const extra: Record<string, string> = {};
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target':
      ref = `refs/pull/${payload.number}/merge`;
      headSha = payload.pull_request.merge_commit_sha ?? payload.pull_request.head.sha;
      extra.GITHUB_HEAD_REF = payload.pull_request.head.ref;
      extra.GITHUB_BASE_REF = payload.pull_request.base.ref;
      break;
    case 'push':
      ref = payload.ref;
      headSha = payload.after;
      break;
    case 'merge_group':
      ref = payload.merge_group.head_ref;
      headSha = payload.merge_group.head_sha;
      break;
    default:
      ref = payload.ref ?? `refs/heads/${repo.default_branch}`;
      headSha = sha ?? ZERO_SHA.replace(/0/g, 'a');
  }
  return {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: repo.full_name,
    GITHUB_REPOSITORY_OWNER: repo.owner.login,
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_SHA: sha ?? headSha,
    ...extra,
  };
}

// --- retargeting the examples to the test's repository -----------------------------------

const EXAMPLE_REPOS = ['Codertocat/Hello-World', 'octo-org/octo-repo', 'Octocoders/Hello-World'];

function retarget(p: Payload, o: RepoTarget): Payload {
  const owner = o.owner ?? DEFAULT_OWNER;
  const name = o.repo ?? DEFAULT_REPO;
  let text = JSON.stringify(p);
  for (const r of EXAMPLE_REPOS) text = text.split(r).join(`${owner}/${name}`);
  const out = JSON.parse(text) as Payload;
  for (const repo of [out.repository, out.pull_request?.base?.repo, out.pull_request?.head?.repo]) {
    if (!repo) continue;
    repo.name = name;
    repo.full_name = `${owner}/${name}`;
    repo.owner = { ...repo.owner, login: owner, html_url: `https://github.com/${owner}` };
    if (o.defaultBranch || repo.default_branch === 'master') repo.default_branch = o.defaultBranch ?? 'main';
    if ('master_branch' in repo) repo.master_branch = repo.default_branch;
  }
  return out;
}

function retargetNumber(part: Payload, n: number): Payload {
  const text = JSON.stringify(part).replace(/\/(pulls|issues|pull)\/\d+(?=["/#])/g, `/$1/${n}`);
  return JSON.parse(text) as Payload;
}
