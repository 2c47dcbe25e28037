import { num as finite, obj, str, type CommitRange, type Inputs, type Mode, type RepoRef, type RunContext } from '../core/index.js';
import { INPUT } from '../inputs/index.js';

// GitHub event -> what this run does. Pure: main.ts fills EventContext from
// @actions/github's context, tests fill it from recorded webhook payloads.

export interface EventContext {
  eventName: string;
  /** The parsed event JSON (GITHUB_EVENT_PATH). */
  payload: Record<string, unknown>;
  repo: RepoRef;
  /** GITHUB_SHA */
  sha: string;
  /** GITHUB_REF */
  ref: string;
  serverUrl: string;
  runId: number | string;
  /** GITHUB_RUN_ATTEMPT: 1, then 2… for each "Re-run" of the same run. */
  runAttempt?: number | string | undefined;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request']);
const ZERO_SHA = /^0+$/;
/** Runs of these events in plan mode check the default branch's HCL against the database. */
const DRIFT_EVENTS = new Set(['schedule', 'workflow_dispatch']);

/** The run refuses an event it must never run on; the message says why and what to use. */
export class EventError extends Error {}

export function buildRunContext(inputs: Pick<Inputs, 'mode'>, ctx: EventContext): RunContext {
  if (ctx.eventName === 'pull_request_target') {
    // pull_request_target runs with the base repository's secrets and a write token, and this
    // action runs the pull request's Terraform (providers, data sources, atlas.hcl): any fork
    // could read the AWS credentials and the database's master secret.
    throw new EventError(
      'This action refuses to run on pull_request_target: that event gives the workflow the base repository\'s secrets and a write token, while this action runs the pull request\'s own Terraform and Atlas configuration (providers, data sources, atlas.hcl), so any pull request — from a fork too — could read the AWS credentials and the database\'s master secret. Use "on: pull_request" (a fork then gets no credentials and the action skips it), and run applies on "push" to the default branch.',
    );
  }
  const p = ctx.payload;
  const repository = obj(p['repository']);
  const defaultBranch = str(repository['default_branch']);
  const pr = PULL_REQUEST_EVENTS.has(ctx.eventName) ? obj(p['pull_request']) : undefined;
  const prNumber = pr ? (num(pr['number']) ?? num(p['number'])) : undefined;
  const ref = ctx.eventName === 'push' ? str(p['ref']) || ctx.ref : ctx.ref;

  const range = commitRange(ctx, pr, prNumber, ref);
  const { mode, modeReason } = decideMode(inputs.mode, ctx.eventName, ref, defaultBranch, p, prNumber);

  return {
    eventName: ctx.eventName,
    mode,
    modeReason,
    repo: ctx.repo,
    defaultBranch,
    ref,
    sha: commitSha(ctx, pr),
    range,
    pullNumbers: prNumber !== undefined ? [prNumber] : [],
    fork: pr !== undefined && isFork(pr, repository),
    drift: mode === 'plan' && DRIFT_EVENTS.has(ctx.eventName),
    runUrl: runUrl(ctx),
  };
}

/** The run's page for this attempt: a re-run's link must not show a later attempt's result. */
function runUrl(ctx: EventContext): string {
  const base = `${ctx.serverUrl}/${ctx.repo.owner}/${ctx.repo.repo}/actions/runs/${ctx.runId}`;
  const attempt = Number(ctx.runAttempt);
  return Number.isInteger(attempt) && attempt >= 1 ? `${base}/attempts/${attempt}` : base;
}

function decideMode(
  input: Inputs['mode'],
  eventName: string,
  ref: string,
  defaultBranch: string,
  payload: Record<string, unknown>,
  prNumber: number | undefined,
): { mode: Mode; modeReason: string } {
  if (input === 'plan') return { mode: 'plan', modeReason: `Input "${INPUT.mode}" is plan, so this run never applies.` };
  if (input === 'apply') return { mode: 'apply', modeReason: `Input "${INPUT.mode}" is apply, so this ${eventName} run applies.` };

  const plan = (modeReason: string): { mode: Mode; modeReason: string } => ({ mode: 'plan', modeReason });
  if (eventName !== 'push') {
    if (prNumber !== undefined) {
      const target = defaultBranch ? ` into ${defaultBranch}` : '';
      return plan(`Pull request #${prNumber} only plans; the apply runs when it is merged${target}.`);
    }
    return plan(`A ${eventName} event only plans; only a push to the default branch applies.`);
  }
  if (!defaultBranch) {
    return plan(`The push event does not name the repository's default branch, so this run only plans.`);
  }
  const defaultRef = `refs/heads/${defaultBranch}`;
  if (ref !== defaultRef) {
    const what = ref.startsWith('refs/tags/') ? `tag ${ref.slice('refs/tags/'.length)}` : ref;
    return plan(`A push to ${what} only plans; only a push to the default branch ${defaultBranch} applies.`);
  }
  // GitHub marks a deletion with deleted: true and an all-zero after; either one means it.
  if (payload['deleted'] === true || /^0+$/.test(str(payload['after']) || 'x')) {
    return plan(`The push deleted ${defaultRef}, so there is nothing to apply.`);
  }
  return { mode: 'apply', modeReason: `A push to the default branch ${defaultBranch} applies.` };
}

function commitRange(ctx: EventContext, pr: Record<string, unknown> | undefined, prNumber: number | undefined, ref: string): CommitRange {
  if (pr) {
    const base = str(obj(pr['base'])['sha']);
    const head = str(obj(pr['head'])['sha']);
    if (prNumber === undefined || !base || !head) {
      return { kind: 'none', reason: 'the pull request event names no number, base or head commit' };
    }
    return { kind: 'pull_request', number: prNumber, base, head };
  }
  if (ctx.eventName !== 'push') {
    return { kind: 'none', reason: `a ${ctx.eventName} event has no commit range to compare` };
  }
  const p = ctx.payload;
  const before = str(p['before']);
  const after = str(p['after']);
  if (p['deleted'] === true || ZERO_SHA.test(after)) {
    return { kind: 'none', reason: `the push deleted ${ref}` };
  }
  if (!before || !after) return { kind: 'none', reason: 'the push event names no before/after commits' };
  if (ZERO_SHA.test(before)) {
    return { kind: 'none', reason: `the push created ${ref}, so there is no earlier commit to compare with` };
  }
  if (p['forced'] === true) {
    return { kind: 'none', reason: `the push to ${ref} was forced, so ${shortSha(before)} may not be an ancestor` };
  }
  return { kind: 'push', before, after };
}

function commitSha(ctx: EventContext, pr: Record<string, unknown> | undefined): string {
  if (pr) return str(obj(pr['head'])['sha']) || ctx.sha;
  if (ctx.eventName === 'push') {
    const after = str(ctx.payload['after']);
    return after && !ZERO_SHA.test(after) ? after : ctx.sha;
  }
  if (ctx.eventName === 'merge_group') return str(obj(ctx.payload['merge_group'])['head_sha']) || ctx.sha;
  return ctx.sha;
}

/** A fork's PR gets no OIDC token and a read-only GITHUB_TOKEN; a deleted fork has head.repo null. */
function isFork(pr: Record<string, unknown>, repository: Record<string, unknown>): boolean {
  const headRepo = pr['head'] === undefined ? undefined : obj(pr['head'])['repo'];
  if (headRepo === null || headRepo === undefined) return true;
  return str(obj(headRepo)['full_name']) !== str(repository['full_name']);
}

function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

function num(value: unknown): number | undefined {
  const n = finite(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}
