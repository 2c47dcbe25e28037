import { errorMessage, outcome, type Logger, type Settled } from '../core/index.js';
import { StepFailure, withFailure } from './root-result.js';
import type { RootRunner } from './steps.js';
import type { RootResult } from './types.js';
import type { PreflightOutcome } from './context.js';

// A root's steps as values: each step either produced its value or stopped the root with a
// StepFailure, and the caller builds the next RootResult from that, so no result is changed
// from inside a callback.

/** What one step of a root produced, or the failure that stopped the root there. */
export type StepResult<T> = { ok: true; value: T } | { ok: false; failure: StepFailure };

/** Runs one step; an error becomes a StepFailure value (a plain error counts as the plan's). */
export async function attempt<T>(fn: () => Promise<T>): Promise<StepResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, failure: err instanceof StepFailure ? err : new StepFailure('plan', errorMessage(err)) };
  }
}

/** The root's result after `failure`, logged in the root's log. */
export function failed(r: RootRunner, result: RootResult, failure: StepFailure): RootResult {
  // One error annotation comes from setFailed at the end, after the report is written.
  r.logger.info(`${r.spec.root}: ${failure.step} failed: ${failure.message}`);
  return withFailure(result, failure);
}

/**
 * Waits for the IAM-token preflight started beside `terraform init`. Returns its notice for the
 * top of the report (e.g. skipped on a bootstrap); throws a StepFailure when it failed.
 */
export async function preflightStep(pending: Promise<Settled<PreflightOutcome>> | undefined, logger: Logger): Promise<string | undefined> {
  if (!pending) return undefined;
  const found = await outcome(pending);
  if (found.notice) logger.notice(found.notice);
  else if (found.ok) logger.info(found.message);
  if (!found.ok) throw new StepFailure('preflight', found.message, [], found.hints);
  return found.notice;
}
