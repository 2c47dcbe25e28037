import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type {
  EventPayloadMap,
  MergeGroupEvent,
  PullRequestEvent,
  PullRequestSynchronizeEvent,
  PushEvent,
  Repository,
  WebhookEventName,
  WorkflowDispatchEvent,
} from '@octokit/webhooks-types';

// Event payloads for GITHUB_EVENT_PATH, built from the real webhook examples that
// @octokit/webhooks-examples ships, with only what a test needs overridden. The payloads keep
// GitHub's full structure (repository.default_branch, pull_request.head.repo.full_name, ...)
// so the action reads them exactly as it would on a runner.

/**
 * The runner writes no webhook for a cron trigger, so @octokit/webhooks-types has no type for
 * it: this is what GITHUB_EVENT_PATH holds on a `schedule` run.
 */
export interface ScheduleEvent {
  schedule: string;
  repository: Repository;
  workflow: string;
}

/** Every payload these helpers build, as GitHub's webhook schemas describe it. */
export type Payload = PullRequestEvent | PushEvent | WorkflowDispatchEvent | MergeGroupEvent | ScheduleEvent;

export const DEFAULT_OWNER = 'octo-org';
export const DEFAULT_REPO = 'octo-repo';
const ZERO_SHA = '0'.repeat(40);

interface Definition {
  name: string;
  examples: unknown[];
}
let definitions: Definition[] | undefined;

/** A deep copy of a shipped example: the first of `event` matching `pick`. */
export function example<E extends WebhookEventName>(event: E, pick: (p: EventPayloadMap[E]) => boolean = () => true): EventPayloadMap[E] {
  definitions ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8')) as Definition[];
  // The examples are validated against the same schemas the types are generated from.
  const examples = definitions.find((d) => d.name === event)?.examples as EventPayloadMap[E][] | undefined;
  const found = examples?.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no "${event}" example matching the filter`);
  return structuredClone(found);
}

interface RepoTarget {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
}

export interface PullRequestEventOptions extends RepoTarget {
  /** The activity types a workflow's `on: pull_request` reacts to by default, and "closed". */
  action?: 'opened' | 'reopened' | 'synchronize' | 'closed';
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

/**
 * The synchronize example while it becomes the requested action: the other actions reuse its
 * pull request, with state/merged set from the options rather than narrowed to exactly what
 * GitHub sends for that action.
 */
type PullRequestDraft = Omit<PullRequestSynchronizeEvent, 'action' | 'before' | 'after'> & {
  action: NonNullable<PullRequestEventOptions['action']>;
  before?: string;
  after?: string;
};

export function pullRequestEvent(o: PullRequestEventOptions): PullRequestEvent {
  const action = o.action ?? 'synchronize';
  const p: PullRequestDraft = retarget(example('pull_request', (e) => e.action === 'synchronize') as PullRequestSynchronizeEvent, o);
  const full = `${p.repository.owner.login}/${p.repository.name}`;
  const baseRef = o.baseRef ?? 'main';
  const headRef = o.headRef ?? 'feature';
  p.action = action;
  p.number = o.number;
  p.pull_request = retargetNumber(p.pull_request, o.number);
  Object.assign(p.pull_request, { number: o.number, state: 'open', merged: false, merged_at: null, closed_at: null });
  p.pull_request.base = { ...p.pull_request.base, ref: baseRef, sha: o.baseSha, label: `${p.repository.owner.login}:${baseRef}` };
  p.pull_request.base.repo.default_branch = p.repository.default_branch;
  p.pull_request.head = { ...p.pull_request.head, ref: headRef, sha: o.headSha };
  const headRepo = o.headRepoFullName ?? full;
  const [headOwner = '', headName = ''] = headRepo.split('/');
  p.pull_request.head.label = `${headOwner}:${headRef}`;
  const fork = p.pull_request.head.repo;
  if (headRepo !== full && fork) {
    Object.assign(fork, { full_name: headRepo, name: headName, fork: true, id: fork.id + 1, html_url: `https://github.com/${headRepo}` });
    fork.owner = { ...fork.owner, login: headOwner, html_url: `https://github.com/${headOwner}` };
    fork.url = `https://api.github.com/repos/${headRepo}`;
  }
  if (action === 'synchronize') {
    if (o.before !== undefined) p.before = o.before;
    p.after = o.headSha;
  } else {
    delete p.before;
    delete p.after;
  }
  if (action === 'closed' && o.mergeCommitSha) {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    Object.assign(p.pull_request, { state: 'closed', merged: true, merged_at: now, closed_at: now, merge_commit_sha: o.mergeCommitSha });
  }
  return p as PullRequestEvent;
}

export interface PushEventOptions extends RepoTarget {
  before: string;
  after: string;
  ref?: string;
  forced?: boolean;
}

export function pushEvent(o: PushEventOptions): PushEvent {
  // The shipped branch push (the others are tag pushes and deletions).
  const p = retarget(
    example('push', (e) => e.ref.startsWith('refs/heads/') && !e.deleted),
    o,
  );
  const full = p.repository.full_name;
  if (!p.head_commit) throw new Error('the @octokit/webhooks-examples branch push has no head_commit');
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

export function workflowDispatchEvent(o: RepoTarget & { ref?: string; inputs?: Record<string, string> } = {}): WorkflowDispatchEvent {
  const p = retarget(example('workflow_dispatch'), o);
  p.ref = o.ref ?? `refs/heads/${p.repository.default_branch}`;
  p.inputs = o.inputs ?? {};
  return p;
}

export function mergeGroupEvent(
  o: RepoTarget & { headSha: string; baseSha: string; baseRef?: string; prNumber?: number },
): MergeGroupEvent {
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
export function scheduleEvent(o: RepoTarget & { cron?: string } = {}): ScheduleEvent {
  const repository = retarget(
    example('push', (e) => e.ref.startsWith('refs/heads/')),
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
  const repo = payload.repository;
  let ref: string;
  let headSha: string;
  const extra: Record<string, string> = {};
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const { number, pull_request: pr } = payloadFor(eventName, payload, 'pull_request');
      ref = `refs/pull/${number}/merge`;
      headSha = pr.merge_commit_sha ?? pr.head.sha;
      extra.GITHUB_HEAD_REF = pr.head.ref;
      extra.GITHUB_BASE_REF = pr.base.ref;
      break;
    }
    case 'push': {
      const push = payloadFor(eventName, payload, 'pusher');
      ref = push.ref;
      headSha = push.after;
      break;
    }
    case 'merge_group': {
      const group = payloadFor(eventName, payload, 'merge_group').merge_group;
      ref = group.head_ref;
      headSha = group.head_sha;
      break;
    }
    default:
      ref = ('ref' in payload ? payload.ref : undefined) ?? `refs/heads/${repo.default_branch}`;
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

/** The payload as the kind that has `key` (a field only that kind carries), or a clear error. */
function payloadFor<K extends 'pull_request' | 'pusher' | 'merge_group'>(
  eventName: string,
  payload: Payload,
  key: K,
): Extract<Payload, Record<K, unknown>> {
  if (!(key in payload)) throw new Error(`a ${eventName} event needs a payload with "${key}"`);
  return payload as Extract<Payload, Record<K, unknown>>;
}

// --- retargeting the examples to the test's repository -----------------------------------

const EXAMPLE_REPOS = ['Codertocat/Hello-World', 'octo-org/octo-repo', 'Octocoders/Hello-World'];

function retarget<T extends Payload>(p: T, o: RepoTarget): T {
  const owner = o.owner ?? DEFAULT_OWNER;
  const name = o.repo ?? DEFAULT_REPO;
  let text = JSON.stringify(p);
  for (const r of EXAMPLE_REPOS) text = text.split(r).join(`${owner}/${name}`);
  const out = JSON.parse(text) as T;
  const payload: Payload = out; // the union narrows with `in`; T does not
  const repos: (Repository | null)[] = [payload.repository];
  if ('pull_request' in payload) repos.push(payload.pull_request.base.repo, payload.pull_request.head.repo);
  for (const repo of repos) {
    if (!repo) continue;
    repo.name = name;
    repo.full_name = `${owner}/${name}`;
    repo.owner = { ...repo.owner, login: owner, html_url: `https://github.com/${owner}` };
    if (o.defaultBranch || repo.default_branch === 'master') repo.default_branch = o.defaultBranch ?? 'main';
    if ('master_branch' in repo) repo.master_branch = repo.default_branch;
  }
  return out;
}

function retargetNumber<T>(part: T, n: number): T {
  const text = JSON.stringify(part).replace(/\/(pulls|issues|pull)\/\d+(?=["/#])/g, `/$1/${n}`);
  return JSON.parse(text) as T;
}
