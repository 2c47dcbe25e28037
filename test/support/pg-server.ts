import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { PgBinaries } from './runtimes.js';

// The PostgreSQL server process of a throwaway cluster: a temp dir per cluster, initdb, a
// server that listens only on a unix socket in that dir, clean shutdown, and the safety nets
// (exit hook, pdeathsig, sweep of dirs left by a killed test process). As root the server runs
// as the `postgres` OS user, because PostgreSQL refuses to run as root.

export const SOCKET_PORT = 5432; // names the socket file; nothing listens on TCP
const DB_OS_USER = 'postgres';
const READY_TIMEOUT_MS = 30_000;
const DIR_PREFIX = 'pg-harness-';
const OWNER_FILE = 'owner.pid';

/**
 * Set by the suite's global setup: a directory holding a data dir that initdb made once for the
 * run. A cluster copies it instead of running initdb (1-2 s of CPU each, ~10 s on a loaded
 * 2-core machine); every cluster still gets its own copy, server and socket.
 */
export const PG_TEMPLATE_ENV = 'RDS_ATLAS_TEST_PG_TEMPLATE';
const TEMPLATE_NOTE = 'template.json';

export interface ServerPaths {
  root: string;
  data: string;
  /** The unix socket directory (mode 0700: only the server's OS user and root reach it). */
  sock: string;
  log: string;
}

export interface Server {
  paths: ServerPaths;
  /** Registers what must be stopped before the server (the front, pools). */
  onStop(fn: () => Promise<void>): void;
  /** Stops what was registered, then a fast shutdown, then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A temp dir with an initialized data dir (bootstrap superuser `adminUser`, trusted on the socket only). */
export async function initCluster(bin: PgBinaries, adminUser: string, hba: string): Promise<Server> {
  sweepOrphans();
  const root = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const paths: ServerPaths = { root, data: join(root, 'data'), sock: join(root, 'sock'), log: join(root, 'postgres.log') };
  const handle: Live = { root, child: undefined, before: [] };
  live.add(handle);
  installExitHook();
  let stopping: Promise<void> | undefined;
  const server: Server = {
    paths,
    onStop: (fn) => void handle.before.push(fn),
    stop: () => (stopping ??= shutdown(handle)),
  };
  try {
    const dbUser = process.getuid?.() === 0 ? osUserIds(DB_OS_USER) : undefined;
    mkdirSync(paths.sock, { mode: 0o700 });
    if (dbUser) execFileSync('chown', ['-R', `${dbUser.uid}:${dbUser.gid}`, root]);
    const template = templateFor(bin, adminUser);
    // cp -a keeps the data dir's owner (the postgres OS user when we are root) and its 0700 mode.
    if (template) await run('cp', ['-a', template, paths.data]);
    // cwd inside the cluster's dir: the checkout may be closed to the postgres OS user.
    else await run(...asDbUser(dbUser, bin.initdb, initdbArgs(paths.data, adminUser)), root);
    writeFileSync(join(paths.data, 'pg_hba.conf'), hba);
    handle.child = await startServer(bin.postgres, dbUser, paths);
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}

function initdbArgs(data: string, adminUser: string): string[] {
  return ['-D', data, '-U', adminUser, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'];
}

/**
 * Runs initdb once into `<dir>/data` for initCluster to copy (see PG_TEMPLATE_ENV), and notes
 * which initdb and bootstrap superuser made it: a cluster of another major or admin ignores it.
 */
export async function initTemplate(bin: PgBinaries, adminUser: string, dir: string): Promise<void> {
  mkdirSync(dir, { mode: 0o700 });
  const dbUser = process.getuid?.() === 0 ? osUserIds(DB_OS_USER) : undefined;
  if (dbUser) execFileSync('chown', [`${dbUser.uid}:${dbUser.gid}`, dir]);
  await run(...asDbUser(dbUser, bin.initdb, initdbArgs(join(dir, 'data'), adminUser)), dir);
  writeFileSync(join(dir, TEMPLATE_NOTE), JSON.stringify({ initdb: bin.initdb, adminUser }));
}

/** The template's data dir, if the run has one made by this initdb for this admin user. */
function templateFor(bin: PgBinaries, adminUser: string): string | undefined {
  const dir = process.env[PG_TEMPLATE_ENV];
  if (!dir) return undefined;
  try {
    const note = JSON.parse(readFileSync(join(dir, TEMPLATE_NOTE), 'utf8')) as { initdb?: string; adminUser?: string };
    return note.initdb === bin.initdb && note.adminUser === adminUser ? join(dir, 'data') : undefined;
  } catch {
    return undefined;
  }
}

async function startServer(postgresBin: string, dbUser: UserIds | undefined, paths: ServerPaths): Promise<ChildProcess> {
  const args = [
    '-D',
    paths.data,
    '-p',
    String(SOCKET_PORT),
    '-c',
    'listen_addresses=',
    '-c',
    `unix_socket_directories=${paths.sock}`,
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
  // pdeathsig: if the test process dies without running any hook, the kernel still tells the
  // postmaster to shut down (SIGINT = fast shutdown).
  const [file, argv] = asDbUser(dbUser, postgresBin, args, { pdeathsig: true });
  const child = spawn(file, argv, { cwd: paths.root, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  try {
    await waitReady(child, paths);
    return child;
  } catch (err) {
    child.kill('SIGQUIT');
    throw err;
  }
}

async function waitReady(child: ChildProcess, paths: ServerPaths): Promise<void> {
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
    await new Promise((r) => setTimeout(r, 20));
  }
  const why = exited !== undefined ? `postgres exited with code ${exited}` : `not ready after ${READY_TIMEOUT_MS} ms`;
  throw new Error(`Could not start the test PostgreSQL (${why}). Server log:\n${tail(paths.log)}`);
}

// --- teardown -------------------------------------------------------------------------

interface Live {
  root: string;
  child: ChildProcess | undefined;
  before: (() => Promise<void>)[];
}
const live = new Set<Live>();
let hookInstalled = false;

async function shutdown(handle: Live): Promise<void> {
  for (const fn of handle.before.reverse()) await fn().catch(() => undefined);
  const { child } = handle;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT'); // fast shutdown: ends sessions, then exits cleanly
    const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000); // immediate shutdown
    await exited;
    clearTimeout(timer);
  }
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
  const setpriv = onPath('setpriv');
  const death = opts.pdeathsig ? ['--pdeathsig', 'INT'] : [];
  if (setpriv && user) {
    return [setpriv, [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', ...death, file, ...args]];
  }
  if (setpriv && death.length) return [setpriv, [...death, file, ...args]];
  const runuser = onPath('runuser');
  if (user && runuser) return [runuser, ['-u', DB_OS_USER, '--', file, ...args]];
  if (user) throw new Error('Running as root needs setpriv or runuser (util-linux) to start PostgreSQL as another user.');
  return [file, args];
}

/** A system tool (setpriv, runuser) from PATH; the PostgreSQL binaries never come from there. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export function run(file: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args[0] ?? ''} failed: ${err.message}\n${stderr}`, { cause: err }));
      else resolve();
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
