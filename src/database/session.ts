import type { Socket } from 'node:net';
import pg from 'pg';

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

/** A connection made ahead of time, with no transaction open yet (it holds no snapshot and no lock). */
export interface IdleConnection {
  /** Starts the READ ONLY transaction; the budget counts from here. Can be called once. */
  begin(opts?: SessionOptions): Promise<OpenSession>;
  /** Ends the connection if begin() was never called. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Connects with `config` but opens no transaction: the facts phase connects (IAM token, TLS)
 * while Terraform plans, and begins only once it knows what to read.
 */
export async function connectIdle(config: pg.ClientConfig, connectTimeoutMs: number): Promise<IdleConnection> {
  const client = new pg.Client({
    ...config,
    connectionTimeoutMillis: Math.min(config.connectionTimeoutMillis ?? connectTimeoutMs, connectTimeoutMs),
  });
  client.on('error', () => undefined);
  await client.connect().catch(async (err: unknown) => {
    await client.end().catch(() => undefined);
    throw err;
  });
  // While idle, the socket does not keep the process alive (a run that ends early just exits).
  const socket = client.connection.stream as Partial<Pick<Socket, 'ref' | 'unref'>>;
  socket.unref?.();
  let used = false;
  return {
    begin(opts = {}) {
      if (used) throw new Error('This connection has already begun its session.');
      used = true;
      socket.ref?.();
      return beginSession(client, opts, false);
    },
    async close() {
      if (!used) {
        used = true;
        // Referenced again while it closes: a caller awaiting close() keeps the process alive.
        socket.ref?.();
        await client.end().catch(() => undefined);
      }
    },
  };
}

/**
 * Connects with `config` (the preflight's IAM-token configuration), starts a READ ONLY
 * transaction and sets its timeouts. Any query after the budget is spent, or running when it
 * runs out, fails with SessionBudgetExceeded and the connection is closed.
 */
export async function openReadOnlySession(config: pg.ClientConfig, opts: SessionOptions = {}): Promise<OpenSession> {
  const budgetMs = opts.budgetMs ?? 20_000;
  const client = new pg.Client({ ...config, connectionTimeoutMillis: Math.min(config.connectionTimeoutMillis ?? budgetMs, budgetMs) });
  // A socket error after connect() must not crash the process; the pending query rejects instead.
  client.on('error', () => undefined);
  return beginSession(client, opts, true);
}

/** Starts the budget, connects when asked, begins the READ ONLY transaction and sets its timeouts. */
async function beginSession(client: pg.Client, opts: SessionOptions, connect: boolean): Promise<OpenSession> {
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
    if (connect) await guard(() => client.connect());
    // One round trip (the simple protocol runs the three in order and stops at the first error).
    const statementTimeout = Math.max(1, Math.round(opts.statementTimeoutMs ?? 5_000));
    const lockTimeout = Math.max(1, Math.round(opts.lockTimeoutMs ?? 1_000));
    await guard(() =>
      client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${statementTimeout}; SET LOCAL lock_timeout = ${lockTimeout}`),
    );
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
