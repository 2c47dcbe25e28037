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
 * Runs fn with a connected client and always closes it. A failure to connect reads as Atlas's
 * postgres driver reports it: `postgres: scanning system variables: ` and lib/pq's or Go's
 * net wording (the driver's first query is where a lazy database/sql connection fails).
 * @template T
 * @param {string} url
 * @param {(client: pg.Client) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withClient(url, fn) {
  const config = clientConfig(url);
  const client = new pg.Client(config);
  open.add(client);
  // A server-side error on an idle client would otherwise crash the process.
  client.on('error', () => {});
  try {
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`postgres: scanning system variables: ${goConnectError(err, `${config.host}:${config.port}`)}`, { cause: err });
    }
    return await fn(client);
  } finally {
    open.delete(client);
    await client.end().catch(() => {});
  }
}

/** lib/pq's and Go's net package's wording for a failed connection. */
function goConnectError(/** @type {unknown} */ err, /** @type {string} */ address) {
  const e = /** @type {{ code?: string, message?: string, severity?: string }} */ (err ?? {});
  if (e.severity) return `pq: ${e.message}`; // the server answered: an authentication or startup error
  if (e.code === 'ECONNREFUSED') return `dial tcp ${address}: connect: connection refused`;
  if (e.code === 'ENOTFOUND') return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
  if (/timeout/i.test(e.message ?? '')) return `dial tcp ${address}: i/o timeout`;
  return e.message ?? String(err);
}

/** Atlas's migrate executor's wording for a failed statement. */
function statementError(/** @type {string} */ sql, /** @type {unknown} */ err) {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`sql/migrate: executing statement ${JSON.stringify(sql)}: pq: ${message}`, { cause: err });
}

/**
 * Executes the statements in one transaction (`schema apply`, tx-mode file); on failure rolls
 * back and throws the database's own message wrapped the way Atlas's migrate executor
 * reports it (`sql/migrate: executing statement "...": pq: <message>`).
 * @param {pg.Client} client
 * @param {string[]} statements
 */
export async function executeInTransaction(client, statements) {
  if (statements.length === 0) return;
  await client.query('BEGIN');
  for (const sql of statements) {
    try {
      await client.query(sql);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw statementError(sql, err);
    }
  }
  await client.query('COMMIT');
}

/**
 * Executes the statements one by one without a transaction, as `schema clean` applies its
 * drops: what ran before a failing statement stays done.
 * @param {pg.Client} client
 * @param {string[]} statements
 */
export async function executeEach(client, statements) {
  for (const sql of statements) {
    try {
      await client.query(sql);
    } catch (err) {
      throw statementError(sql, err);
    }
  }
}

/** Closes whatever is still connected (the process is exiting). */
export async function closeAll() {
  await Promise.all([...open].map((c) => c.end().catch(() => {})));
  open.clear();
}
