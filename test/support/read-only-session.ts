import pg from 'pg';
import type { ReadOnlySession } from '../../src/database/session.js';

// A test stand-in for the connection layer's session (src/database/session.ts on the access
// branch): one connection, BEGIN READ ONLY, SET LOCAL statement_timeout and lock_timeout.

export interface TestSession extends ReadOnlySession {
  close(): Promise<void>;
}

export async function openTestSession(
  config: pg.ClientConfig,
  opts: { statementTimeoutMs?: number; lockTimeoutMs?: number } = {},
): Promise<TestSession> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN READ ONLY');
  await client.query(`SET LOCAL statement_timeout = ${opts.statementTimeoutMs ?? 10_000}`);
  await client.query(`SET LOCAL lock_timeout = ${opts.lockTimeoutMs ?? 500}`);
  return {
    query: async <T extends object>(sql: string, params?: readonly unknown[]) =>
      (await client.query(sql, params as unknown[] | undefined)).rows as T[],
    close: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    },
  };
}
