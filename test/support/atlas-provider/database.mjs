// The stand-in's only connection to PostgreSQL. The URL comes from atlas.hcl's data sources
// (atlas-hcl.mjs), unless a test sets ATLAS_STANDIN_URL_<ENV> as an explicit override.
import pg from 'pg';

/** @type {Set<pg.Client>} */
const open = new Set();

/**
 * The override URL for an env name from ATLAS_STANDIN_URL_<ENV>, or undefined (then atlas.hcl
 * decides). Only test/harness/provider-fixture.ts (for the atlas-provider*.test.ts files) sets it; runs of the action never do.
 * @param {string} envName
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
export function overrideUrl(envName, env = process.env) {
  const variable = `ATLAS_STANDIN_URL_${envName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return env[variable] || undefined;
}

/**
 * Connection options with libpq semantics for sslmode: `require` encrypts without
 * verifying the certificate. pg's own URL parser would verify it, so the URL is taken
 * apart here.
 * @param {string} url
 * @returns {pg.ClientConfig}
 */
export function clientConfig(url) {
  const u = new URL(url);
  const sslmode = u.searchParams.get('sslmode') ?? 'prefer';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username),
    ssl: sslmode === 'disable' ? false : { rejectUnauthorized: sslmode === 'verify-full' || sslmode === 'verify-ca' },
    connectionTimeoutMillis: 10_000,
  };
}

/**
 * Runs fn with a connected client and always closes it.
 * @template T
 * @param {string} url
 * @param {(client: pg.Client) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withClient(url, fn) {
  const client = new pg.Client(clientConfig(url));
  open.add(client);
  // A server-side error on an idle client would otherwise crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    open.delete(client);
    await client.end().catch(() => {});
  }
}

/**
 * Executes the statements in one transaction; on failure rolls back and throws the database's
 * own message wrapped the way Atlas's migrate executor reports it
 * (`sql/migrate: executing statement "...": pq: <message>`).
 * @param {string} url
 * @param {string[]} statements
 */
export async function executeInTransaction(url, statements) {
  await withClient(url, async (client) => {
    await client.query('BEGIN');
    let current = '';
    try {
      for (const sql of statements) {
        current = sql;
        await client.query(sql);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(current ? `sql/migrate: executing statement ${JSON.stringify(current)}: pq: ${message}` : `pq: ${message}`);
    }
  });
}

/** Closes whatever is still connected (the process is exiting). */
export async function closeAll() {
  await Promise.all([...open].map((c) => c.end().catch(() => {})));
  open.clear();
}
