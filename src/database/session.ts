import type pg from 'pg';

// The one connection layer for live facts: a single session in a READ ONLY transaction with
// statement and lock timeouts, and a total time budget after which it aborts and closes.
// Plan SQL never runs here; callers send catalog queries only.

/** What readers of live facts need: parameterised queries in a read-only, bounded session. */
export interface ReadOnlySession {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface SessionOptions {
  /** Per statement (SET LOCAL statement_timeout); 5 s unless given. */
  statementTimeoutMs?: number;
  /** Waiting for a lock (SET LOCAL lock_timeout); 1 s unless given. */
  lockTimeoutMs?: number;
  /** The whole session, from connect to close; 20 s unless given. */
  budgetMs?: number;
}

export interface OpenSession extends ReadOnlySession {
  /** Ends the transaction (ROLLBACK: nothing was written) and the connection. Safe to call twice. */
  close(): Promise<void>;
}

export class SessionBudgetExceeded extends Error {
  constructor(budgetMs: number) {
    super(`The read-only database session exceeded its time budget of ${budgetMs} ms and was closed.`);
    this.name = 'SessionBudgetExceeded';
  }
}

/**
 * Connects with `config` (the preflight's IAM-token configuration), starts a READ ONLY
 * transaction and sets its timeouts. Any query after the budget is spent, or running when it
 * runs out, fails with SessionBudgetExceeded and the connection is closed.
 */
export async function openReadOnlySession(config: pg.ClientConfig, opts: SessionOptions = {}): Promise<OpenSession> {
  const budgetMs = opts.budgetMs ?? 20_000;
  // pg is loaded on first use: only runs whose facts phases read the database need it.
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({
    ...config,
    connectionTimeoutMillis: Math.min(config.connectionTimeoutMillis ?? budgetMs, budgetMs),
  });
  // A socket error after connect() must not crash the process; the pending query rejects instead.
  client.on('error', () => undefined);
  return beginSession(client, opts);
}

/** Starts the budget, connects, begins the READ ONLY transaction and sets its timeouts. */
async function beginSession(client: pg.Client, opts: SessionOptions): Promise<OpenSession> {
  const budgetMs = opts.budgetMs ?? 20_000;
  let closed: Promise<void> | undefined;
  let expired = false;
  const close = (): Promise<void> => (closed ??= client.end().catch(() => undefined));
  const timer = setTimeout(() => {
    expired = true;
    void close();
  }, budgetMs);
  timer.unref();
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    if (expired) throw new SessionBudgetExceeded(budgetMs);
    try {
      return await work();
    } catch (err) {
      if (expired) throw new SessionBudgetExceeded(budgetMs);
      throw err;
    }
  };
  try {
    await guard(() => client.connect());
    // One round trip (the simple protocol runs them in order and stops at the first error).
    const statementTimeout = Math.max(1, Math.round(opts.statementTimeoutMs ?? 5_000));
    const lockTimeout = Math.max(1, Math.round(opts.lockTimeoutMs ?? 1_000));
    await guard(() => client.query(`BEGIN READ ONLY; ${sessionSettings(statementTimeout, lockTimeout)}`));
  } catch (err) {
    clearTimeout(timer);
    await close();
    throw err;
  }
  return {
    query: <T extends object>(sql: string, params?: readonly unknown[]) =>
      guard(async () => (await client.query(sql, params as unknown[] | undefined)).rows as T[]),
    async close() {
      clearTimeout(timer);
      if (!closed && !expired) await client.query('ROLLBACK').catch(() => undefined);
      await close();
    },
  };
}

/**
 * The transaction's settings. Besides the timeouts: no parallel workers, so a session is one
 * backend and the phase's footprint on production is the sessions it opens (the checks already
 * run side by side on a few sessions; workers on top only add start-up cost and contend for the
 * same cores), and no JIT, whose compile time exceeds what it saves on these one-pass scans
 * (RDS turns JIT on by default where the server has it).
 */
function sessionSettings(statementTimeoutMs: number, lockTimeoutMs: number): string {
  return [
    `SET LOCAL statement_timeout = ${statementTimeoutMs}`,
    `SET LOCAL lock_timeout = ${lockTimeoutMs}`,
    'SET LOCAL max_parallel_workers_per_gather = 0',
    'SET LOCAL jit = off',
  ].join('; ');
}
