import type { ReadOnlySession } from './session.js';

// The one way the impact readers run a query that may time out, inside the session that
// session.ts opens (READ ONLY, statement_timeout, lock_timeout, a total budget).

export type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string; budget?: true };

// Why a query failed, from its SQLSTATE only: a server message can quote a value from a row
// (e.g. "invalid input syntax for type integer: "…""), so it is never passed on.
const REASONS: Record<string, string> = {
  '55P03': 'another session holds a conflicting lock (lock_timeout reached)',
  '57014': 'the query reached statement_timeout',
  '42501': 'the login may not read the table (permission denied)',
  '42P01': 'the table does not exist',
  '42703': 'a column does not exist yet',
  '42883': 'no operator or function for these column types',
  '42804': 'the column types do not match',
};

/**
 * Runs `work` inside a savepoint, so that a failure (a lock or statement timeout, a missing
 * privilege) rolls back only this query and the READ ONLY transaction goes on. The savepoint is
 * released on success; a read-only transaction's subtransactions get no transaction id, so
 * they cost nothing on the server.
 */
export async function attempt<T>(session: ReadOnlySession, work: () => Promise<T>): Promise<Attempt<T>> {
  try {
    await session.query('SAVEPOINT impact_fact');
  } catch (err) {
    return failure(err);
  }
  try {
    const value = await work();
    await session.query('RELEASE SAVEPOINT impact_fact');
    return { ok: true, value };
  } catch (err) {
    const out = failure(err);
    if (!out.budget) await session.query('ROLLBACK TO SAVEPOINT impact_fact').catch(() => undefined);
    return out;
  }
}

function failure(err: unknown): { ok: false; reason: string; budget?: true } {
  if (err instanceof Error && err.name === 'SessionBudgetExceeded')
    return { ok: false, reason: 'the facts phase reached its time budget', budget: true };
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  return { ok: false, reason: REASONS[code] ?? (code ? `the query failed (SQLSTATE ${code})` : 'the query failed (connection)') };
}

// A quote_ident() result, optionally schema-qualified: bare lower-case words or "…" with "" inside.
const IDENT = String.raw`(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")`;
const QUOTED = new RegExp(`^${IDENT}(?:\\.${IDENT})?$`);

/** `quoted` unchanged if it is a quote_ident() result (as read from the catalog); throws otherwise. */
export function ident(quoted: string): string {
  if (!QUOTED.test(quoted)) throw new Error('refusing an identifier that is not a quote_ident() result');
  return quoted;
}
