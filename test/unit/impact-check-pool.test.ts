import { describe, expect, it } from 'vitest';
import { NOT_STARTED, runChecks, type CheckQuery, type ReadOnlySession } from '../../src/database/index.js';

// The checks of a plan over a few sessions: every check runs once, on one session at a time,
// the outcomes come back in plan order whichever session finished first, a session that never
// connects holds nothing up, and a spent time budget stops the checks not yet started.

const nulls = (table: string): CheckQuery => ({ kind: 'nulls', table, columns: ['c'] });

/** A session whose check queries wait until the test releases them; it answers `count` for a table. */
function heldSession(name: string, log: string[], counts: Record<string, number>) {
  const waiting: (() => void)[] = [];
  const session: ReadOnlySession = {
    async query<T extends object>(sql: string): Promise<T[]> {
      if (/SAVEPOINT/.test(sql)) return [];
      const table = /FROM (\w+) WHERE/.exec(sql)?.[1] ?? '?';
      log.push(`${name} starts ${table}`);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return [{ n: counts[table] ?? 0 }] as T[];
    },
  };
  return { session, release: () => waiting.splice(0).forEach((r) => r()) };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('runChecks', () => {
  it('runs checks on two sessions at once and returns the outcomes in plan order', async () => {
    const log: string[] = [];
    const counts = { a: 3, b: 0, c: 7 };
    const one = heldSession('one', log, counts);
    const two = heldSession('two', log, counts);
    const done = runChecks([one.session, Promise.resolve(two.session)], [nulls('a'), nulls('b'), nulls('c')], 10);
    await settle();
    // Both sessions are busy before either check has finished.
    expect(log).toEqual(['one starts a', 'two starts b']);
    two.release();
    await settle();
    expect(log).toEqual(['one starts a', 'two starts b', 'two starts c']);
    two.release();
    one.release();
    expect(await done).toEqual([
      { ok: true, count: 3, capped: false },
      { ok: true, count: 0, capped: false },
      { ok: true, count: 7, capped: false },
    ]);
  });

  it('does not wait for a session that never connects', async () => {
    const counts = { a: 1, b: 2 };
    const log: string[] = [];
    const one = heldSession('one', log, counts);
    const never = new Promise<ReadOnlySession | undefined>(() => undefined);
    const done = runChecks([one.session, never], [nulls('a'), nulls('b')], 10);
    for (let i = 0; i < 2; i++) {
      await settle();
      one.release();
    }
    expect((await done).map((o) => (o === NOT_STARTED ? o : o.ok && o.count))).toEqual([1, 2]);
  });

  it('starts no check after a session reports the time budget spent', async () => {
    const budget = Object.assign(new Error('spent'), { name: 'SessionBudgetExceeded' });
    const session: ReadOnlySession = {
      query<T extends object>(sql: string): Promise<T[]> {
        return /SAVEPOINT/.test(sql) ? Promise.resolve([]) : Promise.reject(budget);
      },
    };
    const out = await runChecks([session], [nulls('a'), nulls('b')], 10);
    expect(out).toEqual([{ ok: false, reason: 'the facts phase reached its time budget', budget: true }, NOT_STARTED]);
  });
});
