import { runCheck, type CheckOutcome, type CheckQuery } from './impact-checks.js';
import type { ReadOnlySession } from './session.js';

// The bounded checks of one plan, run side by side on a few read-only sessions: each check is
// still one capped query in its own savepoint under statement_timeout and lock_timeout; what
// changes is that a 2-core database scans two tables at once instead of one after the other.
// Each session runs one check at a time (a pg connection runs one query at a time anyway).

/** A check that was not started because a session reported the phase's time budget spent. */
export const NOT_STARTED = 'budget';

/**
 * Runs `queries` over `sessions` (the first one is ready; the others may still be connecting,
 * or fail to, and are then left out). Returns the outcomes in the order of `queries`;
 * NOT_STARTED for those not started once a session ran out of its time budget.
 */
export async function runChecks(
  sessions: readonly (ReadOnlySession | Promise<ReadOnlySession | undefined>)[],
  queries: readonly CheckQuery[],
  cap: number,
): Promise<(CheckOutcome | typeof NOT_STARTED)[]> {
  const out: (CheckOutcome | typeof NOT_STARTED)[] = queries.map(() => NOT_STARTED);
  let next = 0;
  let budgetSpent = false;
  // Once every check has started (or the budget is spent), a session still connecting is not waited for.
  let drain = (): void => undefined;
  const drained = new Promise<undefined>((resolve) => (drain = () => resolve(undefined)));
  const worker = async (pending: ReadOnlySession | Promise<ReadOnlySession | undefined>): Promise<void> => {
    const session = await Promise.race([pending, drained]);
    while (session && !budgetSpent && next < queries.length) {
      const i = next++;
      if (next === queries.length) drain();
      const got = await runCheck(session, queries[i]!, cap);
      out[i] = got;
      if (!got.ok && got.budget) {
        budgetSpent = true;
        drain();
      }
    }
  };
  await Promise.all(sessions.slice(0, Math.max(1, queries.length)).map(worker));
  return out;
}
