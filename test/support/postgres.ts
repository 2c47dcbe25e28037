import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { startIamAuth, type IamAuthOptions, type IamAuthServer } from './iam-auth.js';

// A throwaway PostgreSQL cluster per call, shaped like a fresh RDS instance: TLS-only TCP on
// 127.0.0.1, the rds_* built-in roles, `postgres` as the master user with a random password.
// Members of rds_iam log in with an RDS IAM token: with `iamAuth`, pg_hba sends their password
// to a loopback LDAP server (iam-auth.ts) that verifies it as RDS does (user, endpoint,
// region, an unexpired STS-issued credential, signature). Without `iamAuth` the cluster does
// NOT verify tokens: rds_iam members get in with any password (`trust`), which only suits
// tests of code that never signs a real token; every run of the action uses `iamAuth`.
// Binaries are found through PATH, as on a runner. As root, the server runs as the
// `postgres` OS user because PostgreSQL refuses to run as root.

export interface PgCluster {
  host: string;
  port: number;
  database: string;
  masterUser: string;
  masterPassword: string;
  /** postgres://user[:pw]@127.0.0.1:port/db?sslmode=require, every part URL-encoded. */
  url(user: string, password?: string, database?: string): string;
  /** Runs as the master user over TLS. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Fast shutdown, then the temp dir is removed. Safe to call more than once. */
  stop(): Promise<void>;
  /** The server's own log, for diagnosing a failing test. */
  logFile: string;
  /** Milliseconds from the call to startPostgres until the bootstrap finished. */
  startupMs: number;
  /** The IAM-token verifier (its `verifications` log), when started with `iamAuth`. */
  iam: IamAuthServer | undefined;
}

export interface PostgresOptions {
  /**
   * Verify the passwords of rds_iam members as RDS IAM tokens signed with these credentials
   * for this cluster's endpoint and this region (PostgreSQL `ldap` auth → iam-auth.ts). Without
   * it, rds_iam members are let in with any password.
   */
  iamAuth?: IamAuthOptions;
}

const DB_OS_USER = 'postgres';
const MASTER_USER = 'postgres';
const DATABASE = 'appdb';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const DIR_PREFIX = 'pg-harness-';
const OWNER_FILE = 'owner.pid';

/** The RDS built-in roles a fresh instance has; the seed's roles HCL declares them `external`. */
export const RDS_BUILTIN_ROLES = [
  'rds_iam',
  'rds_superuser',
  'rds_password',
  'rds_replication',
  'rds_ad',
  'rds_reserved',
  'rds_extension',
] as const;

/**
 * pg options for a URL made by `url()`, with libpq's `sslmode=require` meaning (encrypt, do
 * not verify): pg's own URL parser would treat `require` as verify-full and reject our
 * self-signed certificate.
 */
export function connectionConfig(url: string): pg.ClientConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    ssl: { rejectUnauthorized: false },
  };
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PgCluster> {
  const started = Date.now();
  const bin = { initdb: findOnPath('initdb'), postgres: findOnPath('postgres') };
  const dbUser = process.getuid?.() === 0 ? osUserIds(DB_OS_USER) : undefined;

  sweepOrphans();
  const root = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const handle: Live = { root, child: undefined, iam: undefined };
  live.add(handle);
  installExitHook();
  try {
    const iam = opts.iamAuth ? await startIamAuth(opts.iamAuth) : undefined;
    handle.iam = iam;
    const password = `${randomBytes(18).toString('base64url')}@/:`;
    const paths = layout(root);
    mkdirSync(paths.sock);
    mkdirSync(paths.ssl);
    writeFileSync(paths.pwfile, `${password}\n`, { mode: 0o600 });
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      paths.key,
      '-out',
      paths.cert,
    ]);
    chmodSync(paths.key, 0o600); // PostgreSQL refuses a key readable by others
    if (dbUser) chownTree(root, dbUser);

    await run(
      ...asDbUser(dbUser, bin.initdb, [
        '-D',
        paths.data,
        '-U',
        MASTER_USER,
        `--pwfile=${paths.pwfile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]),
    );
    rmSync(paths.pwfile);
    writeFileSync(join(paths.data, 'pg_hba.conf'), hba(iam ? `ldap ${iam.hbaOptions}` : 'trust'));

    const { child, port } = await startServer(bin.postgres, dbUser, paths);
    handle.child = child;
    iam?.setEndpoint(HOST, port);

    const pool = new pg.Pool({
      host: HOST,
      port,
      user: MASTER_USER,
      password,
      database: DATABASE,
      ssl: { rejectUnauthorized: false },
      max: 3,
      idleTimeoutMillis: 2_000,
      allowExitOnIdle: true,
    });
    // An idle client losing its connection at shutdown must not crash the test process.
    pool.on('error', () => undefined);
    await bootstrap(port, password);

    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      database: DATABASE,
      masterUser: MASTER_USER,
      masterPassword: password,
      logFile: paths.log,
      startupMs: Date.now() - started,
      iam,
      url(user, pw, database = DATABASE) {
        const auth = pw === undefined ? enc(user) : `${enc(user)}:${enc(pw)}`;
        return `postgres://${auth}@${HOST}:${port}/${enc(database)}?sslmode=require`;
      },
      async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
        const res = await pool.query(sql, params);
        return res.rows as T[];
      },
      stop() {
        stopping ??= (async () => {
          await pool.end().catch(() => undefined);
          await shutdown(handle);
        })();
        return stopping;
      },
    };
  } catch (err) {
    await shutdown(handle);
    throw err;
  }
}

// PostgreSQL's own refusal for plain TCP; rds_iam members (IAM token) before the password rule.
const hba = (iamMethod: string): string => `# generated by test/support/postgres.ts
local     all  all                   trust
hostnossl all  all       0.0.0.0/0   reject
hostnossl all  all       ::/0        reject
hostssl   all  +rds_iam  127.0.0.1/32 ${iamMethod}
hostssl   all  all       127.0.0.1/32 scram-sha-256
`;

async function bootstrap(port: number, password: string): Promise<void> {
  const client = new pg.Client({
    host: HOST,
    port,
    user: MASTER_USER,
    password,
    database: 'postgres',
    ssl: { rejectUnauthorized: false },
  });
  await client.connect();
  try {
    for (const role of RDS_BUILTIN_ROLES) await client.query(`CREATE ROLE ${role} NOLOGIN`);
    // On RDS rdsadmin is the service's own superuser; nobody here knows a password for it.
    await client.query('CREATE ROLE rdsadmin WITH LOGIN SUPERUSER');
    await client.query(`GRANT rds_superuser TO ${MASTER_USER}`);
    await client.query(`CREATE DATABASE ${DATABASE} OWNER ${MASTER_USER}`);
  } finally {
    await client.end();
  }
}

interface Paths {
  data: string;
  sock: string;
  ssl: string;
  cert: string;
  key: string;
  pwfile: string;
  log: string;
}

function layout(root: string): Paths {
  const ssl = join(root, 'ssl');
  return {
    data: join(root, 'data'),
    sock: join(root, 'sock'),
    ssl,
    cert: join(ssl, 'server.crt'),
    key: join(ssl, 'server.key'),
    pwfile: join(root, 'pwfile'),
    log: join(root, 'postgres.log'),
  };
}

async function startServer(postgresBin: string, dbUser: UserIds | undefined, paths: Paths): Promise<{ child: ChildProcess; port: number }> {
  // The port is picked by binding port 0 and released before PostgreSQL binds it; another
  // process can win that race, so a bind failure is retried with a fresh port.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [
      '-D',
      paths.data,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      `unix_socket_directories=${paths.sock}`,
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${paths.cert}`,
      '-c',
      `ssl_key_file=${paths.key}`,
      // Throwaway data: durability costs start-up and test time for nothing.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=50',
      '-c',
      'shared_buffers=16MB',
    ];
    const logFd = openSync(paths.log, 'a');
    // pdeathsig: if the test process dies without running any hook, the kernel still tells
    // the postmaster to shut down (SIGINT = fast shutdown).
    const [file, argv] = asDbUser(dbUser, postgresBin, args, { pdeathsig: true });
    const child = spawn(file, argv, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    child.unref();
    try {
      await waitReady(child, paths);
      return { child, port };
    } catch (err) {
      lastError = err;
      child.kill('SIGQUIT');
      if (!/could not bind|Address already in use/i.test(String(err))) break;
    }
  }
  throw lastError;
}

async function waitReady(child: ChildProcess, paths: Paths): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  // The postmaster writes "ready" on line 8 of postmaster.pid once it accepts connections;
  // pg_ctl -w waits on the same line.
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    try {
      const lines = readFileSync(join(paths.data, 'postmaster.pid'), 'utf8').split('\n');
      if (lines[7]?.trim() === 'ready') return;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const why = exited !== undefined ? `postgres exited with code ${exited}` : `not ready after ${READY_TIMEOUT_MS} ms`;
  throw new Error(`Could not start the test PostgreSQL (${why}). Server log:\n${tail(paths.log)}`);
}

// --- teardown -------------------------------------------------------------------------

interface Live {
  root: string;
  child: ChildProcess | undefined;
  iam: IamAuthServer | undefined;
}
const live = new Set<Live>();
let hookInstalled = false;

async function shutdown(handle: Live): Promise<void> {
  const { child } = handle;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT'); // fast shutdown: ends sessions, then exits cleanly
    const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000); // immediate shutdown
    await exited;
    clearTimeout(timer);
  }
  await handle.iam?.stop();
  rmSync(handle.root, { recursive: true, force: true });
  live.delete(handle);
}

/** Last resort when a test forgot stop(): immediate shutdown and temp dir removal. */
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const h of live) {
      try {
        if (h.child?.pid && h.child.exitCode === null) process.kill(h.child.pid, 'SIGQUIT');
      } catch {
        // already gone
      }
      rmSync(h.root, { recursive: true, force: true });
    }
  });
}

/**
 * A test process killed outright (SIGKILL, OOM) runs no hook; its server still stops through
 * pdeathsig, but its temp dir stays. The next start removes dirs whose owning process is gone.
 */
function sweepOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    if (owner > 0 && !isAlive(owner)) rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// --- processes and OS ------------------------------------------------------------------

interface UserIds {
  uid: number;
  gid: number;
}

/** The binary's absolute path from PATH, as a runner or a user's shell would resolve it. */
export function findOnPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error(
    `Could not find "${name}" on PATH. Install the PostgreSQL server binaries ` +
      `(e.g. apt-get install postgresql) and put their bin directory on PATH.`,
  );
}

function osUserIds(name: string): UserIds {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `Running as root, the test PostgreSQL must run as the "${name}" OS user, which does not exist. ` +
        `Create it (useradd --system ${name}) or run the tests as a non-root user.`,
    );
  }
}

/** setpriv (util-linux) switches user without PAM and can set the parent-death signal. */
function asDbUser(user: UserIds | undefined, file: string, args: string[], opts: { pdeathsig?: boolean } = {}): [string, string[]] {
  const setpriv = tryFindOnPath('setpriv');
  const death = opts.pdeathsig ? ['--pdeathsig', 'INT'] : [];
  if (setpriv && user) {
    return [setpriv, [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', ...death, file, ...args]];
  }
  if (setpriv && death.length) return [setpriv, [...death, file, ...args]];
  if (user) return [findOnPath('runuser'), ['-u', DB_OS_USER, '--', file, ...args]];
  return [file, args];
}

function tryFindOnPath(name: string): string | undefined {
  try {
    return findOnPath(name);
  } catch {
    return undefined;
  }
}

function chownTree(root: string, user: UserIds): void {
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, root]);
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args[0] ?? ''} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
