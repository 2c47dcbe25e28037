import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// As root, the test PostgreSQL runs as the `postgres` OS user (PostgreSQL refuses root), and
// that user must reach initdb, postgres and their libraries. They live in node_modules of the
// checkout, which that user cannot enter when the checkout is in a private directory (/root,
// a `mktemp -d` dir): initdb then dies with "error while loading shared libraries". So as root
// the binaries run from a copy of the package's native/ tree in a world-readable cache outside
// the checkout, made once per package version and content.

/** Env var naming the temp dir to put the cache in; the suite points TMPDIR at a per-run dir. */
export const CACHE_BASE_ENV = 'RDS_ATLAS_TEST_CACHE_DIR';
const PREFIX = 'rds-atlas-pg-native-';

/**
 * A copy of `<packageDir>/native` that any OS user can read and run, owned by us and writable
 * only by us; reused when one with the same key exists. Returns the copy's native/ directory.
 */
export function sharedNativeTree(packageDir: string, packageName: string, env: NodeJS.ProcessEnv = process.env): string {
  const manifest = readFileSync(join(packageDir, 'package.json'));
  const links = readOptional(join(packageDir, 'native', 'pg-symlinks.json'));
  const key = createHash('sha256').update(manifest).update(links).digest('hex').slice(0, 16);
  const safeName = packageName.replace(/[^A-Za-z0-9.-]+/g, '_');
  const base = env[CACHE_BASE_ENV] || tmpdir();
  const final = join(base, `${PREFIX}${safeName}-${key}`);
  if (trusted(final)) return final;

  // Built beside, then renamed into place: a concurrent builder's copy wins, ours is dropped.
  const building = join(base, `${PREFIX}building-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    cpSync(join(packageDir, 'native'), building, { recursive: true, verbatimSymlinks: true });
    openUp(building);
    try {
      renameSync(building, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  if (!trusted(final)) throw new Error(`Could not create ${final}, the PostgreSQL binaries the tests run as the postgres OS user.`);
  return final;
}

/** Ours and not writable by anyone else: someone else's directory here could swap the binaries. */
function trusted(dir: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return false;
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new Error(
      `${dir} (the PostgreSQL binaries the tests run as the postgres OS user) is not a directory owned by this user and writable only by it. Remove it and run again.`,
    );
  }
  return true;
}

/** Directories 0755, files 0755 when executable else 0644; symlinks as they are. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openUp(at);
    else chmodSync(at, (lstatSync(at).mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}

function readOptional(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}
