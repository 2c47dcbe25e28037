import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

// What one suite run left behind, and nothing else. Every run gets its own temp directory
// (global-setup.ts points TMPDIR at it, so every temp dir the tests, PostgreSQL, Terraform and
// the action create lands there); a process is the run's when its arguments or its working
// directory are inside that directory. Another checkout's run, another vitest in this checkout,
// or an unrelated PostgreSQL on the machine is never counted.

/** The env var carrying the run's temp directory to the workers. */
export const RUN_DIR_ENV = 'RDS_ATLAS_TEST_RUN_DIR';

/** Temp dir names the suite creates (directly in the run dir). */
export const OURS =
  /^(pg-harness|lint-test|tfh|workspace|runner-temp|runner-files|events|events-test|checkout|tf-cli-test|inputs-test|outputs-test|summary-test|aws-cred-test|rds-atlas-aws|rds-atlas-plan|demo-test|atlas-clis)-/;

/**
 * A fresh directory for one run, under `base`. Mode 0711: the postgres OS user (as root the
 * test PostgreSQL runs as that user) passes through to its cluster dirs but cannot list it.
 */
export function createRunDir(base: string): string {
  sweepDeadRuns(base);
  const dir = mkdtempSync(path.join(base, RUN_PREFIX));
  chmodSync(dir, 0o711);
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

const RUN_PREFIX = 'rds-atlas-test-run-';
const OWNER_FILE = 'owner.pid';

/** A run killed outright (SIGKILL, OOM) runs no teardown: its directory goes when its owner is gone. */
function sweepDeadRuns(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(RUN_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(base, name);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // being created, or not ours to judge
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

/** Programs the suite starts, by what their command line contains. */
export function processMarkers(repoRoot: string): string[] {
  return [path.join(repoRoot, 'dist/index.js'), path.join(repoRoot, 'test/support/atlas-provider/main.mjs'), 'postgres -D '];
}

/** "pid args" of the suite's programs that belong to this run (args or cwd inside `runDir`). */
export function runProcesses(runDir: string, markers: string[]): string[] {
  const inside = (p: string): boolean => p === runDir || p.startsWith(`${runDir}${path.sep}`);
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => markers.some((m) => line.includes(m)))
    .filter((line) => line.includes(`${runDir}${path.sep}`) || inside(cwdOf(Number(line.split(/\s+/)[0]))));
}

/** Entries with the suite's prefixes left in the run's temp directory. */
export function runTempDirs(runDir: string): string[] {
  try {
    return readdirSync(runDir)
      .filter((name) => OURS.test(name))
      .map((name) => path.join(runDir, name));
  } catch {
    return [];
  }
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return ''; // gone, or another user's process we may not inspect: not ours
  }
}
