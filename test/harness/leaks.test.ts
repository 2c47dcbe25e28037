import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setup, teardown } from '../support/global-setup.js';
import { RUN_DIR_ENV } from '../support/leaks.js';

// The suite's leak check counts only what its own run started: a PostgreSQL of another
// checkout or another run, and temp dirs with our prefixes that are not this run's, must not
// fail it; a server or dir this run left must.

const started: ChildProcess[] = [];
const made: string[] = [];
const saved = { TMPDIR: process.env['TMPDIR'], run: process.env[RUN_DIR_ENV] };

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  restore('TMPDIR', saved.TMPDIR);
  restore(RUN_DIR_ENV, saved.run);
  process.exitCode = undefined;
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** A process whose command line reads like the test PostgreSQL's: `postgres -D <data>`. */
async function fakePostgres(data: string): Promise<ChildProcess> {
  mkdirSync(data, { recursive: true });
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'postgres', '-D', data], { cwd: data, stdio: 'ignore' });
  started.push(child);
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child;
}

describe('the suite leak check', () => {
  it("ignores another run's PostgreSQL and temp dirs, and names what this run left", async () => {
    const outside = os.tmpdir();
    await setup();
    const runDir = process.env[RUN_DIR_ENV] ?? '';
    made.push(runDir);
    expect(path.dirname(runDir)).toBe(outside);
    expect(os.tmpdir()).toBe(runDir);

    // Another checkout's run, in the temp dir this run started from: same names, same shape.
    const foreign = mkdtempSync(path.join(outside, 'pg-harness-'));
    made.push(foreign);
    await fakePostgres(path.join(foreign, 'data'));
    await expect(teardown()).resolves.toBeUndefined();
    expect(existsSync(runDir)).toBe(false);

    // This run's own leftovers fail it, by name (a new run starts from the same temp dir).
    process.env['TMPDIR'] = outside;
    await setup();
    const next = process.env[RUN_DIR_ENV] ?? '';
    made.push(next);
    const own = mkdtempSync(path.join(os.tmpdir(), 'pg-harness-'));
    const server = await fakePostgres(path.join(own, 'data'));
    const err = await teardown().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const lines = (err as Error).message.split('\n').slice(1);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^process still running: ${server.pid} .*postgres -D ${own}/data$`)),
      `temp directory left behind: ${own}`,
    ]);
    expect(process.exitCode).toBe(1);
  });
});
